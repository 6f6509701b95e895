//! Every Notation case of shared/interop/cases.json (ids NOT-, NGO-, NCG-, TSP-) must name the
//! tests that cover it, and every named test must exist: a new case without a row, or a row
//! naming a test that was renamed or removed, fails here, so no case is silently dropped.
//! Paths are relative to the workspace root. The comment on each row says at what level the
//! case is exercised: "ratify verify" (the real binary), "verify_envelope" (the whole
//! per-signature flow), or a module (envelope, x509, trust policy, timestamp, revocation).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod verify_support;

use std::collections::BTreeSet;
use std::path::Path;

const ENVELOPES: &str = "plugins/notation/tests/verify_cases_envelopes.rs";
const TIMESTAMPS: &str = "plugins/notation/tests/verify_cases_timestamps.rs";
const ENV_INTEROP: &str = "plugins/notation/tests/envelope_interop.rs";
const ENV_MALFORMED: &str = "plugins/notation/tests/envelope_malformed.rs";
const ENV_CONFORMANCE: &str = "plugins/notation/tests/envelope_conformance.rs";
const X509_INTEROP: &str = "plugins/notation/tests/x509_interop.rs";
const X509_STORES: &str = "plugins/notation/tests/x509_truststores.rs";
const TP_INTEROP: &str = "plugins/notation/tests/trustpolicy_interop.rs";
const TP_IDENTITIES: &str = "plugins/notation/tests/trustpolicy_identities.rs";
const TP_RATIFY: &str = "plugins/notation/tests/trustpolicy_ratify.rs";
const TS_INTEROP: &str = "plugins/notation/tests/timestamp_interop.rs";
const TS_E2E: &str = "plugins/notation/tests/timestamp_e2e.rs";
const REV_INTEROP: &str = "plugins/notation/tests/revocation_interop.rs";
const HOST: &str = "host/tests/notation_interop.rs";
const TUTORIAL: &str = "host/tests/notation_tutorial.rs";

type Row = (&'static str, &'static [(&'static str, &'static str)]);

#[rustfmt::skip]
const COVERAGE: &[Row] = &[
    // ratify verify on the OCI layout; envelope attributes; self-signed anchor. Tutorial: same flow on a live registry.
    ("NOT-01", &[(HOST, "not_01_a_valid_signature_verifies_and_reports_the_signer"), (ENV_INTEROP, "notation_e2e_layouts"), (X509_INTEROP, "not01_self_signed_leaf_is_its_own_anchor"), (TUTORIAL, "tutorial_push_sign_trust_and_verify")]),
    // ratify verify at strict/permissive/audit and overrides; x509 trust.
    ("NOT-02", &[(HOST, "not_02_an_untrusted_certificate_by_level_and_override"), (X509_INTEROP, "not01_self_signed_leaf_is_its_own_anchor")]),
    // ratify verify by level and override; envelope attributes.
    ("NOT-03", &[(HOST, "not_03_an_expired_signature_by_level_and_override"), (ENV_INTEROP, "notation_e2e_layouts")]),
    // ratify verify (strict/permissive/audit/skip); envelope parse errors.
    ("NOT-04", &[(HOST, "not_04_a_layer_that_is_no_envelope_fails_integrity_unless_skipped"), (ENV_MALFORMED, "real_malformed_and_tampered_envelopes")]),
    // ratify verify; tutorial: unsigned image on a live registry.
    ("NOT-05", &[(HOST, "not_05_an_unsigned_layout_is_denied"), (TUTORIAL, "tutorial_push_sign_trust_and_verify")]),
    // timestamp module (inspect fields of the Microsoft TSA token); envelope attributes.
    ("NOT-06", &[(TS_E2E, "not06_microsoft_tsa_token_inspect_fields"), (ENV_INTEROP, "notation_e2e_layouts")]),
    // timestamp module (corrupt token); envelope attributes.
    ("NOT-07", &[(TS_E2E, "not07_corrupt_countersignature"), (ENV_INTEROP, "notation_e2e_layouts")]),
    // trust policy module (every file); identities; ratify verify and config errors.
    ("NOT-08", &[(TP_INTEROP, "not08_every_trust_policy_file"), (TP_IDENTITIES, "not08_identity_outcomes_with_the_e2e_signature"), (HOST, "not_08_trust_policy_files_at_verification_time"), (HOST, "not_08_invalid_trust_policy_files_are_config_errors")]),
    // envelope parse/integrity; timestamp tokens; malformed blob signature; blob policy refused.
    ("NOT-09", &[(ENV_INTEROP, "notation_blob_signatures"), (TS_E2E, "not09_blob_signature_tokens"), (ENV_MALFORMED, "real_malformed_and_tampered_envelopes"), (TP_RATIFY, "not09_blob_policy_is_not_an_oci_policy")]),
    // revocation module against a local CRL server; x509 chain.
    ("NOT-10", &[(REV_INTEROP, "not10_unrevoked_chain_is_ok_and_cached"), (REV_INTEROP, "not10_revoked_intermediate"), (REV_INTEROP, "not10_expired_crl_is_not_trusted"), (REV_INTEROP, "not10_expired_cache_entry_is_refetched"), (REV_INTEROP, "not10_cache_trouble_does_not_fail_the_check"), (X509_INTEROP, "not10_three_level_chain_to_root")]),
    // timestamp and x509 modules (trust anchors).
    ("NOT-11", &[(TS_E2E, "not11_tsa_roots"), (X509_STORES, "not11_and_ratify_certificates_parse_as_anchors")]),
    // verify_envelope at strict/permissive/audit; envelope; x509.
    ("NGO-01", &[(ENVELOPES, "ngo01_valid_x509_signature_at_every_level"), (ENV_INTEROP, "notation_go_envelopes"), (X509_INTEROP, "ngo01_02_03_envelope_chains_and_authenticity")]),
    // verify_envelope at every level, store type per scheme; envelope; x509.
    ("NGO-02", &[(ENVELOPES, "ngo02_signing_authority_scheme_uses_its_own_store_type"), (ENV_INTEROP, "notation_go_envelopes"), (X509_INTEROP, "ngo01_02_03_envelope_chains_and_authenticity")]),
    // verify_envelope at every level + config error; x509.
    ("NGO-03", &[(ENVELOPES, "ngo03_trust_store_without_the_signing_root"), (X509_INTEROP, "ngo01_02_03_envelope_chains_and_authenticity")]),
    // verify_envelope at every level + config errors; trust policy identities.
    ("NGO-04", &[(ENVELOPES, "ngo04_trusted_identity_mismatch_and_malformed_identities"), (TP_IDENTITIES, "ngo04_identity_mismatch_and_malformed")]),
    // verify_envelope at every level; envelope integrity.
    ("NGO-05", &[(ENVELOPES, "ngo05_tampered_payload_fails_integrity_at_every_level"), (ENV_MALFORMED, "real_malformed_and_tampered_envelopes")]),
    // verify_envelope at strict/permissive/audit; envelope attributes.
    ("NGO-06", &[(ENVELOPES, "ngo06_expired_signature_enforced_in_strict_logged_otherwise"), (ENV_INTEROP, "notation_go_envelopes")]),
    // verify_envelope at audit with userMetadata; envelope attributes.
    ("NGO-07", &[(ENVELOPES, "ngo07_user_metadata_must_be_a_subset_with_exact_values"), (ENV_INTEROP, "notation_go_envelopes")]),
    // x509 module (trust store loading rules).
    ("NGO-08", &[(X509_STORES, "ngo08_trust_store_loading_rules")]),
    // verify_envelope at strict (offline TSA revocation), overrides, afterCertExpiry; timestamp module; envelope.
    ("NGO-09", &[(TIMESTAMPS, "ngo09_authentic_timestamps_on_jws_and_cose"), (TIMESTAMPS, "ngo09_expired_signing_certificate_is_covered_by_its_timestamp"), (TS_INTEROP, "ngo09_globalsign_tokens_on_jws_and_cose_verify"), (ENV_INTEROP, "notation_go_timestamped_envelopes")]),
    // verify_envelope at strict/permissive; timestamp module.
    ("NGO-10", &[(TIMESTAMPS, "ngo10_timestamp_required_but_absent"), (TS_INTEROP, "ngo10_timestamp_required_but_absent")]),
    // verify_envelope at strict, both verifyTimestamp options; timestamp module.
    ("NGO-11", &[(TIMESTAMPS, "ngo11_timestamp_outside_the_signing_certificate_validity"), (TS_INTEROP, "ngo11_timestamp_outside_the_signing_certificate_validity")]),
    // verify_envelope at strict + config errors; timestamp module.
    ("NGO-12", &[(TIMESTAMPS, "ngo12_tsa_store_without_the_tsa_root"), (TS_INTEROP, "ngo12_tsa_store_without_the_tsa_root")]),
    // verify_envelope with tokens injected in a valid envelope; timestamp module (exact token errors).
    ("NGO-13", &[(TIMESTAMPS, "ngo13_malformed_and_mismatched_tokens_in_a_valid_envelope"), (TS_INTEROP, "ngo13_malformed_and_mismatched_tokens")]),
    // verify_envelope against the layout's manifest; envelope attributes.
    ("NGO-14", &[(ENVELOPES, "ngo14_layout_signatures_verify_against_the_layout_manifest"), (ENV_INTEROP, "notation_go_layout_signatures")]),
    // trust policy module (x509.subject matching).
    ("NGO-15", &[(TP_IDENTITIES, "ngo15_subject_matching")]),
    // envelope module (encoder/decoder conformance vectors).
    ("NCG-01", &[(ENV_CONFORMANCE, "jws_vector"), (ENV_CONFORMANCE, "cose_vector")]),
    // x509 module (file formats).
    ("NCG-02", &[(X509_INTEROP, "ncg02_certificate_file_formats")]),
    // revocation module (delta CRL extensions).
    ("NCG-03", &[(REV_INTEROP, "ncg03_freshest_crl_urls"), (REV_INTEROP, "ncg03_base_crl_with_garbage_delta")]),
    // timestamp module (tspclient-go token edge cases).
    ("TSP-01", &[(TS_INTEROP, "tsp01_tspclient_token_edge_cases")]),
];

fn is_notation(id: &str) -> bool {
    ["NOT-", "NGO-", "NCG-", "TSP-"]
        .iter()
        .any(|prefix| id.starts_with(prefix))
}

#[test]
fn every_named_test_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut ids = BTreeSet::new();
    for (id, tests) in COVERAGE {
        assert!(is_notation(id), "{id}");
        assert!(ids.insert(*id), "{id} has two rows");
        assert!(!tests.is_empty(), "{id} names no test");
        for (file, name) in *tests {
            let text = std::fs::read_to_string(root.join(file))
                .unwrap_or_else(|e| panic!("{id}: cannot read {file}: {e}"));
            let at = text
                .find(&format!("fn {name}("))
                .unwrap_or_else(|| panic!("{id}: no `fn {name}(` in {file}"));
            // It is a test, not a helper: `#[test]` sits just above it.
            let above = &text[at.saturating_sub(120)..at];
            assert!(
                above.contains("#[test]"),
                "{id}: {file}::{name} is not a #[test]"
            );
        }
    }
}

#[test]
fn every_notation_case_has_a_row() {
    let dir = interop!();
    let cases: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("cases.json")).unwrap()).unwrap();
    let listed: BTreeSet<&str> = cases["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| case["id"].as_str().unwrap())
        .filter(|id| is_notation(id))
        .collect();
    assert!(!listed.is_empty(), "cases.json lists no Notation case");
    let covered: BTreeSet<&str> = COVERAGE.iter().map(|(id, _)| *id).collect();
    let missing: Vec<_> = listed.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "Notation cases without a row: {missing:?}"
    );
    let stale: Vec<_> = covered.difference(&listed).collect();
    assert!(
        stale.is_empty(),
        "rows for cases cases.json does not list: {stale:?}"
    );
}
