//! The JSON decoding rules of the Go code whose inputs we read: an order-preserving JSON tree,
//! Go's `encoding/base64` (with its error offsets), and a walker that applies protojson's
//! rules (lowerCamelCase or proto field names, unknown and duplicate fields refused, `null` =
//! unset, int64 as string or number, bytes as standard or URL-safe base64, RFC 3339
//! timestamps). Bundles, `trusted_root.json` and in-toto statements are read with the walker;
//! legacy cosign annotations (Go `encoding/json`) use the tree directly.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A JSON value that keeps object members in document order, duplicates included: Go's
/// `encoding/json` lets the last of several matching keys win, protojson refuses duplicates,
/// and both need the order to decide.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// Parses `bytes`. serde_json's nesting limit (128) bounds recursion on hostile input.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Json, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }

    /// The JSON type's name, as Go's error messages spell it.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "bool",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }

    /// The value as a `serde_json::Value`; of duplicate keys the last wins (as in Go maps).
    pub(crate) fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => Value::Number(n.clone()),
            Json::String(s) => Value::String(s.clone()),
            Json::Array(items) => Value::Array(items.iter().map(Json::to_value).collect()),
            Json::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_value()))
                    .collect(),
            ),
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        serde_json::Number::from_f64(v)
            .map(Json::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Json>()? {
            members.push((key, value));
        }
        Ok(Json::Object(members))
    }
}

/// Go's `encoding/base64` decoder (`StdEncoding` or `URLEncoding`, padded or `NoPadding`,
/// non-strict): CR and LF are skipped anywhere, and errors read `illegal base64 data at input
/// byte N` with Go's offsets, which Ratify's tests quote.
pub(crate) fn go_base64(src: &[u8], url: bool, padded: bool) -> Result<Vec<u8>, String> {
    let corrupt = |at: usize| format!("illegal base64 data at input byte {at}");
    let value = |c: u8| -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' if !url => Some(62),
            b'/' if !url => Some(63),
            b'-' if url => Some(62),
            b'_' if url => Some(63),
            _ => None,
        }
    };
    let mut out = Vec::with_capacity(src.len() / 4 * 3 + 3);
    let mut si = 0;
    // One quantum per iteration, as Go's `decodeQuantum`.
    loop {
        let mut buf = [0u32; 4];
        let mut len = 4;
        let mut j = 0;
        let mut done = false;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                if j == 1 || padded {
                    return Err(corrupt(si - j));
                }
                len = j;
                done = true;
                break;
            }
            let c = src[si];
            si += 1;
            if let Some(v) = value(c) {
                buf[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if !padded || c != b'=' {
                return Err(corrupt(si - 1));
            }
            // Padding: only after two or three symbols, "==" after two.
            if j < 2 {
                return Err(corrupt(si - 1));
            }
            if j == 2 {
                while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                    si += 1;
                }
                if si == src.len() {
                    return Err(corrupt(src.len()));
                }
                if src[si] != b'=' {
                    return Err(corrupt(si - 1));
                }
                si += 1;
            }
            while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                si += 1;
            }
            if si < src.len() {
                return Err(corrupt(si));
            }
            len = j;
            done = true;
            break;
        }
        let v = buf[0] << 18 | buf[1] << 12 | buf[2] << 6 | buf[3];
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        out.extend_from_slice(&bytes[..len - 1]);
        if done {
            return Ok(out);
        }
    }
}

/// Standard padded base64, as Go's `encoding/json` decodes `[]byte` fields.
pub(crate) fn std_base64(s: &str) -> Result<Vec<u8>, String> {
    go_base64(s.as_bytes(), false, true)
}

/// Standard padded base64 encoding.
pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A protobuf message as protojson reads it, with the JSON path used in error messages.
#[derive(Debug)]
pub(crate) struct Msg<'a> {
    members: &'a [(String, Json)],
    path: String,
}

impl<'a> Msg<'a> {
    /// `value` as a message whose fields (lowerCamelCase JSON names) are `fields`. The proto
    /// (snake_case) spelling of each is accepted too; other and repeated members are refused.
    pub(crate) fn new(value: &'a Json, path: &str, fields: &[&str]) -> Result<Msg<'a>, String> {
        let Json::Object(members) = value else {
            return Err(format!(
                "{}: expected an object, got {}",
                show(path),
                value.type_name()
            ));
        };
        let mut seen: Vec<&str> = Vec::new();
        for (key, _) in members {
            let Some(field) = fields.iter().find(|f| **f == key || snake_case(f) == *key) else {
                return Err(format!("{}: unknown field {key:?}", show(path)));
            };
            if seen.contains(field) {
                return Err(format!("{}: duplicate field {key:?}", show(path)));
            }
            seen.push(field);
        }
        Ok(Msg {
            members,
            path: path.to_owned(),
        })
    }

    /// The path of field `name`.
    pub(crate) fn path_of(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    /// An error about field `name`.
    pub(crate) fn err(&self, name: &str, cause: impl std::fmt::Display) -> String {
        format!("{}: {cause}", self.path_of(name))
    }

    /// Field `name`'s value; `null` counts as unset (protojson).
    pub(crate) fn get(&self, name: &str) -> Option<&'a Json> {
        let snake = snake_case(name);
        self.members
            .iter()
            .find(|(k, _)| k == name || *k == snake)
            .map(|(_, v)| v)
            .filter(|v| **v != Json::Null)
    }

    /// Whether field `name` is set (present and not `null`).
    pub(crate) fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub(crate) fn string(&self, name: &str) -> Result<Option<&'a str>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.err(
                name,
                format!("expected a string, got {}", other.type_name()),
            )),
        }
    }

    /// A `bytes` field: standard or URL-safe base64 (URL-safe iff `-` or `_` occurs), padding
    /// optional when the length is not a multiple of 4, as protojson decodes.
    pub(crate) fn bytes(&self, name: &str) -> Result<Option<Vec<u8>>, String> {
        let Some(s) = self.string(name)? else {
            return Ok(None);
        };
        let url = s.contains(['-', '_']);
        let padded = s.len() % 4 == 0;
        go_base64(s.as_bytes(), url, padded)
            .map(Some)
            .map_err(|e| self.err(name, format!("invalid base64: {e}")))
    }

    /// An `int64` field: a decimal string or a JSON integer.
    pub(crate) fn int64(&self, name: &str) -> Result<Option<i64>, String> {
        let parsed = match self.get(name) {
            None => return Ok(None),
            Some(Json::String(s)) => s.parse::<i64>().ok(),
            Some(Json::Number(n)) => n.as_i64(),
            Some(other) => {
                return Err(self.err(
                    name,
                    format!("expected an int64, got {}", other.type_name()),
                ));
            }
        };
        parsed
            .map(Some)
            .ok_or_else(|| self.err(name, "invalid int64 value"))
    }

    /// An enum field: its name, or its number mapped through `names` (index = number).
    pub(crate) fn enumeration(&self, name: &str, names: &[&str]) -> Result<Option<String>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(Json::String(s)) if names.contains(&s.as_str()) => Ok(Some(s.clone())),
            Some(Json::Number(n)) => n
                .as_u64()
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| names.get(i))
                .map(|s| Some((*s).to_owned()))
                .ok_or_else(|| self.err(name, format!("invalid enum value {n}"))),
            Some(other) => Err(self.err(name, format!("invalid enum value {}", show_json(other)))),
        }
    }

    /// A message field.
    pub(crate) fn message(&self, name: &str, fields: &[&str]) -> Result<Option<Msg<'a>>, String> {
        self.get(name)
            .map(|v| Msg::new(v, &self.path_of(name), fields))
            .transpose()
    }

    /// A repeated field: each element with its path.
    pub(crate) fn list(&self, name: &str) -> Result<Vec<(String, &'a Json)>, String> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Json::Array(items)) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{}[{i}]", self.path_of(name)), v))
                .collect()),
            Some(other) => Err(self.err(
                name,
                format!("expected an array, got {}", other.type_name()),
            )),
        }
    }

    /// A `google.protobuf.Timestamp` field (RFC 3339), as seconds and nanoseconds.
    pub(crate) fn timestamp(&self, name: &str) -> Result<Option<(i64, u32)>, String> {
        let Some(s) = self.string(name)? else {
            return Ok(None);
        };
        OffsetDateTime::parse(s, &Rfc3339)
            .map(|t| Some((t.unix_timestamp(), t.nanosecond())))
            .map_err(|e| self.err(name, format!("invalid RFC 3339 timestamp {s:?}: {e}")))
    }
}

/// `messageDigest` -> `message_digest`: the proto name protojson also accepts.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn show(path: &str) -> &str {
    if path.is_empty() { "(top level)" } else { path }
}

fn show_json(value: &Json) -> String {
    match value {
        Json::String(s) => format!("{s:?}"),
        other => other.type_name().to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn go_base64_matches_go_offsets() {
        assert_eq!(std_base64("aGk=").unwrap(), b"hi");
        assert_eq!(std_base64("aG\nk=").unwrap(), b"hi");
        assert_eq!(std_base64("").unwrap(), b"");
        // Ratify's test string: 91 characters ending in "gU=": not enough padding.
        let s = format!("{}gU=", "A".repeat(88));
        assert_eq!(
            std_base64(&s).unwrap_err(),
            "illegal base64 data at input byte 91"
        );
        assert_eq!(
            std_base64("aGk").unwrap_err(),
            "illegal base64 data at input byte 0"
        );
        assert_eq!(
            std_base64("aG!=").unwrap_err(),
            "illegal base64 data at input byte 2"
        );
        assert_eq!(
            std_base64("aGk=x").unwrap_err(),
            "illegal base64 data at input byte 4"
        );
        assert_eq!(
            std_base64("a===").unwrap_err(),
            "illegal base64 data at input byte 1"
        );
        assert_eq!(go_base64(b"aGk", false, false).unwrap(), b"hi");
        assert_eq!(go_base64(b"-_8", true, false).unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn msg_rules() {
        let json = Json::parse(br#"{"logIndex":"5","log_id":null,"rawBytes":"-_8"}"#).unwrap();
        let m = Msg::new(&json, "x", &["logIndex", "logId", "rawBytes"]).unwrap();
        assert_eq!(m.int64("logIndex").unwrap(), Some(5));
        assert!(!m.has("logId"));
        assert_eq!(m.bytes("rawBytes").unwrap(), Some(vec![0xfb, 0xff]));
        let dup = Json::parse(br#"{"logIndex":"5","log_index":"6"}"#).unwrap();
        assert!(
            Msg::new(&dup, "x", &["logIndex"])
                .unwrap_err()
                .contains("duplicate field")
        );
        let unknown = Json::parse(br#"{"other":1}"#).unwrap();
        assert_eq!(
            Msg::new(&unknown, "a.b", &["logIndex"]).err(),
            Some("a.b: unknown field \"other\"".to_owned())
        );
    }
}
