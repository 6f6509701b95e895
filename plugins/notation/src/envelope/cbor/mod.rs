//! CBOR decoding with the rules notation's COSE stack applies (go-cose over fxamacker/cbor
//! v2.8): a well-formedness pass first (no indefinite lengths, optionally no tags, nesting at
//! most 32, no trailing bytes), then decoding into Go's `interface{}` shapes (integers as
//! int64, tags 0/1 as times, duplicate map keys refused). Error texts are fxamacker's.
//!
//! The canonical encoder is in [`encode`](fn@encode).

mod encode;

pub use encode::{encode, write_head};
use time::OffsetDateTime;

/// A decoded item, shaped like what fxamacker/cbor puts in an `interface{}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Any integer that fits int64 (go-cose decodes with `IntDecConvertSigned`).
    Int(i64),
    /// A byte string.
    Bytes(Vec<u8>),
    /// A text string.
    Text(String),
    /// An array.
    Array(Vec<Value>),
    /// A map, in encoded order.
    Map(Vec<(Value, Value)>),
    /// Tag 0 or 1, decoded to a time (`None`: NaN/infinite epoch, Go's zero time); the tag
    /// number is kept because notation accepts only tag 1.
    Time(Option<OffsetDateTime>, u64),
    /// Tag 2 or 3 (a big.Int in Go).
    BigNum,
    /// Any other tag.
    Tag(u64, Box<Value>),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `undefined`.
    Undefined,
    /// A floating-point number.
    Float(f64),
    /// Another simple value.
    Simple(u8),
}

const MAX_NESTED: usize = 32;

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

/// Reads one head at `*off`: major type, additional information, argument.
pub fn read_head(data: &[u8], off: &mut usize) -> Result<(u8, u8, u64), String> {
    let eof = || "unexpected EOF".to_string();
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
        31 if matches!(major, 0 | 1 | 6) => {
            return Err(format!(
                "cbor: invalid additional information 31 for type {}",
                type_name(major)
            ));
        }
        31 => return Ok((major, ai, 0)),
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

/// fxamacker's well-formedness pass over one complete item that must fill `data`.
pub fn wellformed(data: &[u8], tags_forbidden: bool) -> Result<(), String> {
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
    let indefinite = ai == 31;
    match major {
        2..=5 if indefinite => Err(format!(
            "cbor: indefinite-length {} isn't allowed",
            type_name(major)
        )),
        2 | 3 => {
            let len = usize::try_from(val).map_err(|_| "unexpected EOF".to_string())?;
            if data.len() - *off < len {
                return Err("unexpected EOF".into());
            }
            *off += len;
            Ok(())
        }
        4 | 5 => {
            if depth + 1 > MAX_NESTED {
                return Err(format!("cbor: exceeded max nested level {MAX_NESTED}"));
            }
            let limit = 131_072;
            if val > limit {
                return Err(if major == 4 {
                    format!("cbor: exceeded max number of elements {limit} for CBOR array")
                } else {
                    format!("cbor: exceeded max number of key-value pairs {limit} for CBOR map")
                });
            }
            let items = if major == 5 { val * 2 } else { val };
            for _ in 0..items {
                check_item(data, off, depth + 1, no_tags)?;
            }
            Ok(())
        }
        6 => {
            if no_tags {
                return Err("cbor: CBOR tag isn't allowed".into());
            }
            if depth + 1 > MAX_NESTED {
                return Err(format!("cbor: exceeded max nested level {MAX_NESTED}"));
            }
            if *off == data.len() {
                return Err("unexpected EOF".into());
            }
            check_item(data, off, depth + 1, no_tags)
        }
        _ => Ok(()),
    }
}

/// Decodes one well-formed item (call [`wellformed`] first) into Go's `interface{}` shapes.
pub fn decode(data: &[u8]) -> Result<Value, String> {
    let mut off = 0;
    decode_item(data, &mut off)
}

/// The offset just past the well-formed item starting at `off`.
pub fn skip(data: &[u8], off: usize) -> Result<usize, String> {
    let mut end = off;
    check_item(data, &mut end, 0, false)?;
    Ok(end)
}

/// Decodes the item at `*off`, advancing past it.
pub fn decode_item(data: &[u8], off: &mut usize) -> Result<Value, String> {
    let (major, ai, val) = read_head(data, off)?;
    match major {
        0 => i64::try_from(val).map(Value::Int).map_err(|_| {
            format!("cbor: cannot unmarshal positive integer into Go value of type int64 ({val} overflows Go's int64)")
        }),
        1 => match i64::try_from(val) {
            Ok(v) => Ok(Value::Int(-1 - v)),
            Err(_) => {
                let magnitude = u128::from(val) + 1;
                Err(format!("cbor: cannot unmarshal negative integer into Go value of type int64 (-{magnitude} overflows Go's int64)"))
            }
        },
        2 | 3 => {
            let len = val as usize;
            let bytes = data.get(*off..*off + len).ok_or("unexpected EOF")?.to_vec();
            *off += len;
            if major == 2 {
                return Ok(Value::Bytes(bytes));
            }
            String::from_utf8(bytes).map(Value::Text).map_err(|_| "cbor: invalid UTF-8 string".into())
        }
        4 => (0..val).map(|_| decode_item(data, off)).collect::<Result<_, _>>().map(Value::Array),
        5 => {
            let mut pairs: Vec<(Value, Value)> = Vec::new();
            for index in 0..val {
                let key = decode_item(data, off)?;
                if matches!(key, Value::Array(_) | Value::Map(_)) {
                    return Err(format!("cbor: invalid map key type: {}", go_type(&key)));
                }
                let value = decode_item(data, off)?;
                if pairs.iter().any(|(k, _)| *k == key) {
                    return Err(format!(
                        "cbor: found duplicate map key \"{}\" at map element index {index}",
                        go_print(&key)
                    ));
                }
                pairs.push((key, value));
            }
            Ok(Value::Map(pairs))
        }
        6 => decode_tag(data, off, val),
        _ => Ok(match (ai, val) {
            (20, _) => Value::Bool(false),
            (21, _) => Value::Bool(true),
            (22, _) => Value::Null,
            (23, _) => Value::Undefined,
            (25, bits) => Value::Float(f64::from(half_to_f32(bits as u16))),
            (26, bits) => Value::Float(f64::from(f32::from_bits(bits as u32))),
            (27, bits) => Value::Float(f64::from_bits(bits)),
            (_, v) => Value::Simple(v as u8),
        }),
    }
}

fn decode_tag(data: &[u8], off: &mut usize, tag: u64) -> Result<Value, String> {
    let content_major = data.get(*off).map_or(0, |b| b >> 5);
    let content_head = data.get(*off).copied().unwrap_or(0);
    let got = type_name(content_major);
    match tag {
        0 | 1 => {
            let ok = if tag == 0 {
                content_major == 3
            } else {
                matches!(content_major, 0 | 1) || (0xf9..=0xfb).contains(&content_head)
            };
            if !ok {
                let want = if tag == 0 {
                    "text string"
                } else {
                    "integer or floating-point number"
                };
                return Err(format!(
                    "cbor: tag number {tag} must be followed by {want}, got {got}"
                ));
            }
            let content = decode_item(data, off)?;
            let time = match content {
                Value::Text(text) => Some(
                    super::golang::time::parse_rfc3339(&text)
                        .map_err(|e| format!("cbor: cannot set {text} for time.Time: {e}"))?,
                ),
                Value::Int(secs) => Some(from_unix(secs as f64)?),
                Value::Float(_) if content_head == 0xf9 => {
                    return Err(
                        "cbor: cannot unmarshal primitives into Go value of type time.Time".into(),
                    );
                }
                Value::Float(f) if f.is_finite() => Some(from_unix(f)?),
                _ => None,
            };
            Ok(Value::Time(time, tag))
        }
        2 | 3 => {
            if content_major != 2 {
                return Err(format!(
                    "cbor: tag number 2 or 3 must be followed by byte string, got {got}"
                ));
            }
            decode_item(data, off)?;
            Ok(Value::BigNum)
        }
        _ => Ok(Value::Tag(tag, Box::new(decode_item(data, off)?))),
    }
}

fn from_unix(secs: f64) -> Result<OffsetDateTime, String> {
    let nanos = (secs.trunc() as i128) * 1_000_000_000 + (secs.fract() * 1e9) as i128;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| "time out of range".to_string())
}

fn half_to_f32(bits: u16) -> f32 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let frac = f32::from(bits & 0x3ff);
    match exp {
        0 => sign * frac * 2f32.powi(-24),
        31 if frac == 0.0 => sign * f32::INFINITY,
        31 => f32::NAN,
        _ => sign * (1.0 + frac / 1024.0) * 2f32.powi(exp - 15),
    }
}

/// How Go's `%v` prints a decoded value (for error messages).
pub fn go_print(value: &Value) -> String {
    match value {
        Value::Int(i) => i.to_string(),
        Value::Text(s) => s.clone(),
        Value::Bytes(b) => {
            format!(
                "[{}]",
                b.iter().map(u8::to_string).collect::<Vec<_>>().join(" ")
            )
        }
        Value::Bool(b) => b.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Null | Value::Undefined => "<nil>".into(),
        other => format!("{other:?}"),
    }
}

/// How Go's `%T` names a decoded value's type (for error messages).
pub fn go_type(value: &Value) -> &'static str {
    match value {
        Value::Int(_) => "int64",
        Value::Bytes(_) => "[]uint8",
        Value::Text(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Map(_) => "map[interface {}]interface {}",
        Value::Time(..) => "time.Time",
        Value::BigNum => "big.Int",
        Value::Tag(..) => "cbor.Tag",
        Value::Bool(_) => "bool",
        Value::Float(_) => "float64",
        Value::Null | Value::Undefined => "<nil>",
        Value::Simple(_) => "cbor.SimpleValue",
    }
}
