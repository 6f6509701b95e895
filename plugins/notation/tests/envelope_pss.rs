//! RSASSA-PSS salt lengths: golang-jwt verifies JWS signatures with Go's
//! `PSSSaltLengthAuto` (any salt length), go-cose only with salt = hash length. Signatures
//! with other salt lengths are made with openssl.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod envelope_support;

use envelope_support::{at, test_keys, verify};
use ratify_notation::envelope::sign::{SignRequest, Signer};
use ratify_notation::envelope::{MEDIA_TYPE_COSE, MEDIA_TYPE_JWS};
use serde_json::json;

fn signer(key: &str, cert: &str) -> Signer {
    let keys = test_keys().unwrap();
    Signer::from_pkcs8(&keys[key].pkcs8, vec![keys[cert].cert.clone()]).unwrap()
}

fn request() -> SignRequest {
    let payload = r#"{"targetArtifact":{"digest":"sha256:00","mediaType":"x/y","size":1}}"#;
    SignRequest::new(payload, at("2024-03-01T10:20:30Z"))
}

/// RSASSA-PSS over `message` with the given salt length, made by openssl.
fn openssl_pss(key: &str, message: &[u8], salt_len: usize) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("key.der"), &test_keys().unwrap()[key].pkcs8).unwrap();
    std::fs::write(dir.path().join("msg"), message).unwrap();
    let salt = format!("rsa_pss_saltlen:{salt_len}");
    let status = std::process::Command::new("openssl")
        .args([
            "dgst", "-sha256", "-sign", "key.der", "-keyform", "DER", "-sigopt",
        ])
        .args([
            "rsa_padding_mode:pss",
            "-sigopt",
            &salt,
            "-out",
            "sig",
            "msg",
        ])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read(dir.path().join("sig")).unwrap()
}

#[test]
fn jws_accepts_any_pss_salt_length_cose_only_the_hash_length() {
    if test_keys().is_none() {
        return;
    }
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let signer = signer("rsa2048", "rsa2048");
    let req = request();
    let jws: serde_json::Value = serde_json::from_slice(&signer.sign_jws(&req).unwrap()).unwrap();
    let input = format!(
        "{}.{}",
        jws["protected"].as_str().unwrap(),
        jws["payload"].as_str().unwrap()
    );
    let cose = signer.sign_cose(&req).unwrap();
    let tbs = cbor_sig_structure(&signer.cose_protected_header(&req).unwrap(), &req.payload);
    for salt in [0, 20, 32, 64] {
        let mut doc = jws.clone();
        doc["signature"] =
            json!(URL_SAFE_NO_PAD.encode(openssl_pss("rsa2048", input.as_bytes(), salt)));
        let bytes = serde_json::to_vec(&doc).unwrap();
        verify(MEDIA_TYPE_JWS, &bytes).unwrap_or_else(|e| panic!("salt {salt}: {e}"));
        let mut bad = cose.clone();
        let at = bad.len() - 256;
        bad[at..].copy_from_slice(&openssl_pss("rsa2048", &tbs, salt));
        let outcome = verify(MEDIA_TYPE_COSE, &bad);
        if salt == 32 {
            outcome.unwrap();
        } else {
            let message = outcome.unwrap_err().message;
            assert_eq!(
                message, "signature is invalid. Error: verification error",
                "salt {salt}"
            );
        }
    }
}

fn cbor_sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    let protected = coset::ProtectedHeader {
        original_data: Some(protected.to_vec()),
        header: coset::Header::default(),
    };
    coset::sig_structure_data(
        coset::SignatureContext::CoseSign1,
        protected,
        None,
        &[],
        payload,
    )
}

#[test]
fn go_counts_a_2047_bit_modulus_as_2048() {
    if test_keys().is_none() {
        return;
    }
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    // ring will not load or verify with a 2047-bit key; Go treats it as a 2048-bit key (PS256).
    // The envelopes are built by the fixture signer with another key, then re-signed by openssl.
    let signer = signer("rsa2048", "rsa2047");
    let req = request();
    let mut jws: serde_json::Value =
        serde_json::from_slice(&signer.sign_jws(&req).unwrap()).unwrap();
    let input = format!(
        "{}.{}",
        jws["protected"].as_str().unwrap(),
        jws["payload"].as_str().unwrap()
    );
    jws["signature"] = json!(URL_SAFE_NO_PAD.encode(openssl_pss("rsa2047", input.as_bytes(), 32)));
    let env = verify(MEDIA_TYPE_JWS, &serde_json::to_vec(&jws).unwrap()).unwrap();
    env.verify_integrity().unwrap();
    let mut cose = signer.sign_cose(&req).unwrap();
    let tbs = cbor_sig_structure(&signer.cose_protected_header(&req).unwrap(), &req.payload);
    let at = cose.len() - 256;
    cose[at..].copy_from_slice(&openssl_pss("rsa2047", &tbs, 32));
    verify(MEDIA_TYPE_COSE, &cose)
        .unwrap()
        .verify_integrity()
        .unwrap();
}
