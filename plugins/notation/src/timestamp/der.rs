//! A DER reader with the rules of Go's `encoding/asn1` `Unmarshal`, which is what tspclient-go
//! decodes timestamp tokens with: optional fields are skipped when their tag does not match,
//! missing required fields are "sequence truncated", bytes after a SEQUENCE's last known field
//! are ignored, and errors read like Go's (`asn1: structure error: tags don't match ...`).
//!
//! Elements keep their raw bytes (Go's `asn1.RawValue.FullBytes`): certificate hashes and the
//! re-encoded signed attributes must be computed over exactly what the token carries.

/// An identifier: class (0 universal, 1 application, 2 context, 3 private), form, number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Tag {
    pub class: u8,
    pub constructed: bool,
    pub number: u32,
}

impl Tag {
    const fn universal(number: u32, constructed: bool) -> Tag {
        Tag {
            class: 0,
            constructed,
            number,
        }
    }
    pub const BOOLEAN: Tag = Tag::universal(1, false);
    pub const INTEGER: Tag = Tag::universal(2, false);
    pub const OCTET_STRING: Tag = Tag::universal(4, false);
    pub const OID: Tag = Tag::universal(6, false);
    pub const SEQUENCE: Tag = Tag::universal(16, true);
    pub const SET: Tag = Tag::universal(17, true);
    pub const UTC_TIME: Tag = Tag::universal(23, false);
    pub const GENERALIZED_TIME: Tag = Tag::universal(24, false);

    /// A context-specific tag (`[n]`).
    pub const fn context(number: u32, constructed: bool) -> Tag {
        Tag {
            class: 2,
            constructed,
            number,
        }
    }
}

/// One element.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tlv<'a> {
    pub tag: Tag,
    pub content: &'a [u8],
    /// The whole element, header included.
    pub raw: &'a [u8],
    /// Where the contents start within the enclosing element's contents (Go's error offsets
    /// are relative to the structure being unmarshalled).
    pub offset: usize,
}

/// Reads the elements of one contents octets string in order.
pub(super) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

pub(super) fn syntax(msg: &str) -> String {
    format!("asn1: syntax error: {msg}")
}

pub(super) fn structural(msg: &str) -> String {
    format!("asn1: structure error: {msg}")
}

impl<'a> Reader<'a> {
    /// Reads a top-level input.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    /// Reads the contents of a constructed element.
    pub fn inside(tlv: &Tlv<'a>) -> Self {
        Reader {
            data: tlv.content,
            pos: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        &self.data[self.pos.min(self.data.len())..]
    }

    /// Reads the next element whatever its tag (Go's `parseTagAndLength` + bounds check).
    pub fn any(&mut self) -> Result<Tlv<'a>, String> {
        if self.is_empty() {
            return Err(syntax("sequence truncated"));
        }
        let (tlv, used) = parse_element(self.rest(), self.pos)?;
        self.pos += used;
        Ok(tlv)
    }

    /// The next element's tag, if there is a well-formed one.
    pub fn peek(&self) -> Option<Tag> {
        parse_element(self.rest(), 0).ok().map(|(tlv, _)| tlv.tag)
    }

    /// A required element; `what` names the field in the mismatch error.
    pub fn expect(&mut self, tag: Tag, what: &str) -> Result<Tlv<'a>, String> {
        self.expect_as(tag, tag.number, what)
    }

    /// As [`Reader::expect`], printing `go_tag` as the expected tag number (Go prints 23 for
    /// every `time.Time` field, whichever of the two time types it then accepts).
    pub fn expect_as(&mut self, tag: Tag, go_tag: u32, what: &str) -> Result<Tlv<'a>, String> {
        let tlv = self.any()?;
        if tlv.tag != tag {
            return Err(structural(&format!(
                "tags don't match ({go_tag} vs {{class:{} tag:{} length:{} isCompound:{}}}) {what} @{}",
                tlv.tag.class,
                tlv.tag.number,
                tlv.content.len(),
                tlv.tag.constructed,
                tlv.offset
            )));
        }
        Ok(tlv)
    }

    /// An optional element: read only when the next tag is `tag`.
    pub fn optional(&mut self, tag: Tag) -> Result<Option<Tlv<'a>>, String> {
        if self.is_empty() {
            return Ok(None);
        }
        let (tlv, used) = parse_element(self.rest(), self.pos)?;
        if tlv.tag != tag {
            return Ok(None);
        }
        self.pos += used;
        Ok(Some(tlv))
    }
}

/// Parses the element at the front of `input`; returns it and the bytes it takes.
fn parse_element(input: &[u8], offset: usize) -> Result<(Tlv<'_>, usize), String> {
    let truncated = || syntax("data truncated");
    let &first = input.first().ok_or_else(truncated)?;
    let mut pos = 1;
    let mut number = u32::from(first & 0x1f);
    if number == 0x1f {
        number = 0;
        loop {
            let &b = input.get(pos).ok_or_else(truncated)?;
            pos += 1;
            if number >= 1 << 24 {
                return Err(structural("base 128 integer too large"));
            }
            number = (number << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                break;
            }
        }
        if number < 0x1f {
            return Err(syntax("non-minimal tag"));
        }
    }
    let &len_byte = input.get(pos).ok_or_else(truncated)?;
    pos += 1;
    let len = if len_byte < 0x80 {
        usize::from(len_byte)
    } else {
        let count = usize::from(len_byte & 0x7f);
        if count == 0 {
            return Err(syntax("indefinite length found (not DER)"));
        }
        let mut len = 0usize;
        for i in 0..count {
            let &b = input.get(pos).ok_or_else(truncated)?;
            pos += 1;
            if len >= 1 << 23 {
                return Err(structural("length too large"));
            }
            if i == 0 && b == 0 {
                return Err(structural("superfluous leading zeros in length"));
            }
            len = (len << 8) | usize::from(b);
        }
        if len < 0x80 {
            return Err(structural("non-minimal length"));
        }
        len
    };
    let end = pos.checked_add(len).filter(|&end| end <= input.len());
    let end = end.ok_or_else(truncated)?;
    let tag = Tag {
        class: first >> 6,
        constructed: first & 0x20 != 0,
        number,
    };
    let tlv = Tlv {
        tag,
        content: &input[pos..end],
        raw: &input[..end],
        offset: offset + pos,
    };
    Ok((tlv, end))
}

/// Go's `checkInteger`: non-empty and minimally encoded.
pub(super) fn check_integer(content: &[u8]) -> Result<(), String> {
    match content {
        [] => Err(structural("empty integer")),
        [0x00, b, ..] if b & 0x80 == 0 => Err(structural("integer not minimally-encoded")),
        [0xff, b, ..] if b & 0x80 != 0 => Err(structural("integer not minimally-encoded")),
        _ => Ok(()),
    }
}

/// An INTEGER that must fit Go's `int` (64 bits here).
pub(super) fn int(tlv: &Tlv<'_>) -> Result<i64, String> {
    check_integer(tlv.content)?;
    if tlv.content.len() > 8 {
        return Err(structural("integer too large"));
    }
    // Sign-extend from the first octet.
    let init: i64 = if tlv.content[0] & 0x80 != 0 { -1 } else { 0 };
    Ok(tlv
        .content
        .iter()
        .fold(init, |acc, &b| (acc << 8) | i64::from(b)))
}

/// An OBJECT IDENTIFIER in dotted form.
pub(super) fn oid(tlv: &Tlv<'_>) -> Result<String, String> {
    let content = tlv.content;
    if content.is_empty() {
        return Err(syntax("zero length OBJECT IDENTIFIER"));
    }
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    let mut length = 0;
    for &b in content {
        if length == 0 && b == 0x80 {
            return Err(syntax("integer is not minimally encoded"));
        }
        length += 1;
        // Go's base-128 decoder stops at 31 bits.
        if length > 5 || (length == 5 && value >> 24 != 0) {
            return Err(structural("base 128 integer too large"));
        }
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            arcs.push(value);
            value = 0;
            length = 0;
        }
    }
    if length != 0 {
        return Err(syntax("truncated base 128 integer"));
    }
    let first = arcs[0];
    let (a, b) = if first < 80 {
        (first / 40, first % 40)
    } else {
        (2, first - 80)
    };
    let mut text = format!("{a}.{b}");
    for arc in &arcs[1..] {
        text.push('.');
        text.push_str(&arc.to_string());
    }
    Ok(text)
}

/// A BOOLEAN (DER: 0x00 or 0xff).
pub(super) fn boolean(tlv: &Tlv<'_>) -> Result<bool, String> {
    match tlv.content {
        [0x00] => Ok(false),
        [0xff] => Ok(true),
        _ => Err(syntax("invalid boolean")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn first(input: &[u8]) -> Tlv<'_> {
        Reader::new(input).any().unwrap()
    }

    #[test]
    fn reads_go_style() {
        // SEQUENCE { INTEGER 1, OID 1.2.840.113549.1.9.16.1.4 } + trailing bytes in the SEQUENCE
        let der = [
            0x30, 0x12, 0x02, 0x01, 0x01, 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
            0x09, 0x10, 0x01, 0x04, 0x05, 0x00,
        ];
        let seq = first(&der);
        let mut r = Reader::inside(&seq);
        assert_eq!(int(&r.expect(Tag::INTEGER, "version").unwrap()).unwrap(), 1);
        assert!(r.optional(Tag::BOOLEAN).unwrap().is_none());
        let oid_tlv = r.expect(Tag::OID, "policy").unwrap();
        assert_eq!(oid(&oid_tlv).unwrap(), "1.2.840.113549.1.9.16.1.4");
        assert_eq!(
            r.expect(Tag::INTEGER, "serial").unwrap_err(),
            "asn1: structure error: tags don't match (2 vs {class:0 tag:5 length:0 isCompound:false}) serial @18"
        );
        let mut done = Reader::new(&[]);
        assert_eq!(
            done.any().unwrap_err(),
            "asn1: syntax error: sequence truncated"
        );
        assert_eq!(
            Reader::new(&[0x30, 0x05, 0x02]).any().unwrap_err(),
            "asn1: syntax error: data truncated"
        );
    }

    #[test]
    fn integers_as_go() {
        let int_of = |content: &[u8]| {
            let mut der = vec![0x02, content.len() as u8];
            der.extend_from_slice(content);
            int(&first(&der))
        };
        assert_eq!(int_of(&[0xff]).unwrap(), -1);
        assert_eq!(int_of(&[0x00, 0x80]).unwrap(), 128);
        assert!(
            int_of(&[0x00, 0x01])
                .unwrap_err()
                .contains("not minimally-encoded")
        );
        assert!(int_of(&[1; 9]).unwrap_err().contains("integer too large"));
    }
}
