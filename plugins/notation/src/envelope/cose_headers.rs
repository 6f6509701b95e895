//! COSE header maps as go-cose v1.3 reads them, checked on ciborium's values before coset
//! decodes them: labels must be int or text, no duplicates, and the per-parameter checks of
//! `validateHeaderParameters` (crit, content type, kid, IV, countersignatures ...). These are
//! go-cose's rules and texts, which notation users see and search for; coset's own checks
//! differ in places (it refuses an empty crit array, but with its own message), so they run
//! first.

use coset::CborSerializable;
use coset::cbor::value::Value;

use super::cbor_strict::{self, check_unique, go_print, go_type};

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
pub(super) type Header = [(Value, Value)];

fn int_label(label: &Value) -> Option<i64> {
    match label {
        Value::Integer(i) => i64::try_from(*i).ok(),
        _ => None,
    }
}

/// Looks up an integer label.
fn get_int(h: &Header, label: i64) -> Option<&Value> {
    h.iter()
        .find(|(k, _)| int_label(k) == Some(label))
        .map(|(_, v)| v)
}

/// go-cose's `validateHeaderLabelCBOR` and fxamacker's decoding of the map: int or text
/// labels, each once, then the values.
fn check_map(pairs: &Header) -> Result<(), String> {
    for (index, (label, _)) in pairs.iter().enumerate() {
        if !matches!(label, Value::Integer(_) | Value::Text(_)) {
            return Err("cbor: header label: require int / tstr type".into());
        }
        check_unique(pairs, index)?;
    }
    pairs
        .iter()
        .try_for_each(|(_, value)| cbor_strict::check_value(value))
}

/// go-cose's `ProtectedHeader.UnmarshalCBOR` on the protected item, errors as
/// `UnmarshalFromRaw` wraps them. Returns the decoded map (for [`ensure_iv`]).
pub(super) fn check_protected(item: &Value) -> Result<Vec<(Value, Value)>, String> {
    let wrap = |e: String| format!("cbor: invalid protected header: {e}");
    let content = match item {
        Value::Bytes(content) => content,
        Value::Null => return Err(wrap("cbor: nil protected header".into())),
        _ => return Err(wrap("cbor: require bstr type".into())),
    };
    if content.is_empty() {
        return Ok(Vec::new());
    }
    if content[0] >> 5 != 5 {
        return Err(wrap("cbor: protected header: require map type".into()));
    }
    cbor_strict::wellformed(content, false).map_err(wrap)?;
    cbor_strict::check_labels(content).map_err(wrap)?;
    let header = match Value::from_slice(content) {
        Ok(Value::Map(header)) => header,
        Ok(_) => return Err(wrap("cbor: protected header: require map type".into())),
        Err(e) => return Err(wrap(format!("cbor: {e}"))),
    };
    check_map(&header).map_err(wrap)?;
    validate_parameters(&header, true).map_err(|e| wrap(format!("protected header: {e}")))?;
    Ok(header)
}

/// go-cose's `UnprotectedHeader.UnmarshalCBOR`, wrapped as `UnmarshalFromRaw` wraps it.
pub(super) fn check_unprotected(item: &Value) -> Result<&Header, String> {
    let wrap = |e: String| format!("cbor: invalid unprotected header: {e}");
    let Value::Map(header) = item else {
        return Err(wrap("cbor: unprotected header: require map type".into()));
    };
    check_map(header).map_err(wrap)?;
    for (label, value) in header {
        if matches!(
            int_label(label),
            Some(COUNTER_SIGNATURE | COUNTER_SIGNATURE_V2)
        ) && !is_countersignature(value)
        {
            return Err(wrap(
                "invalid Countersignature object / list of objects".into(),
            ));
        }
    }
    validate_parameters(header, false).map_err(|e| wrap(format!("unprotected header: {e}")))?;
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

fn can_uint(v: &Value) -> bool {
    matches!(int_label(v), Some(i) if i >= 0)
}

/// go-cose's `ensureCritical`.
fn ensure_critical(value: &Value, h: &Header) -> Result<(), String> {
    let Value::Array(labels) = value else {
        return Err("invalid crit header".into());
    };
    if labels.is_empty() {
        return Err("empty crit header".into());
    }
    for label in labels {
        if !matches!(label, Value::Integer(_) | Value::Text(_)) {
            return Err(format!(
                "require int / tstr type, got '{}': {}",
                go_type(label),
                go_print(label)
            ));
        }
        if !h.iter().any(|(k, _)| k == label) {
            return Err(format!("missing critical header: {}", go_print(label)));
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
    let is_bytes = |v: &Value| matches!(v, Value::Bytes(_));
    for (label, value) in h {
        let Some(label) = int_label(label) else {
            continue;
        };
        let not_allowed = |name: &str| Err(format!("header parameter: {name}: not allowed"));
        match label {
            ALG if !matches!(value, Value::Integer(_) | Value::Text(_)) => {
                return Err("header parameter: alg: require int / tstr type".into());
            }
            CRIT if !protected => return not_allowed("crit"),
            CRIT => {
                ensure_critical(value, h).map_err(|e| format!("header parameter: crit: {e}"))?;
            }
            TYPE => check_media_type(value, "type")?,
            CONTENT_TYPE => check_media_type(value, "content type")?,
            KID if !is_bytes(value) => {
                return Err("header parameter: kid: require bstr type".into());
            }
            IV | PARTIAL_IV => {
                let name = if label == IV { "IV" } else { "Partial IV" };
                if !is_bytes(value) {
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
            COUNTER_SIGNATURE0 if !is_bytes(value) => {
                return Err("header parameter: countersignature0: require bstr type".into());
            }
            COUNTER_SIGNATURE_V2 if protected => {
                return not_allowed("Countersignature version 2");
            }
            COUNTER_SIGNATURE0_V2 if protected => {
                return not_allowed("Countersignature0 version 2");
            }
            COUNTER_SIGNATURE0_V2 if !is_bytes(value) => {
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
