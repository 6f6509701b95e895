//! Ratify v1's trust store for its notation verifier (ratify v1.4.0
//! `pkg/verifier/notation/{notation.go,truststore.go,certstoresbytype.go}` and
//! `pkg/utils/certificateUtils.go`):
//!
//! - `verificationCertStores` is `{"ca"|"signingAuthority"|"tsa": {"<store>": [..]}}`; a map
//!   whose keys are none of those types is the legacy form and means `ca`; mixing both forms is
//!   a configuration error. Ratify lists key-management-provider resources there; with no
//!   cluster, this re-implementation takes the entries as certificate paths.
//! - A store with a non-empty list is served from that list; **any other `type:name`** (listed
//!   with an empty list, or not listed at all) is served from `verificationCerts`.
//! - Paths are walked recursively in lexical order; paths that do not exist are skipped,
//!   symlinks to files are followed (once per target), directories behind symlinks are not
//!   entered, and any file that is not a certificate file fails the store.
//! - Of what was read, only CA certificates and self-signed certificates are kept; none left
//!   is an error. Unlike notation's own layout, store names are not checked and `tsa` stores
//!   need not hold roots.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::cert::Cert;
use super::pem::read_certificates;
use super::truststore::{Loaded, Stores, is_anchor};
use super::{StoreType, X509Error};

/// The configured stores and the `verificationCerts` fallback.
pub(super) fn load(
    verification_certs: &[PathBuf],
    cert_stores: &Value,
) -> Result<(Stores, Loaded), X509Error> {
    let mut stores = Stores::new();
    for (kind, name, paths) in parse_stores(cert_stores)? {
        if paths.is_empty() {
            continue;
        }
        let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
        let loaded = read_paths(&paths).and_then(|certs| {
            if certs.is_empty() {
                Err(X509Error::TrustStore(format!(
                    "no certificates fetched in namedStore: {name}"
                )))
            } else {
                keep_anchors(certs)
            }
        });
        stores.insert((kind, name), loaded);
    }
    let fallback = read_paths(verification_certs).and_then(keep_anchors);
    Ok((stores, fallback))
}

/// `normalizeVerificationCertsStores` + `newCertStoreByType`.
fn parse_stores(value: &Value) -> Result<Vec<(StoreType, String, Vec<String>)>, X509Error> {
    let object = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Object(object) => object,
        _ => {
            return Err(X509Error::Config(format!(
                "Failed to parse the Notation Verifier configuration: verificationCertStores \
                 must be an object, got {value}"
            )));
        }
    };
    let typed = object
        .keys()
        .filter(|k| StoreType::parse(k).is_some())
        .count();
    let by_type: Map<String, Value> = if typed == object.len() {
        object.clone()
    } else if typed == 0 {
        // Legacy `{"<store>": [..]}`: Ratify files every store under `ca`.
        Map::from_iter([("ca".to_string(), value.clone())])
    } else {
        return Err(X509Error::Config(format!(
            "The verificationCertStores is misconfigured with both legacy and new formats: {value}"
        )));
    };
    let invalid = || {
        X509Error::Config(format!(
            "Failed to create the trust store from the verificationCertStores parameter in \
             Notation Verifier configuration: the verificationCertStores configuration is \
             invalid: {value}"
        ))
    };
    let mut out = Vec::new();
    for (kind, stores) in &by_type {
        let kind = StoreType::parse(kind).ok_or_else(invalid)?;
        for (name, entries) in stores.as_object().ok_or_else(invalid)? {
            let entries = entries.as_array().ok_or_else(invalid)?;
            let paths = entries
                .iter()
                .map(|entry| entry.as_str().map(str::to_string).ok_or_else(invalid))
                .collect::<Result<Vec<_>, _>>()?;
            out.push((kind, name.clone(), paths));
        }
    }
    Ok(out)
}

/// `utils.GetCertificatesFromPath` over each path in turn.
fn read_paths(paths: &[PathBuf]) -> Result<Vec<Vec<u8>>, X509Error> {
    let mut certs = Vec::new();
    let mut seen = HashSet::new();
    for path in paths {
        walk(&expand_home(path), &mut seen, &mut certs)?;
    }
    Ok(certs)
}

/// `filepath.Walk`, visiting what Ratify's callback loads.
fn walk(
    path: &Path,
    seen: &mut HashSet<PathBuf>,
    certs: &mut Vec<Vec<u8>>,
) -> Result<(), X509Error> {
    // Ratify logs and skips a path it cannot stat.
    let Ok(meta) = fs::symlink_metadata(path) else {
        return Ok(());
    };
    if meta.is_dir() {
        let Ok(entries) = fs::read_dir(path) else {
            return Ok(());
        };
        let mut names: Vec<_> = entries.flatten().map(|e| e.file_name()).collect();
        names.sort();
        for name in names {
            walk(&path.join(name), seen, certs)?;
        }
        return Ok(());
    }
    let target = if meta.is_symlink() {
        // Mounted secrets are symlinks; Ratify resolves them and loads the file behind.
        match fs::canonicalize(path) {
            Ok(target) if fs::symlink_metadata(&target).is_ok_and(|m| !m.is_dir()) => target,
            _ => return Ok(()),
        }
    } else {
        path.to_path_buf()
    };
    if seen.contains(&target) {
        return Ok(());
    }
    let found = read_certificates(&target).map_err(|e| {
        X509Error::Certificate(format!(
            "error reading certificate file {}: {e}",
            target.display()
        ))
    })?;
    if !found.is_empty() {
        seen.insert(target);
    }
    certs.extend(found);
    Ok(())
}

/// `utils.ReplaceHomeShortcut`: a leading `~/` is the home directory.
fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), std::env::var_os("HOME")) {
        (Ok(rest), Some(home)) if path.to_str().is_some_and(|p| p.starts_with("~/")) => {
            PathBuf::from(home).join(rest)
        }
        _ => path.to_path_buf(),
    }
}

/// `trustStore.filterValidCerts`: keep CA and self-signed certificates.
fn keep_anchors(certs: Vec<Vec<u8>>) -> Loaded {
    let kept: Vec<Vec<u8>> = certs
        .into_iter()
        .filter(|der| Cert::parse(der).is_ok_and(|cert| is_anchor(&cert)))
        .collect();
    if kept.is_empty() {
        return Err(X509Error::TrustStore(
            "valid certificates must be provided, only CA certificates or self-signed signing \
             certificates are supported"
                .to_string(),
        ));
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn normalises_legacy_and_typed_forms() {
        let legacy = parse_stores(&json!({"certs": ["a", "b"]})).unwrap_or_default();
        assert_eq!(
            legacy,
            vec![(
                StoreType::Ca,
                "certs".to_string(),
                vec!["a".into(), "b".into()]
            )]
        );
        let typed =
            parse_stores(&json!({"tsa": {"t": ["x"]}, "ca": {"c": []}})).unwrap_or_default();
        assert_eq!(typed.len(), 2);
        assert!(parse_stores(&json!({"ca": {"c": ["x"]}, "certs": ["y"]})).is_err());
        assert!(parse_stores(&json!({"ca": ["x"]})).is_err());
        assert!(parse_stores(&json!({"ca": {"c": [1]}})).is_err());
        // Ratify compares type names exactly: "signingauthority" is a legacy store name.
        let lower = parse_stores(&json!({"signingauthority": ["x"]})).unwrap_or_default();
        assert_eq!(lower[0].0, StoreType::Ca);
    }
}
