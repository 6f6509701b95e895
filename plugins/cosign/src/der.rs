//! The few DER helpers the crate needs where a parsed structure does not give byte-exact
//! access to the encoding: rebuilding the precertificate TBS for an SCT, reading SAN and
//! Fulcio extension values, and wrapping a PKCS#1 RSA key into the SPKI Go would write.

/// One DER element.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// The identifier octet (only low tag numbers occur in certificates).
    pub tag: u8,
    /// Tag, length and contents.
    pub full: &'a [u8],
    /// Contents only.
    pub contents: &'a [u8],
}

/// Reads one DER element from the front of `input`; returns it and what follows.
pub(crate) fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), String> {
    let malformed = || "malformed DER: truncated or bad length".to_string();
    let (&tag, rest) = input.split_first().ok_or_else(malformed)?;
    if tag & 0x1f == 0x1f {
        return Err("malformed DER: high tag numbers are not supported".into());
    }
    let (&first, mut rest) = rest.split_first().ok_or_else(malformed)?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        // Long form; 0x80 (indefinite) is BER only, and four length octets cover any input.
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return Err(malformed());
        }
        let (octets, after) = rest.split_at(count);
        rest = after;
        octets
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
    };
    if rest.len() < len {
        return Err(malformed());
    }
    let header = input.len() - rest.len();
    let (contents, after) = rest.split_at(len);
    let full = &input[..header + len];
    Ok((
        Tlv {
            tag,
            full,
            contents,
        },
        after,
    ))
}

/// Reads one element with the given tag that must span all of `input`.
pub(crate) fn read_only(input: &[u8], tag: u8) -> Result<Tlv<'_>, String> {
    let (tlv, rest) = read_tlv(input)?;
    if tlv.tag != tag {
        return Err(format!(
            "malformed DER: expected tag 0x{tag:02x}, found 0x{:02x}",
            tlv.tag
        ));
    }
    if !rest.is_empty() {
        return Err("malformed DER: trailing data".into());
    }
    Ok(tlv)
}

/// All elements of a constructed value's contents, in order.
pub(crate) fn read_all(mut contents: &[u8]) -> Result<Vec<Tlv<'_>>, String> {
    let mut out = Vec::new();
    while !contents.is_empty() {
        let (tlv, rest) = read_tlv(contents)?;
        out.push(tlv);
        contents = rest;
    }
    Ok(out)
}

/// Encodes one DER element (definite, minimal length).
pub(crate) fn encode_tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = Vec::with_capacity(len + 6);
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(contents);
    out
}

/// The DER contents of a dotted OID (`1.3.6.1...`), for comparing with extension IDs.
pub(crate) fn oid_contents(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').filter_map(|a| a.parse().ok()).collect();
    let mut out = Vec::new();
    if arcs.len() < 2 {
        return out;
    }
    let mut push = |mut v: u64| {
        let mut tmp = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            tmp.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        out.extend(tmp.iter().rev());
    };
    push(arcs[0] * 40 + arcs[1]);
    for &arc in &arcs[2..] {
        push(arc);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn oid_encoding_matches_der() {
        assert_eq!(
            oid_contents("1.3.6.1.4.1.11129.2.4.2"),
            [0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02]
        );
        assert_eq!(
            oid_contents("1.3.6.1.4.1.57264.1.8"),
            [0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xbf, 0x30, 0x01, 0x08]
        );
    }

    #[test]
    fn tlv_round_trip_long_lengths() {
        assert_eq!(
            &encode_tlv(0x04, &[0u8; 300])[..4],
            &[0x04, 0x82, 0x01, 0x2c]
        );
        for len in [0usize, 1, 127, 128, 255, 256, 70000] {
            let contents = vec![7u8; len];
            let enc = encode_tlv(0x04, &contents);
            let (tlv, rest) = read_tlv(&enc).unwrap();
            assert!(rest.is_empty());
            assert_eq!(tlv.contents.len(), len);
            assert_eq!(tlv.full, enc.as_slice());
        }
        assert!(read_tlv(&[0x04, 0x80]).is_err());
        assert!(read_tlv(&[0x04, 0x05, 1]).is_err());
    }
}
