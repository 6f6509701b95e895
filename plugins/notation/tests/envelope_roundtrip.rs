//! Envelopes from the fixture signer (feature `signer`) with RSA 2048/3072/4096 and
//! P-256/384/521 keys: they parse back with the request's attributes and verify; a changed
//! signed byte, another key, or an algorithm the key does not call for fails with notation's
//! message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod envelope_support;

use envelope_support::{at, test_keys, verify};
use ratify_notation::crypto::SignatureAlgorithm::{self, *};
use ratify_notation::envelope::sign::{SignRequest, Signer};
use ratify_notation::envelope::{
    self, EnvelopeErrorKind, MEDIA_TYPE_COSE, MEDIA_TYPE_JWS, SigningScheme,
};
use serde_json::json;

const PAYLOAD: &str = r#"{"targetArtifact":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9","size":517,"annotations":{"io.example/b":"<2>","io.example/a":"1"}}}"#;

fn request(scheme: SigningScheme) -> SignRequest {
    let mut req = SignRequest::new(PAYLOAD, at("2024-03-01T10:20:30.75+02:00"));
    req.signing_scheme = scheme;
    req.expiry = Some(at("2024-03-02T08:20:30Z"));
    req.extended_attributes = vec![
        ("io.example.plain".into(), json!("value"), false),
        (
            "io.example.crit".into(),
            json!({"n": 1, "list": ["x"]}),
            true,
        ),
    ];
    req.signing_agent = Some("ratify-test/0.1".into());
    if scheme == SigningScheme::X509 {
        req.timestamp_token = Some(vec![0x30, 0x03, 0x02, 0x01, 0x01]);
    }
    req
}

fn signer(key: &str, cert: &str) -> Signer {
    let keys = test_keys().unwrap();
    Signer::from_pkcs8(&keys[key].pkcs8, vec![keys[cert].cert.clone()]).unwrap()
}

#[test]
fn every_key_and_format_round_trips() {
    if test_keys().is_none() {
        return;
    }
    let table: [(&str, SignatureAlgorithm); 6] = [
        ("rsa2048", RsaPssSha256),
        ("rsa3072", RsaPssSha384),
        ("rsa4096", RsaPssSha512),
        ("p256", EcdsaSha256),
        ("p384", EcdsaSha384),
        ("p521", EcdsaSha512),
    ];
    for (key, alg) in table {
        let signer = signer(key, key);
        assert_eq!(signer.algorithm(), alg);
        let spki = x509_parser::parse_x509_certificate(&test_keys().unwrap()[key].cert)
            .unwrap()
            .1
            .tbs_certificate
            .subject_pki
            .raw
            .to_vec();
        assert_eq!(
            ratify_notation::crypto::algorithm_for_key(&spki).unwrap(),
            alg
        );
        for media_type in [MEDIA_TYPE_JWS, MEDIA_TYPE_COSE] {
            for scheme in [SigningScheme::X509, SigningScheme::X509SigningAuthority] {
                let req = request(scheme);
                let bytes = signer.sign(media_type, &req).unwrap();
                let name = format!("{key} {media_type} {}", scheme.as_str());
                let env =
                    envelope::parse(media_type, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(env.algorithm, alg, "{name}");
                assert_eq!(env.signing_scheme, scheme);
                // Truncated to whole seconds, as notation does.
                assert_eq!(
                    env.claimed_signing_time(),
                    Some(at("2024-03-01T08:20:30Z")),
                    "{name}"
                );
                assert_eq!(env.expiry, Some(at("2024-03-02T08:20:30Z")));
                assert_eq!(env.signing_agent.as_deref(), Some("ratify-test/0.1"));
                assert_eq!(env.timestamp_token, req.timestamp_token);
                assert_eq!(
                    env.certificate_chain,
                    vec![test_keys().unwrap()[key].cert.clone()]
                );
                let attrs: Vec<_> = env
                    .extended_attributes
                    .iter()
                    .map(|(k, v, c)| (k.as_str(), v.clone(), *c))
                    .collect();
                assert_eq!(
                    attrs,
                    [
                        ("io.example.crit", json!({"list": ["x"], "n": 1}), true),
                        ("io.example.plain", json!("value"), false)
                    ],
                    "{name}"
                );
                assert_eq!(env.unprocessed_critical_attributes(), ["io.example.crit"]);
                let target = env.payload().unwrap().target_artifact;
                assert_eq!(target.size, 517);
                assert_eq!(target.annotations["io.example/b"], "<2>");
                env.verify_integrity()
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                verify(media_type, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                if media_type == MEDIA_TYPE_JWS {
                    // JWS keeps the signing time's offset; the payload is Go's re-encoding.
                    assert_eq!(
                        env.claimed_signing_time().unwrap().offset().whole_hours(),
                        2
                    );
                    assert!(String::from_utf8(env.payload.clone()).unwrap().contains(
                        r#""annotations":{"io.example/a":"1","io.example/b":"\u003c2\u003e"}"#
                    ));
                } else {
                    assert_eq!(env.payload, PAYLOAD.as_bytes());
                }
            }
        }
    }
}

/// The byte ranges of a JWS envelope's three signed members.
fn jws_signed_ranges(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    ["payload", "protected", "signature"]
        .iter()
        .map(|m| {
            let value = doc[m].as_str().unwrap();
            let start = text.find(&format!("\"{m}\":\"{value}\"")).unwrap() + m.len() + 4;
            start..start + value.len()
        })
        .collect()
}

/// Flips the most significant bit of a base64url character's value (the bits Go ignores at the
/// end of a segment are the least significant ones, so this always changes the data).
fn flip_b64url(c: u8) -> u8 {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let v = ALPHABET.iter().position(|&a| a == c).unwrap();
    ALPHABET[v ^ 0x20]
}

#[test]
fn tampering_any_signed_byte_fails() {
    if test_keys().is_none() {
        return;
    }
    for (key, step) in [("p256", 1), ("rsa2048", 5)] {
        let signer = signer(key, key);
        let req = request(SigningScheme::X509);
        let jws = signer.sign_jws(&req).unwrap();
        verify(MEDIA_TYPE_JWS, &jws).unwrap();
        for range in jws_signed_ranges(&jws) {
            for i in range.step_by(step) {
                let mut bad = jws.clone();
                bad[i] = flip_b64url(bad[i]);
                assert!(
                    verify(MEDIA_TYPE_JWS, &bad).is_err(),
                    "{key} JWS byte {i} changed yet verified"
                );
            }
        }
        // COSE: everything but the unprotected header (certificates, agent, timestamp) is
        // covered by the signature or by the structure.
        let cose = signer.sign_cose(&req).unwrap();
        verify(MEDIA_TYPE_COSE, &cose).unwrap();
        let protected = signer.cose_protected_header(&req).unwrap();
        let unprotected_start = 2 + head_len(protected.len()) + protected.len();
        let payload_start = cose.len()
            - signature_item_len(&cose)
            - req.payload.len()
            - head_len(req.payload.len());
        for i in (0..cose.len()).step_by(step) {
            if (unprotected_start..payload_start).contains(&i) {
                continue;
            }
            let mut bad = cose.clone();
            bad[i] ^= 0x01;
            assert!(
                verify(MEDIA_TYPE_COSE, &bad).is_err(),
                "{key} COSE byte {i} changed yet verified"
            );
        }
    }
}

/// Length of a CBOR head for an argument `n`.
fn head_len(n: usize) -> usize {
    match n {
        0..=23 => 1,
        24..=255 => 2,
        _ => 3,
    }
}

/// Length of the trailing signature bstr item (head + bytes) of a COSE_Sign1.
fn signature_item_len(cose: &[u8]) -> usize {
    for (head, len) in [
        (1usize, 64usize),
        (2, 64),
        (2, 96),
        (2, 132),
        (3, 256),
        (3, 384),
        (3, 512),
    ] {
        if cose.len() > head + len {
            let start = cose.len() - len - head;
            let h = &cose[start..start + head];
            let ok = match head {
                1 => h[0] == 0x40 | len as u8,
                2 => h == [0x58, len as u8],
                _ => h == [0x59, (len >> 8) as u8, len as u8],
            };
            if ok {
                return head + len;
            }
        }
    }
    panic!("no signature item found")
}

#[test]
fn another_signing_key_fails() {
    if test_keys().is_none() {
        return;
    }
    let cases = [
        (
            "p256",
            "p256b",
            MEDIA_TYPE_JWS,
            "crypto/ecdsa: verification error",
        ),
        (
            "rsa2048",
            "rsa2048b",
            MEDIA_TYPE_JWS,
            "crypto/rsa: verification error",
        ),
        ("rsa2048", "p256", MEDIA_TYPE_JWS, "key is invalid"),
        ("p256", "rsa2048", MEDIA_TYPE_JWS, "key is of invalid type"),
        ("p256", "p256b", MEDIA_TYPE_COSE, "verification error"),
        ("rsa2048", "rsa2048b", MEDIA_TYPE_COSE, "verification error"),
        (
            "rsa2048",
            "p256",
            MEDIA_TYPE_COSE,
            "algorithm mismatch: verifier ES256: header PS256",
        ),
        (
            "p384",
            "p256",
            MEDIA_TYPE_COSE,
            "algorithm mismatch: verifier ES256: header ES384",
        ),
    ];
    for (key, cert, media_type, cause) in cases {
        let bytes = signer(key, cert)
            .sign(media_type, &request(SigningScheme::X509))
            .unwrap();
        let err = verify(media_type, &bytes).unwrap_err();
        assert_eq!(
            err.kind,
            EnvelopeErrorKind::Integrity,
            "{key}/{cert} {media_type}"
        );
        assert_eq!(
            err.message,
            format!("signature is invalid. Error: {cause}"),
            "{key}/{cert}"
        );
        let parsed = envelope::parse(media_type, &bytes).unwrap();
        assert_eq!(
            parsed.verify_integrity().unwrap_err(),
            err,
            "{key}/{cert} {media_type}"
        );
    }
}

#[test]
fn algorithm_must_match_the_key() {
    if test_keys().is_none() {
        return;
    }
    // An RSA-2048 key must sign PS256; this one signs (validly) with PS384.
    let substituted = signer("rsa2048", "rsa2048")
        .with_algorithm(RsaPssSha384)
        .unwrap();
    let req = request(SigningScheme::X509);
    let jws = substituted.sign_jws(&req).unwrap();
    let parsed = envelope::parse(MEDIA_TYPE_JWS, &jws).unwrap();
    parsed.verify_signature().unwrap();
    let mismatch = "mismatch between signature algorithm derived from signing certificate (1) and signing algorithm specified (2s)";
    let err = parsed.verify_integrity().unwrap_err();
    assert_eq!(
        (err.kind, err.message.as_str()),
        (EnvelopeErrorKind::Invalid, mismatch)
    );
    assert_eq!(verify(MEDIA_TYPE_JWS, &jws).unwrap_err().message, mismatch);
    // COSE takes the verifier's algorithm from the key, so the header fails first.
    let cose = substituted.sign_cose(&req).unwrap();
    let err = verify(MEDIA_TYPE_COSE, &cose).unwrap_err();
    assert_eq!(err.kind, EnvelopeErrorKind::Integrity);
    assert_eq!(
        err.message,
        "signature is invalid. Error: algorithm mismatch: verifier PS256: header PS384"
    );
    assert!(signer("p256", "p256").with_algorithm(RsaPssSha256).is_err());
}

#[test]
fn chain_check_runs_in_notations_order() {
    if test_keys().is_none() {
        return;
    }
    let jws = signer("p256", "p256")
        .sign_jws(&request(SigningScheme::X509))
        .unwrap();
    let err = envelope::verify(MEDIA_TYPE_JWS, &jws, |_| {
        Err("x509: certificate has expired".into())
    })
    .unwrap_err();
    assert_eq!(err.kind, EnvelopeErrorKind::Invalid);
    assert_eq!(
        err.message,
        "certificate-chain is invalid, x509: certificate has expired"
    );
    // A bad signature is reported before the chain is looked at.
    let bad = signer("p256", "p256b")
        .sign_jws(&request(SigningScheme::X509))
        .unwrap();
    let err = envelope::verify(MEDIA_TYPE_JWS, &bad, |_| panic!("chain checked")).unwrap_err();
    assert_eq!(err.kind, EnvelopeErrorKind::Integrity);
}
