//! Canonicalized Rekor entry bodies: what the log recorded about a signature. The kinds
//! sigstore-go accepts are read: hashedrekord 0.0.1, dsse 0.0.1 and intoto 0.0.2. Hashes are
//! `(algorithm, lowercase hex)`; keys and certificates are the PEM the log stored.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

/// One entry body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// `hashedrekord` 0.0.1: a signature over a hash.
    HashedRekord {
        hash_algorithm: String,
        hash_hex: String,
        signature_b64: String,
        public_key_pem: Vec<u8>,
    },
    /// `dsse` 0.0.1: a DSSE envelope's hashes and its signatures with their verifiers.
    Dsse {
        payload_hash: Option<(String, String)>,
        envelope_hash: Option<(String, String)>,
        signatures: Vec<(String, Vec<u8>)>,
    },
    /// `intoto` 0.0.2: as dsse; each signature is stored base64-encoded twice, undone here.
    Intoto {
        payload_hash: Option<(String, String)>,
        signatures: Vec<(String, Vec<u8>)>,
    },
}

impl Body {
    /// Reads a body; returns it with its kind and apiVersion.
    pub fn parse(canonical_json: &[u8]) -> Result<(Body, String, String), String> {
        let value: Value = serde_json::from_slice(canonical_json)
            .map_err(|e| format!("transparency log entry body is not JSON: {e}"))?;
        let kind = text(&value, &["kind"])?;
        let version = text(&value, &["apiVersion"])?;
        let spec = value
            .get("spec")
            .ok_or("transparency log entry body has no spec")?;
        let body = match (kind.as_str(), version.as_str()) {
            ("hashedrekord", "0.0.1") => Body::HashedRekord {
                hash_algorithm: text(spec, &["data", "hash", "algorithm"])?,
                hash_hex: text(spec, &["data", "hash", "value"])?,
                signature_b64: text(spec, &["signature", "content"])?,
                public_key_pem: decode(&text(spec, &["signature", "publicKey", "content"])?)?,
            },
            ("dsse", "0.0.1") => Body::Dsse {
                payload_hash: hash(spec, "payloadHash")?,
                envelope_hash: hash(spec, "envelopeHash")?,
                signatures: signatures(spec.get("signatures"), "signature", "verifier", false)?,
            },
            ("intoto", "0.0.2") => {
                let content = spec
                    .get("content")
                    .ok_or("intoto entry has no spec.content")?;
                Body::Intoto {
                    payload_hash: hash(content, "payloadHash")?,
                    signatures: signatures(
                        content.get("envelope").and_then(|e| e.get("signatures")),
                        "sig",
                        "publicKey",
                        true,
                    )?,
                }
            }
            _ => {
                return Err(format!(
                    "unsupported transparency log entry kind {kind} version {version}"
                ));
            }
        };
        Ok((body, kind, version))
    }
}

/// The string at `path` below `value`.
fn text(value: &Value, path: &[&str]) -> Result<String, String> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("transparency log entry body has no {}", path.join(".")))
}

fn decode(b64: &str) -> Result<Vec<u8>, String> {
    B64.decode(b64.as_bytes())
        .map_err(|e| format!("transparency log entry body holds invalid base64: {e}"))
}

/// An optional `{algorithm, value}` hash.
fn hash(spec: &Value, name: &str) -> Result<Option<(String, String)>, String> {
    match spec.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(h) => Ok(Some((text(h, &["algorithm"])?, text(h, &["value"])?))),
    }
}

/// `(signature base64, verifier PEM)` pairs.
fn signatures(
    list: Option<&Value>,
    sig_key: &str,
    verifier_key: &str,
    double_base64: bool,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let Some(Value::Array(items)) = list else {
        return Err("transparency log entry body has no signatures".into());
    };
    items
        .iter()
        .map(|item| {
            let mut sig = text(item, &[sig_key])?;
            if double_base64 {
                sig = String::from_utf8(decode(&sig)?)
                    .map_err(|_| "intoto entry signature is not base64 text".to_string())?;
            }
            Ok((sig, decode(&text(item, &[verifier_key])?)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_kinds_and_refuses_others() {
        let pem = B64.encode("-----BEGIN PUBLIC KEY-----\n");
        let hashed = format!(
            r#"{{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{{"data":{{"hash":{{"algorithm":"sha256","value":"ab"}}}},"signature":{{"content":"c2ln","publicKey":{{"content":"{pem}"}}}}}}}}"#
        );
        let (body, kind, version) = Body::parse(hashed.as_bytes()).unwrap();
        assert_eq!((kind.as_str(), version.as_str()), ("hashedrekord", "0.0.1"));
        assert!(
            matches!(body, Body::HashedRekord { ref signature_b64, .. } if signature_b64 == "c2ln")
        );
        let dsse = format!(
            r#"{{"apiVersion":"0.0.1","kind":"dsse","spec":{{"payloadHash":{{"algorithm":"sha256","value":"cd"}},"signatures":[{{"signature":"c2ln","verifier":"{pem}"}}]}}}}"#
        );
        let (body, ..) = Body::parse(dsse.as_bytes()).unwrap();
        assert!(matches!(body, Body::Dsse { ref signatures, .. } if signatures[0].0 == "c2ln"));
        let intoto = format!(
            r#"{{"apiVersion":"0.0.2","kind":"intoto","spec":{{"content":{{"payloadHash":{{"algorithm":"sha256","value":"cd"}},"envelope":{{"signatures":[{{"sig":"YzJsbg==","publicKey":"{pem}"}}]}}}}}}}}"#
        );
        let (body, ..) = Body::parse(intoto.as_bytes()).unwrap();
        assert!(matches!(body, Body::Intoto { ref signatures, .. } if signatures[0].0 == "c2ln"));
        let rekord = r#"{"apiVersion":"0.0.1","kind":"rekord","spec":{}}"#;
        assert!(
            Body::parse(rekord.as_bytes())
                .unwrap_err()
                .contains("unsupported")
        );
        assert!(Body::parse(b"{").is_err());
    }
}
