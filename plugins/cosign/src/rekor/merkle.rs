//! RFC 6962 Merkle inclusion proofs, as transparency-dev/merkle's `VerifyInclusion` checks
//! them: the leaf's audit path must lead to the root the log signed.

use sha2::{Digest, Sha256};

/// `SHA-256(0x00 || body)`: the hash of a log leaf (the canonicalized entry body).
pub fn leaf_hash(body: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(body);
    hasher.finalize().into()
}

/// `SHA-256(0x01 || left || right)`: an interior node.
fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// Checks that `leaf` sits at `index` of a tree of `tree_size` leaves whose root is `root`,
/// given the audit path `proof` (leaf to root). The proof must have exactly the length the
/// index and size call for, so no hash can be padded in or left out.
pub fn verify_inclusion(
    index: u64,
    tree_size: u64,
    leaf: &[u8; 32],
    proof: &[[u8; 32]],
    root: &[u8; 32],
) -> Result<(), String> {
    if index >= tree_size {
        return Err(format!("index is beyond size: {index} >= {tree_size}"));
    }
    // The path splits where the leaf's route and the tree's right border part.
    let inner = (64 - (index ^ (tree_size - 1)).leading_zeros()) as usize;
    let border = (index >> inner).count_ones() as usize;
    if proof.len() != inner + border {
        return Err(format!(
            "wrong proof size {}, want {}",
            proof.len(),
            inner + border
        ));
    }
    let mut hash = *leaf;
    for (i, sibling) in proof[..inner].iter().enumerate() {
        hash = if (index >> i) & 1 == 0 {
            node_hash(&hash, sibling)
        } else {
            node_hash(sibling, &hash)
        };
    }
    for sibling in &proof[inner..] {
        hash = node_hash(sibling, &hash);
    }
    if hash != *root {
        return Err(format!(
            "calculated root:\n{}\n does not match expected root:\n{}",
            hex::encode(hash),
            hex::encode(root)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The root of leaves `hashes` (RFC 6962 §2.1: split at the largest power of two below n).
    fn root(hashes: &[[u8; 32]]) -> [u8; 32] {
        if hashes.len() == 1 {
            return hashes[0];
        }
        let k = (hashes.len() - 1).next_power_of_two().max(1);
        let k = if k >= hashes.len() { k / 2 } else { k };
        node_hash(&root(&hashes[..k]), &root(&hashes[k..]))
    }

    /// The audit path of leaf `m` (RFC 6962 §2.1.1).
    fn path(m: usize, hashes: &[[u8; 32]]) -> Vec<[u8; 32]> {
        if hashes.len() == 1 {
            return Vec::new();
        }
        let k = (hashes.len() - 1).next_power_of_two();
        let k = if k >= hashes.len() { k / 2 } else { k };
        if m < k {
            let mut p = path(m, &hashes[..k]);
            p.push(root(&hashes[k..]));
            p
        } else {
            let mut p = path(m - k, &hashes[k..]);
            p.push(root(&hashes[..k]));
            p
        }
    }

    #[test]
    fn every_leaf_of_trees_up_to_17_proves_and_tampering_fails() {
        for size in 1..=17usize {
            let leaves: Vec<[u8; 32]> = (0..size).map(|i| leaf_hash(&[i as u8])).collect();
            let top = root(&leaves);
            for (m, leaf) in leaves.iter().enumerate() {
                let proof = path(m, &leaves);
                let (index, n) = (m as u64, size as u64);
                assert_eq!(
                    verify_inclusion(index, n, leaf, &proof, &top),
                    Ok(()),
                    "{m}/{size}"
                );
                assert!(verify_inclusion(index, n, &leaf_hash(b"other"), &proof, &top).is_err());
                if !proof.is_empty() {
                    let mut bad = proof.clone();
                    bad[0][0] ^= 1;
                    assert!(verify_inclusion(index, n, leaf, &bad, &top).is_err());
                    assert!(verify_inclusion(index, n, leaf, &proof[1..], &top).is_err());
                }
                if size > 1 {
                    let other = (m + 1) as u64 % n;
                    assert!(verify_inclusion(other, n, leaf, &proof, &top).is_err());
                }
            }
            assert!(verify_inclusion(size as u64, size as u64, &leaves[0], &[], &top).is_err());
        }
    }
}
