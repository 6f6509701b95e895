//! Base64 decoding with Go's `encoding/base64` rules and error text
//! (`illegal base64 data at input byte 242`).
//!
//! Go's decoders are not strict: they ignore `\r` and `\n`, accept non-zero trailing bits, and
//! report the offset of the first bad byte. Notation's JWS handling depends on all three
//! (NGO-05's tampered envelope fails with exactly that message), so this mirrors Go's
//! `decodeQuantum` step by step.

/// Which of Go's encodings.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    /// `base64.StdEncoding`: `+/`, padded (JSON `[]byte` fields use it).
    StdPadded,
    /// `base64.RawURLEncoding`: `-_`, no padding (JWS segments).
    RawUrl,
}

/// Decodes `input`, or returns Go's `CorruptInputError` text.
pub fn decode(alphabet: Alphabet, input: &[u8]) -> Result<Vec<u8>, String> {
    let padded = alphabet == Alphabet::StdPadded;
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
    let mut si = 0;
    while si < input.len() {
        let mut buf = [0u8; 4];
        let mut dlen = 4;
        let mut trailing_garbage = None;
        let mut j = 0;
        while j < 4 {
            if si == input.len() {
                if j == 0 {
                    return Ok(out);
                }
                if j == 1 || padded {
                    return Err(corrupt(si - j));
                }
                dlen = j;
                break;
            }
            let c = input[si];
            si += 1;
            if let Some(v) = sextet(alphabet, c) {
                buf[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if !padded || c != b'=' {
                return Err(corrupt(si - 1));
            }
            // Padding: only after two or three data characters.
            match j {
                0 | 1 => return Err(corrupt(si - 1)),
                2 => {
                    skip_newlines(input, &mut si);
                    if si == input.len() {
                        return Err(corrupt(input.len()));
                    }
                    if input[si] != b'=' {
                        return Err(corrupt(si - 1));
                    }
                    si += 1;
                }
                _ => {}
            }
            skip_newlines(input, &mut si);
            if si < input.len() {
                trailing_garbage = Some(si);
            }
            dlen = j;
            break;
        }
        let val = (u32::from(buf[0]) << 18)
            | (u32::from(buf[1]) << 12)
            | (u32::from(buf[2]) << 6)
            | u32::from(buf[3]);
        let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
        out.extend_from_slice(&bytes[..dlen - 1]);
        if let Some(at) = trailing_garbage {
            return Err(corrupt(at));
        }
        if dlen < 4 {
            return Ok(out);
        }
    }
    Ok(out)
}

fn skip_newlines(input: &[u8], si: &mut usize) {
    while *si < input.len() && (input[*si] == b'\n' || input[*si] == b'\r') {
        *si += 1;
    }
}

fn corrupt(offset: usize) -> String {
    format!("illegal base64 data at input byte {offset}")
}

fn sextet(alphabet: Alphabet, c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' if alphabet == Alphabet::StdPadded => Some(62),
        b'/' if alphabet == Alphabet::StdPadded => Some(63),
        b'-' if alphabet == Alphabet::RawUrl => Some(62),
        b'_' if alphabet == Alphabet::RawUrl => Some(63),
        _ => None,
    }
}

/// Encodes like Go's encoder for the alphabet (the signer needs Go's exact output).
pub fn encode(alphabet: Alphabet, data: &[u8]) -> String {
    use base64::Engine;
    match alphabet {
        Alphabet::StdPadded => base64::engine::general_purpose::STANDARD.encode(data),
        Alphabet::RawUrl => base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn go_cases() {
        let std = Alphabet::StdPadded;
        let url = Alphabet::RawUrl;
        assert_eq!(decode(url, b"aGk").unwrap(), b"hi");
        assert_eq!(
            decode(url, b"aGk=").unwrap_err(),
            "illegal base64 data at input byte 3"
        );
        assert_eq!(
            decode(url, b"a").unwrap_err(),
            "illegal base64 data at input byte 0"
        );
        // Trailing bits are ignored (Go's non-strict mode): "aGl" and "aGk" both decode to "hi".
        assert_eq!(decode(url, b"aGl").unwrap(), b"hi");
        assert_eq!(decode(std, b"aGk=").unwrap(), b"hi");
        assert_eq!(
            decode(std, b"aGk").unwrap_err(),
            "illegal base64 data at input byte 0"
        );
        assert_eq!(decode(std, b"aG\nk=").unwrap(), b"hi");
        assert_eq!(
            decode(std, b"aGk=x").unwrap_err(),
            "illegal base64 data at input byte 4"
        );
        assert_eq!(
            decode(std, b"aG=").unwrap_err(),
            "illegal base64 data at input byte 3"
        );
        assert_eq!(
            decode(std, b"aG=x").unwrap_err(),
            "illegal base64 data at input byte 2"
        );
        assert_eq!(
            decode(std, b"a===").unwrap_err(),
            "illegal base64 data at input byte 1"
        );
        assert_eq!(decode(std, b"").unwrap(), b"");
    }
}
