//! tspclient-go's `SignedToken` level (token_test.go `TestVerify`, `TestGetSigningCertificate`)
//! on the real tokens of shared/interop TSP-01, below notation's order of checks: there, some
//! of these tokens stop earlier at the message imprint. Without the data each test prints
//! SKIP and passes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use super::cms::SignedData;
use super::token;
use crate::x509::read_certificates;

fn interop_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RATIFY_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop"));
    if dir.join("PROVENANCE.md").is_file() {
        return Some(dir);
    }
    println!(
        "SKIP: interop data not found at {} (set RATIFY_INTEROP_DIR)",
        dir.display()
    );
    None
}

fn signed(dir: &Path, name: &str) -> SignedData {
    SignedData::parse(&std::fs::read(dir.join("tspclient-go").join(name)).unwrap()).unwrap()
}

/// The genTime of the GlobalSign tokens (2021-09-17T14:09:10Z).
fn gen_time() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_631_887_750).unwrap()
}

#[test]
fn signing_certificate_v2_is_required_and_must_match() {
    let Some(dir) = interop_dir() else { return };
    for (name, expected) in [
        (
            "TimeStampTokenWithSigningCertificateV1.p7s",
            "failed to get SigningCertificateV2 from signed attributes: attribute not found",
        ),
        (
            "TimeStampTokenWithoutSigningCertificate.p7s",
            "failed to get SigningCertificateV2 from signed attributes: attribute not found",
        ),
        (
            "TimeStampTokenWithMismatchCertHash.p7s",
            "signing certificate hash does not match CertHash in signed attribute",
        ),
    ] {
        let data = signed(&dir, name);
        let parsed = data.parsed().unwrap();
        let outcome = token::signing_certificate(&parsed, &parsed.signer_infos[0]);
        assert_eq!(outcome.unwrap_err(), expected, "{name}");
    }
}

#[test]
fn one_valid_signer_info_is_enough() {
    let Some(dir) = interop_dir() else { return };
    let roots = read_certificates(&dir.join("tspclient-go/GlobalSignRootCA.crt")).unwrap();
    let data = signed(&dir, "TimeStampTokenWithValidAndInvalidSignerInfos.p7s");
    let parsed = data.parsed().unwrap();
    assert_eq!(parsed.signer_infos.len(), 2);
    // The first signer info's signature does not verify; the second does.
    let first = &parsed.signer_infos[0];
    let cert = token::signing_certificate(&parsed, first).unwrap();
    assert_eq!(
        token::verify_signer(&parsed, first, cert, &roots, gen_time()).unwrap_err(),
        "cms verification failure: crypto/rsa: verification error"
    );
    let chain = token::verify(&parsed, &roots, gen_time()).unwrap();
    assert_eq!(chain.last(), roots.first());
}

#[test]
fn edited_tst_info_breaks_the_message_digest() {
    let Some(dir) = interop_dir() else { return };
    let roots = read_certificates(&dir.join("tspclient-go/GlobalSignRootCA.crt")).unwrap();
    let data = signed(&dir, "TimeStampTokenWithTSTInfoVersion2.p7s");
    let parsed = data.parsed().unwrap();
    assert_eq!(
        token::verify(&parsed, &roots, gen_time()).unwrap_err(),
        "failed to verify signed token: cms verification failure: mismatch message digest"
    );
}
