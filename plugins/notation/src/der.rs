//! The little DER read and written by hand, for the structures where Go's view differs from
//! what x509-parser summarises or that it does not cover: extended key usages in certificate
//! order, RSA-PSS parameters and the RSA modulus size (x509); OCSP requests and responses, CRL
//! distribution points and a few extension values (revocation). Go's hand-written readers
//! (`cryptobyte`) are what notation's error cases come from, so they are mirrored here:
//! definite, minimally encoded lengths only. (Timestamp tokens are BER and have their own
//! reader in `timestamp`.)

use std::borrow::Cow;

use time::OffsetDateTime;
use x509_parser::asn1_rs::Oid;
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

/// Reads `input` as exactly one element with the given tag, returning its contents.
pub(crate) fn read_single(input: &[u8], tag: u8) -> Option<&[u8]> {
    match read(input)? {
        (tlv, []) if tlv.tag == tag => Some(tlv.content),
        _ => None,
    }
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

/// An OBJECT IDENTIFIER's content in dotted form ("1.3.6.1.5.5.7.3.3").
pub(crate) fn oid_string(content: &[u8]) -> String {
    Oid::new(Cow::Borrowed(content)).to_id_string()
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

/// The DER length octets for `len`.
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

/// Encodes one element.
pub(crate) fn encode(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    encode_len(content.len(), &mut out);
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

    #[test]
    fn reads_nested_elements() {
        // SEQUENCE { OID 1.3.6.1.5.5.7.3.3, NULL }
        let der = [
            0x30, 0x0c, 0x06, 0x08, 0x2b, 6, 1, 5, 5, 7, 3, 3, 0x05, 0x00,
        ];
        let content = read_single(&der, TAG_SEQUENCE).unwrap();
        let parts = elements(content).unwrap();
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
