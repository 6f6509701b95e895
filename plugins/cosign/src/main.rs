fn main() {
    ratify_plugin_sdk::verifier::run(ratify_cosign::CosignVerifier)
}
