//! NCG-01: notation-core-go's envelope encoding conformance vectors. The fixture signer must
//! produce exactly the JWS `protected` and `payload` members and the COSE output (signature
//! aside: RSA-PSS and ECDSA are randomised), and the decoders must read the attributes back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod envelope_support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use coset::TaggedCborSerializable;
use envelope_support::{at, interop_dir, read, test_keys};
use ratify_notation::crypto::SignatureAlgorithm;
use ratify_notation::envelope::sign::{SignRequest, Signer};
use ratify_notation::envelope::{self, EnvelopeErrorKind, MEDIA_TYPE_COSE, MEDIA_TYPE_JWS};
use serde_json::{Value, json};

const AGENT: &str = "NotationConformanceTest/1.0.0";

fn jws_request() -> SignRequest {
    let mut req = SignRequest::new(r#"{"key":"hello JWS"}"#, at("2022-08-29T13:50:00Z"));
    req.expiry = Some(at("2099-08-30T13:50:00Z"));
    req.extended_attributes = vec![("signedCritKey1".into(), json!("signedCritValue1"), true)];
    for n in 1..=4 {
        req.extended_attributes
            .push((format!("signedKey{n}"), json!("signedValue1"), false));
    }
    req.signing_agent = Some(AGENT.into());
    req
}

#[test]
fn jws_vector() {
    let (Some(dir), Some(keys)) = (interop_dir(), test_keys()) else {
        return;
    };
    let vector: Value = serde_json::from_slice(&read(
        &dir,
        "notation-core-go/conformance/jws-conformance.json",
    ))
    .unwrap();
    // Encoding: the vector was made with an ES256 key.
    let signer = Signer::from_pkcs8(&keys["p256"].pkcs8, vec![keys["p256"].cert.clone()]).unwrap();
    let ours: Value = serde_json::from_slice(&signer.sign_jws(&jws_request()).unwrap()).unwrap();
    assert_eq!(ours["protected"], vector["protected"]);
    assert_eq!(ours["payload"], vector["payload"]);
    assert_eq!(
        ours["header"]["io.cncf.notary.signingAgent"],
        vector["header"]["io.cncf.notary.signingAgent"]
    );
    // Decoding: the vector carries no certificate chain, which notation refuses.
    let bytes = serde_json::to_vec(&vector).unwrap();
    let err = envelope::parse(MEDIA_TYPE_JWS, &bytes).unwrap_err();
    assert_eq!(
        (err.kind, err.message.as_str()),
        (
            EnvelopeErrorKind::Invalid,
            "certificate-chain not present or is empty"
        )
    );
    let err = envelope::verify(MEDIA_TYPE_JWS, &bytes, |_| Ok(())).unwrap_err();
    assert_eq!(err.message, "certificate chain is not present");
    // With a (P-256) certificate added, every attribute reads back.
    let mut with_chain = vector.clone();
    with_chain["header"]["x5c"] = json!([STANDARD.encode(&keys["p256"].cert)]);
    let env = envelope::parse(MEDIA_TYPE_JWS, &serde_json::to_vec(&with_chain).unwrap()).unwrap();
    assert_eq!(env.algorithm, SignatureAlgorithm::EcdsaSha256);
    assert_eq!(env.signing_time, Some(at("2022-08-29T13:50:00Z")));
    assert_eq!(env.expiry, Some(at("2099-08-30T13:50:00Z")));
    assert_eq!(env.signing_agent.as_deref(), Some(AGENT));
    assert_eq!(env.payload, br#"{"key":"hello JWS"}"#);
    let want: Vec<(String, Value, bool)> = jws_request().extended_attributes;
    assert_eq!(env.extended_attributes, want);
    assert_eq!(env.unprocessed_critical_attributes(), ["signedCritKey1"]);
    // The vector's key was ephemeral, so its signature cannot verify with ours.
    let err = env.verify_signature().unwrap_err();
    assert_eq!(
        err.message,
        "signature is invalid. Error: crypto/ecdsa: verification error"
    );
}

fn cose_request() -> SignRequest {
    let mut req = SignRequest::new("hello COSE", at("2022-08-24T06:18:44Z"));
    req.expiry = Some(at("2022-08-25T06:18:44Z"));
    req.extended_attributes = vec![
        ("signedCritKey1".into(), json!("signedCritValue1"), true),
        ("signedKey1".into(), json!("signedValue1"), false),
    ];
    req.signing_agent = Some(AGENT.into());
    req
}

fn head_len(n: usize) -> usize {
    match n {
        0..=23 => 1,
        24..=255 => 2,
        _ => 3,
    }
}

#[test]
fn cose_vector() {
    let (Some(dir), Some(keys)) = (interop_dir(), test_keys()) else {
        return;
    };
    let vector: Value = serde_json::from_slice(&read(
        &dir,
        "notation-core-go/conformance/cose-conformance.json",
    ))
    .unwrap();
    let hex_of = |v: &Value| hex::decode(v["cborHex"].as_str().unwrap()).unwrap();
    let expected = hex_of(&vector["expectedOutput"]);
    let cert = keys["rsa3072"].cert.clone();
    // The vector was made with an RSA-3072 key (PS384).
    let signer = Signer::from_pkcs8(&keys["rsa3072"].pkcs8, vec![cert.clone()]).unwrap();
    let req = cose_request();
    assert_eq!(
        signer.cose_protected_header(&req).unwrap(),
        hex_of(&vector["protectedHeaders"])
    );
    let ours = signer.sign_cose(&req).unwrap();
    // An independent decoder (coset) reads what we wrote.
    let decoded = coset::CoseSign1::from_tagged_slice(&ours).unwrap();
    assert_eq!(
        decoded.protected.original_data.as_deref(),
        Some(hex_of(&vector["protectedHeaders"]).as_slice())
    );
    assert_eq!(decoded.payload.as_deref(), Some(b"hello COSE".as_slice()));
    // Ours is the vector plus the x5chain entry, with our own signature.
    let protected_end = 2 + 3 + hex_of(&vector["protectedHeaders"]).len();
    assert_eq!(ours[..protected_end], expected[..protected_end]);
    assert_eq!(ours[protected_end], 0xa2);
    let x5chain_len = 2 + 1 + head_len(cert.len()) + cert.len();
    let mut rebuilt = ours[..protected_end].to_vec();
    rebuilt.push(0xa1);
    let sig_item = 3 + 384;
    rebuilt.extend_from_slice(&ours[protected_end + 1 + x5chain_len..ours.len() - sig_item]);
    rebuilt.extend_from_slice(&expected[expected.len() - sig_item..]);
    assert_eq!(hex::encode(&rebuilt), hex::encode(&expected));
    envelope::verify(MEDIA_TYPE_COSE, &ours, |_| Ok(())).unwrap();
    // Decoding the vector: no certificate chain.
    let err = envelope::parse(MEDIA_TYPE_COSE, &expected).unwrap_err();
    assert_eq!(
        (err.kind, err.message.as_str()),
        (
            EnvelopeErrorKind::Invalid,
            "certificate chain is not present"
        )
    );
    // With our x5chain spliced in, the attributes read back; the signature is the vector's.
    let mut spliced = ours[..protected_end + 1 + x5chain_len].to_vec();
    spliced.extend_from_slice(&expected[protected_end + 1..]);
    let env = envelope::parse(MEDIA_TYPE_COSE, &spliced).unwrap();
    assert_eq!(env.algorithm, SignatureAlgorithm::RsaPssSha384);
    assert_eq!(env.signing_time, Some(at("2022-08-24T06:18:44Z")));
    assert_eq!(env.expiry, Some(at("2022-08-25T06:18:44Z")));
    assert_eq!(env.signing_agent.as_deref(), Some(AGENT));
    assert_eq!(env.payload, b"hello COSE");
    assert_eq!(env.extended_attributes, req.extended_attributes);
    assert_eq!(env.certificate_chain, vec![cert]);
    let err = env.verify_signature().unwrap_err();
    assert_eq!(
        err.message,
        "signature is invalid. Error: verification error"
    );
}
