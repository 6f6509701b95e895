//! The CBOR rules notation's decoder (fxamacker/cbor v2.8 under go-cose) enforces and ciborium
//! (under coset) does not. coset decodes; these checks only refuse, so that no envelope notation
//! refuses gets through, with fxamacker's error texts:
//!
//! - [`wellformed`] runs over the raw bytes before ciborium sees them, because what it checks is
//!   gone once decoded: indefinite lengths, nesting deeper than 32, more than 131072 elements,
//!   tags where go-cose forbids them, trailing bytes, invalid UTF-8, integers past int64, and
//!   what may follow tags 0-3 (ciborium folds tag 2/3 into plain integers, and writes no
//!   difference between a half-precision float and another under tag 1).
//! - [`check_labels`] keeps go-cose's "labels are int or tstr" on the raw protected map, since a
//!   bignum label would reach coset as a plain integer.
//! - [`check_value`] applies fxamacker's decode rules to ciborium's values: no duplicate map
//!   keys anywhere (ciborium keeps them), no array or map keys, tag 0/1 times that Go can read.

use coset::cbor::value::Value;
use time::OffsetDateTime;

use super::golang::time::parse_rfc3339;

const MAX_NESTED: usize = 32;
const MAX_ELEMENTS: u64 = 131_072;

fn type_name(major: u8) -> &'static str {
    [
        "positive integer",
        "negative integer",
        "byte string",
        "UTF-8 text string",
        "array",
        "map",
        "tag",
        "primitives",
    ][usize::from(major & 7)]
}

fn eof() -> String {
    "unexpected EOF".into()
}

/// Reads one head at `*off`: major type, additional information, argument.
fn read_head(data: &[u8], off: &mut usize) -> Result<(u8, u8, u64), String> {
    let ib = *data.get(*off).ok_or_else(eof)?;
    *off += 1;
    let (major, ai) = (ib >> 5, ib & 0x1f);
    let n = match ai {
        0..=23 => return Ok((major, ai, u64::from(ai))),
        24 => 1,
        25 => 2,
        26 => 4,
        27 => 8,
        31 if major == 7 => return Err("cbor: unexpected \"break\" code".into()),
        31 if !matches!(major, 0 | 1 | 6) => return Ok((major, ai, 0)),
        _ => {
            return Err(format!(
                "cbor: invalid additional information {ai} for type {}",
                type_name(major)
            ));
        }
    };
    let bytes = data.get(*off..*off + n).ok_or_else(eof)?;
    *off += n;
    let val = bytes.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
    if major == 7 && ai == 24 && val < 32 {
        return Err(format!(
            "cbor: invalid simple value {val} for type primitives"
        ));
    }
    Ok((major, ai, val))
}

/// fxamacker's checks on one complete item that must fill `data` (see the module comment).
pub(super) fn wellformed(data: &[u8], tags_forbidden: bool) -> Result<(), String> {
    if data.is_empty() {
        return Err("EOF".into());
    }
    let mut off = 0;
    check_item(data, &mut off, 0, tags_forbidden)?;
    if off != data.len() {
        return Err(format!(
            "cbor: {} bytes of extraneous data starting at index {off}",
            data.len() - off
        ));
    }
    Ok(())
}

fn check_item(data: &[u8], off: &mut usize, depth: usize, no_tags: bool) -> Result<(), String> {
    let (major, ai, val) = read_head(data, off)?;
    match major {
        // go-cose decodes integers as int64 (`IntDecConvertSigned`).
        0 if val > i64::MAX as u64 => Err(format!(
            "cbor: cannot unmarshal positive integer into Go value of type int64 ({val} overflows Go's int64)"
        )),
        1 if val > i64::MAX as u64 => Err(format!(
            "cbor: cannot unmarshal negative integer into Go value of type int64 (-{} overflows Go's int64)",
            u128::from(val) + 1
        )),
        2..=5 if ai == 31 => Err(format!(
            "cbor: indefinite-length {} isn't allowed",
            type_name(major)
        )),
        2 | 3 => {
            let len = usize::try_from(val).map_err(|_| eof())?;
            let bytes = data
                .get(*off..)
                .filter(|rest| rest.len() >= len)
                .ok_or_else(eof)?;
            if major == 3 && std::str::from_utf8(&bytes[..len]).is_err() {
                return Err("cbor: invalid UTF-8 string".into());
            }
            *off += len;
            Ok(())
        }
        4 | 5 => {
            if depth + 1 > MAX_NESTED {
                return Err(format!("cbor: exceeded max nested level {MAX_NESTED}"));
            }
            if val > MAX_ELEMENTS {
                return Err(if major == 4 {
                    format!("cbor: exceeded max number of elements {MAX_ELEMENTS} for CBOR array")
                } else {
                    format!(
                        "cbor: exceeded max number of key-value pairs {MAX_ELEMENTS} for CBOR map"
                    )
                });
            }
            let items = if major == 5 { val * 2 } else { val };
            (0..items).try_for_each(|_| check_item(data, off, depth + 1, no_tags))
        }
        6 => {
            if no_tags {
                return Err("cbor: CBOR tag isn't allowed".into());
            }
            if depth + 1 > MAX_NESTED {
                return Err(format!("cbor: exceeded max nested level {MAX_NESTED}"));
            }
            let next = *data.get(*off).ok_or_else(eof)?;
            check_tag_content(val, next)?;
            check_item(data, off, depth + 1, no_tags)
        }
        _ => Ok(()),
    }
}

/// What fxamacker accepts after tags 0-3 (`next` is the content's initial byte).
fn check_tag_content(tag: u64, next: u8) -> Result<(), String> {
    let (major, got) = (next >> 5, type_name(next >> 5));
    match tag {
        0 if major != 3 => Err(format!(
            "cbor: tag number 0 must be followed by text string, got {got}"
        )),
        // Go reads no half-precision float into a time.Time.
        1 if next == 0xf9 => {
            Err("cbor: cannot unmarshal primitives into Go value of type time.Time".into())
        }
        1 if !matches!(major, 0 | 1) && !matches!(next, 0xfa | 0xfb) => Err(format!(
            "cbor: tag number 1 must be followed by integer or floating-point number, got {got}"
        )),
        2 | 3 if major != 2 => Err(format!(
            "cbor: tag number 2 or 3 must be followed by byte string, got {got}"
        )),
        _ => Ok(()),
    }
}

/// go-cose's `validateHeaderLabelCBOR` on a well-formed raw map: every label is an int or a
/// text string by its encoding.
pub(super) fn check_labels(map: &[u8]) -> Result<(), String> {
    let mut off = 0;
    let (_, _, count) = read_head(map, &mut off)?;
    for _ in 0..count {
        if !matches!(map.get(off).map(|b| b >> 5), Some(0 | 1 | 3)) {
            return Err("cbor: header label: require int / tstr type".into());
        }
        check_item(map, &mut off, 0, false)?;
        check_item(map, &mut off, 0, false)?;
    }
    Ok(())
}

/// fxamacker's rules for decoding into Go's `interface{}` (see the module comment).
pub(super) fn check_value(value: &Value) -> Result<(), String> {
    match value {
        Value::Array(items) => items.iter().try_for_each(check_value),
        Value::Map(pairs) => {
            for (index, (key, value)) in pairs.iter().enumerate() {
                check_value(key)?;
                if matches!(key, Value::Array(_) | Value::Map(_)) {
                    return Err(format!("cbor: invalid map key type: {}", go_type(key)));
                }
                check_value(value)?;
                check_unique(pairs, index)?;
            }
            Ok(())
        }
        Value::Tag(tag @ (0 | 1), content) => tag_time(*tag, content).map(drop),
        Value::Tag(_, content) => check_value(content),
        _ => Ok(()),
    }
}

/// fxamacker's `DupMapKeyEnforcedAPF`: the key at `index` must not appear before it.
pub(super) fn check_unique(pairs: &[(Value, Value)], index: usize) -> Result<(), String> {
    let key = &pairs[index].0;
    if pairs[..index].iter().any(|(k, _)| k == key) {
        return Err(format!(
            "cbor: found duplicate map key \"{}\" at map element index {index}",
            go_print(key)
        ));
    }
    Ok(())
}

/// The time Go decodes tag 0 or 1 to (`None`: NaN or infinite seconds, Go's zero time).
pub(super) fn tag_time(tag: u64, content: &Value) -> Result<Option<OffsetDateTime>, String> {
    let from_unix = |secs: f64| {
        let nanos = (secs.trunc() as i128) * 1_000_000_000 + (secs.fract() * 1e9) as i128;
        OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .map(Some)
            .map_err(|_| "time out of range".to_string())
    };
    match content {
        Value::Text(text) if tag == 0 => parse_rfc3339(text)
            .map(Some)
            .map_err(|e| format!("cbor: cannot set {text} for time.Time: {e}")),
        Value::Integer(secs) => from_unix(i128::from(*secs) as f64),
        Value::Float(secs) if secs.is_finite() => from_unix(*secs),
        _ => Ok(None),
    }
}

/// How Go's `%v` prints a decoded value (for error messages and attribute names).
pub(super) fn go_print(value: &Value) -> String {
    match value {
        Value::Integer(i) => i128::from(*i).to_string(),
        Value::Text(s) => s.clone(),
        Value::Bytes(b) => {
            let bytes: Vec<String> = b.iter().map(u8::to_string).collect();
            format!("[{}]", bytes.join(" "))
        }
        Value::Bool(b) => b.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Null => "<nil>".into(),
        other => format!("{other:?}"),
    }
}

/// How Go's `%T` names a decoded value's type (for error messages).
pub(super) fn go_type(value: &Value) -> &'static str {
    match value {
        Value::Integer(_) => "int64",
        Value::Bytes(_) => "[]uint8",
        Value::Text(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Map(_) => "map[interface {}]interface {}",
        Value::Tag(0 | 1, _) => "time.Time",
        Value::Tag(2 | 3, _) => "big.Int",
        Value::Tag(..) => "cbor.Tag",
        Value::Bool(_) => "bool",
        Value::Float(_) => "float64",
        Value::Null => "<nil>",
        _ => "cbor.SimpleValue",
    }
}
