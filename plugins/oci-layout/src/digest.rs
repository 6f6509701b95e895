//! Content digests: strict parsing (so a digest can never name a path outside `blobs/`) and
//! incremental hashing to check every byte read from a layout.

use std::fmt;

use sha2::{Digest as _, Sha256, Sha512};

/// A digest algorithm this store can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// `sha256`: 64 lowercase hex characters.
    Sha256,
    /// `sha512`: 128 lowercase hex characters.
    Sha512,
}

impl Algorithm {
    /// The algorithm's name as written in digests and as the directory under `blobs/`.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 64,
            Algorithm::Sha512 => 128,
        }
    }
}

/// A validated `algorithm:hex` digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

impl Digest {
    /// Parses a digest, accepting only sha256/sha512 with lowercase hex of the exact length.
    ///
    /// The check is strict on purpose: the hex part becomes a file name under `blobs/<alg>/`,
    /// so anything but `[0-9a-f]` (a `/`, a `..`) must never get through.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (alg, hex) = text
            .split_once(':')
            .ok_or_else(|| "expected <algorithm>:<hex>".to_string())?;
        let algorithm = match alg {
            "sha256" => Algorithm::Sha256,
            "sha512" => Algorithm::Sha512,
            other => {
                return Err(format!(
                    "unsupported digest algorithm {other:?} (only sha256 and sha512)"
                ));
            }
        };
        if hex.len() != algorithm.hex_len() {
            return Err(format!(
                "a {} digest has {} hex characters, this one has {}",
                algorithm.name(),
                algorithm.hex_len(),
                hex.len()
            ));
        }
        if !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err("the hex part must be lowercase hexadecimal".to_string());
        }
        Ok(Self {
            algorithm,
            hex: hex.to_string(),
        })
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The hex part.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// The blob's path relative to the layout root, `blobs/<alg>/<hex>`.
    pub fn blob_path(&self) -> String {
        format!("blobs/{}/{}", self.algorithm.name(), self.hex)
    }

    /// A hasher for this digest's algorithm.
    pub fn hasher(&self) -> Hasher {
        Hasher::new(self.algorithm)
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.name(), self.hex)
    }
}

/// Incremental hashing with the algorithm a digest names.
pub enum Hasher {
    /// SHA-256 state.
    Sha256(Sha256),
    /// SHA-512 state.
    Sha512(Sha512),
}

impl Hasher {
    /// A fresh hasher.
    pub fn new(algorithm: Algorithm) -> Self {
        match algorithm {
            Algorithm::Sha256 => Hasher::Sha256(Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }

    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    /// The digest of everything fed, as `algorithm:hex`.
    pub fn finish(self) -> String {
        match self {
            Hasher::Sha256(h) => format!("sha256:{}", hex::encode(h.finalize())),
            Hasher::Sha512(h) => format!("sha512:{}", hex::encode(h.finalize())),
        }
    }
}

/// The digest of `bytes` under `algorithm`, as `algorithm:hex`.
pub fn digest_of(algorithm: Algorithm, bytes: &[u8]) -> String {
    let mut hasher = Hasher::new(algorithm);
    hasher.update(bytes);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_well_formed_digests() {
        let d = Digest::parse(&digest_of(Algorithm::Sha256, b"foo\n")).unwrap();
        assert_eq!(
            d.to_string(),
            "sha256:b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c"
        );
        assert_eq!(d.blob_path(), format!("blobs/sha256/{}", d.hex()));
        assert!(Digest::parse(&digest_of(Algorithm::Sha512, b"x")).is_ok());
    }

    #[test]
    fn rejects_anything_that_could_escape_blobs() {
        let hex64 = "a".repeat(64);
        for bad in [
            String::new(),
            "sha256".to_string(),
            format!("md5:{hex64}"),
            format!("sha256:{}", "A".repeat(64)),
            format!("sha256:../{}", "a".repeat(61)),
            format!("sha256:{}/..", "a".repeat(61)),
            format!("sha256:{}", "a".repeat(63)),
            format!("sha256:{hex64}\n"),
            format!("../sha256:{hex64}"),
        ] {
            assert!(Digest::parse(&bad).is_err(), "{bad:?} was accepted");
        }
    }
}
