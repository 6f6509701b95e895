//! Shared by the `verify_cases*` tests: the interop data, a verifier config in Ratify's keys,
//! the subject a signature claims, and one run of `verify_envelope`.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code, unused_macros, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use ratify_notation::config::NotationConfig;
use ratify_notation::envelope::{self, MEDIA_TYPE_COSE, MEDIA_TYPE_JWS};
use ratify_notation::verify::{SUCCESS, verify_envelope};
use ratify_plugin_sdk::wire::{Descriptor, VerifyResult};
use serde_json::{Value, json};

/// Returns the interop directory, or prints SKIP and returns from the calling test.
macro_rules! interop {
    () => {
        match verify_support::interop_dir() {
            Some(dir) => dir,
            None => return,
        }
    };
}

pub fn interop_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RATIFY_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop"));
    if dir.join("PROVENANCE.md").is_file() {
        return Some(dir);
    }
    println!(
        "SKIP: interop data not found at {} (set RATIFY_INTEROP_DIR)",
        dir.display()
    );
    None
}

/// `notation-go/truststore/x509/<kind>/<name>`, as a config path.
pub fn store(dir: &Path, kind: &str, name: &str) -> String {
    dir.join("notation-go/truststore/x509")
        .join(kind)
        .join(name)
        .display()
        .to_string()
}

/// A signature envelope as read from disk.
#[derive(Clone)]
pub struct Sig {
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

impl Sig {
    /// A JWS (JSON) or COSE envelope under `notation-go/`, told apart by its first byte.
    pub fn read(dir: &Path, path: &str) -> Sig {
        let bytes = std::fs::read(dir.join("notation-go").join(path)).unwrap();
        let media_type = if bytes.first() == Some(&b'{') {
            MEDIA_TYPE_JWS
        } else {
            MEDIA_TYPE_COSE
        };
        Sig { media_type, bytes }
    }

    /// The descriptor the signature's payload names (`targetArtifact`, annotations included).
    /// Used as the subject, so the descriptor comparison passes by construction and each
    /// case's outcome is decided by the validation the case is about.
    pub fn subject(&self) -> Descriptor {
        let env = envelope::parse(self.media_type, &self.bytes).unwrap();
        let target = env.payload().unwrap().target_artifact;
        let mut subject = Descriptor::new(target.media_type, target.digest, target.size);
        subject.annotations = target.annotations;
        subject
    }

    /// The leaf certificate (DER).
    pub fn leaf(&self) -> Vec<u8> {
        let env = envelope::parse(self.media_type, &self.bytes).unwrap();
        env.certificate_chain[0].clone()
    }
}

/// A loaded config and the temporary directories it points at.
pub struct Setup {
    pub config: NotationConfig,
    _dirs: Vec<tempfile::TempDir>,
}

/// A trust store directory holding only `sig`'s own leaf ("trust this signer"), for cases whose
/// upstream test never checks authenticity (notation-go's `TestAuthenticTimestamp` calls
/// `verifyAuthenticTimestamp` alone).
pub fn own_leaf_store(sig: &Sig) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("leaf.der"), sig.leaf()).unwrap();
    dir
}

/// A verifier entry in Ratify's keys: the trust policy inline (`trustPolicyDoc`), the stores
/// as `verificationCertStores`, a private `crlCacheDir`, and `extra` keys merged in.
pub fn try_setup(
    statements: Value,
    stores: Value,
    extra: Value,
    dirs: Vec<tempfile::TempDir>,
) -> Result<Setup, String> {
    let cache = tempfile::tempdir().unwrap();
    let mut entry = json!({
        "trustPolicyDoc": {"version": "1.0", "trustPolicies": statements},
        "verificationCertStores": stores,
        "crlCacheDir": cache.path().display().to_string(),
    });
    if let Value::Object(extra) = extra {
        entry.as_object_mut().unwrap().extend(extra);
    }
    let config = NotationConfig::from_value(&entry).map_err(|e| e.message)?;
    let mut dirs = dirs;
    dirs.push(cache);
    Ok(Setup {
        config,
        _dirs: dirs,
    })
}

pub fn setup(statements: Value, stores: Value, extra: Value) -> Setup {
    try_setup(statements, stores, extra, Vec::new()).unwrap()
}

/// The config error for a setup that must not load.
pub fn config_error(statements: Value, stores: Value) -> String {
    match try_setup(statements, stores, json!({}), Vec::new()) {
        Ok(_) => panic!("the config loaded"),
        Err(message) => message,
    }
}

/// A deadline already reached: no revocation fetch (OCSP, CRL) can start, so outcomes never
/// depend on the network. Chains without OCSP/CRL URLs are non-revocable and unaffected; a
/// chain with them (the GlobalSign TSA chain) comes out "revocation status is unknown",
/// exactly what notation reports offline.
pub fn offline() -> Instant {
    Instant::now()
}

/// `verify_envelope` under the statement that applies to `scope`.
pub fn run(setup: &Setup, scope: &str, sig: &Sig, subject: &Descriptor) -> VerifyResult {
    let policy = setup.config.policy.policy_for(scope).unwrap();
    verify_envelope(
        &setup.config,
        policy,
        subject,
        sig.media_type,
        &sig.bytes,
        offline(),
    )
}

pub fn warnings(result: &VerifyResult) -> Vec<String> {
    let Some(list) = result.extensions.as_ref().and_then(|e| e.get("warnings")) else {
        return Vec::new();
    };
    list.as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_owned())
        .collect()
}

/// A success, returning its warnings.
pub fn valid(result: &VerifyResult, what: &str) -> Vec<String> {
    assert!(result.is_success, "{what}: {result:?}");
    assert_eq!(result.message, SUCCESS, "{what}");
    warnings(result)
}

/// A success without any warning.
pub fn clean(result: &VerifyResult, what: &str) {
    assert_eq!(valid(result, what), Vec::<String>::new(), "{what}");
}

/// A success with exactly one warning: `validation` was logged with `reason`.
pub fn logged(result: &VerifyResult, validation: &str, reason: &str, what: &str) {
    assert_eq!(
        valid(result, what),
        vec![format!(
            "{validation} was set to \"log\" and failed with error: {reason}"
        )],
        "{what}"
    );
}

/// A failure of `validation` whose reason is exactly `reason`.
pub fn invalid(result: &VerifyResult, validation: &str, reason: &str, what: &str) {
    assert!(!result.is_success, "{what}: {result:?}");
    assert_eq!(
        result.message,
        format!("{validation} validation failed: {reason}"),
        "{what}"
    );
    assert_eq!(result.error_reason.as_deref(), Some(reason), "{what}");
}

/// A failure of `validation` whose reason starts with `prefix`.
pub fn invalid_starting(result: &VerifyResult, validation: &str, prefix: &str, what: &str) {
    assert!(!result.is_success, "{what}: {result:?}");
    let head = format!("{validation} validation failed: {prefix}");
    assert!(
        result.message.starts_with(&head),
        "{what}: expected {head:?}, got {:?}",
        result.message
    );
}
