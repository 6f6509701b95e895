//! in-toto Statements (v0.1 and v1) as DSSE payloads carry them.
//!
//! Read as sigstore-go's `Envelope.Statement` does, with protojson into the in-toto v1
//! `Statement` message: unknown or duplicate fields are refused, `_type` may also be spelt
//! `type`, `predicate` must be an object. sigstore-go's verification-time limits (1024 subjects,
//! 32 digests per subject) are applied here. Unlike sigstore-go, `_type` must name Statement
//! v0.1 or v1. The payload type (`application/vnd.in-toto+json`) is checked by
//! [`super::Envelope::statement`], not here.

use std::collections::BTreeMap;

use super::protojson::{Json, Msg};

/// `_type` of in-toto Statement v0.1.
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";
/// `_type` of in-toto Statement v1.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";

const MAX_SUBJECTS: usize = 1024;
const MAX_SUBJECT_DIGESTS: usize = 32;

const STATEMENT_FIELDS: &[&str] = &["_type", "type", "subject", "predicateType", "predicate"];
const DESCRIPTOR_FIELDS: &[&str] = &[
    "uri",
    "digest",
    "content",
    "downloadLocation",
    "mediaType",
    "name",
    "annotations",
];

/// An in-toto statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// `_type`: [`STATEMENT_V01`] or [`STATEMENT_V1`].
    pub statement_type: String,
    /// `predicateType`.
    pub predicate_type: String,
    /// `subject[]`: name and `digest` (algorithm -> hex, as written; sigstore-go compares the
    /// decoded bytes, so hex case does not matter there).
    pub subjects: Vec<(String, BTreeMap<String, String>)>,
    /// `predicate`: an object, or `Null` when absent.
    pub predicate: serde_json::Value,
}

/// Parses a statement. Errors start with sigstore-go's `ErrDecodingJSON` text.
pub fn parse_statement(payload: &[u8]) -> Result<Statement, String> {
    parse(payload).map_err(|e| format!("validation error: invalid attestation: decoding json: {e}"))
}

fn parse(payload: &[u8]) -> Result<Statement, String> {
    let json = Json::parse(payload)?;
    let statement = Msg::new(&json, "", STATEMENT_FIELDS)?;
    if statement.has("_type") && statement.has("type") {
        return Err("duplicate field \"type\"".to_owned());
    }
    let statement_type = match statement.string("_type")? {
        Some(t) => t,
        None => statement.string("type")?.unwrap_or_default(),
    };
    if statement_type != STATEMENT_V01 && statement_type != STATEMENT_V1 {
        return Err(format!(
            "_type: unsupported in-toto statement type {statement_type:?}"
        ));
    }
    let predicate_type = statement
        .string("predicateType")?
        .unwrap_or_default()
        .to_owned();
    let predicate = match statement.get("predicate") {
        None => serde_json::Value::Null,
        Some(value @ Json::Object(_)) => value.to_value(),
        Some(other) => {
            return Err(statement.err(
                "predicate",
                format!("expected an object, got {}", other.type_name()),
            ));
        }
    };
    let listed = statement.list("subject")?;
    if listed.len() > MAX_SUBJECTS {
        return Err(format!(
            "too many subjects: {} > {MAX_SUBJECTS}",
            listed.len()
        ));
    }
    let mut subjects = Vec::with_capacity(listed.len());
    for (path, value) in listed {
        let subject = Msg::new(value, &path, DESCRIPTOR_FIELDS)?;
        for name in ["uri", "downloadLocation", "mediaType"] {
            subject.string(name)?;
        }
        subject.bytes("content")?;
        if let Some(annotations) = subject.get("annotations")
            && !matches!(annotations, Json::Object(_))
        {
            return Err(subject.err("annotations", "expected an object"));
        }
        let name = subject.string("name")?.unwrap_or_default().to_owned();
        let digest = match subject.get("digest") {
            None => BTreeMap::new(),
            Some(value) => string_map(value).map_err(|e| subject.err("digest", e))?,
        };
        if digest.len() > MAX_SUBJECT_DIGESTS {
            return Err(format!(
                "too many digests: {} > {MAX_SUBJECT_DIGESTS}",
                digest.len()
            ));
        }
        subjects.push((name, digest));
    }
    Ok(Statement {
        statement_type: statement_type.to_owned(),
        predicate_type,
        subjects,
        predicate,
    })
}

/// A protobuf `map<string, string>`: an object of strings without repeated keys.
fn string_map(value: &Json) -> Result<BTreeMap<String, String>, String> {
    let Json::Object(members) = value else {
        return Err(format!("expected an object, got {}", value.type_name()));
    };
    let mut map = BTreeMap::new();
    for (key, value) in members {
        let Json::String(s) = value else {
            return Err(format!(
                "{key}: expected a string, got {}",
                value.type_name()
            ));
        };
        if map.insert(key.clone(), s.clone()).is_some() {
            return Err(format!("duplicate map key {key:?}"));
        }
    }
    Ok(map)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_v1_and_v01() {
        let s = parse_statement(
            br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"ab"}}],"predicateType":"p","predicate":{"x":1}}"#,
        )
        .unwrap();
        assert_eq!(s.statement_type, STATEMENT_V1);
        assert_eq!(s.subjects[0].1["sha256"], "ab");
        assert_eq!(s.predicate["x"], 1);
        let s = parse_statement(
            br#"{"type":"https://in-toto.io/Statement/v0.1","predicate_type":"q"}"#,
        )
        .unwrap();
        assert_eq!((s.predicate_type.as_str(), s.subjects.len()), ("q", 0));
        assert!(s.predicate.is_null());
    }

    #[test]
    fn refusals() {
        for (bad, why) in [
            (&br#"{"_type":"https://in-toto.io/Statement/v2"}"#[..], "unsupported in-toto statement type"),
            (br#"{"_type":"https://in-toto.io/Statement/v1","extra":1}"#, "unknown field"),
            (br#"{"_type":"https://in-toto.io/Statement/v1","predicate":[1]}"#, "predicate: expected an object"),
            (br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"a":1}}]}"#, "subject[0].digest"),
            (br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"a":"1","a":"2"}}]}"#, "duplicate map key"),
            (b"[", "EOF"),
        ] {
            let err = parse_statement(bad).unwrap_err();
            assert!(err.starts_with("validation error: invalid attestation: decoding json"), "{err}");
            assert!(err.contains(why), "{err} lacks {why}");
        }
    }
}
