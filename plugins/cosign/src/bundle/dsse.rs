//! DSSE envelopes (`io.intoto.Envelope`) as Sigstore bundles carry them: the pre-authentication
//! encoding the signature covers, and the exact JSON Rekor hashed into a dsse entry's
//! `envelopeHash`.

use super::intoto::{self, Statement};
use super::protojson::{Msg, encode_base64};

/// The payload type of in-toto statements (sigstore-go `bundle.IntotoMediaType`).
pub const INTOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// A DSSE envelope, base64 already decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The signed payload.
    pub payload: Vec<u8>,
    /// `payloadType`.
    pub payload_type: String,
    /// `(keyid, sig)` pairs in envelope order.
    pub signatures: Vec<(String, Vec<u8>)>,
}

impl Envelope {
    /// DSSE v1 pre-authentication encoding: `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP
    /// body`, lengths in ASCII decimal. This is what each signature signs.
    pub fn pae(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32 + self.payload_type.len() + self.payload.len());
        out.extend_from_slice(b"DSSEv1 ");
        out.extend_from_slice(self.payload_type.len().to_string().as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.payload_type.as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.payload.len().to_string().as_bytes());
        out.push(b' ');
        out.extend_from_slice(&self.payload);
        out
    }

    /// The envelope as Go's `json.Marshal(dsse.Envelope)` writes it, which is what Rekor's dsse
    /// v0.0.1 `envelopeHash` is the SHA-256 of: fields in Go struct order
    /// (`payloadType`, `payload`, `signatures[{keyid, sig}]`), `keyid` even when empty,
    /// standard base64, compact, Go's string escaping (HTML-safe `<>&`, `\u2028`/`\u2029`,
    /// and `\b`/`\f` as Go 1.22+ writes them).
    pub fn go_json(&self) -> Vec<u8> {
        let mut out = String::with_capacity(64 + self.payload.len() * 4 / 3);
        out.push_str("{\"payloadType\":");
        go_json_string(&mut out, &self.payload_type);
        out.push_str(",\"payload\":\"");
        out.push_str(&encode_base64(&self.payload));
        out.push_str("\",\"signatures\":[");
        for (i, (keyid, sig)) in self.signatures.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"keyid\":");
            go_json_string(&mut out, keyid);
            out.push_str(",\"sig\":\"");
            out.push_str(&encode_base64(sig));
            out.push_str("\"}");
        }
        out.push_str("]}");
        out.into_bytes()
    }

    /// The in-toto statement in the payload. The payload type must be
    /// [`INTOTO_PAYLOAD_TYPE`] (checked here, as sigstore-go's `Envelope.Statement` does).
    pub fn statement(&self) -> Result<Statement, String> {
        if self.payload_type != INTOTO_PAYLOAD_TYPE {
            return Err(format!(
                "validation error: unsupported media type: DSSE payload type {:?} is not {INTOTO_PAYLOAD_TYPE:?}",
                self.payload_type
            ));
        }
        intoto::parse_statement(&self.payload)
    }
}

/// Reads a bundle's `dsseEnvelope` (sigstore-go `parseEnvelope`).
pub(crate) fn parse(envelope: &Msg<'_>) -> Result<Envelope, String> {
    let Some(payload) = envelope.bytes("payload")? else {
        return Err(envelope.err(
            "payload",
            "validation error: invalid attestation: missing valid envelope",
        ));
    };
    let payload_type = envelope
        .string("payloadType")?
        .unwrap_or_default()
        .to_owned();
    let mut signatures = Vec::new();
    for (path, value) in envelope.list("signatures")? {
        let signature = Msg::new(value, &path, &["sig", "keyid"])?;
        let sig = signature.bytes("sig")?.unwrap_or_default();
        let keyid = signature.string("keyid")?.unwrap_or_default().to_owned();
        signatures.push((keyid, sig));
    }
    Ok(Envelope {
        payload,
        payload_type,
        signatures,
    })
}

/// Appends `s` as a JSON string the way Go's `encoding/json` escapes it.
fn go_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn envelope(payload_type: &str, keyid: &str) -> Envelope {
        Envelope {
            payload: b"hello world".to_vec(),
            payload_type: payload_type.to_owned(),
            signatures: vec![(keyid.to_owned(), vec![1, 2, 3])],
        }
    }

    #[test]
    fn pae_matches_the_dsse_spec_example() {
        // The example from the DSSE protocol document.
        let e = Envelope {
            payload: b"hello world".to_vec(),
            payload_type: "http://example.com/HelloWorld".to_owned(),
            signatures: Vec::new(),
        };
        assert_eq!(
            e.pae(),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn go_json_field_order_and_escaping() {
        let e = envelope("a<b>&\"\u{1}\u{8}\u{2028}", "");
        assert_eq!(
            String::from_utf8(e.go_json()).unwrap(),
            r#"{"payloadType":"a\u003cb\u003e\u0026\"\u0001\b\u2028","payload":"aGVsbG8gd29ybGQ=","signatures":[{"keyid":"","sig":"AQID"}]}"#
        );
    }

    #[test]
    fn statement_needs_the_intoto_payload_type() {
        let err = envelope("text/plain", "k").statement().unwrap_err();
        assert!(
            err.starts_with("validation error: unsupported media type"),
            "{err}"
        );
    }
}
