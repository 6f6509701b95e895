//! The verifier's config: Ratify v1's notation entry as it is, or notation's own directory.
//!
//! Ratify keys: `trustPolicyDoc` (the trust policy document inline), `verificationCerts`
//! (files or directories of PEM/DER certificates), `verificationCertStores` (named stores by
//! type). Ours: `notationDir` (a notation configuration directory holding `trustpolicy.json`
//! and `truststore/x509/<type>/<name>/`), `userMetadata` (signed annotations a signature must
//! carry, as `notation verify --user-metadata`), `ociLayoutScope` (the registry scope OCI-layout
//! subjects are matched under; default `local/oci-layout`), `maxSignatureBytes` (default 4 MiB),
//! `crlCacheDir` (where fetched CRLs are kept; default `~/.cache/ratify/notation/crl`).
//!
//! Everything is loaded and validated here, when ratify loads its config: an invalid trust
//! policy or an unreadable certificate is a configuration error, never a surprise at the first
//! verification.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ratify_plugin_sdk::wire::WireError;
use serde_json::Value;

use crate::revocation::{Checker, Options};
use crate::trustpolicy::{LevelName, TrustPolicyDocument};
use crate::x509::TrustStores;

/// Scope used for subjects that are OCI layouts on disk, unless configured.
pub const DEFAULT_LAYOUT_SCOPE: &str = "local/oci-layout";
/// Largest signature envelope read.
pub const DEFAULT_MAX_SIGNATURE_BYTES: u64 = 4 * 1024 * 1024;

/// A validated configuration.
pub struct NotationConfig {
    /// The trust policy document.
    pub policy: TrustPolicyDocument,
    /// The trust stores the policy names.
    pub stores: TrustStores,
    /// Signed annotations every signature must carry.
    pub user_metadata: BTreeMap<String, String>,
    /// The scope OCI-layout subjects are matched under.
    pub layout_scope: String,
    /// Largest envelope read.
    pub max_signature_bytes: u64,
    /// CRL and OCSP checks, with their on-disk CRL cache.
    pub revocation: Checker,
}

impl NotationConfig {
    /// Reads and validates a verifier entry.
    pub fn from_value(config: &Value) -> Result<Self, WireError> {
        let object = config
            .as_object()
            .ok_or_else(|| WireError::config("the notation verifier's config must be an object"))?;
        let notation_dir = object
            .get("notationDir")
            .map(|v| path_value(v, "notationDir"))
            .transpose()?;
        let policy = match (object.get("trustPolicyDoc"), &notation_dir) {
            (Some(document), _) => TrustPolicyDocument::from_value(document)
                .map_err(|e| WireError::config(format!("trustPolicyDoc is invalid: {e}")))?,
            (None, Some(dir)) => {
                let path = dir.join("trustpolicy.json");
                let bytes = std::fs::read(&path).map_err(|e| {
                    WireError::config(format!(
                        "cannot read the trust policy {}: {e}",
                        path.display()
                    ))
                })?;
                TrustPolicyDocument::from_json(&bytes).map_err(|e| {
                    WireError::config(format!("trust policy {} is invalid: {e}", path.display()))
                })?
            }
            (None, None) => {
                return Err(WireError::config(
                    "the notation verifier needs a trust policy: set trustPolicyDoc (or notationDir)",
                ));
            }
        };
        let stores = load_stores(object, notation_dir.as_deref())?;
        // Every store a policy names must exist now, not at the first verification.
        for statement in &policy.policies {
            if statement.level.name == LevelName::Skip {
                continue;
            }
            for store in &statement.trust_stores {
                stores.certificates(store.kind, &store.name).map_err(|e| {
                    WireError::config(format!(
                        "trust policy {:?} names trust store {}:{}, which cannot be loaded: {e}",
                        statement.name,
                        store.kind.as_str(),
                        store.name
                    ))
                })?;
            }
        }
        let user_metadata = match object.get("userMetadata") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    _ => Err(WireError::config(format!(
                        "userMetadata.{k} must be a string"
                    ))),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(WireError::config(
                    "userMetadata must be an object of strings",
                ));
            }
        };
        let layout_scope = match object.get("ociLayoutScope") {
            None | Some(Value::Null) => DEFAULT_LAYOUT_SCOPE.to_owned(),
            Some(Value::String(scope)) => scope.clone(),
            Some(_) => {
                return Err(WireError::config(
                    "ociLayoutScope must be a string like local/my-layout",
                ));
            }
        };
        let max_signature_bytes = match object.get("maxSignatureBytes") {
            None | Some(Value::Null) => DEFAULT_MAX_SIGNATURE_BYTES,
            Some(v) => v
                .as_u64()
                .filter(|n| *n > 0)
                .ok_or_else(|| WireError::config("maxSignatureBytes must be a positive number"))?,
        };
        let cache_dir = match object.get("crlCacheDir") {
            None | Some(Value::Null) => default_crl_cache(),
            Some(v) => Some(path_value(v, "crlCacheDir")?),
        };
        let revocation = Checker::new(Options {
            cache_dir,
            ..Options::default()
        });
        Ok(Self {
            policy,
            stores,
            user_metadata,
            layout_scope,
            max_signature_bytes,
            revocation,
        })
    }
}

fn load_stores(
    object: &serde_json::Map<String, Value>,
    notation_dir: Option<&Path>,
) -> Result<TrustStores, WireError> {
    let certs: Vec<PathBuf> = match object.get("verificationCerts") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| path_value(v, &format!("verificationCerts[{i}]")))
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(WireError::config(
                "verificationCerts must be a list of paths",
            ));
        }
    };
    let cert_stores = object
        .get("verificationCertStores")
        .cloned()
        .unwrap_or(Value::Null);
    let from_ratify = !certs.is_empty() || !cert_stores.is_null();
    match (notation_dir, from_ratify) {
        (Some(dir), false) => TrustStores::from_notation_dir(dir).map_err(|e| {
            WireError::config(format!(
                "cannot load the trust stores under {}: {e}",
                dir.display()
            ))
        }),
        (_, _) => TrustStores::from_ratify(&certs, &cert_stores).map_err(|e| {
            WireError::config(format!(
                "cannot load verificationCerts/verificationCertStores: {e}"
            ))
        }),
    }
}

/// Where CRLs are cached unless configured: `$XDG_CACHE_HOME/ratify/notation/crl`, else
/// `~/.cache/ratify/notation/crl`.
fn default_crl_cache() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(base.join("ratify/notation/crl"))
}

/// A path from config, with `~/` expanded as Ratify does.
fn path_value(value: &Value, key: &str) -> Result<PathBuf, WireError> {
    let text = value
        .as_str()
        .ok_or_else(|| WireError::config(format!("{key} must be a path string")))?;
    Ok(match (text.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(text),
    })
}
