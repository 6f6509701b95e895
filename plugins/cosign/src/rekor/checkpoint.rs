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

/// Signature lines read, at most: a log signs its checkpoint once per key, and each line
/// costs a signature check, so a note padded with copies cannot buy unbounded work.
const MAX_SIGNATURES: usize = 16;

/// Checks the signed note `envelope`: its root hash must be `root` (compared before any
/// signature is checked, so a note for another tree costs nothing) and every signature line
/// must be the log's `key`'s. Returns the checkpoint.
pub fn verify_checkpoint(
    envelope: &str,
    key: &PublicKey,
    root: &[u8],
) -> Result<Checkpoint, String> {
    // The note text ends at the last blank line and keeps its trailing newline.
    let split = envelope
        .rfind("\n\n")
        .ok_or("invalid checkpoint: no signature block")?;
    let (text, signatures) = (&envelope[..=split], &envelope[split + 2..]);
    if signatures.is_empty() || !signatures.ends_with('\n') {
        return Err("invalid checkpoint: malformed signature block".into());
    }
    let checkpoint = parse_note(text)?;
    if checkpoint.root_hash != root {
        return Err("proof root hash does not match signed tree head".into());
    }
    let key_hash = &key.key_id()[..4];
    let mut count = 0;
    for line in signatures.lines() {
        if count == MAX_SIGNATURES {
            return Err(format!(
                "checkpoint has more than {MAX_SIGNATURES} signatures"
            ));
        }
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
    Ok(checkpoint)
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
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};

    /// A P-256 log key: (signer, its public key).
    fn log_key() -> (EcdsaKeyPair, PublicKey) {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let mut spki = hex::decode("3059301306072a8648ce3d020106082a8648ce3d030107034200").unwrap();
        spki.extend_from_slice(pair.public_key().as_ref());
        (pair, PublicKey::from_spki_der(&spki).unwrap())
    }

    #[test]
    fn a_signed_note_verifies_and_padding_with_copies_is_capped() {
        let (pair, key) = log_key();
        let root = [9u8; 32];
        let text = format!("log - 7\n3\n{}\n", B64.encode(root));
        let signature = pair.sign(&SystemRandom::new(), text.as_bytes()).unwrap();
        let line = format!(
            "\u{2014} log {}\n",
            B64.encode([&key.key_id()[..4], signature.as_ref()].concat())
        );
        let checkpoint = verify_checkpoint(&format!("{text}\n{line}"), &key, &root).unwrap();
        assert_eq!(
            (checkpoint.origin.as_str(), checkpoint.tree_size),
            ("log - 7", 3)
        );
        let padded = format!("{text}\n{}", line.repeat(10_000));
        let err = verify_checkpoint(&padded, &key, &root).unwrap_err();
        assert!(err.contains("more than 16 signatures"), "{err}");
        let err = verify_checkpoint(&format!("{text}\n{line}"), &key, &[8u8; 32]).unwrap_err();
        assert!(err.contains("does not match signed tree head"), "{err}");
    }

    #[test]
    fn notes_without_signatures_or_with_bad_lines_are_refused() {
        let (_, key) = log_key();
        let root = [0u8; 3];
        let text = "rekor.sigstore.dev - 1\n10\nAAAA\n";
        assert!(verify_checkpoint(text, &key, &root).is_err());
        assert!(verify_checkpoint(&format!("{text}\n"), &key, &root).is_err());
        assert!(verify_checkpoint(&format!("{text}\nno dash line\n"), &key, &root).is_err());
        let other = B64.encode([1u8, 2, 3, 4, 5, 6]);
        let err = verify_checkpoint(&format!("{text}\n\u{2014} rekor {other}\n"), &key, &root)
            .unwrap_err();
        assert!(err.contains("unknown key"), "{err}");
        let ours = B64.encode([&key.key_id()[..4], &[0u8; 8][..]].concat());
        let err = verify_checkpoint(&format!("{text}\n\u{2014} rekor {ours}\n"), &key, &root)
            .unwrap_err();
        assert!(err.contains("does not verify"), "{err}");
    }
}
