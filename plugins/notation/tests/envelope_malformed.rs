//! Malformed and tampered envelopes: Go's JSON decoding of the JWS document (with its error
//! text), and the real cases NGO-05 (tampered payload), NOT-04 (a layer that is no envelope)
//! and NOT-09 (`malformed.jws.sig`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod envelope_support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use envelope_support::{err, interop_dir, layout_signatures, read};
use ratify_notation::envelope::{self, EnvelopeError, EnvelopeErrorKind::*, MEDIA_TYPE_JWS};
use serde_json::json;

fn verify(bytes: &[u8]) -> Result<envelope::Envelope, EnvelopeError> {
    envelope_support::verify(MEDIA_TYPE_JWS, bytes)
}

#[test]
fn envelope_documents_as_go_decodes_them() {
    let parse_err = |doc: &str| envelope::parse(MEDIA_TYPE_JWS, doc.as_bytes()).unwrap_err();
    let cases = [
        (
            "malformed signature",
            "invalid character 'm' looking for beginning of value",
        ),
        ("", "unexpected end of JSON input"),
        (
            "[]",
            "json: cannot unmarshal array into Go value of type jws.jwsEnvelope",
        ),
        (
            r#"{"payload":1}"#,
            "json: cannot unmarshal number into Go struct field jwsEnvelope.payload of type string",
        ),
        (
            r#"{"header":[]}"#,
            "json: cannot unmarshal array into Go struct field jwsEnvelope.header of type jws.jwsUnprotectedHeader",
        ),
        (
            r#"{"header":{"x5c":["!!"]}}"#,
            "illegal base64 data at input byte 0",
        ),
        (
            r#"{"header":{"x5c":"AA=="}}"#,
            "json: cannot unmarshal string into Go struct field jwsUnprotectedHeader.header.x5c of type [][]uint8",
        ),
        (
            r#"{"payload":"x",}"#,
            "invalid character '}' looking for beginning of object key string",
        ),
        (
            r#"{"payload" "x"}"#,
            "invalid character '\"' after object key",
        ),
        ("{} x", "invalid character 'x' after top-level value"),
    ];
    for (doc, message) in cases {
        assert_eq!(parse_err(doc), err(Malformed, message), "{doc}");
        let notation = format!("unable to parse the digital signature, error : {message}");
        assert_eq!(parse_err(doc).notation_message(), notation);
    }
    // A document that decodes but is empty.
    assert_eq!(
        parse_err("{}"),
        err(
            Invalid,
            "jws envelope protected header can't be decoded: unexpected end of JSON input"
        )
    );
    let got = envelope::verify(MEDIA_TYPE_JWS, b"{}", |_| Ok(())).unwrap_err();
    assert_eq!(got, err(Invalid, "certificate chain is not present"));
    let got = envelope::verify(
        MEDIA_TYPE_JWS,
        br#"{"header":{"x5c":["AAAA"]}}"#,
        |_| Ok(()),
    )
    .unwrap_err();
    assert_eq!(got, err(Invalid, "malformed leaf certificate"));
}

#[test]
fn real_malformed_and_tampered_envelopes() {
    let Some(dir) = interop_dir() else { return };
    // NGO-05: the payload member gained a trailing '='.
    let tampered = read(&dir, "notation-go/envelopes/ca_invalid_sig_env.json");
    let got = verify(&tampered).unwrap_err();
    assert_eq!(
        got,
        err(
            Integrity,
            "signature is invalid. Error: illegal base64 data at input byte 242"
        )
    );
    assert_eq!(got.notation_message(), got.message);
    let got = envelope::parse(MEDIA_TYPE_JWS, &tampered).unwrap_err();
    assert_eq!(
        got,
        err(
            Invalid,
            "payload error: illegal base64 data at input byte 242"
        )
    );
    // NOT-09: `notation blob inspect` says "failed to parse signature: <this>".
    let malformed = read(&dir, "notation/blob/malformed.jws.sig");
    let got = envelope::parse(MEDIA_TYPE_JWS, &malformed).unwrap_err();
    assert_eq!(
        got,
        err(
            Malformed,
            "invalid character 'm' looking for beginning of value"
        )
    );
    // NOT-04: the signature manifest's layer is a text file with a tar media type.
    let mut layers = layout_signatures(&dir.join("notation/oci_layout/e2e-invalid-signature"));
    assert_eq!(layers.len(), 1);
    let layer = layers.remove(0);
    assert_eq!(layer.blob, b"invalid signature\n");
    let got = envelope::verify(&layer.media_type, &layer.blob, |_| Ok(())).unwrap_err();
    assert_eq!(
        got.notation_message(),
        r#"unable to parse the digital signature, error : signature envelope format with media type "application/vnd.oci.image.layer.v1.tar" is not supported"#
    );
    assert_eq!(got.kind, UnsupportedFormat);
    let got = envelope::parse(MEDIA_TYPE_JWS, &layer.blob).unwrap_err();
    assert_eq!(
        got,
        err(
            Malformed,
            "invalid character 'i' looking for beginning of value"
        )
    );
    let got = envelope::parse(envelope::MEDIA_TYPE_COSE, &layer.blob).unwrap_err();
    assert_eq!(
        got,
        err(Malformed, "cbor: invalid COSE_Sign1_Tagged object")
    );
    // A COSE envelope read as JWS: Go quotes the first byte as a rune.
    let cose = read(&dir, "notation/blob/blob.cose.sig");
    let got = envelope::parse(MEDIA_TYPE_JWS, &cose).unwrap_err();
    assert_eq!(
        got,
        err(
            Malformed,
            "invalid character 'Ò' looking for beginning of value"
        )
    );
    // A real envelope with its leaf swapped for another RSA-2048 certificate.
    let mut doc: serde_json::Value = serde_json::from_slice(&read(
        &dir,
        "notation-go/oci-layout-signatures/jws_signature.sig",
    ))
    .unwrap();
    let other = envelope_support::pem_certificates(&read(&dir, "notation/localkeys/e2e.crt"));
    doc["header"]["x5c"] = json!([STANDARD.encode(&other[0])]);
    let got = verify(&serde_json::to_vec(&doc).unwrap()).unwrap_err();
    assert_eq!(
        got,
        err(
            Integrity,
            "signature is invalid. Error: crypto/rsa: verification error"
        )
    );
}
