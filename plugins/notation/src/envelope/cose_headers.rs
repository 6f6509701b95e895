//! COSE header maps as go-cose v1.3 reads them: labels must be int or text, no duplicates,
//! and the per-parameter checks of `validateHeaderParameters` (crit, content type, kid, IV,
//! countersignatures ...). Error texts are go-cose's.

use super::cbor::{self, Value};

pub(super) const ALG: i64 = 1;
pub(super) const CRIT: i64 = 2;
pub(super) const CONTENT_TYPE: i64 = 3;
pub(super) const X5CHAIN: i64 = 33;
const KID: i64 = 4;
const IV: i64 = 5;
const PARTIAL_IV: i64 = 6;
const COUNTER_SIGNATURE: i64 = 7;
const COUNTER_SIGNATURE0: i64 = 9;
const COUNTER_SIGNATURE_V2: i64 = 11;
const COUNTER_SIGNATURE0_V2: i64 = 12;
const TYPE: i64 = 16;

/// A decoded header map, in encoded order.
pub(super) type Header = Vec<(Value, Value)>;

/// Looks up an integer label.
pub(super) fn get_int(h: &Header, label: i64) -> Option<&Value> {
    h.iter()
        .find(|(k, _)| *k == Value::Int(label))
        .map(|(_, v)| v)
}

/// Looks up a text label.
pub(super) fn get_text<'a>(h: &'a Header, label: &str) -> Option<&'a Value> {
    h.iter()
        .find(|(k, _)| matches!(k, Value::Text(t) if t == label))
        .map(|(_, v)| v)
}

/// go-cose's `validateHeaderLabelCBOR`: a well-formed map whose keys are int or text, without
/// duplicates (values are not looked at).
fn validate_labels(data: &[u8]) -> Result<(), String> {
    cbor::wellformed(data, false)?;
    let mut off = 0;
    let (_, _, count) = cbor::read_head(data, &mut off)?;
    let mut seen: Vec<Value> = Vec::new();
    for index in 0..count {
        let major = data.get(off).map_or(7, |b| b >> 5);
        if !matches!(major, 0 | 1 | 3) {
            return Err("cbor: header label: require int / tstr type".into());
        }
        let label = cbor::decode_item(data, &mut off)?;
        off = cbor::skip(data, off)?;
        if seen.contains(&label) {
            return Err(format!(
                "cbor: found duplicate map key \"{}\" at map element index {index}",
                cbor::go_print(&label)
            ));
        }
        seen.push(label);
    }
    Ok(())
}

/// go-cose's `ProtectedHeader.UnmarshalCBOR` on the raw protected item; errors as
/// `UnmarshalFromRaw` wraps them.
pub(super) fn decode_protected(raw: &[u8]) -> Result<(Vec<u8>, Header), String> {
    let wrap = |e: String| format!("cbor: invalid protected header: {e}");
    if raw == [0xf6] {
        return Err(wrap("cbor: nil protected header".into()));
    }
    if raw.first().map(|b| b >> 5) != Some(2) {
        return Err(wrap("cbor: require bstr type".into()));
    }
    let Value::Bytes(content) = cbor::decode(raw).map_err(wrap)? else {
        return Err(wrap("cbor: require bstr type".into()));
    };
    if content.is_empty() {
        return Ok((content, Vec::new()));
    }
    if content[0] >> 5 != 5 {
        return Err(wrap("cbor: protected header: require map type".into()));
    }
    validate_labels(&content).map_err(wrap)?;
    let Value::Map(header) = cbor::decode(&content).map_err(wrap)? else {
        return Err(wrap("cbor: protected header: require map type".into()));
    };
    validate_parameters(&header, true).map_err(|e| wrap(format!("protected header: {e}")))?;
    Ok((content, header))
}

/// go-cose's `UnprotectedHeader.UnmarshalCBOR`, wrapped as `UnmarshalFromRaw` wraps it.
pub(super) fn decode_unprotected(raw: &[u8]) -> Result<Header, String> {
    let wrap = |e: String| format!("cbor: invalid unprotected header: {e}");
    if raw.first().map(|b| b >> 5) != Some(5) {
        return Err(wrap("cbor: unprotected header: require map type".into()));
    }
    validate_labels(raw).map_err(wrap)?;
    let Value::Map(header) = cbor::decode(raw).map_err(wrap)? else {
        return Err(wrap("cbor: unprotected header: require map type".into()));
    };
    for (label, value) in &header {
        if matches!(label, Value::Int(COUNTER_SIGNATURE | COUNTER_SIGNATURE_V2))
            && !is_countersignature(value)
        {
            return Err(wrap(
                "invalid Countersignature object / list of objects".into(),
            ));
        }
    }
    validate_parameters(&header, false).map_err(|e| wrap(format!("unprotected header: {e}")))?;
    Ok(header)
}

/// A COSE_Countersignature (`[protected bstr, unprotected map, signature bstr]`) or a list.
fn is_countersignature(value: &Value) -> bool {
    let single = |v: &Value| {
        matches!(v, Value::Array(items) if items.len() == 3
            && matches!(items[0], Value::Bytes(_))
            && matches!(items[1], Value::Map(_))
            && matches!(items[2], Value::Bytes(_)))
    };
    single(value)
        || matches!(value, Value::Array(items) if !items.is_empty() && items.iter().all(single))
}

fn can_int(v: &Value) -> bool {
    matches!(v, Value::Int(_))
}

fn can_uint(v: &Value) -> bool {
    matches!(v, Value::Int(i) if *i >= 0)
}

/// go-cose's `ensureCritical`.
pub(super) fn ensure_critical(value: &Value, h: &Header) -> Result<(), String> {
    let Value::Array(labels) = value else {
        return Err("invalid crit header".into());
    };
    if labels.is_empty() {
        return Err("empty crit header".into());
    }
    for label in labels {
        if !matches!(label, Value::Int(_) | Value::Text(_)) {
            return Err(format!(
                "require int / tstr type, got '{}': {}",
                cbor::go_type(label),
                cbor::go_print(label)
            ));
        }
        if !h.iter().any(|(k, _)| k == label) {
            return Err(format!(
                "missing critical header: {}",
                cbor::go_print(label)
            ));
        }
    }
    Ok(())
}

/// A media type value as go-cose accepts it for `typ` and content type.
fn check_media_type(value: &Value, what: &str) -> Result<(), String> {
    match value {
        Value::Text(v) => {
            if v.is_empty() {
                return Err(format!(
                    "header parameter: {what}: require non-empty string"
                ));
            }
            if v.starts_with(' ') || v.ends_with(' ') {
                return Err(format!(
                    "header parameter: {what}: require no leading/trailing whitespace"
                ));
            }
            if v.matches('/').count() != 1 {
                return Err(format!(
                    "header parameter: {what}: require text of form type/subtype"
                ));
            }
            Ok(())
        }
        v if can_uint(v) => Ok(()),
        _ => Err(format!(
            "header parameter: {what}: require tstr / uint type"
        )),
    }
}

/// go-cose's `validateHeaderParameters` (checked in encoded order; Go's map order is random).
fn validate_parameters(h: &Header, protected: bool) -> Result<(), String> {
    let has = |label: i64| get_int(h, label).is_some();
    for (label, value) in h {
        let Value::Int(label) = label else { continue };
        let not_allowed = |name: &str| Err(format!("header parameter: {name}: not allowed"));
        match *label {
            ALG if !can_int(value) && !matches!(value, Value::Text(_)) => {
                return Err("header parameter: alg: require int / tstr type".into());
            }
            CRIT if !protected => return not_allowed("crit"),
            CRIT => {
                ensure_critical(value, h).map_err(|e| format!("header parameter: crit: {e}"))?;
            }
            TYPE => check_media_type(value, "type")?,
            CONTENT_TYPE => check_media_type(value, "content type")?,
            KID if !matches!(value, Value::Bytes(_)) => {
                return Err("header parameter: kid: require bstr type".into());
            }
            IV | PARTIAL_IV => {
                let name = if *label == IV { "IV" } else { "Partial IV" };
                if !matches!(value, Value::Bytes(_)) {
                    return Err(format!("header parameter: {name}: require bstr type"));
                }
                if has(IV) && has(PARTIAL_IV) {
                    return Err(
                        "header parameter: IV and PartialIV: parameters must not both be present"
                            .into(),
                    );
                }
            }
            COUNTER_SIGNATURE if protected => return not_allowed("counter signature"),
            COUNTER_SIGNATURE0 if protected => return not_allowed("countersignature0"),
            COUNTER_SIGNATURE0 if !matches!(value, Value::Bytes(_)) => {
                return Err("header parameter: countersignature0: require bstr type".into());
            }
            COUNTER_SIGNATURE_V2 if protected => {
                return not_allowed("Countersignature version 2");
            }
            COUNTER_SIGNATURE0_V2 if protected => {
                return not_allowed("Countersignature0 version 2");
            }
            COUNTER_SIGNATURE0_V2 if !matches!(value, Value::Bytes(_)) => {
                return Err(
                    "header parameter: Countersignature0 version 2: require bstr type".into(),
                );
            }
            _ => {}
        }
    }
    Ok(())
}

/// go-cose's `Headers.ensureIV` across the two maps.
pub(super) fn ensure_iv(protected: &Header, unprotected: &Header) -> Result<(), String> {
    if get_int(protected, IV).is_some() && get_int(unprotected, PARTIAL_IV).is_some() {
        return Err(
            "IV (protected) and PartialIV (unprotected) parameters must not both be present".into(),
        );
    }
    if get_int(protected, PARTIAL_IV).is_some() && get_int(unprotected, IV).is_some() {
        return Err(
            "IV (unprotected) and PartialIV (protected) parameters must not both be present".into(),
        );
    }
    Ok(())
}
