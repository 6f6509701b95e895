//! Every cosign/Sigstore case of shared/interop/cases.json (RAT-05, RAT-06, COS-01, SGO-01,
//! CI-01 … CI-06) must name the tests that cover it, and every named test must exist: a new
//! case without a row, or a row naming a renamed or removed test, fails here. Paths are
//! relative to the workspace root.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use std::collections::BTreeSet;
use std::path::Path;

const LEGACY: &str = "plugins/cosign/tests/interop_legacy.rs";
const CERTS: &str = "plugins/cosign/tests/interop_certificates.rs";
const BUNDLES: &str = "plugins/cosign/tests/interop_bundles.rs";
const KEYS: &str = "plugins/cosign/tests/keys_interop.rs";

type Row = (&'static str, &'static [(&'static str, &'static str)]);

#[rustfmt::skip]
const COVERAGE: &[Row] = &[
    ("RAT-05", &[(LEGACY, "rat05_key_based_rsa2048_rsa3072_p256_are_valid"), (KEYS, "rat05_keyed_simple_signing")]),
    ("RAT-06", &[(LEGACY, "rat06_keyless_fulcio_rekor_is_valid_at_the_log_time"), (KEYS, "rat06_fulcio_certificate_key")]),
    ("COS-01", &[(BUNDLES, "cos01_v03_attestation_is_valid_with_any_identity"), (BUNDLES, "cos01_wrong_identity_or_other_image_is_invalid"), (BUNDLES, "cos01_tampered_log_evidence_is_invalid")]),
    ("SGO-01", &[(BUNDLES, "sgo01_v01_npm_provenance_is_valid_by_sha512_subject"), (BUNDLES, "sgo01_v01_promise_only_bundle_with_root_in_chain_is_valid")]),
    ("CI-01", &[(LEGACY, "ci01_key_signed_image_accepted_by_its_key_only"), (LEGACY, "ci01_ci02_signed_identity_is_checked_when_the_policy_asks")]),
    ("CI-02", &[(LEGACY, "ci01_ci02_signed_identity_is_checked_when_the_policy_asks")]),
    ("CI-03", &[(LEGACY, "ci03_key_signature_with_rekor_set")]),
    ("CI-04", &[(CERTS, "ci04_bring_your_own_pki_chain")]),
    ("CI-05", &[(LEGACY, "ci05_a_signature_by_an_unknown_key_is_invalid")]),
    ("CI-06", &[(CERTS, "ci06_standalone_set_for_a_keyless_signature")]),
];

fn is_cosign(id: &str) -> bool {
    ["RAT-05", "RAT-06", "COS-01", "SGO-", "CI-"]
        .iter()
        .any(|prefix| id.starts_with(prefix))
}

#[test]
fn every_named_test_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut ids = BTreeSet::new();
    for (id, tests) in COVERAGE {
        assert!(is_cosign(id), "{id}");
        assert!(ids.insert(*id), "{id} has two rows");
        for (file, name) in *tests {
            let text = std::fs::read_to_string(root.join(file)).unwrap();
            let at = text
                .find(&format!("fn {name}("))
                .unwrap_or_else(|| panic!("{id}: no `fn {name}(` in {file}"));
            assert!(
                text[at.saturating_sub(40)..at].contains("#[test]"),
                "{id}: {file}::{name} is not a #[test]"
            );
        }
    }
}

#[test]
fn every_cosign_case_has_a_row() {
    let Some(dir) = interop_support::interop() else {
        return;
    };
    let cases: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("cases.json")).unwrap()).unwrap();
    let listed: BTreeSet<&str> = cases["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| case["id"].as_str().unwrap())
        .filter(|id| is_cosign(id))
        .collect();
    let covered: BTreeSet<&str> = COVERAGE.iter().map(|(id, _)| *id).collect();
    assert_eq!(
        listed, covered,
        "cases.json's cosign cases and the rows here differ"
    );
}
