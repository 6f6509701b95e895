//! Go's `json.Marshal` output, byte for byte: map keys sorted, HTML characters escaped as
//! `\u003c`, numbers decoded into `interface{}` written back as float64.
//!
//! Notation's JWS signer re-encodes both the protected header (a Go map) and the payload (a
//! `jwt.MapClaims` decoded from the caller's JSON) through `json.Marshal`, so a signer that
//! must reproduce notation's envelopes has to write JSON the same way.

use std::collections::BTreeMap;

use super::json::Json;

/// A value as Go holds it in `interface{}` after `json.Unmarshal`, or as a caller passes it.
#[derive(Debug, Clone, PartialEq)]
pub enum GoValue {
    /// `nil`.
    Null,
    /// `bool`.
    Bool(bool),
    /// An integer-typed Go value (written without a fraction).
    Int(i64),
    /// `float64`.
    Float(f64),
    /// `string`.
    String(String),
    /// `[]interface{}`.
    Array(Vec<GoValue>),
    /// `map[string]interface{}` (Go sorts the keys when marshalling).
    Map(BTreeMap<String, GoValue>),
}

impl GoValue {
    /// What `json.Unmarshal` into `interface{}` makes of a parsed value: numbers become
    /// float64, and the last of duplicate keys wins.
    pub fn from_json(value: &Json) -> Result<GoValue, String> {
        Ok(match value {
            Json::Null => GoValue::Null,
            Json::Bool(b) => GoValue::Bool(*b),
            Json::Number(text) => GoValue::Float(parse_float(text)?),
            Json::String { text, .. } => GoValue::String(text.clone()),
            Json::Array(items) => GoValue::Array(
                items
                    .iter()
                    .map(GoValue::from_json)
                    .collect::<Result<_, _>>()?,
            ),
            Json::Object(members) => {
                let mut map = BTreeMap::new();
                for (key, value) in members {
                    map.insert(key.clone(), GoValue::from_json(value)?);
                }
                GoValue::Map(map)
            }
        })
    }

    /// A caller-supplied attribute value: integers stay integers, like a Go `int` would.
    pub fn from_serde(value: &serde_json::Value) -> GoValue {
        match value {
            serde_json::Value::Null => GoValue::Null,
            serde_json::Value::Bool(b) => GoValue::Bool(*b),
            serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => GoValue::Int(i),
                (None, Some(f)) => GoValue::Float(f),
                (None, None) => GoValue::Null,
            },
            serde_json::Value::String(s) => GoValue::String(s.clone()),
            serde_json::Value::Array(items) => {
                GoValue::Array(items.iter().map(GoValue::from_serde).collect())
            }
            serde_json::Value::Object(map) => GoValue::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), GoValue::from_serde(v)))
                    .collect(),
            ),
        }
    }

    /// The value as serde_json holds it (integral floats become integers, which is what Go's
    /// float64 means for them).
    pub fn to_serde(&self) -> serde_json::Value {
        match self {
            GoValue::Null => serde_json::Value::Null,
            GoValue::Bool(b) => serde_json::Value::Bool(*b),
            GoValue::Int(i) => serde_json::Value::from(*i),
            GoValue::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                serde_json::Value::from(*f as i64)
            }
            GoValue::Float(f) => serde_json::Number::from_f64(*f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            GoValue::String(s) => serde_json::Value::String(s.clone()),
            GoValue::Array(items) => items.iter().map(GoValue::to_serde).collect(),
            GoValue::Map(map) => map.iter().map(|(k, v)| (k.clone(), v.to_serde())).collect(),
        }
    }
}

/// `strconv.ParseFloat` as the JSON decoder uses it for `interface{}` targets.
pub fn parse_float(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(f),
        _ => Err(format!(
            "json: cannot unmarshal number {text} into Go value of type float64"
        )),
    }
}

/// Appends Go's encoding of `value`.
pub fn marshal(out: &mut String, value: &GoValue) {
    match value {
        GoValue::Null => out.push_str("null"),
        GoValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        GoValue::Int(i) => out.push_str(&i.to_string()),
        GoValue::Float(f) => out.push_str(&format_float(*f)),
        GoValue::String(s) => quote_into(out, s),
        GoValue::Array(items) => {
            out.push('[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                marshal(out, item);
            }
            out.push(']');
        }
        GoValue::Map(map) => {
            out.push('{');
            for (n, (key, item)) in map.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                quote_into(out, key);
                out.push(':');
                marshal(out, item);
            }
            out.push('}');
        }
    }
}

/// Go's float64 encoder: shortest round-trip digits, exponent form below 1e-6 or from 1e21,
/// with the exponent written `e+21` / `e-7`.
pub fn format_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        match s.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
            _ => s,
        }
    } else {
        format!("{f}")
    }
}

/// Go's string encoder with HTML escaping on (the `json.Marshal` default).
pub fn quote_into(out: &mut String, s: &str) {
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
            c if (c as u32) < 0x20 || matches!(c, '<' | '>' | '&') => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::envelope::golang::json::{Mode, parse};

    #[test]
    fn writes_what_go_writes() {
        assert_eq!(format_float(528.0), "528");
        assert_eq!(format_float(1.5), "1.5");
        assert_eq!(format_float(1e21), "1e+21");
        assert_eq!(format_float(1.5e-7), "1.5e-7");
        assert_eq!(format_float(1e-10), "1e-10");
        assert_eq!(
            format_float(123456789012345680000.0),
            "123456789012345680000"
        );
        let v = parse(
            br#"{"b":"<a&b>","a":[1,2.50,true,null],"b":"x\u2028"}"#,
            Mode::Unmarshal,
        )
        .unwrap();
        let mut out = String::new();
        marshal(&mut out, &GoValue::from_json(&v).unwrap());
        assert_eq!(out, r#"{"a":[1,2.5,true,null],"b":"x\u2028"}"#);
        let mut out = String::new();
        quote_into(&mut out, "<a&b>");
        assert_eq!(out, r#""\u003ca\u0026b\u003e""#);
    }
}
