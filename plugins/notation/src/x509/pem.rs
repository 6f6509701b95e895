//! Certificate files as notation-core-go reads them (`x509.ReadCertificateFile`): if Go's
//! `pem.Decode` finds a block, the data is PEM and every block (whatever its type) must be one
//! certificate; otherwise the whole file is DER, one or more certificates back to back.
//! `pem.Decode` is ported rather than replaced because its leniency decides which of the two
//! readings a file gets (text before the first block is skipped, a malformed block is skipped
//! while looking for the next).

use std::path::Path;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::X509Error;
use super::cert::Cert;

/// Reads a certificate file as notation does: PEM (one or more blocks) or DER (one or more
/// concatenated certificates). Returns each certificate's DER. An empty file yields no
/// certificates and no error, as in notation-core-go; its callers (trust stores) refuse that.
pub fn read_certificates(path: &Path) -> Result<Vec<Vec<u8>>, X509Error> {
    let data = std::fs::read(path)
        .map_err(|e| X509Error::Read(format!("open {}: {}", path.display(), io_text(&e))))?;
    read_certificates_from(&data)
}

/// [`read_certificates`] on bytes already in memory.
pub fn read_certificates_from(data: &[u8]) -> Result<Vec<Vec<u8>>, X509Error> {
    let mut certs = Vec::new();
    match decode(data) {
        None => {
            let mut rest = data;
            while !rest.is_empty() {
                let (cert, after) = Cert::parse_prefix(rest)?;
                certs.push(cert.raw.to_vec());
                rest = after;
            }
        }
        Some(mut block) => loop {
            let (bytes, rest) = block;
            certs.push(Cert::parse(&bytes)?.raw.to_vec());
            match decode(rest) {
                Some(next) => block = next,
                None => break,
            }
        },
    }
    Ok(certs)
}

/// Go's error text for the usual I/O failures (`no such file or directory`, ...).
pub(crate) fn io_text(error: &std::io::Error) -> String {
    let text = error.to_string();
    // Rust appends " (os error N)"; Go prints the bare strerror.
    match text.find(" (os error") {
        Some(i) => text[..i].to_lowercase(),
        None => text,
    }
}

const PEM_START: &[u8] = b"\n-----BEGIN ";
const PEM_END: &[u8] = b"\n-----END ";
const PEM_END_OF_LINE: &[u8] = b"-----";

/// Go's `encoding/pem.Decode`: the next block's bytes and the data after it, or `None` when
/// no well-formed block remains. Headers and the type are read but not returned: notation
/// parses every block as a certificate.
fn decode(data: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let mut rest = data;
    loop {
        if let Some(after) = rest.strip_prefix(&PEM_START[1..]) {
            rest = after;
        } else {
            let at = find(rest, PEM_START)?;
            rest = &rest[at + PEM_START.len()..];
        }
        let (type_line, after_type) = get_line(rest);
        rest = after_type;
        let Some(block_type) = type_line.strip_suffix(PEM_END_OF_LINE) else {
            continue;
        };
        let mut has_headers = false;
        loop {
            if rest.is_empty() {
                return None;
            }
            let (line, next) = get_line(rest);
            if !line.contains(&b':') {
                break;
            }
            has_headers = true;
            rest = next;
        }
        let (end_index, trailer_index) = if !has_headers && rest.starts_with(&PEM_END[1..]) {
            (0, PEM_END.len() - 1)
        } else {
            match find(rest, PEM_END) {
                Some(i) => (i, i + PEM_END.len()),
                None => continue,
            }
        };
        let trailer = &rest[trailer_index..];
        let trailer_len = block_type.len() + PEM_END_OF_LINE.len();
        if trailer.len() < trailer_len {
            continue;
        }
        let (end_line, rest_of_end_line) = trailer.split_at(trailer_len);
        if !end_line.starts_with(block_type) || !end_line.ends_with(PEM_END_OF_LINE) {
            continue;
        }
        if !get_line(rest_of_end_line).0.is_empty() {
            continue;
        }
        let Some(bytes) = decode_base64(&rest[..end_index]) else {
            continue;
        };
        let (_, after) = get_line(&rest[end_index + PEM_END.len() - 1..]);
        return Some((bytes, after));
    }
}

/// Go's `getLine`: up to the newline (a preceding `\r` dropped), trailing spaces and tabs
/// trimmed; and the data after the newline.
fn get_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (mut line, rest) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => {
            let line = &data[..i];
            (line.strip_suffix(b"\r").unwrap_or(line), &data[i + 1..])
        }
        None => (data, &data[data.len()..]),
    };
    while let Some(stripped) = line.strip_suffix(b" ").or_else(|| line.strip_suffix(b"\t")) {
        line = stripped;
    }
    (line, rest)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `base64.StdEncoding` after `removeSpacesAndTabs`: line breaks ignored, padding required,
/// non-zero trailing bits tolerated (Go's decoder is not strict about them).
fn decode_base64(body: &[u8]) -> Option<Vec<u8>> {
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    let cleaned: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .collect();
    ENGINE.decode(cleaned).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_blocks_like_go() {
        let text = b"junk\n-----BEGIN X-----\nAQID\n-----END X-----\n-----BEGIN Y-----\nBA==\n-----END Y-----\n";
        let (first, rest) = decode(text).unwrap_or_default();
        assert_eq!(first, [1, 2, 3]);
        let (second, rest) = decode(rest).unwrap_or_default();
        assert_eq!(second, [4]);
        assert!(decode(rest).is_none());
        // Mismatched END type: no block, so notation would read the file as DER.
        assert!(decode(b"-----BEGIN A-----\nAQID\n-----END B-----\n").is_none());
        // Missing padding is an error in Go's decoder: the block is skipped.
        assert!(decode(b"-----BEGIN A-----\nBA\n-----END A-----\n").is_none());
        // A header line is allowed.
        let with_header = b"-----BEGIN A-----\nProc-Type: 4\n\nAQID\n-----END A-----";
        assert_eq!(decode(with_header).map(|b| b.0), Some(vec![1, 2, 3]));
    }

    #[test]
    fn empty_input_has_no_certificates() {
        assert_eq!(read_certificates_from(b""), Ok(vec![]));
        assert!(read_certificates_from(b"\n").is_err());
    }
}
