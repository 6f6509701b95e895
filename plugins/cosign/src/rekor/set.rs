//! Signed entry timestamps (SETs): Rekor's ECDSA signature over the entry it promises to
//! include, which is what lets cosign trust an entry's `integratedTime` offline.
//!
//! The signed bytes are cosign's `json.Marshal(RekorPayload)` run through the RFC 8785 (JCS)
//! canonicalizer: keys sorted, no whitespace, ECMAScript string escaping and number
//! formatting. With four known keys that is built directly here rather than through a
//! general canonicalizer.

use crate::keys::{Hash, KeyKind, PublicKey};

/// The part of a Rekor entry the SET signs (cosign's `bundle.RekorPayload`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RekorPayload {
    /// The canonicalized entry body, base64 (as the log returns it, not decoded).
    pub body: String,
    /// When the log integrated the entry, unix seconds.
    pub integrated_time: i64,
    /// The global ("virtual") log index.
    pub log_index: i64,
    /// Lowercase hex SHA-256 of the log's DER public key.
    pub log_id: String,
}

/// The JCS bytes `{"body":..,"integratedTime":..,"logID":..,"logIndex":..}` a SET signs.
pub fn set_message(payload: &RekorPayload) -> Vec<u8> {
    let mut out = String::with_capacity(payload.body.len() + 160);
    out.push_str("{\"body\":");
    jcs_string(&payload.body, &mut out);
    out.push_str(",\"integratedTime\":");
    out.push_str(&jcs_integer(payload.integrated_time));
    out.push_str(",\"logID\":");
    jcs_string(&payload.log_id, &mut out);
    out.push_str(",\"logIndex\":");
    out.push_str(&jcs_integer(payload.log_index));
    out.push('}');
    out.into_bytes()
}

/// Checks `set` (DER ECDSA signature) over [`set_message`] with the log's key, as cosign's
/// `VerifySET` does. Only ECDSA log keys can sign SETs. Choosing the key by `log_id` is the
/// caller's job.
pub fn verify_set(payload: &RekorPayload, set: &[u8], key: &PublicKey) -> Result<(), String> {
    match key.kind() {
        KeyKind::EcdsaP256 | KeyKind::EcdsaP384 | KeyKind::EcdsaP521 => {}
        KeyKind::Rsa { .. } | KeyKind::Ed25519 => {
            return Err(
                "rekor public key is not an ECDSA key: only ECDSA keys can verify a SET".into(),
            );
        }
    }
    // ECDSA over SHA-256 of the message, as `ecdsa.VerifyASN1(pub, sha256(message), set)`.
    key.verify_with_hash(Hash::Sha256, &set_message(payload), set)
        .map_err(|_| "unable to verify SET".to_string())
}

/// A JSON string as JCS (ECMAScript `JSON.stringify`) writes it: only `"`, `\` and control
/// characters are escaped, the short forms where they exist, else `\u00xx` in lowercase hex.
fn jcs_string(value: &str, out: &mut String) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// An integer as JCS writes numbers: the canonicalizer parses them as IEEE doubles, so values
/// beyond 2^53 lose precision exactly as they do upstream. Rust's shortest-round-trip `f64`
/// display matches ECMAScript's for integers below 1e21 (every `i64` is).
fn jcs_integer(value: i64) -> String {
    format!("{}", value as f64)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn message_is_sorted_compact_json() {
        let payload = RekorPayload {
            body: "eyJh".into(),
            integrated_time: 1676524985,
            log_index: 13452680,
            log_id: "c0d2".into(),
        };
        assert_eq!(
            String::from_utf8(set_message(&payload)).unwrap(),
            r#"{"body":"eyJh","integratedTime":1676524985,"logID":"c0d2","logIndex":13452680}"#
        );
    }

    #[test]
    fn strings_and_numbers_follow_ecmascript() {
        let mut out = String::new();
        jcs_string("a\"\\\n\u{1}/<é\u{2028}", &mut out);
        assert_eq!(out, "\"a\\\"\\\\\\n\\u0001/<é\u{2028}\"");
        assert_eq!(jcs_integer(0), "0");
        assert_eq!(jcs_integer(-5), "-5");
        // 2^60 as ECMAScript prints the nearest double.
        assert_eq!(jcs_integer(1 << 60), "1152921504606847000");
        assert_eq!(jcs_integer(9007199254740993), "9007199254740992");
    }
}
