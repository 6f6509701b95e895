//! COSE rules and error wording: go-cose's header validation at parse time, notation-core-go's
//! `crit` and time rules, CBOR strictness (tags, trailing data, duplicates), detached payloads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod envelope_support;

use coset::CborSerializable;
use coset::cbor::value::Value;
use envelope_support::{err, test_keys};
use ratify_notation::envelope::sign::Signer;
use ratify_notation::envelope::{self, EnvelopeError, EnvelopeErrorKind::*, MEDIA_TYPE_COSE};
use serde_json::json;

const PAYLOAD: &[u8] = br#"{"targetArtifact":{"digest":"sha256:00","mediaType":"application/vnd.oci.image.manifest.v1+json","size":1}}"#;
const SCHEME: &str = "io.cncf.notary.signingScheme";
const TIME: &str = "io.cncf.notary.signingTime";

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn int(i: i64) -> Value {
    Value::from(i)
}

/// A valid protected header for ES256, to be edited per case.
fn base_header() -> Vec<(Value, Value)> {
    vec![
        (int(1), int(-7)),
        (int(2), Value::Array(vec![text(SCHEME)])),
        (int(3), text("application/vnd.cncf.notary.payload.v1+json")),
        (text(SCHEME), text("notary.x509")),
        (text(TIME), Value::Tag(1, Box::new(int(1_704_067_200)))),
    ]
}

/// Label changes: `None` removes the label.
type Edits = Vec<(Value, Option<Value>)>;

fn set(header: &mut Vec<(Value, Value)>, label: Value, value: Option<Value>) {
    header.retain(|(k, _)| *k != label);
    if let Some(value) = value {
        header.push((label, value));
    }
}

fn cbor(value: &Value) -> Vec<u8> {
    value.clone().to_vec().unwrap()
}

/// A COSE_Sign1 with this protected header and payload, signed with the P-256 test key.
fn craft(
    header: Vec<(Value, Value)>,
    payload: Option<&[u8]>,
    extra: Vec<(Value, Value)>,
) -> Option<Vec<u8>> {
    let keys = test_keys()?;
    let signer = Signer::from_pkcs8(&keys["p256"].pkcs8, vec![keys["p256"].cert.clone()]).unwrap();
    let protected = cbor(&Value::Map(header));
    let tbs = cbor(&Value::Array(vec![
        text("Signature1"),
        Value::Bytes(protected.clone()),
        Value::Bytes(Vec::new()),
        Value::Bytes(payload.unwrap_or_default().to_vec()),
    ]));
    let sig = signer.sign_message(&tbs).unwrap();
    let mut unprotected = vec![(
        int(33),
        Value::Array(vec![Value::Bytes(keys["p256"].cert.clone())]),
    )];
    unprotected.extend(extra);
    let mut out = vec![0xd2];
    out.extend(cbor(&Value::Array(vec![
        Value::Bytes(protected),
        Value::Map(unprotected),
        payload.map_or(Value::Null, |p| Value::Bytes(p.to_vec())),
        Value::Bytes(sig),
    ])));
    Some(out)
}

fn verify(bytes: &[u8]) -> Result<envelope::Envelope, EnvelopeError> {
    envelope_support::verify(MEDIA_TYPE_COSE, bytes)
}

#[test]
fn protected_header_rules() {
    let Some(valid) = craft(base_header(), Some(PAYLOAD), vec![]) else {
        return;
    };
    verify(&valid).unwrap();
    let prefix = "cbor: invalid protected header: protected header: header parameter: ";
    let crit = |labels: Vec<Value>| (int(2), Some(Value::Array(labels)));
    let expiry = text("io.cncf.notary.expiry");
    let tagged = |secs| Some(Value::Tag(1, Box::new(int(secs))));
    // (edits, kind, message) — parse and verify agree, as the signature is valid.
    let cases: Vec<(Edits, _, String)> = vec![
        (
            vec![crit(vec![text(SCHEME), text("io.example.absent")])],
            Malformed,
            format!("{prefix}crit: missing critical header: io.example.absent"),
        ),
        (
            vec![crit(vec![])],
            Malformed,
            format!("{prefix}crit: empty crit header"),
        ),
        (
            vec![crit(vec![Value::Bytes(vec![1, 2])])],
            Malformed,
            format!("{prefix}crit: require int / tstr type, got '[]uint8': [1 2]"),
        ),
        (
            vec![(int(3), Some(text("json")))],
            Malformed,
            format!("{prefix}content type: require text of form type/subtype"),
        ),
        (
            vec![(int(4), Some(text("kid")))],
            Malformed,
            format!("{prefix}kid: require bstr type"),
        ),
        (
            vec![(int(2), None)],
            Invalid,
            "these required headers are not marked as critical: [io.cncf.notary.signingScheme]"
                .into(),
        ),
        (
            vec![(expiry.clone(), tagged(1_704_153_600))],
            Invalid,
            "these required headers are not marked as critical: [io.cncf.notary.expiry]".into(),
        ),
        (
            vec![(text(SCHEME), Some(int(1)))],
            Invalid,
            "invalid signingScheme".into(),
        ),
        (
            vec![(text(SCHEME), Some(text("notary.foo")))],
            Invalid,
            "unsupported signingScheme: notary.foo".into(),
        ),
        (
            vec![(text(TIME), Some(int(1_704_067_200)))],
            Invalid,
            "invalid signingTime: invalid timeValue type".into(),
        ),
        (
            vec![(
                text(TIME),
                Some(Value::Tag(0, Box::new(text("2024-01-01T00:00:00Z")))),
            )],
            Invalid,
            "invalid signingTime: only Tag `1` Datetime CBOR object is supported".into(),
        ),
        (
            vec![(text(TIME), None)],
            Invalid,
            r#"invalid signingTime: protected header "io.cncf.notary.signingTime" is missing"#
                .into(),
        ),
        (vec![(int(3), None)], Invalid, "missing content type".into()),
        (
            vec![(int(3), Some(int(50)))],
            Invalid,
            "content type should be of 'tstr' type".into(),
        ),
        (
            vec![
                crit(vec![text(SCHEME), expiry.clone()]),
                (expiry.clone(), tagged(1_704_067_200)),
            ],
            Invalid,
            "expiry cannot be equal or before the signing time".into(),
        ),
    ];
    for (edits, kind, message) in cases {
        let mut header = base_header();
        for (label, value) in edits.clone() {
            set(&mut header, label, value);
        }
        let bytes = craft(header, Some(PAYLOAD), vec![]).unwrap();
        assert_eq!(
            envelope::parse(MEDIA_TYPE_COSE, &bytes).unwrap_err(),
            err(kind, &message),
            "{edits:?}"
        );
        assert_eq!(
            verify(&bytes).unwrap_err(),
            err(kind, &message),
            "{edits:?}"
        );
    }
}

#[test]
fn algorithm_header() {
    let mut no_alg = base_header();
    set(&mut no_alg, int(1), None);
    let Some(bytes) = craft(no_alg, Some(PAYLOAD), vec![]) else {
        return;
    };
    assert_eq!(
        verify(&bytes).unwrap_err(),
        err(
            Integrity,
            "signature is invalid. Error: algorithm not found"
        )
    );
    assert_eq!(
        envelope::parse(MEDIA_TYPE_COSE, &bytes).unwrap_err(),
        err(Invalid, "algorithm not found")
    );
    let mut eddsa = base_header();
    set(&mut eddsa, int(1), Some(int(-8)));
    let bytes = craft(eddsa, Some(PAYLOAD), vec![]).unwrap();
    let want = "signature is invalid. Error: algorithm mismatch: verifier ES256: header EdDSA";
    assert_eq!(verify(&bytes).unwrap_err(), err(Integrity, want));
    assert_eq!(
        envelope::parse(MEDIA_TYPE_COSE, &bytes).unwrap_err(),
        err(Invalid, "signature algorithm not supported: -8")
    );
    let mut named = base_header();
    set(&mut named, int(1), Some(text("ES256")));
    let bytes = craft(named, Some(PAYLOAD), vec![]).unwrap();
    assert_eq!(
        verify(&bytes).unwrap_err(),
        err(
            Integrity,
            r#"signature is invalid. Error: Algorithm("ES256")"#
        )
    );
}

#[test]
fn extended_attributes_and_unprotected_header() {
    let mut header = base_header();
    set(
        &mut header,
        int(2),
        Some(Value::Array(vec![
            text(SCHEME),
            text("io.example.c"),
            int(4),
        ])),
    );
    set(
        &mut header,
        text("io.example.c"),
        Some(Value::Array(vec![int(1), Value::Bool(true)])),
    );
    set(&mut header, int(4), Some(Value::Bytes(vec![0xfb, 0xff])));
    let agent = (text("io.cncf.notary.signingAgent"), text("agent/1"));
    let token = (
        text("io.cncf.notary.timestampSignature"),
        Value::Bytes(vec![1, 2, 3]),
    );
    let Some(bytes) = craft(header, Some(PAYLOAD), vec![agent, token]) else {
        return;
    };
    let env = verify(&bytes).unwrap();
    assert_eq!(
        env.extended_attributes,
        [
            ("4".into(), json!("+/8="), true),
            ("io.example.c".into(), json!([1, true]), true)
        ]
    );
    assert_eq!(env.unprocessed_critical_attributes(), ["4", "io.example.c"]);
    assert_eq!(env.signing_agent.as_deref(), Some("agent/1"));
    assert_eq!(env.timestamp_token, Some(vec![1, 2, 3]));
    // crit belongs in the protected bucket only.
    let crit = (int(2), Value::Array(vec![text(SCHEME)]));
    let bytes = craft(base_header(), Some(PAYLOAD), vec![crit]).unwrap();
    let want =
        "cbor: invalid unprotected header: unprotected header: header parameter: crit: not allowed";
    assert_eq!(verify(&bytes).unwrap_err(), err(Malformed, want));
    // The outer structure is decoded with tags forbidden.
    let tagged = (text("io.example.t"), Value::Tag(1, Box::new(int(0))));
    let bytes = craft(base_header(), Some(PAYLOAD), vec![tagged]).unwrap();
    assert_eq!(
        verify(&bytes).unwrap_err(),
        err(Malformed, "cbor: CBOR tag isn't allowed")
    );
}

#[test]
fn message_structure() {
    let Some(valid) = craft(base_header(), Some(PAYLOAD), vec![]) else {
        return;
    };
    let parse = |b: &[u8]| envelope::parse(MEDIA_TYPE_COSE, b).unwrap_err();
    assert_eq!(
        parse(&valid[1..]),
        err(Malformed, "cbor: invalid COSE_Sign1_Tagged object")
    );
    let mut trailing = valid.clone();
    trailing.push(0);
    let at = valid.len() - 1;
    assert_eq!(
        parse(&trailing),
        err(
            Malformed,
            &format!("cbor: 1 bytes of extraneous data starting at index {at}")
        )
    );
    assert_eq!(
        parse(&valid[..valid.len() - 1]),
        err(Malformed, "unexpected EOF")
    );
    // Detached payload: notation has nothing to verify.
    let detached = craft(base_header(), None, vec![]).unwrap();
    assert_eq!(
        verify(&detached).unwrap_err(),
        err(Integrity, "signature is invalid. Error: missing payload")
    );
    assert_eq!(parse(&detached), err(Invalid, "content not present"));
    // Duplicate labels in the protected header.
    let mut dup = base_header();
    dup.push((text(SCHEME), text("notary.x509")));
    let got = parse(&craft(dup, Some(PAYLOAD), vec![]).unwrap());
    assert_eq!(got.kind, Malformed);
    assert!(
        got.message.starts_with(&format!("cbor: invalid protected header: cbor: found duplicate map key \"{SCHEME}\" at map element index ")),
        "{got}"
    );
    // Empty signature.
    let mut empty_sig = valid[..valid.len() - 64 - 2].to_vec();
    empty_sig.push(0x40);
    assert_eq!(parse(&empty_sig), err(Malformed, "empty signature"));
}
