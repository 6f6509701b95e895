//! A Rekor-like transparency log (facts §3): canonicalized entry bodies (JCS: keys sorted,
//! compact), signed entry timestamps over the JCS `RekorPayload`, an RFC 6962 Merkle tree with
//! the entry among other leaves, its inclusion proof, and a signed checkpoint
//! `"<origin> - <treeID>\n<size>\n<b64 root>\n\n— <name> <b64(keyhash4 || sig)>\n"`.

use serde_json::{Value, json};

use super::keys::{Kind, Signer};
use super::{b64, sha256, sha256_hex};

/// The log's host name (checkpoint signer name) and tree id.
pub const HOST: &str = "rekor.own.example";
pub const TREE_ID: &str = "4242424242";

/// A log: its P-256 key. The log id is SHA-256 of the key's DER SPKI.
pub struct Log {
    pub key: Signer,
}

impl Default for Log {
    fn default() -> Self {
        Self::new()
    }
}

impl Log {
    pub fn new() -> Self {
        Log {
            key: Signer::generate(Kind::P256),
        }
    }

    /// Lowercase hex log id, as cosign's bundle annotation carries it.
    pub fn log_id_hex(&self) -> String {
        hex::encode(self.key.key_id())
    }

    /// The SET: ECDSA over SHA-256 of the JCS `{"body","integratedTime","logID","logIndex"}`.
    pub fn set(&self, body_b64: &str, integrated_time: i64, log_index: i64) -> Vec<u8> {
        let payload = json!({
            "body": body_b64,
            "integratedTime": integrated_time,
            "logID": self.log_id_hex(),
            "logIndex": log_index,
        });
        self.key.sign(jcs(&payload).as_bytes())
    }

    /// A signed checkpoint for a tree of `size` with root `root`.
    pub fn checkpoint(&self, size: u64, root: &[u8; 32]) -> String {
        let note = format!("{HOST} - {TREE_ID}\n{size}\n{}\n", b64(root));
        let mut signature = self.key.key_id()[..4].to_vec();
        signature.extend(self.key.sign(note.as_bytes()));
        format!("{note}\n\u{2014} {HOST} {}\n", b64(&signature))
    }
}

/// RFC 8785 for the values used here (strings without escapes, integers): keys sorted at
/// every level, no whitespace. Written by hand so the order never depends on serde_json's
/// map features.
pub fn jcs(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let members: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), jcs(&map[k])))
                .collect();
            format!("{{{}}}", members.join(","))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(jcs).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

/// A hashedrekord 0.0.1 body: `hash` (lowercase hex SHA-256) was signed by `signature` from
/// the key or certificate `signer_pem`.
pub fn hashedrekord(hash_hex: &str, signature: &[u8], signer_pem: &str) -> Vec<u8> {
    jcs(&json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": hash_hex}},
            "signature": {
                "content": b64(signature),
                "publicKey": {"content": b64(signer_pem.as_bytes())},
            },
        },
    }))
    .into_bytes()
}

/// A dsse 0.0.1 body for an envelope (`envelope_json` as Go marshals it) over `payload`.
pub fn dsse(envelope_json: &[u8], payload: &[u8], signature: &[u8], signer_pem: &str) -> Vec<u8> {
    jcs(&json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": sha256_hex(envelope_json)},
            "payloadHash": {"algorithm": "sha256", "value": sha256_hex(payload)},
            "signatures": [{"signature": b64(signature), "verifier": b64(signer_pem.as_bytes())}],
        },
    }))
    .into_bytes()
}

/// `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> [u8; 32] {
    let mut bytes = vec![0u8];
    bytes.extend_from_slice(data);
    sha256(&bytes)
}

fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut bytes = vec![1u8];
    bytes.extend_from_slice(left);
    bytes.extend_from_slice(right);
    sha256(&bytes)
}

/// The largest power of two below `n` (RFC 6962 §2.1's split point), for n ≥ 2.
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 6962 Merkle tree hash of leaf hashes.
pub fn root(leaves: &[[u8; 32]]) -> [u8; 32] {
    if leaves.len() == 1 {
        return leaves[0];
    }
    let k = split(leaves.len());
    node_hash(&root(&leaves[..k]), &root(&leaves[k..]))
}

/// RFC 6962 §2.1.1 audit path of leaf `m`, leaf to root.
pub fn audit_path(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
    if leaves.len() == 1 {
        return Vec::new();
    }
    let k = split(leaves.len());
    let (mut path, sibling) = if m < k {
        (audit_path(m, &leaves[..k]), root(&leaves[k..]))
    } else {
        (audit_path(m - k, &leaves[k..]), root(&leaves[..k]))
    };
    path.push(sibling);
    path
}

/// One logged entry with all its evidence. Fields are public so tests can tamper with them.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The canonicalized body.
    pub body: Vec<u8>,
    /// Global (virtual) index, what the SET signs.
    pub log_index: i64,
    pub integrated_time: i64,
    pub log_id: [u8; 32],
    pub set: Vec<u8>,
    /// Index in the tree (shard-local, as in public Rekor), tree size and root.
    pub tree_index: u64,
    pub tree_size: u64,
    pub root: [u8; 32],
    pub hashes: Vec<[u8; 32]>,
    pub checkpoint: String,
}

/// Entries before ours in the tree; the tree has [`TREE_SIZE`] leaves.
const TREE_INDEX: usize = 5;
const TREE_SIZE: usize = 11;
/// The global index is offset from the tree index, as for a sharded Rekor log.
const SHARD_OFFSET: i64 = 100_000;

impl Log {
    /// Logs `body` at `integrated_time` among other entries and returns the evidence.
    pub fn log(&self, body: Vec<u8>, integrated_time: i64) -> Entry {
        let mut leaves: Vec<[u8; 32]> = (0..TREE_SIZE)
            .map(|i| leaf_hash(format!("{{\"other entry\":{i}}}").as_bytes()))
            .collect();
        leaves[TREE_INDEX] = leaf_hash(&body);
        let root = root(&leaves);
        let log_index = SHARD_OFFSET + TREE_INDEX as i64;
        Entry {
            set: self.set(&b64(&body), integrated_time, log_index),
            log_index,
            integrated_time,
            log_id: self.key.key_id(),
            tree_index: TREE_INDEX as u64,
            tree_size: TREE_SIZE as u64,
            hashes: audit_path(TREE_INDEX, &leaves),
            checkpoint: self.checkpoint(TREE_SIZE as u64, &root),
            root,
            body,
        }
    }
}
