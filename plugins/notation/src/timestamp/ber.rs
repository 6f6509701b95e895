//! BER → DER conversion as tspclient-go does it (`internal/encoding/asn1/ber`) before it parses
//! a timestamp token.
//!
//! That converter only re-encodes lengths in their minimal form: definite lengths in any form
//! are accepted, indefinite lengths are refused, and primitive contents (OCTET STRINGs included,
//! so the TSTInfo inside) are copied untouched. Tokens that Go accepts or refuses here, we
//! accept or refuse too, with its messages (`asn1: syntax error: ...`), because notation prints
//! them (see NOT-07 in the interop data).

/// Go's `asn1.SyntaxError` text.
fn syntax(msg: &str) -> String {
    format!("asn1: syntax error: {msg}")
}

/// Go's `asn1.StructuralError` text.
fn structural(msg: &str) -> String {
    format!("asn1: structure error: {msg}")
}

/// One node of the decoded tree, in depth-first order.
enum Node<'a> {
    Primitive {
        identifier: &'a [u8],
        content: &'a [u8],
    },
    Constructed {
        identifier: &'a [u8],
        /// Not yet decoded BER contents.
        rest: &'a [u8],
        /// Indices of the direct members.
        members: Vec<usize>,
        /// DER length of the contents, known once `rest` is consumed.
        length: usize,
    },
}

impl Node<'_> {
    fn encoded_len(&self) -> usize {
        match self {
            Node::Primitive {
                identifier,
                content,
            } => identifier.len() + length_size(content.len()) + content.len(),
            Node::Constructed {
                identifier, length, ..
            } => identifier.len() + length_size(*length) + length,
        }
    }
}

/// Converts BER to DER. The whole input must be exactly one element.
pub(super) fn to_der(ber: &[u8]) -> Result<Vec<u8>, String> {
    if ber.is_empty() {
        return Err(syntax("BER-encoded ASN.1 data structures is empty"));
    }
    let (identifier, content_len, rest) = decode_metadata(ber)?;
    if rest.len() != content_len {
        return Err(syntax(&format!(
            "decoding BER: length octets value {content_len} does not match with content length {}",
            rest.len()
        )));
    }
    let mut nodes = vec![new_node(identifier, rest)];
    // An explicit stack rather than recursion: nesting depth is attacker-controlled.
    let mut stack = match nodes[0] {
        Node::Constructed { .. } => vec![0usize],
        Node::Primitive { .. } => Vec::new(),
    };
    while let Some(&top) = stack.last() {
        let Node::Constructed { rest, .. } = &nodes[top] else {
            stack.pop();
            continue;
        };
        let rest = *rest;
        if rest.is_empty() {
            let total = match &nodes[top] {
                Node::Constructed { members, .. } => {
                    members.iter().map(|&m| nodes[m].encoded_len()).sum()
                }
                Node::Primitive { .. } => 0,
            };
            if let Node::Constructed { length, .. } = &mut nodes[top] {
                *length = total;
            }
            stack.pop();
            continue;
        }
        let (identifier, len, after) = decode_metadata(rest)?;
        let (content, remaining) = after.split_at(len);
        let child = nodes.len();
        nodes.push(new_node(identifier, content));
        if let Node::Constructed { rest, members, .. } = &mut nodes[top] {
            *rest = remaining;
            members.push(child);
        }
        if matches!(nodes[child], Node::Constructed { .. }) {
            stack.push(child);
        }
    }
    let mut out = Vec::with_capacity(nodes[0].encoded_len());
    for node in &nodes {
        match node {
            Node::Primitive {
                identifier,
                content,
            } => {
                out.extend_from_slice(identifier);
                encode_length(content.len(), &mut out);
                out.extend_from_slice(content);
            }
            Node::Constructed {
                identifier, length, ..
            } => {
                out.extend_from_slice(identifier);
                encode_length(*length, &mut out);
            }
        }
    }
    Ok(out)
}

fn new_node<'a>(identifier: &'a [u8], content: &'a [u8]) -> Node<'a> {
    // Bit 6 of the first identifier octet marks the constructed form.
    if identifier[0] & 0x20 == 0 {
        Node::Primitive {
            identifier,
            content,
        }
    } else {
        Node::Constructed {
            identifier,
            rest: content,
            members: Vec::new(),
            length: 0,
        }
    }
}

/// Identifier octets, the length octets' value, and what follows the length octets (at least
/// `length` bytes).
fn decode_metadata(input: &[u8]) -> Result<(&[u8], usize, &[u8]), String> {
    let (identifier, rest) = decode_identifier(input)?;
    let (length, rest) = decode_length(rest)?;
    Ok((identifier, length, rest))
}

fn decode_identifier(input: &[u8]) -> Result<(&[u8], &[u8]), String> {
    let Some(&first) = input.first() else {
        return Err(syntax(
            "decoding BER identifier octets: identifier octets is empty",
        ));
    };
    let mut offset = 1;
    if first & 0x1f == 0x1f {
        // High-tag-number form: continuation octets have bit 8 set.
        while offset < input.len() && input[offset] & 0x80 == 0x80 {
            offset += 1;
        }
        if offset >= input.len() {
            return Err(syntax(
                "decoding BER identifier octets: high-tag-number form with early EOF",
            ));
        }
        offset += 1;
    }
    if offset >= input.len() {
        return Err(syntax(
            "decoding BER identifier octets: early EOF due to missing length and content octets",
        ));
    }
    Ok(input.split_at(offset))
}

fn decode_length(input: &[u8]) -> Result<(usize, &[u8]), String> {
    let Some(&first) = input.first() else {
        return Err(syntax("decoding BER length octets: length octets is empty"));
    };
    if first < 0x80 {
        let len = usize::from(first);
        let rest = &input[1..];
        if len > rest.len() {
            return Err(syntax(
                "decoding BER length octets: short form length octets value should be less or equal to the subsequent octets length",
            ));
        }
        return Ok((len, rest));
    }
    if first == 0x80 {
        return Err(structural(
            "decoding BER length octets: indefinite length not supported",
        ));
    }
    let count = usize::from(first & 0x7f);
    if count > 4 {
        return Err(structural(&format!(
            "decoding BER length octets: length of encoded data ({count} bytes) cannot exceed 4 bytes"
        )));
    }
    // Go's bound (`offset+n >= len(r)`): the length octets must be followed by something.
    if 1 + count >= input.len() {
        return Err(syntax(
            "decoding BER length octets: long form length octets with early EOF",
        ));
    }
    let len = input[1..=count]
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    if len >> 31 > 0 {
        return Err(structural(&format!(
            "decoding BER length octets: length {len} does not fit the memory space of int32"
        )));
    }
    // Below 2^31, so it fits in usize on every platform Rust supports here.
    let len = len as usize;
    let rest = &input[1 + count..];
    if len > rest.len() {
        return Err(syntax(
            "decoding BER length octets: long form length octets value should be less or equal to the subsequent octets length",
        ));
    }
    Ok((len, rest))
}

/// How many octets the DER length of `len` takes.
fn length_size(len: usize) -> usize {
    if len < 0x80 {
        return 1;
    }
    1 + (usize::BITS - len.leading_zeros()).div_ceil(8) as usize
}

/// Appends the minimal DER length octets for `len`.
pub(super) fn encode_length(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        // Short form; the value is below 0x80, so the cast is exact.
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    out.push(0x80 | (bytes.len() - skip) as u8);
    out.extend_from_slice(&bytes[skip..]);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn re_encodes_long_form_lengths_minimally() {
        // SEQUENCE (long form, 1 octet) { INTEGER (long form, 2 octets) 5, SET {} }
        let ber = [0x30, 0x81, 0x07, 0x02, 0x82, 0x00, 0x01, 0x05, 0x31, 0x00];
        assert_eq!(
            to_der(&ber).unwrap(),
            [0x30, 0x05, 0x02, 0x01, 0x05, 0x31, 0x00]
        );
        // DER input comes back unchanged, long lengths included.
        let mut der = vec![0x04, 0x81, 0x80];
        der.extend([7u8; 0x80]);
        assert_eq!(to_der(&der).unwrap(), der);
    }

    #[test]
    fn refuses_what_tspclient_refuses() {
        let err = |input: &[u8]| to_der(input).unwrap_err();
        assert_eq!(
            err(&[]),
            "asn1: syntax error: BER-encoded ASN.1 data structures is empty"
        );
        assert_eq!(
            err(&[0x30, 0x80, 0x00, 0x00]),
            "asn1: structure error: decoding BER length octets: indefinite length not supported"
        );
        assert_eq!(
            err(&[0x30, 0x09, 0x02, 0x01]),
            "asn1: syntax error: decoding BER length octets: short form length octets value should be less or equal to the subsequent octets length"
        );
        assert_eq!(
            err(&[0x30, 0x01, 0x05, 0x00]),
            "asn1: syntax error: decoding BER: length octets value 1 does not match with content length 2"
        );
        assert_eq!(
            err(&[0x30, 0x85, 1, 1, 1, 1, 1, 0]),
            "asn1: structure error: decoding BER length octets: length of encoded data (5 bytes) cannot exceed 4 bytes"
        );
        assert_eq!(
            err(&[0x30, 0x03, 0x1f, 0x81, 0x82]),
            "asn1: syntax error: decoding BER identifier octets: high-tag-number form with early EOF"
        );
    }

    #[test]
    fn length_sizes() {
        for len in [0, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fff_ffff] {
            let mut out = Vec::new();
            encode_length(len, &mut out);
            assert_eq!(out.len(), length_size(len), "{len}");
        }
    }
}
