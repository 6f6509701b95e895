//! A minimal tar index: regular files by normalized name → where their bytes are.
//!
//! Written here rather than taken from the `tar` crate because the host links no tar reader
//! and a layout only needs names, sizes and offsets. It reads ustar and GNU headers, GNU long
//! names (`L`) and pax `path`/`size` records (`x`), which is what `tar`, Go's archive/tar and
//! the ORAS/notation tools write. Headers are read by seeking, so data is never scanned.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

const BLOCK: u64 = 512;
/// Long names and pax records are metadata; anything this large is not a layout.
const MAX_META_BYTES: u64 = 1024 * 1024;

/// Where a file's bytes are in the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Offset of the first data byte.
    pub offset: u64,
    /// Data length.
    pub size: u64,
}

/// Lists the archive's regular files by normalized name (`./a/b` and `a/b` are the same).
pub fn index(file: &mut File) -> io::Result<HashMap<String, Entry>> {
    let mut entries = HashMap::new();
    let mut position = 0u64;
    // Overrides from a preceding GNU long-name or pax header, applied to the next entry only.
    let mut next_name: Option<String> = None;
    let mut next_size: Option<u64> = None;
    loop {
        let mut header = [0u8; BLOCK as usize];
        file.seek(SeekFrom::Start(position))?;
        if !read_block(file, &mut header)? || header.iter().all(|&b| b == 0) {
            break;
        }
        let size = match next_size.take() {
            Some(size) => size,
            None => parse_size(&header[124..136])?,
        };
        let data = position + BLOCK;
        position = data + size.div_ceil(BLOCK) * BLOCK;
        match header[156] {
            b'L' | b'x' => {
                let meta = read_meta(file, data, size)?;
                if header[156] == b'L' {
                    next_name = Some(trim_nul(&meta));
                } else {
                    let (path, size) = parse_pax(&meta);
                    next_name = path.or(next_name);
                    next_size = size;
                }
                continue;
            }
            // Regular files ('0', NUL from old tars) and contiguous files ('7'): data is inline.
            b'0' | 0 | b'7' => {}
            // Directories, links, global pax headers, devices: nothing a layout reads.
            _ => {
                next_name = None;
                continue;
            }
        }
        let name = next_name.take().unwrap_or_else(|| header_name(&header));
        if let Some(name) = normalize(&name) {
            // A later entry with the same name replaces an earlier one, as extraction would.
            entries.insert(name, Entry { offset: data, size });
        }
    }
    Ok(entries)
}

/// Reads one whole block; `false` at a clean end of file (a truncated archive just ends).
fn read_block(file: &mut File, block: &mut [u8]) -> io::Result<bool> {
    let mut filled = 0;
    while filled < block.len() {
        match file.read(&mut block[filled..])? {
            0 => return Ok(false),
            n => filled += n,
        }
    }
    Ok(true)
}

fn read_meta(file: &mut File, offset: u64, size: u64) -> io::Result<Vec<u8>> {
    if size > MAX_META_BYTES {
        return Err(invalid("a tar metadata entry is implausibly large"));
    }
    file.seek(SeekFrom::Start(offset))?;
    let mut bytes = Vec::new();
    file.take(size).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The name field, joined to the ustar prefix when there is one.
fn header_name(header: &[u8]) -> String {
    let name = trim_nul(&header[0..100]);
    let prefix = if &header[257..262] == b"ustar" {
        trim_nul(&header[345..500])
    } else {
        String::new()
    };
    if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    }
}

/// Sizes are octal text, or base-256 (high bit set) for files over 8 GiB.
fn parse_size(field: &[u8]) -> io::Result<u64> {
    if field[0] & 0x80 != 0 {
        let mut value = u64::from(field[0] & 0x7f);
        for &b in &field[1..] {
            value = value
                .checked_mul(256)
                .and_then(|v| v.checked_add(u64::from(b)))
                .ok_or_else(|| invalid("a tar entry size overflows"))?;
        }
        return Ok(value);
    }
    let text = trim_nul(field);
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    u64::from_str_radix(text, 8).map_err(|_| invalid("a tar header has a malformed size"))
}

/// pax records are `<len> <key>=<value>\n`; only `path` and `size` matter here.
fn parse_pax(meta: &[u8]) -> (Option<String>, Option<u64>) {
    let text = String::from_utf8_lossy(meta);
    let (mut path, mut size) = (None, None);
    for record in text.split('\n') {
        let Some((_, pair)) = record.split_once(' ') else {
            continue;
        };
        match pair.split_once('=') {
            Some(("path", value)) => path = Some(value.to_owned()),
            Some(("size", value)) => size = value.parse().ok(),
            _ => {}
        }
    }
    (path, size)
}

fn trim_nul(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// `./blobs/x` → `blobs/x`; absolute names and names that climb out are dropped, since no
/// layout file can have them.
fn normalize(name: &str) -> Option<String> {
    let mut parts = Vec::new();
    if name.starts_with('/') {
        return None;
    }
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            part => parts.push(part),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn archive(entries: &[(&str, &[u8])], long: bool) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        let mut builder = ::tar::Builder::new(file.reopen().unwrap());
        for (name, data) in entries {
            let mut header = if long {
                ::tar::Header::new_gnu()
            } else {
                ::tar::Header::new_ustar()
            };
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            builder.append_data(&mut header, name, *data).unwrap();
        }
        builder.finish().unwrap();
        file
    }

    #[test]
    fn indexes_plain_prefixed_and_long_names() {
        let long_name = format!("./blobs/sha256/{}", "a".repeat(120));
        for long in [false, true] {
            let mut entries: Vec<(&str, &[u8])> = vec![("./index.json", b"{}"), ("oci-layout", b"x")];
            if long {
                entries.push((&long_name, b"hello"));
            }
            let tar = archive(&entries, long);
            let mut file = tar.reopen().unwrap();
            let index = index(&mut file).unwrap();
            assert_eq!(index["index.json"].size, 2);
            assert_eq!(index["oci-layout"].size, 1);
            if long {
                let entry = index[&long_name[2..]];
                let mut bytes = vec![0; 5];
                file.seek(SeekFrom::Start(entry.offset)).unwrap();
                file.read_exact(&mut bytes).unwrap();
                assert_eq!(bytes, b"hello");
            }
        }
    }

    #[test]
    fn normalizes_names() {
        assert_eq!(normalize("./a/./b").as_deref(), Some("a/b"));
        assert_eq!(normalize("../a"), None);
        assert_eq!(normalize("/a"), None);
        assert_eq!(normalize("./"), None);
        assert_eq!(parse_size(b"0000000012\0 ").unwrap(), 10);
    }
}
