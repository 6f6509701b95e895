//! A small canonical CBOR encoder ("core deterministic": shortest heads, map keys sorted by
//! their encoded bytes, floats as 8 bytes), which is what go-cose writes through
//! fxamacker/cbor and what the fixture signer must reproduce byte for byte.

use time::OffsetDateTime;

use super::Value;

/// Appends a head with the shortest argument encoding.
pub fn write_head(out: &mut Vec<u8>, major: u8, val: u64) {
    let m = major << 5;
    match val {
        0..=23 => out.push(m | val as u8),
        24..=0xff => out.extend_from_slice(&[m | 24, val as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend_from_slice(&(val as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend_from_slice(&(val as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend_from_slice(&val.to_be_bytes());
        }
    }
}

/// Appends a canonical encoding of `value` (maps sorted by encoded key bytes, as fxamacker's
/// `SortCoreDeterministic`; floats as 8 bytes, its default).
pub fn encode(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Int(i) if *i >= 0 => write_head(out, 0, *i as u64),
        Value::Int(i) => write_head(out, 1, (-1 - *i) as u64),
        Value::Bytes(b) => {
            write_head(out, 2, b.len() as u64);
            out.extend_from_slice(b);
        }
        Value::Text(s) => {
            write_head(out, 3, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
        Value::Array(items) => {
            write_head(out, 4, items.len() as u64);
            items.iter().for_each(|item| encode(out, item));
        }
        Value::Map(pairs) => {
            let mut encoded: Vec<(Vec<u8>, Vec<u8>)> = pairs
                .iter()
                .map(|(k, v)| {
                    let (mut ke, mut ve) = (Vec::new(), Vec::new());
                    encode(&mut ke, k);
                    encode(&mut ve, v);
                    (ke, ve)
                })
                .collect();
            encoded.sort();
            write_head(out, 5, encoded.len() as u64);
            for (k, v) in encoded {
                out.extend_from_slice(&k);
                out.extend_from_slice(&v);
            }
        }
        Value::Time(t, _) => {
            // Notation writes times as tag 1 over whole Unix seconds.
            write_head(out, 6, 1);
            encode(
                out,
                &Value::Int(t.map_or(0, OffsetDateTime::unix_timestamp)),
            );
        }
        Value::Tag(tag, content) => {
            write_head(out, 6, *tag);
            encode(out, content);
        }
        Value::Bool(b) => out.push(if *b { 0xf5 } else { 0xf4 }),
        Value::Null | Value::BigNum => out.push(0xf6),
        Value::Undefined => out.push(0xf7),
        Value::Float(f) => {
            out.push(0xfb);
            out.extend_from_slice(&f.to_bits().to_be_bytes());
        }
        Value::Simple(v) => write_head(out, 7, u64::from(*v)),
    }
}
