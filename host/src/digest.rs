//! Content digests: parsing `algorithm:hex` and checking bytes against them.

use std::fmt;
use std::io::Read;

use sha2::{Digest as _, Sha256, Sha512};

/// A parsed, validated content digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Algorithm {
    Sha256,
    Sha512,
}

impl Digest {
    /// Parses `sha256:<64 hex>` or `sha512:<128 hex>` (lowercase hex, as the OCI spec requires).
    pub fn parse(text: &str) -> Result<Self, String> {
        let (algorithm, hex) = text
            .split_once(':')
            .ok_or_else(|| format!("digest {text:?} has no algorithm"))?;
        let (algorithm, len) = match algorithm {
            "sha256" => (Algorithm::Sha256, 64),
            "sha512" => (Algorithm::Sha512, 128),
            other => {
                return Err(format!(
                    "digest {text:?} uses unsupported algorithm {other:?}"
                ));
            }
        };
        if hex.len() != len || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(format!(
                "digest {text:?} is not {len} lowercase hex characters"
            ));
        }
        Ok(Self {
            algorithm,
            hex: hex.to_owned(),
        })
    }

    /// The algorithm name (`sha256`).
    pub fn algorithm(&self) -> &'static str {
        match self.algorithm {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
        }
    }

    /// The hex part.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// Whether `bytes` hash to this digest.
    pub fn matches(&self, bytes: &[u8]) -> bool {
        self.hasher().chain(bytes).finish() == self.hex
    }

    /// Hashes a reader to its end and says whether it matches; returns the byte count too.
    pub fn matches_reader(&self, reader: &mut dyn Read) -> std::io::Result<(bool, u64)> {
        let mut hasher = self.hasher();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        loop {
            let n = reader.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            total += n as u64;
            hasher = hasher.chain(&buffer[..n]);
        }
        Ok((hasher.finish() == self.hex, total))
    }

    fn hasher(&self) -> Hasher {
        match self.algorithm {
            Algorithm::Sha256 => Hasher::Sha256(Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(Sha512::new()),
        }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm(), self.hex)
    }
}

enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl Hasher {
    fn chain(self, bytes: &[u8]) -> Self {
        match self {
            Hasher::Sha256(h) => Hasher::Sha256(h.chain_update(bytes)),
            Hasher::Sha512(h) => Hasher::Sha512(h.chain_update(bytes)),
        }
    }

    fn finish(self) -> String {
        match self {
            Hasher::Sha256(h) => hex::encode(h.finalize()),
            Hasher::Sha512(h) => hex::encode(h.finalize()),
        }
    }
}

/// The sha256 digest of `bytes`, as `sha256:<hex>`.
pub fn sha256_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks() {
        let d = Digest::parse(&sha256_of(b"foo\n")).unwrap();
        assert!(d.matches(b"foo\n"));
        assert!(!d.matches(b"foo"));
        let (ok, n) = d.matches_reader(&mut &b"foo\n"[..]).unwrap();
        assert!(ok && n == 4);
        for bad in [
            "sha256",
            "md5:00",
            "sha256:../../etc",
            "sha256:ABCDEF",
            "sha256:00",
        ] {
            assert!(Digest::parse(bad).is_err(), "{bad}");
        }
    }
}
