//! A minimal DER reader for the pieces where Go's view of a certificate differs from the
//! summary x509-parser gives: the extended key usages in certificate order (x509-parser folds
//! them into flags, losing order and duplicates that notation's messages and RFC 3161 rule
//! depend on), RSA-PSS parameters, and the RSA modulus size.

use std::borrow::Cow;

use x509_parser::asn1_rs::Oid;

/// Universal tags used here.
pub(crate) const TAG_INTEGER: u8 = 0x02;
pub(crate) const TAG_NULL: u8 = 0x05;
pub(crate) const TAG_OID: u8 = 0x06;
pub(crate) const TAG_SEQUENCE: u8 = 0x30;

/// One tag-length-value element.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    /// The whole element, header included.
    pub raw: &'a [u8],
}

/// Reads one element from the front of `input`; `None` on malformed input. Only low tag
/// numbers and definite lengths occur in the structures read here (DER forbids the rest).
pub(crate) fn read_tlv(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, after_tag) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, after_len) = after_tag.split_first()?;
    let (len, body) = if first < 0x80 {
        (usize::from(first), after_len)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || after_len.len() < count {
            return None;
        }
        let len = after_len[..count]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &after_len[count..])
    };
    if body.len() < len {
        return None;
    }
    let header_len = input.len() - body.len();
    let tlv = Tlv {
        tag,
        content: &body[..len],
        raw: &input[..header_len + len],
    };
    Some((tlv, &body[len..]))
}

/// Reads `input` as exactly one element with the given tag, returning its contents.
pub(crate) fn read_single(input: &[u8], tag: u8) -> Option<&[u8]> {
    match read_tlv(input)? {
        (tlv, []) if tlv.tag == tag => Some(tlv.content),
        _ => None,
    }
}

/// Splits the contents of a constructed element into its elements.
pub(crate) fn elements(mut content: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (tlv, rest) = read_tlv(content)?;
        out.push(tlv);
        content = rest;
    }
    Some(out)
}

/// Dotted form of an OBJECT IDENTIFIER's contents ("1.3.6.1.5.5.7.3.3").
pub(crate) fn oid_string(content: &[u8]) -> String {
    Oid::new(Cow::Borrowed(content)).to_id_string()
}

/// The DER length octets for `len` (used when re-encoding a value the way Go's `asn1.Marshal`
/// does for unknown name attributes).
pub(crate) fn encode_len(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        // Short form: a single octet (the value is below 0x80, so the cast is exact).
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    let significant = &bytes[skip..];
    out.push(0x80 | significant.len() as u8);
    out.extend_from_slice(significant);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_elements() {
        // SEQUENCE { OID 1.3.6.1.5.5.7.3.3, NULL }
        let der = [
            0x30, 0x0c, 0x06, 0x08, 0x2b, 6, 1, 5, 5, 7, 3, 3, 0x05, 0x00,
        ];
        let content = read_single(&der, TAG_SEQUENCE).unwrap_or_default();
        let parts = elements(content).unwrap_or_default();
        assert_eq!(parts.len(), 2);
        assert_eq!(oid_string(parts[0].content), "1.3.6.1.5.5.7.3.3");
        assert_eq!(parts[1].tag, TAG_NULL);
        assert!(read_single(&der[..5], TAG_SEQUENCE).is_none());
    }

    #[test]
    fn encodes_long_lengths() {
        let mut out = Vec::new();
        encode_len(0x7f, &mut out);
        encode_len(0x80, &mut out);
        encode_len(0x1234, &mut out);
        assert_eq!(out, [0x7f, 0x81, 0x80, 0x82, 0x12, 0x34]);
    }
}
