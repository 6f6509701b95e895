//! Text the way Go prints it, because notation's messages and identities are Go output:
//! `pkix.Name.String()` (trusted identities `x509.subject:` are matched against it and Ratify
//! reports it as `Issuer`/`SN`), `%q` quoting, and `time.Time.String()` in UTC.

use time::OffsetDateTime;
use x509_parser::x509::X509Name;

use crate::der;

/// The attribute types Go parses into named `pkix.Name` fields, with their short names, in the
/// order `Name.ToRDNSequence` emits them (the string reverses that order).
const STANDARD: [(&str, &str); 9] = [
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

/// One decoded attribute: dotted type and value as Go decodes it.
struct Attribute {
    oid: String,
    value: String,
}

/// Go's `pkix.Name.String()` for a parsed name, or an error where Go's parser refuses the name
/// (a value type Go cannot decode).
pub(crate) fn name_string(name: &X509Name<'_>) -> Result<String, String> {
    let mut attributes = Vec::new();
    for attribute in name.iter_attributes() {
        let value = attribute.attr_value();
        let text = decode_string(value.tag().0, value.data)?;
        attributes.push(Attribute {
            oid: attribute.attr_type().to_id_string(),
            value: text,
        });
    }
    Ok(render(&attributes))
}

/// `Name.FillFromRDNSequence` then `Name.String()`: attributes Go does not name come first (so
/// they print last, each as its own RDN, hex-encoded); then each named type as one RDN holding
/// all its values (CN and SERIALNUMBER keep only the last value).
fn render(attributes: &[Attribute]) -> String {
    let mut rdns: Vec<Vec<(&str, &str)>> = Vec::new();
    for attribute in attributes {
        if !STANDARD.iter().any(|(oid, _)| *oid == attribute.oid) {
            rdns.push(vec![(attribute.oid.as_str(), attribute.value.as_str())]);
        }
    }
    for (oid, _) in STANDARD {
        let values: Vec<(&str, &str)> = attributes
            .iter()
            .filter(|a| a.oid == oid)
            .map(|a| (oid, a.value.as_str()))
            .collect();
        let single = oid == "2.5.4.3" || oid == "2.5.4.5";
        match values.last() {
            Some(&(_, "")) if single => {}
            Some(&last) if single => rdns.push(vec![last]),
            Some(_) => rdns.push(values),
            None => {}
        }
    }
    let mut out = String::new();
    for (i, rdn) in rdns.iter().rev().enumerate() {
        if i > 0 {
            out.push(',');
        }
        for (j, (oid, value)) in rdn.iter().enumerate() {
            if j > 0 {
                out.push('+');
            }
            match STANDARD.iter().find(|(o, _)| o == oid) {
                Some((_, short)) => {
                    out.push_str(short);
                    out.push('=');
                    out.push_str(&escape_value(value));
                }
                None => {
                    out.push_str(oid);
                    out.push_str("=#");
                    out.push_str(&hex::encode(marshal_string(value)));
                }
            }
        }
    }
    out
}

/// `RDNSequence.String()`'s escaping: `,+"\<>;` always, a space at either end, `#` first.
fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for (k, c) in value.char_indices() {
        let escape = match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => true,
            ' ' => k == 0 || k == value.len() - 1,
            '#' => k == 0,
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `asn1.Marshal` of a Go string: PrintableString when every character is allowed there
/// (no `*` or `&`), otherwise UTF8String.
fn marshal_string(value: &str) -> Vec<u8> {
    let printable = value.bytes().all(|b| is_printable(b, false));
    let mut out = vec![if printable { 0x13 } else { 0x0c }];
    der::encode_len(value.len(), &mut out);
    out.extend_from_slice(value.as_bytes());
    out
}

/// ASN.1 PrintableString characters; Go's parser also admits `*` and `&`, which real
/// certificates use.
fn is_printable(b: u8, lenient: bool) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b' ' | b'\'' | b'(' | b')' | b'+' | b',' | b'-' | b'.' | b'/' | b':'
        )
        || matches!(b, b'=' | b'?')
        || (lenient && matches!(b, b'*' | b'&'))
}

/// Go's `parseASN1String`: the string types a name may use, decoded and checked as Go does.
fn decode_string(tag: u32, data: &[u8]) -> Result<String, String> {
    let invalid = |kind: &str| format!("x509: invalid RDN value: invalid {kind}");
    match tag {
        // T61String: Go takes the bytes as they are.
        20 => Ok(String::from_utf8_lossy(data).into_owned()),
        19 if data.iter().all(|&b| is_printable(b, true)) => Ok(ascii(data)),
        19 => Err(invalid("PrintableString")),
        12 => String::from_utf8(data.to_vec()).map_err(|_| invalid("UTF-8 string")),
        30 => {
            if !data.len().is_multiple_of(2) {
                return Err(invalid("BMPString"));
            }
            // A trailing NUL pair is a terminator Go strips.
            let data = data.strip_suffix(&[0, 0]).unwrap_or(data);
            let units: Vec<u16> = data
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]))
                .collect();
            Ok(char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect())
        }
        22 if data.is_ascii() => Ok(ascii(data)),
        22 => Err(invalid("IA5String")),
        18 if data.iter().all(|&b| b.is_ascii_digit() || b == b' ') => Ok(ascii(data)),
        18 => Err(invalid("NumericString")),
        other => Err(format!(
            "x509: invalid RDN value: unsupported string type: {other}"
        )),
    }
}

fn ascii(data: &[u8]) -> String {
    data.iter().map(|&b| char::from(b)).collect()
}

/// Go's `%q`: a double-quoted string with Go escapes.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `time.Time.String()` of a UTC time: `2006-01-02 15:04:05.999999999 +0000 UTC`.
pub(crate) fn go_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let mut out = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    let nanos = at.nanosecond();
    if nanos != 0 {
        let fraction = format!("{nanos:09}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    out.push_str(" +0000 UTC");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(oid: &str, value: &str) -> Attribute {
        Attribute {
            oid: oid.to_string(),
            value: value.to_string(),
        }
    }

    #[test]
    fn renders_like_go() {
        let name = [
            attr("2.5.4.6", "US"),
            attr("2.5.4.8", "WA"),
            attr("2.5.4.7", "Seattle"),
            attr("2.5.4.10", "Notary"),
            attr("2.5.4.3", "e2e"),
        ];
        assert_eq!(render(&name), "CN=e2e,O=Notary,L=Seattle,ST=WA,C=US");
        // Go groups repeated types into one RDN and prints unknown types last, hex-encoded.
        let name = [
            attr("2.5.4.11", "a"),
            attr("1.2.840.113549.1.9.1", "x@y.z"),
            attr("2.5.4.11", "b,c"),
            attr("2.5.4.3", " #lead"),
        ];
        assert_eq!(
            render(&name),
            "CN=\\ #lead,OU=a+OU=b\\,c,1.2.840.113549.1.9.1=#0c057840792e7a"
        );
    }

    #[test]
    fn quotes_and_times_like_go() {
        assert_eq!(quote("CN=a \"b\"\\"), "\"CN=a \\\"b\\\"\\\\\"");
        let at = time::macros::datetime!(2024-06-18 07:21:42.5 UTC);
        assert_eq!(go_time(at), "2024-06-18 07:21:42.5 +0000 UTC");
    }
}
