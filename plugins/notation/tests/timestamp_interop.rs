//! `ratify_notation::timestamp` against the real tokens in shared/interop (PROVENANCE.md):
//! NGO-09..13 (notation-go `TestAuthenticTimestamp`) and TSP-01 (tspclient-go token tests),
//! each asserted at the level PROVENANCE describes it. Without the data each test prints SKIP
//! and passes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod timestamp_support;

use std::time::Duration;

use ratify_notation::timestamp::{Timestamp, parse_tst_info, verify_countersignature};
use ratify_notation::x509::describe;
use time::OffsetDateTime;
use timestamp_support::{UNKNOWN_AUTHORITY, cert, envelope_at, err, ngo, utc};

#[test]
fn ngo09_globalsign_tokens_on_jws_and_cose_verify() {
    let dir = interop!();
    let (base, roots) = ngo(&dir);
    for (file, gen_time) in [
        ("jwsWithTimestamp.sig", "2024-06-18T06:29:37Z"),
        ("coseWithTimestamp.sig", "2024-06-18T06:27:16Z"),
        ("jwsExpiredWithTimestamp.sig", "2024-06-18T07:21:42Z"),
    ] {
        let env = envelope_at(&base.join("timestamp/sigEnv").join(file));
        let token = env.timestamp_token.as_deref().unwrap();
        let ts = verify_countersignature(token, &env.signature, &roots)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(ts.gen_time, utc(gen_time), "{file}");
        assert_eq!(ts.accuracy, Duration::from_secs(1), "{file}");
        assert_eq!(ts.tsa_chain.len(), 3, "{file}");
        let signer = describe(&ts.tsa_chain[0]).unwrap();
        assert!(
            signer
                .subject
                .contains("CN=Globalsign TSA for Advanced - G4 - 202311"),
            "{}",
            signer.subject
        );
        assert_eq!(
            ts.tsa_chain[2], roots[0],
            "{file}: chain ends at the store root"
        );
        // The signing chain must be valid over the whole timestamp range (notation's step 4).
        ts.check_signing_chain(&env.certificate_chain)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            parse_tst_info(token).unwrap(),
            (ts.gen_time, ts.accuracy),
            "{file}"
        );
    }
    // jwsExpiredWithTimestamp: the leaf is expired now, but the timestamp lies inside it.
    let env = envelope_at(&base.join("timestamp/sigEnv/jwsExpiredWithTimestamp.sig"));
    let leaf = describe(&env.certificate_chain[0]).unwrap();
    assert!(leaf.not_after < OffsetDateTime::now_utc());
    assert_eq!(leaf.not_after, utc("2024-06-18T07:30:31Z"));
}

#[test]
fn ngo10_timestamp_required_but_absent() {
    let dir = interop!();
    let (base, roots) = ngo(&dir);
    let env = envelope_at(&base.join("timestamp/sigEnv/withoutTimestamp.sig"));
    assert!(env.timestamp_token.is_none());
    let token = env.timestamp_token.unwrap_or_default();
    assert_eq!(
        err(&token, &env.signature, &roots),
        "no timestamp countersignature was found in the signature envelope"
    );
}

#[test]
fn ngo11_timestamp_outside_the_signing_certificate_validity() {
    let dir = interop!();
    let (base, roots) = ngo(&dir);
    let cases = [
        (
            "timestampBeforeNotBefore.sig",
            "2024-06-19T09:30:14Z",
            "timestamp can be before certificate \"CN=testTSA,O=Notary,L=Seattle,ST=WA,C=US\" validity period, it will be valid from \"Fri, 18 Sep 2099 11:54:34 +0000\"",
        ),
        (
            "timestampAfterNotAfter.sig",
            "2024-06-19T09:35:58Z",
            "timestamp can be after certificate \"CN=testTSA,O=Notary,L=Seattle,ST=WA,C=US\" validity period, it was expired at \"Tue, 18 Sep 2001 11:54:34 +0000\"",
        ),
    ];
    for (file, gen_time, message) in cases {
        let env = envelope_at(&base.join("timestamp/sigEnv").join(file));
        let token = env.timestamp_token.as_deref().unwrap();
        // The tokens themselves are genuine: only the window check fails.
        let ts = verify_countersignature(token, &env.signature, &roots).unwrap();
        assert_eq!(ts.gen_time, utc(gen_time), "{file}");
        let leaf = describe(&env.certificate_chain[0]).unwrap();
        let (after, before) = (
            ts.bounded_after(leaf.not_before),
            ts.bounded_before(leaf.not_after),
        );
        if file.contains("Before") {
            assert!(!after && before, "{file}");
        } else {
            assert!(after && !before, "{file}");
        }
        assert_eq!(
            ts.check_signing_chain(&env.certificate_chain)
                .unwrap_err()
                .message,
            message
        );
    }
}

#[test]
fn bounds_are_inclusive_and_widened_by_accuracy() {
    let at = utc("2024-06-19T09:30:14Z");
    let ts = Timestamp {
        gen_time: at,
        accuracy: Duration::from_secs(1),
        tsa_chain: Vec::new(),
    };
    let second = time::Duration::SECOND;
    assert_eq!((ts.earliest(), ts.latest()), (at - second, at + second));
    assert!(ts.bounded_after(at - second) && !ts.bounded_after(at));
    assert!(ts.bounded_before(at + second) && !ts.bounded_before(at));
}

#[test]
fn ngo12_tsa_store_without_the_tsa_root() {
    let dir = interop!();
    let (base, _) = ngo(&dir);
    let env = envelope_at(&base.join("timestamp/sigEnv/coseWithTimestamp.sig"));
    let token = env.timestamp_token.as_deref().unwrap();
    let mismatch = vec![cert(
        &base.join("truststore/x509/tsa/test-mismatch/DigiCertTSARootSHA384.cer"),
    )];
    assert_eq!(err(token, &env.signature, &mismatch), UNKNOWN_AUTHORITY);
    assert_eq!(
        err(token, &env.signature, &[]),
        "no trusted TSA certificate found in trust store"
    );
}

#[test]
fn ngo13_malformed_and_mismatched_tokens() {
    let dir = interop!();
    let (base, roots) = ngo(&dir);
    let token =
        |name: &str| std::fs::read(base.join("timestamp/countersignature").join(name)).unwrap();
    assert_eq!(
        err(
            &token("TimeStampTokenWithInvalideContentType.p7s"),
            b"notation",
            &roots
        ),
        "failed to parse timestamp countersignature with error: unexpected content type: 1.2.840.113549.1.7.1. Expected to be id-ct-TSTInfo (1.2.840.113549.1.9.16.1.4)"
    );
    // Go goes on with its field parameters and type name; the stable part is this prefix.
    let tst_info = err(
        &token("TimeStampTokenWithInvalidTSTInfo.p7s"),
        b"notation",
        &roots,
    );
    assert!(
        tst_info.starts_with("failed to get the timestamp TSTInfo with error: cannot unmarshal TSTInfo from timestamp token: asn1: structure error: tags don't match (23 vs {class:0 tag:16 length:3 isCompound:true})"),
        "{tst_info}"
    );
    assert!(tst_info.ends_with("@89"), "{tst_info}");
    assert_eq!(
        err(&token("TimeStampToken.p7s"), b"mismatch", &roots),
        "failed to get timestamp from timestamp countersignature with error: invalid TSTInfo: mismatched message"
    );
    assert_eq!(
        err(
            &token("TimeStampTokenWithoutCertificate.p7s"),
            b"notation",
            &roots
        ),
        "failed to verify the timestamp countersignature with error: failed to verify signed token: signing certificate not found in the timestamp token"
    );
}

#[test]
fn tsp01_tspclient_token_edge_cases() {
    let dir = interop!();
    let tsp = dir.join("tspclient-go");
    let roots = vec![cert(&tsp.join("GlobalSignRootCA.crt"))];
    let token = |name: &str| std::fs::read(tsp.join(name)).unwrap();
    let verify = "failed to verify the timestamp countersignature with error: failed to verify signed token: ";
    let tst_info =
        "failed to get timestamp from timestamp countersignature with error: invalid TSTInfo: ";
    // The baseline valid token (under notation-go/ in the interop data).
    let baseline =
        std::fs::read(dir.join("notation-go/timestamp/countersignature/TimeStampToken.p7s"))
            .unwrap();
    let ts = verify_countersignature(&baseline, b"notation", &roots).unwrap();
    assert_eq!(ts.gen_time, utc("2021-09-17T14:09:10Z"));
    assert_eq!(ts.accuracy, Duration::from_secs(1));
    assert_eq!(ts.tsa_chain.last(), Some(&roots[0]));
    // One valid signer info is enough, whichever position it has.
    let both = verify_countersignature(
        &token("TimeStampTokenWithValidAndInvalidSignerInfos.p7s"),
        b"notation",
        &roots,
    )
    .unwrap();
    assert_eq!(both.gen_time, ts.gen_time);
    for (name, expected) in [
        (
            "TimeStampTokenWithoutSigningCertificate.p7s",
            format!(
                "{verify}failed to get SigningCertificateV2 from signed attributes: attribute not found"
            ),
        ),
        (
            "TimeStampTokenWithMismatchCertHash.p7s",
            format!("{verify}signing certificate hash does not match CertHash in signed attribute"),
        ),
        // A FreeTSA token over another message (SHA-512 imprint): in notation's order it stops
        // at the imprint. Its ESS v1 attribute is refused one level down (tspclient's
        // TestGetSigningCertificate), which the unit tests in src/timestamp/tests.rs check.
        (
            "TimeStampTokenWithSigningCertificateV1.p7s",
            format!("{tst_info}mismatched message"),
        ),
        (
            "SHA1TimeStampToken.p7s",
            format!("{tst_info}unrecognized hash algorithm: 1.2.840.113549.1.1.5"),
        ),
        (
            "TimeStampTokenWithTSTInfoVersion2.p7s",
            format!("{tst_info}timestamp token info version must be 1, but got 2"),
        ),
    ] {
        assert_eq!(err(&token(name), b"notation", &roots), expected, "{name}");
    }
}
