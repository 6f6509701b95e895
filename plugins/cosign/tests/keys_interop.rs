//! keys.rs against real cosign signatures from the interop data: RAT-05 (RSA-2048, RSA-3072,
//! P-256 keys), RAT-06 (Fulcio certificate key), CI-01/CI-05 (containers/image signatures).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod interop_support;

use interop_support::{b64, interop, read};
use ratify_cosign::keys::{KeyKind, PublicKey};

#[test]
fn rat05_keyed_simple_signing() {
    let Some(dir) = interop() else { return };
    let cases = [
        ("keyed-rsa2048", KeyKind::Rsa { bits: 2048 }),
        ("keyed-rsa3072", KeyKind::Rsa { bits: 3072 }),
        ("keyed-ecdsa-p256", KeyKind::EcdsaP256),
    ];
    for (case, kind) in cases {
        let base = format!("ratify/cosign-extracted/{case}");
        let key = PublicKey::from_pem(&read(&dir, &format!("{base}/pubkey.pem"))).unwrap();
        assert_eq!(key.kind(), kind, "{case}");
        let payload = read(&dir, &format!("{base}/payload.json"));
        let sig = b64(&String::from_utf8(read(&dir, &format!("{base}/signature.b64"))).unwrap());
        key.verify(&payload, &sig)
            .unwrap_or_else(|e| panic!("{case}: {e}"));
        let mut other = payload.clone();
        other.push(b'\n');
        assert!(key.verify(&other, &sig).is_err(), "{case}: changed payload");
    }
}

#[test]
fn rat06_fulcio_certificate_key() {
    let Some(dir) = interop() else { return };
    let base = "ratify/cosign-extracted/keyless-fulcio-rekor-valid";
    let pem = String::from_utf8(read(&dir, &format!("{base}/certificate.pem"))).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let key = PublicKey::from_certificate(&b64(&body)).unwrap();
    assert_eq!(key.kind(), KeyKind::EcdsaP256);
    let payload = read(&dir, &format!("{base}/payload.json"));
    let sig = b64(&String::from_utf8(read(&dir, &format!("{base}/signature.b64"))).unwrap());
    key.verify(&payload, &sig).unwrap();
    // The Rekor key signs nothing here.
    assert!(
        interop_support::rekor_key(&dir)
            .verify(&payload, &sig)
            .is_err()
    );
}

/// Payload and signature of a containers/image `signature-N` file (after its 15-byte header).
fn containers_image_signature(bytes: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let json: serde_json::Value = serde_json::from_slice(&bytes[15..]).unwrap();
    let payload = b64(json["payload"].as_str().unwrap());
    let sig = b64(json["annotations"]["dev.cosignproject.cosign/signature"]
        .as_str()
        .unwrap());
    (payload, sig)
}

#[test]
fn ci01_ci05_containers_image_keys() {
    let Some(dir) = interop() else { return };
    let cosign = PublicKey::from_pem_file(&dir.join("containers-image/cosign.pub")).unwrap();
    let cosign2 = PublicKey::from_pem_file(&dir.join("containers-image/cosign2.pub")).unwrap();
    assert!(hex::encode(cosign.key_id()).starts_with("c87a7901"));
    assert!(hex::encode(cosign2.key_id()).starts_with("5e7eb6c1"));

    let (payload, sig) = containers_image_signature(&read(
        &dir,
        "containers-image/dir-img-cosign-valid/signature-1",
    ));
    cosign.verify(&payload, &sig).unwrap();
    let err = cosign2.verify(&payload, &sig).unwrap_err();
    assert_eq!(
        err,
        "invalid signature when validating ASN.1 encoded signature"
    );

    let (payload, sig) =
        containers_image_signature(&read(&dir, "containers-image/unknown-cosign-key.signature"));
    assert!(cosign.verify(&payload, &sig).is_err());
    assert!(cosign2.verify(&payload, &sig).is_err());

    // CI-03 is signed with cosign2.
    let (payload, sig) = containers_image_signature(&read(
        &dir,
        "containers-image/dir-img-cosign-key-rekor-valid/signature-1",
    ));
    cosign2.verify(&payload, &sig).unwrap();
    assert!(cosign.verify(&payload, &sig).is_err());
}

#[test]
fn rekor_key_id_is_the_log_id() {
    let Some(dir) = interop() else { return };
    let from_pem = interop_support::rekor_key(&dir);
    let from_root = interop_support::rekor_key_from_trusted_root(&dir);
    assert_eq!(from_pem, from_root);
    assert_eq!(
        hex::encode(from_pem.key_id()),
        "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d"
    );
}
