//! Reading the policy JSON with the leniencies of Go's `encoding/json`, which notation uses to
//! load it into structs: unknown members are ignored, member names match case-insensitively,
//! `null` leaves the zero value (`""`, empty list) and a value of the wrong type fails.
//!
//! One difference remains: `serde_json::Value` objects are ordered by key, not by document
//! position, so when two members fold to the same field (`"level"` and `"Level"`) the exact
//! spelling wins here, whereas Go keeps the later one in the document.

use serde_json::{Map, Value};

/// A wrong JSON type, located by its path (`trustPolicies[0].trustStores[1]`).
#[derive(Debug)]
pub(crate) struct TypeError(pub String);

/// A JSON object viewed as a Go struct.
pub(crate) struct Object<'a> {
    members: Option<&'a Map<String, Value>>,
    path: String,
}

impl<'a> Object<'a> {
    /// Reads an object; `null` (or a missing member) is Go's zero struct.
    pub(crate) fn new(value: Option<&'a Value>, path: String) -> Result<Self, TypeError> {
        match value {
            None | Some(Value::Null) => Ok(Object {
                members: None,
                path,
            }),
            Some(Value::Object(members)) => Ok(Object {
                members: Some(members),
                path,
            }),
            Some(other) => Err(type_error(&path, "an object", other)),
        }
    }

    /// The member a Go struct field named `field` would receive.
    pub(crate) fn member(&self, field: &str) -> Option<&'a Value> {
        let members = self.members?;
        members.get(field).or_else(|| {
            members
                .iter()
                .filter(|(key, _)| go_fold_eq(key, field))
                .map(|(_, value)| value)
                .next_back()
        })
    }

    fn path_of(&self, field: &str) -> String {
        if self.path.is_empty() {
            field.to_owned()
        } else {
            format!("{}.{field}", self.path)
        }
    }

    /// A `string` field.
    pub(crate) fn string(&self, field: &str) -> Result<String, TypeError> {
        string_value(self.member(field), &self.path_of(field))
    }

    /// A `[]string` field; `null` elements become `""` as in Go.
    pub(crate) fn strings(&self, field: &str) -> Result<Vec<String>, TypeError> {
        let path = self.path_of(field);
        match self.member(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(index, item)| string_value(Some(item), &format!("{path}[{index}]")))
                .collect(),
            Some(other) => Err(type_error(&path, "an array of strings", other)),
        }
    }

    /// A `map[string]string` field, in key order; `null` values become `""` as in Go.
    pub(crate) fn string_map(&self, field: &str) -> Result<Vec<(String, String)>, TypeError> {
        let path = self.path_of(field);
        match self.member(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Object(members)) => members
                .iter()
                .map(|(key, value)| {
                    Ok((
                        key.clone(),
                        string_value(Some(value), &format!("{path}.{key}"))?,
                    ))
                })
                .collect(),
            Some(other) => Err(type_error(&path, "an object of strings", other)),
        }
    }

    /// A `[]struct` field, each element an [`Object`].
    pub(crate) fn objects(&self, field: &str) -> Result<Vec<Object<'a>>, TypeError> {
        let path = self.path_of(field);
        match self.member(field) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(index, item)| Object::new(Some(item), format!("{path}[{index}]")))
                .collect(),
            Some(other) => Err(type_error(&path, "an array of objects", other)),
        }
    }

    /// A struct field.
    pub(crate) fn object(&self, field: &str) -> Result<Object<'a>, TypeError> {
        Object::new(self.member(field), self.path_of(field))
    }
}

fn string_value(value: Option<&Value>, path: &str) -> Result<String, TypeError> {
    match value {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(other) => Err(type_error(path, "a string", other)),
    }
}

fn type_error(path: &str, expected: &str, found: &Value) -> TypeError {
    let found = match found {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    let at = if path.is_empty() {
        "the document".to_owned()
    } else {
        format!("{path:?}")
    };
    TypeError(format!("{at} must be {expected}, found {found}"))
}

/// Go's `bytes.EqualFold` on a member name and an ASCII field name: ASCII letters fold, and
/// so do U+212A KELVIN SIGN (to `k`) and U+017F LONG S (to `s`), the only non-ASCII runes
/// whose simple case folding reaches ASCII.
fn go_fold_eq(key: &str, field: &str) -> bool {
    let mut keys = key.chars();
    for f in field.chars() {
        let Some(k) = keys.next() else { return false };
        let matched = k.eq_ignore_ascii_case(&f)
            || (k == '\u{212a}' && f.eq_ignore_ascii_case(&'k'))
            || (k == '\u{17f}' && f.eq_ignore_ascii_case(&'s'));
        if !matched {
            return false;
        }
    }
    keys.next().is_none()
}

/// Reads the first JSON value of `bytes`, as Go's `json.Decoder.Decode` does: whatever follows
/// it is not read.
pub(crate) fn first_value(bytes: &[u8]) -> Result<Value, String> {
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
    match stream.next() {
        Some(Ok(value)) => Ok(value),
        Some(Err(error)) => Err(error.to_string()),
        None => Err("unexpected end of JSON input".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_member_names_like_go() {
        assert!(go_fold_eq("TrustStores", "trustStores"));
        assert!(go_fold_eq("TRUSTPOLICIES", "trustPolicies"));
        assert!(go_fold_eq("\u{17f}cope", "scope"));
        assert!(!go_fold_eq("trustStore", "trustStores"));
        assert!(!go_fold_eq("trust_stores", "trustStores"));
    }

    #[test]
    fn reads_only_the_first_value() {
        assert!(first_value(b"{\"a\":1} trailing").is_ok());
        assert!(first_value(b"").is_err());
        assert!(first_value(b"{\"a\":").is_err());
    }

    #[test]
    fn nulls_are_zero_values() {
        let value: Value = serde_json::json!({"s": null, "l": [null, "x"], "m": {"k": null}});
        let object = Object::new(Some(&value), String::new()).unwrap();
        assert_eq!(object.string("s").unwrap(), "");
        assert_eq!(object.strings("l").unwrap(), vec!["", "x"]);
        assert_eq!(
            object.string_map("m").unwrap(),
            vec![("k".to_owned(), String::new())]
        );
        assert!(object.strings("s").unwrap().is_empty());
        assert!(Object::new(Some(&serde_json::json!(1)), String::new()).is_err());
    }
}
