//! Where each regular file of a tarred OCI layout lives in the archive, read with the `tar`
//! crate (ustar, GNU long names and pax headers) once; file data is then read by seeking.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Seek, SeekFrom};

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
    file.seek(SeekFrom::Start(0))?;
    let mut archive = tar::Archive::new(&mut *file);
    let mut entries = HashMap::new();
    for entry in archive.entries()? {
        let entry = entry?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = normalize(&entry.path()?.to_string_lossy());
        entries.insert(
            name,
            Entry {
                offset: entry.raw_file_position(),
                size: entry.size(),
            },
        );
    }
    Ok(entries)
}

/// Drops leading `./` and `/` so names match the layout's relative paths.
fn normalize(name: &str) -> String {
    let mut name = name;
    loop {
        let trimmed = name.trim_start_matches('/').trim_start_matches("./");
        if trimmed == name {
            return trimmed.to_owned();
        }
        name = trimmed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn indexes_prefixed_long_and_plain_names() {
        let long = format!("blobs/sha256/{}", "a".repeat(120));
        let mut builder = tar::Builder::new(Vec::new());
        for (name, body) in [
            ("./index.json", &b"{}"[..]),
            ("oci-layout", b"x"),
            (long.as_str(), b"long body"),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_size(body.len() as u64);
            header.set_mode(0o644);
            builder.append_data(&mut header, name, body).unwrap();
        }
        let bytes = builder.into_inner().unwrap();
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&bytes).unwrap();
        let entries = index(&mut file).unwrap();
        assert_eq!(entries.len(), 3);
        let entry = entries[&long];
        file.seek(SeekFrom::Start(entry.offset)).unwrap();
        let mut body = vec![0; entry.size as usize];
        file.read_exact(&mut body).unwrap();
        assert_eq!(body, b"long body");
        assert!(entries.contains_key("index.json"));
    }
}
