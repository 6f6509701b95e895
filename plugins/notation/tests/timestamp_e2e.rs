//! `ratify_notation::timestamp` on the notation e2e data in shared/interop (PROVENANCE.md):
//! NOT-06 and NOT-09 (Microsoft TSA tokens, inspect-level fields), NOT-07 (corrupt token) and
//! NOT-11 (TSA roots). Without the data each test prints SKIP and passes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod timestamp_support;

use std::time::Duration;

use ratify_notation::timestamp::{Timestamp, parse_tst_info, verify_countersignature};
use ratify_notation::x509::describe;
use timestamp_support::{UNKNOWN_AUTHORITY, cert, envelope_at, err, layout_envelope, ngo, utc};

#[test]
fn not06_microsoft_tsa_token_inspect_fields() {
    let dir = interop!();
    let env = layout_envelope(&dir.join("notation/oci_layout/e2e-with-timestamped-signature"));
    let token = env.timestamp_token.as_deref().unwrap();
    let (gen_time, accuracy) = parse_tst_info(token).unwrap();
    assert_eq!(gen_time, utc("2025-01-21T09:17:46.641Z"));
    assert_eq!(accuracy, Duration::from_millis(500));
    // notation inspect prints the range to the second: [09:17:46, 09:17:47].
    let range = Timestamp {
        gen_time,
        accuracy,
        tsa_chain: Vec::new(),
    };
    assert_eq!(
        range.earliest().replace_millisecond(0).unwrap(),
        utc("2025-01-21T09:17:46Z")
    );
    assert_eq!(
        range.latest().replace_millisecond(0).unwrap(),
        utc("2025-01-21T09:17:47Z")
    );
    // The Microsoft root is in no collected store: the imprint matches (step 3 passes) and
    // the chain has nowhere to end.
    let roots: Vec<Vec<u8>> = ["globalsignTSARoot.cer", "DigiCertTSARootSHA384.cer"]
        .iter()
        .map(|f| cert(&dir.join("notation/tsa-roots").join(f)))
        .collect();
    assert_eq!(err(token, &env.signature, &roots), UNKNOWN_AUTHORITY);
    assert!(err(token, b"other", &roots).ends_with("invalid TSTInfo: mismatched message"));
}

#[test]
fn not07_corrupt_countersignature() {
    let dir = interop!();
    let env =
        layout_envelope(&dir.join("notation/oci_layout/e2e-with-invalid-timestamped-signature"));
    let token = env.timestamp_token.as_deref().unwrap();
    assert_eq!(token.len(), 8);
    // notation inspect: "failed to parse timestamp countersignature: <cause>"; verify adds
    // "with error". The cause is tspclient's, word for word.
    let cause = "cms: syntax error: invalid signed data: failed to convert from BER to DER: asn1: syntax error: decoding BER length octets: short form length octets value should be less or equal to the subsequent octets length";
    let expected = format!("failed to parse timestamp countersignature with error: {cause}");
    assert_eq!(parse_tst_info(token).unwrap_err().message, expected);
    let roots = vec![cert(&dir.join("notation/tsa-roots/globalsignTSARoot.cer"))];
    assert_eq!(err(token, &env.signature, &roots), expected);
}

#[test]
fn not09_blob_signature_tokens() {
    let dir = interop!();
    let blob = dir.join("notation/blob");
    let roots = vec![cert(&dir.join("notation/tsa-roots/globalsignTSARoot.cer"))];
    for file in ["blob.jws.sig", "blob.cose.sig"] {
        let env = envelope_at(&blob.join(file));
        let token = env.timestamp_token.as_deref().unwrap();
        let (gen_time, accuracy) = parse_tst_info(token).unwrap();
        let range = Timestamp {
            gen_time,
            accuracy,
            tsa_chain: Vec::new(),
        };
        // inspect: [Tue Dec 31 08:05:29 2024, Tue Dec 31 08:05:30 2024] for the JWS one.
        let earliest = range.earliest().replace_nanosecond(0).unwrap();
        let latest = range.latest().replace_nanosecond(0).unwrap();
        if file == "blob.jws.sig" {
            assert_eq!(earliest, utc("2024-12-31T08:05:29Z"));
            assert_eq!(latest, utc("2024-12-31T08:05:30Z"));
        }
        assert!(earliest.year() == 2024 || earliest.year() == 2025, "{file}");
        // Microsoft TSA root absent: fails after the imprint check, at the chain.
        assert_eq!(
            err(token, &env.signature, &roots),
            UNKNOWN_AUTHORITY,
            "{file}"
        );
    }
}

#[test]
fn not11_tsa_roots() {
    let dir = interop!();
    let roots = dir.join("notation/tsa-roots");
    let globalsign = cert(&roots.join("globalsignTSARoot.cer"));
    let digicert = cert(&roots.join("DigiCertTSARootSHA384.cer"));
    assert!(
        describe(&globalsign)
            .unwrap()
            .subject
            .contains("CN=GlobalSign")
    );
    assert!(
        describe(&digicert)
            .unwrap()
            .subject
            .contains("CN=DigiCert Trusted Root G4")
    );
    // The e2e GlobalSign root anchors the NGO-09 tokens; DigiCert's does not.
    let (base, _) = ngo(&dir);
    let env = envelope_at(&base.join("timestamp/sigEnv/jwsWithTimestamp.sig"));
    let token = env.timestamp_token.as_deref().unwrap();
    let ts = verify_countersignature(
        token,
        &env.signature,
        &[digicert.clone(), globalsign.clone()],
    )
    .unwrap();
    assert_eq!(ts.tsa_chain.last(), Some(&globalsign));
    assert_eq!(err(token, &env.signature, &[digicert]), UNKNOWN_AUTHORITY);
}
