//! Distinguished names as notation reads them: go-ldap v3.4.11 `ParseDN` (RFC 4514 with
//! go-ldap's own leniencies) followed by notation-go's `internal/pkix.ParseDistinguishedName`
//! rules, and `IsSubsetDN` for matching.
//!
//! Attribute types and values are kept as bytes: RFC 4514 hex escapes (`\ff`) may decode to
//! bytes that are not UTF-8, and Go compares them byte for byte.

use std::collections::BTreeMap;
use std::fmt;

use super::PolicyError;
use super::quote::{go_quote, go_quote_bytes, go_unicode_format};

/// The attributes notation requires in every `x509.subject` identity (and certificate subject).
const MANDATORY: [&str; 3] = ["C", "ST", "O"];

/// A distinguished name reduced to notation's map of attribute type to value: one value per
/// type, no multi-valued RDNs, `S` folded into `ST`, and at least `C`, `ST` and `O`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistinguishedName {
    /// The text this was parsed from, for messages.
    text: String,
    /// Attribute type to value; an empty value is kept (Go's map does) and equals an absent one.
    attributes: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl DistinguishedName {
    /// Parses an RFC 4514 DN and applies notation's rules (`pkix.ParseDistinguishedName`).
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let quoted = go_quote(text);
        // notation refuses hex-encoded (`#...`) values outright rather than decode BER.
        if text.contains("=#") {
            return Err(PolicyError::new(format!(
                "unsupported distinguished name (DN) {quoted}: notation does not support x509.subject identities containing \"=#\""
            )));
        }
        let rdns = parse_ldap_dn(text).map_err(|err| {
            PolicyError::new(format!(
                "parsing distinguished name (DN) {quoted} failed with err: {err}. A valid DN must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum, and follow RFC 4514 standard"
            ))
        })?;
        let mut attributes: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        for rdn in rdns {
            if rdn.len() > 1 {
                return Err(PolicyError::new(format!(
                    "distinguished name (DN) {quoted} has multi-valued RDN attributes, remove multi-valued RDN attributes as they are not supported"
                )));
            }
            for (kind, value) in rdn {
                let kind = if kind == b"S" { b"ST".to_vec() } else { kind };
                // Go checks `map[type] == ""`: a repeat after an empty value overwrites it.
                if attributes
                    .get(&kind)
                    .is_some_and(|existing| !existing.is_empty())
                {
                    return Err(PolicyError::new(format!(
                        "distinguished name (DN) {quoted} has duplicate RDN attribute for {}, DN can only have unique RDN attributes",
                        go_quote_bytes(&kind)
                    )));
                }
                attributes.insert(kind, value);
            }
        }
        for field in MANDATORY {
            if attributes
                .get(field.as_bytes())
                .is_none_or(|value| value.is_empty())
            {
                return Err(PolicyError::new(format!(
                    "distinguished name (DN) {quoted} has no mandatory RDN attribute for {}, it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum",
                    go_quote(field)
                )));
            }
        }
        Ok(DistinguishedName {
            text: text.to_owned(),
            attributes,
        })
    }

    /// notation's rule (`IsSubsetDN`): every attribute of the identity must be present with the
    /// same value in the certificate subject. An attribute with an empty value matches a subject
    /// without it, as Go's map lookup returns `""` for absent keys.
    pub fn is_subset_of(&self, subject: &DistinguishedName) -> bool {
        self.attributes.iter().all(|(kind, value)| {
            subject.attributes.get(kind).map_or(&[][..], Vec::as_slice) == value.as_slice()
        })
    }

    /// The text this DN was parsed from.
    pub fn as_text(&self) -> &str {
        &self.text
    }

    /// The value of an attribute type (`"C"`, `"CN"`, ...), if present.
    pub fn get(&self, kind: &str) -> Option<&[u8]> {
        self.attributes.get(kind.as_bytes()).map(Vec::as_slice)
    }

    /// The attribute types and values, sorted by type.
    pub fn attributes(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.attributes
            .iter()
            .map(|(kind, value)| (kind.as_slice(), value.as_slice()))
    }

    /// The DN as Go's `%q` prints notation's `map[string]string`
    /// (`map["C":"US" "O":"Notary" "ST":"WA"]`), as in its identity mismatch error.
    pub fn go_map_string(&self) -> String {
        let entries: Vec<String> = self
            .attributes
            .iter()
            .map(|(kind, value)| format!("{}:{}", go_quote_bytes(kind), go_quote_bytes(value)))
            .collect();
        format!("map[{}]", entries.join(" "))
    }
}

impl fmt::Display for DistinguishedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One RDN: its (type, value) pairs.
type Rdn = Vec<(Vec<u8>, Vec<u8>)>;

/// go-ldap v3.4.11 `ParseDN`: splits on unescaped `,` `;` (RDNs) and `+` (multi-valued RDNs);
/// the first unescaped `=` of a pair ends its type; types and values are space-trimmed and
/// unescaped. Errors are go-ldap's messages.
fn parse_ldap_dn(text: &str) -> Result<Vec<Rdn>, String> {
    let mut rdns = Vec::new();
    if text.trim().is_empty() {
        return Ok(rdns);
    }
    let bytes = text.as_bytes();
    let mut rdn: Rdn = Vec::new();
    let mut kind: Vec<u8> = Vec::new();
    let mut escaping = false;
    let mut start = 0;
    // Byte-wise like go-ldap: every delimiter is ASCII, so slices below fall on char boundaries.
    for (i, &byte) in bytes.iter().enumerate() {
        if escaping {
            escaping = false;
        } else if byte == b'\\' {
            escaping = true;
        } else if byte == b'=' && kind.is_empty() {
            // A type that decodes to "" leaves the pair open, so a later `=` is tried again.
            kind = decode_string(&text[start..i])?;
            start = i + 1;
        } else if matches!(byte, b',' | b'+' | b';') {
            if kind.is_empty() {
                return Err("incomplete type, value pair".to_owned());
            }
            let value = decode_value(&text[start..i])?;
            start = i + 1;
            rdn.push((std::mem::take(&mut kind), value));
            if byte != b'+' {
                rdns.push(std::mem::take(&mut rdn));
            }
        }
    }
    if kind.is_empty() {
        return Err("DN ended with incomplete type, value pair".to_owned());
    }
    let value = decode_value(&text[start..])?;
    rdn.push((kind, value));
    rdns.push(rdn);
    Ok(rdns)
}

/// go-ldap `setValue`. A value starting with `#` would be hex-encoded BER, but it can only
/// follow an `=`, and notation rejects any DN containing `=#` before parsing.
fn decode_value(raw: &str) -> Result<Vec<u8>, String> {
    if raw.starts_with('#') {
        return Err("hex-encoded (#) attribute values are not supported".to_owned());
    }
    decode_string(raw)
}

/// go-ldap `stripLeadingAndTrailingSpaces`: ASCII spaces only, keeping an escaped final space.
fn strip_spaces(raw: &str) -> String {
    let stripped = raw.trim_matches(' ');
    let mut out = stripped.to_owned();
    if stripped.ends_with('\\') && raw.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// go-ldap `decodeString`: strips spaces, then resolves `\<special>` and `\XX` escapes.
fn decode_string(raw: &str) -> Result<Vec<u8>, String> {
    let stripped = strip_spaces(raw);
    let chars: Vec<char> = stripped.chars().collect();
    let mut out = Vec::with_capacity(stripped.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            i += 1;
            continue;
        }
        let Some(&next) = chars.get(i + 1) else {
            return Err(format!("got corrupted escaped character: '{stripped}'"));
        };
        if matches!(
            next,
            ' ' | '"' | '#' | '+' | ',' | ';' | '<' | '=' | '>' | '\\'
        ) {
            let mut buf = [0; 4];
            out.extend_from_slice(next.encode_utf8(&mut buf).as_bytes());
            i += 2;
            continue;
        }
        if i + 2 >= chars.len() {
            return Err(format!(
                "failed to decode escaped character: encoding/hex: invalid byte: {next}"
            ));
        }
        let pair: String = chars[i + 1..i + 3].iter().collect();
        if pair.len() != 2 {
            return Err(format!(
                "failed to decode escaped character: invalid byte: {pair}"
            ));
        }
        out.push(decode_hex_pair(pair.as_bytes())?);
        i += 3;
    }
    Ok(out)
}

/// `encoding/hex.Decode` of two ASCII bytes, reporting the first bad one as Go does.
fn decode_hex_pair(pair: &[u8]) -> Result<u8, String> {
    let mut byte = 0u8;
    for &digit in pair {
        let nibble = (digit as char).to_digit(16).ok_or_else(|| {
            format!(
                "failed to decode escaped character: encoding/hex: invalid byte: {}",
                go_unicode_format(digit)
            )
        })?;
        // `to_digit(16)` is below 16, so this cannot truncate.
        byte = (byte << 4) | nibble as u8;
    }
    Ok(byte)
}

#[cfg(test)]
pub(super) fn ldap_rdns_for_test(text: &str) -> Result<Vec<Rdn>, String> {
    parse_ldap_dn(text)
}
