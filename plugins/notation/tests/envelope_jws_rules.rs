//! JWS rules and error wording: `crit` handling, signing-scheme headers and golang-jwt's
//! checks, on envelopes crafted and signed with the P-256 test key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod envelope_support;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use envelope_support::{err, test_keys};
use ratify_notation::envelope::sign::Signer;
use ratify_notation::envelope::{self, EnvelopeError, EnvelopeErrorKind::*, MEDIA_TYPE_JWS};
use serde_json::json;

const PAYLOAD: &str = r#"{"targetArtifact":{"digest":"sha256:00","mediaType":"application/vnd.oci.image.manifest.v1+json","size":1}}"#;
const CTY: &str = r#""cty":"application/vnd.cncf.notary.payload.v1+json""#;
const X509: &str = r#""io.cncf.notary.signingScheme":"notary.x509""#;
const SA: &str = r#""io.cncf.notary.signingScheme":"notary.x509.signingAuthority""#;
const TIME: &str = r#""io.cncf.notary.signingTime":"2024-01-01T00:00:00Z""#;
const AUTH: &str = r#""io.cncf.notary.authenticSigningTime":"2024-01-01T00:00:00Z""#;
const CRIT: &str = r#""crit":["io.cncf.notary.signingScheme"]"#;

/// A JWS with this protected header (and payload), signed with the P-256 test key.
fn craft(header: &str, payload: &str) -> Option<Vec<u8>> {
    let keys = test_keys()?;
    let signer = Signer::from_pkcs8(&keys["p256"].pkcs8, vec![keys["p256"].cert.clone()]).unwrap();
    let protected = URL_SAFE_NO_PAD.encode(header);
    let payload = URL_SAFE_NO_PAD.encode(payload);
    let sig = signer
        .sign_message(format!("{protected}.{payload}").as_bytes())
        .unwrap();
    let doc = json!({
        "payload": payload,
        "protected": protected,
        "header": {"x5c": [STANDARD.encode(&keys["p256"].cert)]},
        "signature": URL_SAFE_NO_PAD.encode(sig),
    });
    Some(serde_json::to_vec(&doc).unwrap())
}

fn header(parts: &[&str]) -> String {
    format!("{{\"alg\":\"ES256\",{}}}", parts.join(","))
}

fn verify(bytes: &[u8]) -> Result<envelope::Envelope, EnvelopeError> {
    envelope_support::verify(MEDIA_TYPE_JWS, bytes)
}

#[test]
fn signed_attribute_rules() {
    let expiry = r#""io.cncf.notary.expiry":"2025-01-01T00:00:00Z""#;
    // (header parts, error from both parse and verify — the signature itself is valid)
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![CTY, X509, TIME], r#"missing "crit" header"#),
        (
            vec![CTY, X509, TIME, r#""crit":[]"#],
            r#"missing "crit" header"#,
        ),
        (
            vec![
                CTY,
                X509,
                TIME,
                r#""crit":["io.cncf.notary.signingScheme","io.example.absent"]"#,
            ],
            r#""io.example.absent" header is marked critical but not present"#,
        ),
        (
            vec![
                CTY,
                X509,
                TIME,
                r#""crit":["alg","io.cncf.notary.signingScheme"]"#,
            ],
            r#""alg" header is marked critical but not present"#,
        ),
        (
            vec![
                CTY,
                X509,
                TIME,
                r#""crit":["io.cncf.notary.signingScheme","io.cncf.notary.signingScheme"]"#,
            ],
            r#""io.cncf.notary.signingScheme" header is marked critical but not present"#,
        ),
        (
            vec![CTY, X509, TIME, expiry, CRIT],
            "these required headers are not marked as critical: [io.cncf.notary.expiry]",
        ),
        (
            vec![
                CTY,
                X509,
                TIME,
                r#""crit":["io.cncf.notary.expiry"]"#,
                expiry,
            ],
            "these required headers are not marked as critical: [io.cncf.notary.signingScheme]",
        ),
        (
            vec![CTY, SA, AUTH, CRIT],
            "these required headers are not marked as critical: [io.cncf.notary.authenticSigningTime]",
        ),
        (
            vec![CTY, SA, AUTH, TIME, CRIT],
            r#""io.cncf.notary.signingTime" header must not be present for notary.x509.signingAuthority signing scheme"#,
        ),
        (
            vec![CTY, SA, CRIT],
            r#""io.cncf.notary.authenticSigningTime" header must be present for notary.x509 signing scheme"#,
        ),
        (
            vec![CTY, X509, TIME, AUTH, CRIT],
            r#""io.cncf.notary.authenticSigningTime" header must not be present for notary.x509 signing scheme"#,
        ),
        (
            vec![
                CTY,
                r#""io.cncf.notary.signingScheme":"notary.foo""#,
                TIME,
                CRIT,
            ],
            "unsupported SigningScheme: `notary.foo`",
        ),
        (vec![CTY, X509, CRIT], "signing-time not present"),
        (
            vec![
                CTY,
                X509,
                TIME,
                r#""io.cncf.notary.expiry":"2024-01-01T00:00:00Z""#,
                r#""crit":["io.cncf.notary.signingScheme","io.cncf.notary.expiry"]"#,
            ],
            "expiry cannot be equal or before the signing time",
        ),
        (
            vec![
                CTY,
                X509,
                r#""io.cncf.notary.signingTime":"2024-13-01T00:00:00Z""#,
                CRIT,
            ],
            r#"jws envelope protected header can't be decoded: parsing time "2024-13-01T00:00:00Z": month out of range"#,
        ),
        (
            vec![
                CTY,
                X509,
                r#""io.cncf.notary.signingTime":1704067200"#,
                CRIT,
            ],
            "jws envelope protected header can't be decoded: Time.UnmarshalJSON: input is not a JSON string",
        ),
        (
            vec![CTY, r#""io.cncf.notary.signingScheme":5"#, TIME, CRIT],
            "jws envelope protected header can't be decoded: json: cannot unmarshal number into Go struct field jwsProtectedHeader.io.cncf.notary.signingScheme of type signature.SigningScheme",
        ),
    ];
    for (parts, message) in cases {
        let Some(bytes) = craft(&header(&parts), PAYLOAD) else {
            return;
        };
        assert_eq!(
            envelope::parse(MEDIA_TYPE_JWS, &bytes).unwrap_err(),
            err(Invalid, message),
            "{parts:?}"
        );
        assert_eq!(
            verify(&bytes).unwrap_err(),
            err(Invalid, message),
            "{parts:?}"
        );
    }
}

#[test]
fn critical_extended_attributes_are_reported_not_refused() {
    let crit = r#""crit":["io.cncf.notary.signingScheme","io.example.c","io.cncf.notary.verificationPlugin","io.cncf.notary.verificationPluginMinVersion"]"#;
    let plugin = r#""io.cncf.notary.verificationPlugin":"com.example.plugin","io.cncf.notary.verificationPluginMinVersion":"1.0.0""#;
    let Some(bytes) = craft(
        &header(&[CTY, X509, TIME, crit, plugin, r#""io.example.c":{"n":1.5}"#]),
        PAYLOAD,
    ) else {
        return;
    };
    let env = verify(&bytes).unwrap();
    assert_eq!(env.unprocessed_critical_attributes(), ["io.example.c"]);
    assert_eq!(
        env.verification_plugin.as_deref(),
        Some("com.example.plugin")
    );
    let requirement = env.verification_plugin_requirement().unwrap().unwrap();
    assert_eq!(requirement.name, "com.example.plugin");
    assert_eq!(requirement.min_version.as_deref(), Some("1.0.0"));
    assert_eq!(
        env.verification_plugin_min_version.as_deref(),
        Some("1.0.0")
    );
    assert_eq!(
        env.extended_attributes[0],
        (
            "io.cncf.notary.verificationPlugin".into(),
            json!("com.example.plugin"),
            true
        )
    );
    assert_eq!(
        env.extended_attributes[2],
        ("io.example.c".into(), json!({"n": 1.5}), true)
    );
}

#[test]
fn verification_plugin_attributes() {
    let crit_plugin =
        r#""crit":["io.cncf.notary.signingScheme","io.cncf.notary.verificationPlugin"]"#;
    let cases = [
        (
            r#""p""#,
            CRIT,
            "io.cncf.notary.verificationPlugin is not a critical Extended attribute",
        ),
        (
            "1",
            crit_plugin,
            "io.cncf.notary.verificationPlugin from extended attribute is not a string",
        ),
        (
            r#"" ""#,
            crit_plugin,
            "io.cncf.notary.verificationPlugin from extended attribute is an empty string",
        ),
    ];
    for (value, crit, message) in cases {
        let attr = format!(r#""io.cncf.notary.verificationPlugin":{value}"#);
        let Some(bytes) = craft(&header(&[CTY, X509, TIME, crit, &attr]), PAYLOAD) else {
            return;
        };
        let env = verify(&bytes).unwrap();
        assert_eq!(
            env.verification_plugin_requirement().unwrap_err(),
            err(Unexpected, message)
        );
    }
    let min = r#""io.cncf.notary.verificationPlugin":"p","io.cncf.notary.verificationPluginMinVersion":"v1""#;
    let crit = r#""crit":["io.cncf.notary.signingScheme","io.cncf.notary.verificationPlugin","io.cncf.notary.verificationPluginMinVersion"]"#;
    let env = verify(&craft(&header(&[CTY, X509, TIME, crit, min]), PAYLOAD).unwrap()).unwrap();
    let message =
        "io.cncf.notary.verificationPluginMinVersion from extended attribute is not a valid SemVer";
    assert_eq!(
        env.verification_plugin_requirement().unwrap_err(),
        err(Unexpected, message)
    );
}

#[test]
fn jwt_checks_come_before_the_signature() {
    let cases: Vec<(String, &str, &str)> = vec![
        (
            r#"{"alg":"RS256"}"#.into(),
            PAYLOAD,
            "signing method RS256 is invalid",
        ),
        (
            r#"{"alg":"none"}"#.into(),
            PAYLOAD,
            "signing method none is invalid",
        ),
        (
            r#"{"alg":"XYZ"}"#.into(),
            PAYLOAD,
            "signing method (alg) is unavailable.",
        ),
        (
            r#"{"alg":7}"#.into(),
            PAYLOAD,
            "signing method (alg) is unspecified.",
        ),
        // Go's struct decoding folds case ("ALG" fills `alg`), the JWT library's map does not.
        (
            header(&[CTY, X509, TIME, CRIT]).replace("\"alg\"", "\"ALG\""),
            PAYLOAD,
            "signing method (alg) is unspecified.",
        ),
        (
            "[1]".into(),
            PAYLOAD,
            "json: cannot unmarshal array into Go value of type map[string]interface {}",
        ),
        ("{\"alg\":".into(), PAYLOAD, "unexpected end of JSON input"),
        (
            header(&[CTY, X509, TIME, CRIT]),
            "[1]",
            "json: cannot unmarshal array into Go value of type jwt.MapClaims",
        ),
        (header(&[CTY, X509, TIME, CRIT]), "", "EOF"),
        (
            header(&[CTY, X509, TIME, CRIT]),
            "{\"a\":",
            "unexpected EOF",
        ),
    ];
    for (protected, payload, cause) in cases {
        let Some(bytes) = craft(&protected, payload) else {
            return;
        };
        let got = verify(&bytes).unwrap_err();
        assert_eq!(
            got,
            err(Integrity, &format!("signature is invalid. Error: {cause}")),
            "{protected}"
        );
    }
    // Read as `notation inspect` does, the folded "ALG" header is fine.
    let folded = header(&[CTY, X509, TIME, CRIT]).replace("\"alg\"", "\"ALG\"");
    let env = envelope::parse(MEDIA_TYPE_JWS, &craft(&folded, PAYLOAD).unwrap()).unwrap();
    assert!(env.verify_integrity().is_err());
    // An unsupported algorithm only reaches the content reader via inspect.
    let rs256 = craft(
        &header(&[CTY, X509, TIME, CRIT]).replace("ES256", "RS256"),
        PAYLOAD,
    )
    .unwrap();
    let got = envelope::parse(MEDIA_TYPE_JWS, &rs256).unwrap_err();
    assert_eq!(
        got,
        err(
            Unexpected,
            r#"signature algorithm "RS256" is not supported"#
        )
    );
    // A payload content type other than v1 passes the envelope but not notation-go.
    let cty = craft(
        &header(&[r#""cty":"application/json""#, X509, TIME, CRIT]),
        PAYLOAD,
    )
    .unwrap();
    envelope::parse(MEDIA_TYPE_JWS, &cty).unwrap();
    assert_eq!(
        verify(&cty).unwrap_err(),
        err(
            Payload,
            r#"payload content type "application/json" not supported"#
        )
    );
}
