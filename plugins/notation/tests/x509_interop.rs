//! `ratify_notation::x509` chains and files against the real upstream data in shared/interop
//! (PROVENANCE.md): NCG-02 certificate formats, NGO-01/02/03 and NOT-01/02 envelope chains and
//! trust, NOT-10's three-level chain. The data is read in place; without it each test prints
//! SKIP and passes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod x509_support;

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ratify_notation::x509::{
    Purpose, StoreType, TrustStores, X509Error, chain_is_trusted, describe, read_certificates,
    validate_chain,
};
use x509_support::read_one;

/// The x5c chain of a JWS envelope (JSON serialization; x5c is standard base64 DER).
fn jws_chain(bytes: &[u8]) -> Vec<Vec<u8>> {
    let envelope: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let x5c = envelope["header"]["x5c"].as_array().unwrap();
    x5c.iter()
        .map(|c| STANDARD.decode(c.as_str().unwrap()).unwrap())
        .collect()
}

/// Signing time from the JWS protected header.
fn signing_time(bytes: &[u8]) -> time::OffsetDateTime {
    let envelope: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let protected = URL_SAFE_NO_PAD
        .decode(envelope["protected"].as_str().unwrap())
        .unwrap();
    let header: serde_json::Value = serde_json::from_slice(&protected).unwrap();
    let text = header["io.cncf.notary.signingTime"]
        .as_str()
        .or(header["io.cncf.notary.authenticSigningTime"].as_str())
        .unwrap();
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
}

#[test]
fn ncg02_certificate_file_formats() {
    let dir = interop!().join("notation-core-go/x509-formats");
    for (file, count) in [
        ("pem.crt", 1),
        ("multi-pem.crt", 2),
        ("der.der", 1),
        ("multi-der.der", 2),
    ] {
        assert_eq!(
            read_certificates(&dir.join(file)).unwrap().len(),
            count,
            "{file}"
        );
    }
    assert!(matches!(
        read_certificates(&dir.join("invalid")),
        Err(X509Error::Read(_))
    ));
    let missing = read_certificates(&dir.join("no-such-file"))
        .unwrap_err()
        .to_string();
    assert!(missing.ends_with("no such file or directory"), "{missing}");

    let minimum = read_one(&dir.join("openssl-minimum-self-signed.pem"));
    validate_chain(std::slice::from_ref(&minimum), Purpose::CodeSigning, None).unwrap();
    validate_chain(
        &[minimum],
        Purpose::CodeSigning,
        Some(time::OffsetDateTime::now_utc()),
    )
    .unwrap();

    let leaf = read_one(&dir.join("timestamp_leaf.crt"));
    let intermediate = read_one(&dir.join("timestamp_intermediate.crt"));
    let root = read_one(&dir.join("timestamp_root.crt"));
    let chain = [leaf.clone(), intermediate.clone(), root.clone()];
    validate_chain(&chain, Purpose::Timestamping, None).unwrap();
    // A TSA leaf is not a code-signing leaf: its EKU is timeStamping.
    let err = validate_chain(&chain, Purpose::CodeSigning, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with("extended key usage must not contain Timestamping eku"),
        "{err}"
    );
    // notation-core-go timestamp_cert_validations_test.go TestInvalidTimestampingChain.
    let err = validate_chain(std::slice::from_ref(&leaf), Purpose::Timestamping, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid self-signed certificate. subject: \"CN=DigiCert Timestamp 2023,O=DigiCert\\\\, \
         Inc.,C=US\". Error: crypto/rsa: verification error"
    );
    assert!(validate_chain(&[], Purpose::Timestamping, None).is_err());
    let skipped = validate_chain(&[leaf.clone(), root.clone()], Purpose::Timestamping, None);
    let root_subject = describe(&root).unwrap().subject;
    assert!(skipped.unwrap_err().to_string().contains(&format!(
        "is not issued by \"{root_subject}\". Error: crypto/rsa: verification error"
    )));
    let reversed = validate_chain(&[root, intermediate, leaf], Purpose::Timestamping, None);
    let err = reversed.unwrap_err().to_string();
    assert!(
        err.starts_with("leaf certificate with subject") && err.contains("is self-signed"),
        "{err}"
    );
}

#[test]
fn ngo01_02_03_envelope_chains_and_authenticity() {
    let interop = interop!();
    let stores = TrustStores::from_notation_dir(&interop.join("notation-go")).unwrap();
    let root_pem =
        interop.join("notation-go/truststore/x509/ca/valid-trust-store/NotationTestRoot.pem");
    for file in ["ca_valid_sig_env.json", "sa_valid_sig_env.json"] {
        let bytes = std::fs::read(interop.join("notation-go/envelopes").join(file)).unwrap();
        let chain = jws_chain(&bytes);
        assert_eq!(chain.len(), 2, "{file}");
        validate_chain(&chain, Purpose::CodeSigning, None).unwrap();
        validate_chain(&chain, Purpose::CodeSigning, Some(signing_time(&bytes))).unwrap();
        assert_eq!(chain[1], read_one(&root_pem));

        let leaf = describe(&chain[0]).unwrap();
        assert_eq!(
            leaf.subject,
            "CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US"
        );
        assert!(!leaf.is_ca && describe(&chain[1]).unwrap().is_ca);

        for kind in [StoreType::Ca, StoreType::SigningAuthority] {
            let trusted = stores.certificates(kind, "valid-trust-store").unwrap();
            assert!(chain_is_trusted(&chain, trusted), "{file} {kind}");
            // NGO-03: GlobalSign R3 only.
            let other = stores.certificates(kind, "valid-trust-store-2").unwrap();
            assert!(!chain_is_trusted(&chain, other), "{file} {kind}");
        }
        // Before the leaf's validity the signing time check fails, with Go's wording.
        let early = time::macros::datetime!(1999-01-01 0:00 UTC);
        let err = validate_chain(&chain, Purpose::CodeSigning, Some(early)).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "certificate with subject \"CN=Notation Test Root,O=Notary,L=Seattle,ST=WA,C=US\" \
                 was invalid at signing time of 1999-01-01 00:00:00 +0000 UTC. Certificate is \
                 valid from ["
            ),
            "{err}"
        );
    }
}

/// The JWS envelope layer of NOT-01's signature manifest.
fn not01_envelope(interop: &Path) -> Vec<u8> {
    let blobs = interop.join("notation/oci_layout/e2e-valid-signature/blobs/sha256");
    let manifest = std::fs::read(
        blobs.join("90ceaff260d657d797c408ac73564a9c7bb9d86055877c2a811f0e63b8c6524f"),
    )
    .unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    let digest = manifest["layers"][0]["digest"].as_str().unwrap();
    std::fs::read(blobs.join(digest.trim_start_matches("sha256:"))).unwrap()
}

#[test]
fn not01_self_signed_leaf_is_its_own_anchor() {
    let interop = interop!();
    let e2e = read_one(&interop.join("notation/localkeys/e2e.crt"));
    let chain = jws_chain(&not01_envelope(&interop));
    assert_eq!(chain, vec![e2e.clone()]);
    validate_chain(&chain, Purpose::CodeSigning, None).unwrap();
    validate_chain(
        &chain,
        Purpose::CodeSigning,
        Some(time::OffsetDateTime::now_utc()),
    )
    .unwrap();

    let info = describe(&e2e).unwrap();
    assert_eq!(info.subject, "CN=e2e,O=Notary,L=Seattle,ST=WA,C=US");
    assert_eq!(info.issuer, info.subject);
    assert_eq!(
        info.sha256_thumbprint,
        "e38aea13f2b051f7183cca64a51ee676f4d4456f41d9fecf15eb367efc7343b9"
    );
    assert_eq!(
        info.not_before,
        time::macros::datetime!(2022-12-19 02:43:39 UTC)
    );

    // notation's layout with ca:e2e = e2e.crt (e2e BaseOptions) accepts the non-CA leaf.
    let temp = tempfile::tempdir().unwrap();
    let store = temp.path().join("truststore/x509/ca/e2e");
    std::fs::create_dir_all(&store).unwrap();
    std::fs::copy(
        interop.join("notation/localkeys/e2e.crt"),
        store.join("e2e.crt"),
    )
    .unwrap();
    let stores = TrustStores::from_notation_dir(temp.path()).unwrap();
    assert!(chain_is_trusted(
        &chain,
        stores.certificates(StoreType::Ca, "e2e").unwrap()
    ));

    // NOT-02: a different self-signed certificate does not make the chain trusted.
    let other = read_one(&interop.join("notation/localkeys/new_e2e.crt"));
    assert!(!chain_is_trusted(&chain, &[other]));

    // rustls-webpki's path building agrees here (a self-signed leaf anchored on itself); where
    // it does not agree with notation is shown in x509_generated.rs, which is why trust is
    // notation's byte comparison and webpki only checks signatures.
    let der = rustls_pki_types::CertificateDer::from(e2e.as_slice());
    let anchors = [webpki::anchor_from_trusted_cert(&der).unwrap()];
    let leaf = webpki::EndEntityCert::try_from(&der).unwrap();
    let now = rustls_pki_types::UnixTime::now();
    let code_signing = webpki::KeyUsage::required_if_present(&[0x2b, 6, 1, 5, 5, 7, 3, 3]);
    let result = leaf.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        &[],
        now,
        code_signing,
        None,
        None,
    );
    assert!(result.is_ok(), "{:?}", result.err());
}

#[test]
fn not10_three_level_chain_to_root() {
    let interop = interop!();
    let chain = read_certificates(&interop.join("notation/crl/certchain_with_crl.pem")).unwrap();
    assert_eq!(chain.len(), 3);
    validate_chain(&chain, Purpose::CodeSigning, None).unwrap();
    let root = read_one(&interop.join("notation/crl/root.crt"));
    assert_eq!(chain[2], root);
    assert!(chain_is_trusted(&chain, &[root]));
    let serials: Vec<String> = chain.iter().map(|c| describe(c).unwrap().serial).collect();
    assert_eq!(serials[..2], ["1000".to_string(), "1002".to_string()]);
    // Leaf then root, skipping the intermediate: the leaf's signature does not verify.
    let err = validate_chain(
        &[chain[0].clone(), chain[2].clone()],
        Purpose::CodeSigning,
        None,
    );
    assert!(err.unwrap_err().to_string().contains("is not issued by"));
}
