#![allow(clippy::unwrap_used, clippy::expect_used)]
//! End to end over our own fixtures: keyless cosign simple-signing layers (a Fulcio-style leaf
//! with an embedded SCT, its chain, and a Rekor bundle whose hashedrekord names the
//! certificate), verified through `verify_layer` under a keyless trust policy with our own
//! `trusted_root.json`. The certificate is checked at the log's integrated time — a day
//! before "now", long after the ten-minute leaf expired — as cosign does.

mod own_support;

use own_support::pki::{Ca, Leaf, LeafSpec, San, Sct, issue_leaf};
use own_support::rekor::{Log, hashedrekord};
use own_support::writers::{
    BUNDLE, CERTIFICATE, CHAIN, SIGNATURE, layer, rekor_bundle, simple_signing, trusted_root,
};
use own_support::*;
use ratify_plugin_sdk::wire::VerifyResult;
use serde_json::{Value, json};

const EMAIL: &str = "signer@own.example";
const ISSUER: &str = "https://issuer.own.example";

/// The trusted world: a CA, a Rekor log and a CT log, all named in the trusted root.
struct World {
    ca: Ca,
    rekor: Log,
    ct: Log,
    _dir: Dir,
    root_path: String,
}

impl World {
    fn new() -> Self {
        let (ca, rekor, ct, dir) = (Ca::new("own"), Log::new(), Log::new(), Dir::new());
        let root_path = dir.write("trusted_root.json", trusted_root(&rekor, &ct, &[&ca]));
        World {
            ca,
            rekor,
            ct,
            _dir: dir,
            root_path,
        }
    }

    /// A keyless policy with these identity keys, `ctLogVerify` on.
    fn config(&self, identity: Value) -> ratify_cosign::config::CosignConfig {
        let mut keyless = json!({"ctLogVerify": true});
        for (k, v) in identity.as_object().unwrap() {
            keyless[k] = v.clone();
        }
        policy_config(json!({"keyless": keyless, "trustedRoot": self.root_path}))
    }

    /// Signs the subject's payload with a leaf issued by `ca` from `spec`, logs it at
    /// `logged_at` and verifies the layer under `config`.
    fn verify(
        &self,
        ca: &Ca,
        spec: &LeafSpec,
        logged_at: i64,
        config: &ratify_cosign::config::CosignConfig,
    ) -> VerifyResult {
        let leaf = issue_leaf(ca, spec, &self.ct.key);
        self.verify_logged_as(&leaf, &leaf, ca, logged_at, config)
    }

    /// Signs the subject's payload with `leaf`, logs it at `logged_at` as signed by `logged`
    /// (the certificate the log entry names) and verifies the layer, carrying `ca`'s chain,
    /// under `config`.
    fn verify_logged_as(
        &self,
        leaf: &Leaf,
        logged: &Leaf,
        ca: &Ca,
        logged_at: i64,
        config: &ratify_cosign::config::CosignConfig,
    ) -> VerifyResult {
        let subject = subject("image");
        let payload = simple_signing(&subject.digest);
        let signature = leaf.key.sign(&payload);
        let body = hashedrekord(&sha256_hex(&payload), &signature, &logged.pem());
        let entry = self.rekor.log(body, logged_at);
        let descriptor = layer(
            &payload,
            &[
                (SIGNATURE, b64(&signature)),
                (CERTIFICATE, leaf.pem()),
                (CHAIN, ca.chain_pem()),
                (BUNDLE, rekor_bundle(&entry)),
            ],
        );
        verify_layer(config, &descriptor, payload, &subject)
    }
}

fn exact() -> Value {
    json!({"certificateIdentity": EMAIL, "certificateOIDCIssuer": ISSUER})
}

#[test]
fn fulcio_style_signature_with_exact_identity_passes() {
    let world = World::new();
    let spec = LeafSpec::email(EMAIL, ISSUER);
    let result = world.verify(&world.ca, &spec, LOGGED_AT, &world.config(exact()));
    assert_passes(&result);
    let check = &verifications(&result)[0];
    assert_eq!(check["bundleVerified"], true);
    assert_eq!(check["integratedTime"], LOGGED_AT);
    assert_eq!(check["identity"]["subjects"], json!([EMAIL]));
    assert_eq!(check["identity"]["issuer"], ISSUER);
}

#[test]
fn fulcio_style_signature_with_regexp_identity_passes() {
    let world = World::new();
    let spec = LeafSpec::email(EMAIL, ISSUER);
    let config = world.config(json!({
        "certificateIdentityRegExp": r"^signer@own\.example$",
        "certificateOIDCIssuerRegExp": r"^https://issuer\.own\.",
    }));
    assert_passes(&world.verify(&world.ca, &spec, LOGGED_AT, &config));
}

#[test]
fn uri_identity_with_only_the_legacy_issuer_extension_passes() {
    // Fulcio certificates from before late 2022 carry the issuer in .1.1 only.
    let world = World::new();
    let uri = "https://github.com/own/repo/.github/workflows/sign.yml@refs/heads/main";
    let spec = LeafSpec {
        san: San::Uri(uri.into()),
        issuer_v2: None,
        issuer_v1: Some(ISSUER.into()),
        ..LeafSpec::email(EMAIL, ISSUER)
    };
    let config = world.config(json!({"certificateIdentity": uri, "certificateOIDCIssuer": ISSUER}));
    assert_passes(&world.verify(&world.ca, &spec, LOGGED_AT, &config));
}

#[test]
fn another_identity_fails() {
    let world = World::new();
    let spec = LeafSpec::email(EMAIL, ISSUER);
    let config = world.config(json!({
        "certificateIdentity": "someone-else@own.example",
        "certificateOIDCIssuer": ISSUER,
    }));
    let result = world.verify(&world.ca, &spec, LOGGED_AT, &config);
    assert_fails(&result, "none of the expected identities matched");
}

#[test]
fn identity_regexp_that_does_not_match_fails() {
    let world = World::new();
    let spec = LeafSpec::email(EMAIL, ISSUER);
    let config = world.config(json!({
        "certificateIdentityRegExp": r"^admin@",
        "certificateOIDCIssuer": ISSUER,
    }));
    let result = world.verify(&world.ca, &spec, LOGGED_AT, &config);
    assert_fails(&result, "none of the expected identities matched");
}

#[test]
fn another_oidc_issuer_fails() {
    let world = World::new();
    let spec = LeafSpec::email(EMAIL, "https://accounts.elsewhere.example");
    let result = world.verify(&world.ca, &spec, LOGGED_AT, &world.config(exact()));
    assert_fails(&result, "none of the expected identities matched");
    assert!(
        result
            .error_reason
            .unwrap()
            .contains("with issuer https://accounts.elsewhere.example")
    );
}

#[test]
fn log_time_after_the_certificate_expired_fails() {
    let world = World::new();
    let spec = LeafSpec::email(EMAIL, ISSUER);
    let late = T0 + LEAF_LIFETIME + 3600;
    let result = world.verify(&world.ca, &spec, late, &world.config(exact()));
    assert_fails(&result, "certificate expired before observed time");
}

#[test]
fn log_time_before_the_certificate_was_issued_fails() {
    let world = World::new();
    let spec = LeafSpec::email(EMAIL, ISSUER);
    let result = world.verify(&world.ca, &spec, T0 - 60, &world.config(exact()));
    assert_fails(&result, "certificate was issued after observed time");
}

#[test]
fn missing_sct_fails_when_ct_log_verify_is_on() {
    let world = World::new();
    let spec = LeafSpec {
        sct: Sct::Absent,
        ..LeafSpec::email(EMAIL, ISSUER)
    };
    let result = world.verify(&world.ca, &spec, LOGGED_AT, &world.config(exact()));
    assert_fails(&result, "does not include required embedded SCT");
}

#[test]
fn missing_sct_passes_when_ct_log_verify_is_off() {
    let world = World::new();
    let spec = LeafSpec {
        sct: Sct::Absent,
        ..LeafSpec::email(EMAIL, ISSUER)
    };
    let mut identity = exact();
    identity["ctLogVerify"] = json!(false);
    let result = world.verify(&world.ca, &spec, LOGGED_AT, &world.config(identity));
    assert_passes(&result);
}

#[test]
fn sct_over_another_issuer_key_fails() {
    // The SCT hashes the root's key instead of the issuing intermediate's (RFC 6962 §3.2).
    let world = World::new();
    let spec = LeafSpec {
        sct: Sct::IssuerHashOfRoot,
        ..LeafSpec::email(EMAIL, ISSUER)
    };
    let result = world.verify(&world.ca, &spec, LOGGED_AT, &world.config(exact()));
    assert_fails(&result, "error verifying embedded SCT");
}

#[test]
fn sct_from_an_unknown_ct_log_fails() {
    let world = World::new();
    let stranger = World::new();
    let spec = LeafSpec::email(EMAIL, ISSUER);
    // Issued by our CA and logged in our Rekor, but the SCT comes from a CT log we do not know.
    let leaf_world = World {
        ct: stranger.ct,
        ..world
    };
    let config = leaf_world.config(exact());
    let result = leaf_world.verify(&leaf_world.ca, &spec, LOGGED_AT, &config);
    assert_fails(&result, "ctfe public key not found");
}

#[test]
fn certificate_from_an_unknown_ca_fails() {
    let world = World::new();
    let unknown = Ca::new("unknown");
    let spec = LeafSpec::email(EMAIL, ISSUER);
    let result = world.verify(&unknown, &spec, LOGGED_AT, &world.config(exact()));
    assert_fails(&result, "cert verification failed");
    assert!(
        result
            .error_reason
            .unwrap()
            .contains("signed by unknown authority")
    );
}

#[test]
fn rekor_entry_naming_another_certificate_fails() {
    let world = World::new();
    let spec = LeafSpec::email(EMAIL, ISSUER);
    let leaf = issue_leaf(&world.ca, &spec, &world.ct.key);
    let other = issue_leaf(&world.ca, &spec, &world.ct.key);
    let config = world.config(exact());
    let result = world.verify_logged_as(&leaf, &other, &world.ca, LOGGED_AT, &config);
    assert_fails(&result, "comparing public key PEMs");
}
