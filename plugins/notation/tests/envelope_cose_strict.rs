//! CBOR that coset (ciborium) would decode but notation (go-cose over fxamacker/cbor) refuses:
//! each case is a correctly signed COSE envelope whose protected header carries one such item,
//! and it must fail to parse, with fxamacker's message, as notation fails it. (Two cases coset
//! refuses as well are here for fxamacker's message.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod envelope_support;

use coset::cbor::value::Value;
use coset::{CborSerializable, TaggedCborSerializable};
use envelope_support::test_keys;
use ratify_notation::envelope::sign::Signer;
use ratify_notation::envelope::{self, EnvelopeErrorKind, MEDIA_TYPE_COSE};

const PAYLOAD: &[u8] = br#"{"targetArtifact":{"digest":"sha256:00","mediaType":"application/vnd.oci.image.manifest.v1+json","size":1}}"#;
const SCHEME: &str = "io.cncf.notary.signingScheme";

fn cbor(value: Value) -> Vec<u8> {
    value.to_vec().unwrap()
}

/// A valid ES256 protected header plus one raw `key: value` pair, as encoded bytes.
fn protected_with(raw_key: &[u8], raw_value: &[u8]) -> Vec<u8> {
    let pairs = [
        (Value::from(1), Value::from(-7)),
        (
            Value::from(2),
            Value::Array(vec![Value::Text(SCHEME.into())]),
        ),
        (
            Value::from(3),
            Value::Text("application/vnd.cncf.notary.payload.v1+json".into()),
        ),
        (
            Value::Text(SCHEME.into()),
            Value::Text("notary.x509".into()),
        ),
        (
            Value::Text("io.cncf.notary.signingTime".into()),
            Value::Tag(1, Box::new(Value::from(1_704_067_200))),
        ),
    ];
    let mut out = vec![0xa0 | (pairs.len() as u8 + 1)];
    for (key, value) in pairs {
        out.extend(cbor(key));
        out.extend(cbor(value));
    }
    out.extend_from_slice(raw_key);
    out.extend_from_slice(raw_value);
    out
}

/// A COSE_Sign1 over these protected header bytes, signed with the P-256 test key.
fn envelope(protected: Vec<u8>) -> Option<Vec<u8>> {
    let keys = test_keys()?;
    let signer = Signer::from_pkcs8(&keys["p256"].pkcs8, vec![keys["p256"].cert.clone()]).unwrap();
    let tbs = cbor(Value::Array(vec![
        Value::Text("Signature1".into()),
        Value::Bytes(protected.clone()),
        Value::Bytes(Vec::new()),
        Value::Bytes(PAYLOAD.to_vec()),
    ]));
    let certs = Value::Array(vec![Value::Bytes(keys["p256"].cert.clone())]);
    let message = Value::Tag(
        18,
        Box::new(Value::Array(vec![
            Value::Bytes(protected),
            Value::Map(vec![(Value::from(33), certs)]),
            Value::Bytes(PAYLOAD.to_vec()),
            Value::Bytes(signer.sign_message(&tbs).unwrap()),
        ])),
    );
    Some(cbor(message))
}

/// A text key `io.example.x`.
fn key() -> Vec<u8> {
    cbor(Value::Text("io.example.x".into()))
}

#[test]
fn valid_control() {
    // The same construction with a plain value verifies: the failures below are the item's.
    let Some(bytes) = envelope(protected_with(&key(), &[0x01])) else {
        return;
    };
    envelope::verify(MEDIA_TYPE_COSE, &bytes, |_| Ok(())).unwrap();
}

#[test]
fn notation_refuses_what_ciborium_accepts() {
    if test_keys().is_none() {
        return;
    }
    let deep: Vec<u8> = std::iter::repeat_n(0x81, 40).chain([0x01]).collect();
    let mut trailing = protected_with(&key(), &[0x01]);
    trailing.push(0x00);
    let at = trailing.len() - 1;
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        (
            "indefinite-length array",
            protected_with(&key(), &[0x9f, 0x01, 0xff]),
            "cbor: indefinite-length array isn't allowed".into(),
        ),
        (
            "nesting past 32",
            protected_with(&key(), &deep),
            "cbor: exceeded max nested level 32".into(),
        ),
        (
            "duplicate key in a nested map",
            protected_with(&key(), &[0xa2, 0x61, b'a', 0x01, 0x61, b'a', 0x02]),
            r#"cbor: found duplicate map key "a" at map element index 1"#.into(),
        ),
        (
            "array as a map key",
            protected_with(&key(), &[0xa1, 0x81, 0x01, 0x01]),
            "cbor: invalid map key type: []interface {}".into(),
        ),
        (
            "integer past int64",
            protected_with(&key(), &[0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            "cbor: cannot unmarshal positive integer into Go value of type int64 (18446744073709551615 overflows Go's int64)".into(),
        ),
        (
            "half-precision float under tag 1",
            protected_with(&key(), &[0xc1, 0xf9, 0x3c, 0x00]),
            "cbor: cannot unmarshal primitives into Go value of type time.Time".into(),
        ),
        (
            "text under tag 1",
            protected_with(&key(), &[0xc1, 0x61, b'1']),
            "cbor: tag number 1 must be followed by integer or floating-point number, got UTF-8 text string".into(),
        ),
        (
            "bignum label (ciborium reads it as the integer 9)",
            protected_with(&[0xc2, 0x41, 0x09], &[0x40]),
            "cbor: header label: require int / tstr type".into(),
        ),
        (
            "invalid UTF-8",
            protected_with(&key(), &[0x62, 0xc3, 0x28]),
            "cbor: invalid UTF-8 string".into(),
        ),
        (
            "trailing bytes",
            trailing,
            format!("cbor: 1 bytes of extraneous data starting at index {at}"),
        ),
    ];
    for (name, protected, message) in cases {
        let bytes = envelope(protected).unwrap();
        // What the pre-checks are for: coset alone takes all but the last two.
        let coset_takes = coset::CoseSign1::from_tagged_slice(&bytes).is_ok();
        let coset_refuses = ["invalid UTF-8", "trailing bytes"].contains(&name);
        assert_eq!(coset_takes, !coset_refuses, "{name}");
        let got = envelope::parse(MEDIA_TYPE_COSE, &bytes).unwrap_err();
        assert_eq!(got.kind, EnvelopeErrorKind::Malformed, "{name}");
        assert_eq!(
            got.message,
            format!("cbor: invalid protected header: {message}"),
            "{name}"
        );
        let got = envelope::verify(MEDIA_TYPE_COSE, &bytes, |_| Ok(())).unwrap_err();
        assert_eq!(got.kind, EnvelopeErrorKind::Malformed, "{name}");
    }
}

#[test]
fn outer_structure_is_strict_too() {
    let Some(valid) = envelope(protected_with(&key(), &[0x01])) else {
        return;
    };
    // The unprotected map (after the 2-byte-headed protected bstr) rewritten with an
    // indefinite length: 0xbf, its one entry, 0xff, then the payload (a 2-byte-headed bstr).
    let unprotected_at = 4 + valid[3] as usize;
    assert_eq!(valid[unprotected_at], 0xa1);
    let payload_at = valid
        .windows(PAYLOAD.len())
        .position(|w| w == PAYLOAD)
        .unwrap()
        - 2;
    let mut indefinite = valid[..unprotected_at].to_vec();
    indefinite.push(0xbf);
    indefinite.extend_from_slice(&valid[unprotected_at + 1..payload_at]);
    indefinite.push(0xff);
    indefinite.extend_from_slice(&valid[payload_at..]);
    let got = envelope::parse(MEDIA_TYPE_COSE, &indefinite).unwrap_err();
    assert_eq!(
        (got.kind, got.message.as_str()),
        (
            EnvelopeErrorKind::Malformed,
            "cbor: indefinite-length map isn't allowed"
        )
    );
}
