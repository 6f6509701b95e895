//! Certificate subjects as notation sees them.
//!
//! notation matches identities against `pkix.ParseDistinguishedName(leaf.Subject.String())`, so
//! the subject first goes through Go's `crypto/x509` name parsing and `pkix.Name.String()`.
//! That rendering has consequences users observe, reproduced here:
//! - only C, ST, L, STREET, POSTALCODE, O, OU, CN and SERIALNUMBER get names; any other
//!   attribute (emailAddress, title, ...) is printed `OID=#<hex>`, and notation rejects `=#`;
//! - repeated values of one type (two OUs) form one multi-valued RDN, which notation rejects;
//! - only the last CN (and SERIALNUMBER) survives; an empty CN is dropped;
//! - RDNs that were multi-valued in the certificate are flattened.

use x509_parser::der_parser::asn1_rs::{Any, Class, Tag};
use x509_parser::x509::X509Name;

use super::PolicyError;
use super::dn::DistinguishedName;

/// The attribute types Go names, by their last arc under 2.5.4, in `ToRDNSequence` order.
const NAMED: [(&str, &str); 9] = [
    ("2.5.4.6", "C"),
    ("2.5.4.8", "ST"),
    ("2.5.4.7", "L"),
    ("2.5.4.9", "STREET"),
    ("2.5.4.17", "POSTALCODE"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.3", "CN"),
    ("2.5.4.5", "SERIALNUMBER"),
];

impl DistinguishedName {
    /// The certificate subject as notation parses it for identity matching (see the module
    /// documentation). Fails where notation fails: unsupported attributes (`=#`), multi-valued
    /// types, missing C/ST/O, or value encodings Go's x509 parser refuses.
    pub fn from_x509_name(name: &X509Name<'_>) -> Result<Self, PolicyError> {
        DistinguishedName::parse(&go_name_string(name)?)
    }
}

/// `pkix.Name.String()` of a parsed certificate name.
pub fn go_name_string(name: &X509Name<'_>) -> Result<String, PolicyError> {
    // Values per named type, in certificate order; CN and SERIALNUMBER keep only the last.
    let mut named: Vec<Vec<String>> = vec![Vec::new(); NAMED.len()];
    let mut others: Vec<String> = Vec::new();
    for rdn in name.iter() {
        for attribute in rdn.iter() {
            let value = go_asn1_string(attribute.attr_value())?;
            let oid = attribute.attr_type().to_id_string();
            match NAMED.iter().position(|(id, _)| *id == oid) {
                Some(index) if matches!(NAMED[index].1, "CN" | "SERIALNUMBER") => {
                    named[index] = vec![value]
                }
                Some(index) => named[index].push(value),
                None => others.push(format!("{oid}=#{}", hex::encode(go_marshal_string(&value)))),
            }
        }
    }
    // Go builds [others..., C, ST, ..., SERIALNUMBER] and prints it last RDN first.
    let mut parts: Vec<String> = Vec::new();
    for (index, (_, short)) in NAMED.iter().enumerate().rev() {
        let values = &named[index];
        let skip_empty =
            matches!(*short, "CN" | "SERIALNUMBER") && values.iter().all(String::is_empty);
        if values.is_empty() || skip_empty {
            continue;
        }
        let rdn: Vec<String> = values
            .iter()
            .map(|value| format!("{short}={}", go_escape_value(value)))
            .collect();
        parts.push(rdn.join("+"));
    }
    parts.extend(others.into_iter().rev());
    Ok(parts.join(","))
}

/// The escaping of Go's `RDNSequence.String()`: `,+"\<>;` anywhere, a space at either end and a
/// leading `#`. `=` is left as is, which is why a value such as `bad=#CN` trips notation's check.
fn go_escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.len().saturating_sub(1);
    for (index, c) in value.char_indices() {
        let escape = match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => true,
            ' ' => index == 0 || index == last,
            '#' => index == 0,
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Go's `parseASN1String` (crypto/x509 parser): the string types and checks it accepts.
fn go_asn1_string(any: &Any<'_>) -> Result<String, PolicyError> {
    let invalid = |what: &str| PolicyError::new(format!("x509: invalid RDN value: {what}"));
    let data = any.data;
    let tag = any.tag();
    if any.class() != Class::Universal {
        return Err(invalid(&format!("unsupported string type: {}", tag.0)));
    }
    match tag {
        // T.61 is read as Latin-1, as Go (and BoringSSL) do.
        Tag::T61String => Ok(data.iter().map(|&b| char::from(b)).collect()),
        Tag::PrintableString if data.iter().all(|&b| is_x509_printable(b)) => Ok(ascii(data)),
        Tag::PrintableString => Err(invalid("invalid PrintableString")),
        Tag::Utf8String => {
            String::from_utf8(data.to_vec()).map_err(|_| invalid("invalid UTF-8 string"))
        }
        Tag::BmpString => decode_bmp(data).ok_or_else(|| invalid("invalid BMPString")),
        Tag::Ia5String if data.is_ascii() => Ok(ascii(data)),
        Tag::Ia5String => Err(invalid("invalid IA5String")),
        Tag::NumericString if data.iter().all(|&b| b.is_ascii_digit() || b == b' ') => {
            Ok(ascii(data))
        }
        Tag::NumericString => Err(invalid("invalid NumericString")),
        other => Err(invalid(&format!("unsupported string type: {}", other.0))),
    }
}

fn ascii(data: &[u8]) -> String {
    data.iter().map(|&b| char::from(b)).collect()
}

/// UCS-2 as Go decodes it: even length, optional 00 00 terminator, no surrogates or
/// noncharacters.
fn decode_bmp(data: &[u8]) -> Option<String> {
    if !data.len().is_multiple_of(2) {
        return None;
    }
    let data = data.strip_suffix(&[0, 0]).unwrap_or(data);
    data.chunks_exact(2)
        .map(|pair| {
            let unit = u16::from_be_bytes([pair[0], pair[1]]);
            let rejected = unit >= 0xfffe
                || (0xfdd0..=0xfdef).contains(&unit)
                || (0xd800..=0xdfff).contains(&unit);
            if rejected {
                None
            } else {
                char::from_u32(u32::from(unit))
            }
        })
        .collect()
}

/// crypto/x509's lenient PrintableString alphabet (it also allows `*` and `&`).
fn is_x509_printable(b: u8) -> bool {
    is_asn1_printable(b) || b == b'*' || b == b'&'
}

/// encoding/asn1's strict PrintableString alphabet.
fn is_asn1_printable(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || (b'\''..=b')').contains(&b)
        || (b'+'..=b'/').contains(&b)
        || b" :=?".contains(&b)
}

/// `asn1.Marshal` of a Go string: PrintableString when the strict alphabet allows, else
/// UTF8String. Only its hex appears, in the `OID=#<hex>` text notation then rejects.
fn go_marshal_string(value: &str) -> Vec<u8> {
    let tag = if value.bytes().all(is_asn1_printable) {
        0x13
    } else {
        0x0c
    };
    let body = value.as_bytes();
    let mut out = vec![tag];
    if body.len() < 0x80 {
        out.push(body.len() as u8);
    } else {
        let length = body.len().to_be_bytes();
        let significant: Vec<u8> = length.iter().copied().skip_while(|&b| b == 0).collect();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(&significant);
    }
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_go() {
        assert_eq!(go_escape_value(" a,b+c "), "\\ a\\,b\\+c\\ ");
        assert_eq!(go_escape_value("#x=#y"), "\\#x=#y");
        assert_eq!(go_escape_value("a\"<>;\\"), "a\\\"\\<\\>\\;\\\\");
    }

    #[test]
    fn marshals_strings_like_go() {
        assert_eq!(go_marshal_string("ab"), vec![0x13, 2, b'a', b'b']);
        assert_eq!(go_marshal_string("a@b"), vec![0x0c, 3, b'a', b'@', b'b']);
        assert_eq!(go_marshal_string("a*"), vec![0x0c, 2, b'a', b'*']);
        let long = "x".repeat(200);
        assert_eq!(&go_marshal_string(&long)[..3], &[0x13, 0x81, 200]);
    }

    #[test]
    fn decodes_bmp_like_go() {
        assert_eq!(decode_bmp(&[0, b'h', 0, b'i', 0, 0]).as_deref(), Some("hi"));
        assert_eq!(decode_bmp(&[0xd8, 0]), None);
        assert_eq!(decode_bmp(&[0]), None);
    }
}
