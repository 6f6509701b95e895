//! The `ratify-oci-layout` store plugin executable; all logic lives in the `ratify_oci_layout` library.

fn main() {
    ratify_plugin_sdk::store::run(ratify_oci_layout::OciLayoutStore::default())
}
