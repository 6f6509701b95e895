//! The little DER this module reads and writes by hand: OCSP requests and responses, CRL
//! distribution points and a few extension values. x509-parser covers certificates and CRLs
//! but has no OCSP, and Go's hand-written readers (`cryptobyte`) are what notation's error
//! cases come from, so those readers are mirrored here rather than a full ASN.1 library.

use time::OffsetDateTime;
use x509_parser::prelude::FromDer;
use x509_parser::time::ASN1Time;

pub(crate) const TAG_BOOLEAN: u8 = 0x01;
pub(crate) const TAG_INTEGER: u8 = 0x02;
pub(crate) const TAG_BIT_STRING: u8 = 0x03;
pub(crate) const TAG_OCTET_STRING: u8 = 0x04;
pub(crate) const TAG_NULL: u8 = 0x05;
pub(crate) const TAG_OID: u8 = 0x06;
pub(crate) const TAG_ENUMERATED: u8 = 0x0a;
pub(crate) const TAG_GENERALIZED_TIME: u8 = 0x18;
pub(crate) const TAG_SEQUENCE: u8 = 0x30;

/// One element: its (single-byte) tag, its content and the whole encoding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    pub raw: &'a [u8],
}

/// Reads the element at the front of `input`. Like Go's `cryptobyte`, only definite,
/// minimally encoded lengths are accepted, so a malformed structure fails here rather than
/// being read leniently into something else.
pub(crate) fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    // Multi-byte tags never occur in the structures read here.
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count || rest[0] == 0 {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        if len < 0x80 {
            return None;
        }
        (len, &rest[count..])
    };
    if rest.len() < len {
        return None;
    }
    let header = input.len() - rest.len();
    let element = Tlv {
        tag,
        content: &rest[..len],
        raw: &input[..header + len],
    };
    Some((element, &rest[len..]))
}

/// Reads an element that must carry `tag`.
pub(crate) fn expect(input: &[u8], tag: u8) -> Option<(Tlv<'_>, &[u8])> {
    read(input).filter(|(tlv, _)| tlv.tag == tag)
}

/// Reads an element with `tag` if the next one has it (`ReadOptionalASN1`): `Ok(None)` when
/// absent, `Err` when present but malformed.
pub(crate) fn optional(input: &[u8], tag: u8) -> Result<(Option<Tlv<'_>>, &[u8]), ()> {
    match input.first() {
        Some(&t) if t == tag => read(input).map(|(tlv, rest)| (Some(tlv), rest)).ok_or(()),
        _ => Ok((None, input)),
    }
}

/// All elements of a constructed element's content.
pub(crate) fn elements(mut content: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (tlv, rest) = read(content)?;
        out.push(tlv);
        content = rest;
    }
    Some(out)
}

/// An OBJECT IDENTIFIER's content in dotted form.
pub(crate) fn oid_string(content: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut value = 0u64;
    for (i, &b) in content.iter().enumerate() {
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() && i < content.len() {
                let first = (value / 40).min(2);
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
        }
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// A GeneralizedTime element (Go's `asn1` "generalized" parameter: UTCTime is refused).
pub(crate) fn generalized_time(tlv: &Tlv<'_>) -> Option<OffsetDateTime> {
    if tlv.tag != TAG_GENERALIZED_TIME {
        return None;
    }
    match ASN1Time::from_der(tlv.raw) {
        Ok(([], time)) => Some(time.to_datetime()),
        _ => None,
    }
}

/// Encodes one element.
pub(crate) fn encode(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// Encodes a SEQUENCE of already encoded elements.
pub(crate) fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    encode(TAG_SEQUENCE, &parts.concat())
}

/// A big-endian unsigned INTEGER content (sign byte removed) for comparisons.
pub(crate) fn unsigned_be(content: &[u8]) -> &[u8] {
    let start = content
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(content.len());
    &content[start..]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn round_trips_lengths() {
        for len in [0usize, 1, 127, 128, 255, 256, 70000] {
            let content = vec![7u8; len];
            let der = encode(TAG_OCTET_STRING, &content);
            let (tlv, rest) = read(&der).unwrap();
            assert_eq!((tlv.tag, tlv.content.len(), rest.len()), (4, len, 0));
        }
    }

    #[test]
    fn refuses_non_minimal_lengths() {
        assert!(read(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5]).is_none());
        assert!(read(&[0x04, 0x80]).is_none());
        assert!(read(&[0x04, 0x03, 1]).is_none());
    }

    #[test]
    fn oids() {
        assert_eq!(oid_string(&[0x2b, 0x0e, 0x03, 0x02, 0x1a]), "1.3.14.3.2.26");
        assert_eq!(oid_string(&[0x55, 0x1d, 0x2e]), "2.5.29.46");
    }
}
