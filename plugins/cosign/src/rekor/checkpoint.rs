//! Rekor's signed checkpoints (signed notes): the tree size and root hash the log vouches
//! for, which an inclusion proof must end in. As rekor's `SignedNote.Verify`, every signature
//! line must be from the log's key (key hash = first 4 bytes of SHA-256 of its DER SPKI) and
//! verify over the note text.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::keys::PublicKey;

/// A verified checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line, e.g. `rekor.sigstore.dev - 1193050959916656506`.
    pub origin: String,
    /// The tree size the root hash is for.
    pub tree_size: u64,
    /// The tree's root hash.
    pub root_hash: Vec<u8>,
    /// Extra lines after the root hash.
    pub other: Vec<String>,
}

/// Checks the signed note `envelope` with the log's `key` and returns its checkpoint.
pub fn verify_checkpoint(envelope: &str, key: &PublicKey) -> Result<Checkpoint, String> {
    // The note text ends at the last blank line and keeps its trailing newline.
    let split = envelope
        .rfind("\n\n")
        .ok_or("invalid checkpoint: no signature block")?;
    let (text, signatures) = (&envelope[..=split], &envelope[split + 2..]);
    if signatures.is_empty() || !signatures.ends_with('\n') {
        return Err("invalid checkpoint: malformed signature block".into());
    }
    let key_hash = &key.key_id()[..4];
    let mut count = 0;
    for line in signatures.lines() {
        let (name_sig, encoded) = line
            .strip_prefix("\u{2014} ")
            .and_then(|rest| rest.rsplit_once(' '))
            .ok_or_else(|| format!("invalid checkpoint signature line {line:?}"))?;
        if name_sig.is_empty() {
            return Err(format!("invalid checkpoint signature line {line:?}"));
        }
        let raw = B64
            .decode(encoded)
            .map_err(|e| format!("checkpoint signature is not base64: {e}"))?;
        if raw.len() < 5 {
            return Err("checkpoint signature is too short".into());
        }
        if &raw[..4] != key_hash {
            return Err("checkpoint is signed by an unknown key".into());
        }
        key.verify(text.as_bytes(), &raw[4..])
            .map_err(|_| "checkpoint signature does not verify".to_string())?;
        count += 1;
    }
    if count == 0 {
        return Err("checkpoint has no signatures".into());
    }
    parse_note(text)
}

/// `origin \n size \n base64(root) \n [other lines \n]`.
fn parse_note(text: &str) -> Result<Checkpoint, String> {
    let mut lines = text.lines();
    let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
        return Err("invalid checkpoint: fewer than 3 lines".into());
    };
    if origin.is_empty() {
        return Err("invalid checkpoint: empty origin".into());
    }
    let tree_size = size
        .parse::<u64>()
        .map_err(|_| format!("invalid checkpoint tree size {size:?}"))?;
    let root_hash = B64
        .decode(root)
        .map_err(|e| format!("invalid checkpoint root hash: {e}"))?;
    Ok(Checkpoint {
        origin: origin.to_owned(),
        tree_size,
        root_hash,
        other: lines.map(str::to_owned).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_without_signatures_or_with_bad_lines_are_refused() {
        let key = PublicKey::from_pem(
            b"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwr\nkBbmLSGtks4L3qX6yYY0zufBnhC8Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==\n-----END PUBLIC KEY-----\n",
        )
        .unwrap();
        let text = "rekor.sigstore.dev - 1\n10\nAAAA\n";
        assert!(verify_checkpoint(text, &key).is_err());
        assert!(verify_checkpoint(&format!("{text}\n"), &key).is_err());
        assert!(verify_checkpoint(&format!("{text}\nno dash line\n"), &key).is_err());
        let other = B64.encode([1u8, 2, 3, 4, 5, 6]);
        let err =
            verify_checkpoint(&format!("{text}\n\u{2014} rekor {other}\n"), &key).unwrap_err();
        assert!(err.contains("unknown key"), "{err}");
    }
}
