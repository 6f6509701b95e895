//! Trust material named by the config (trusted roots, key and certificate files), loaded
//! when the config is, and the checks that a policy has the material its checks need.

use std::path::{Path, PathBuf};

use ratify_plugin_sdk::wire::WireError;
use serde_json::{Map, Value};

use super::{ConfiguredKey, Keyless, TrustPolicy, config_error};
use crate::keys::PublicKey;
use crate::signed_identity::SignedIdentity;
use crate::trustroot::{TimeRange, TransparencyLog, TrustedRoot};

/// Trust material shared by a policy and the top level.
#[derive(Default, Clone)]
pub(super) struct Material {
    pub(super) trusted_root: Option<PathBuf>,
    pub(super) rekor_keys: Vec<PathBuf>,
    pub(super) ct_keys: Vec<PathBuf>,
    pub(super) required_predicate_types: Vec<String>,
    pub(super) signed_identity: Option<SignedIdentity>,
}

/// Loads the trust material and checks that the policy has what its checks need.
pub(super) fn build(
    name: String,
    keys: Vec<ConfiguredKey>,
    mut keyless: Option<Keyless>,
    tlog_verify: bool,
    material: &Material,
    legacy: bool,
) -> Result<TrustPolicy, WireError> {
    let label = if name.is_empty() {
        "the cosign verifier".to_string()
    } else {
        format!("trust policy {name}")
    };
    let root = material
        .trusted_root
        .as_deref()
        .map(|path| TrustedRoot::from_file(path).map_err(config_error))
        .transpose()?;
    let mut rekor_logs = root.as_ref().map(|r| r.tlogs.clone()).unwrap_or_default();
    rekor_logs.extend(pem_logs(&material.rekor_keys)?);
    let mut ct_logs = root.as_ref().map(|r| r.ctlogs.clone()).unwrap_or_default();
    ct_logs.extend(pem_logs(&material.ct_keys)?);
    if let Some(keyless) = keyless.as_mut() {
        if let Some(root) = &root {
            keyless
                .authorities
                .extend(root.certificate_authorities.iter().cloned());
        }
        if keyless.authorities.is_empty() && keyless.pki_roots.is_empty() {
            return Err(config_error(format!(
                "{label}: keyless verification needs certificate authorities: set trustedRoot (a Sigstore trusted_root.json) or keyless.caRoots"
            )));
        }
        if keyless.ct_log_verify && ct_logs.is_empty() {
            return Err(config_error(format!(
                "{label}: ctLogVerify needs Certificate Transparency log keys: set trustedRoot or ctLogPublicKeys, or set ctLogVerify to false"
            )));
        }
    }
    if tlog_verify && rekor_logs.is_empty() {
        return Err(config_error(format!(
            "{label}: tLogVerify needs Rekor public keys to check signatures offline: set trustedRoot or rekorPublicKeys, or set tLogVerify to false"
        )));
    }
    Ok(TrustPolicy {
        name,
        keys,
        keyless,
        tlog_verify,
        rekor_logs,
        ct_logs,
        required_predicate_types: material.required_predicate_types.clone(),
        signed_identity: material.signed_identity.clone(),
        legacy,
    })
}

/// Top-level material, or a policy's own on top of it (a policy's `trustedRoot` replaces the
/// top level's; key lists add up).
pub(super) fn material(
    object: &Map<String, Value>,
    base: &Material,
) -> Result<Material, WireError> {
    let mut out = base.clone();
    if let Some(v) = object.get("trustedRoot").filter(|v| !v.is_null()) {
        out.trusted_root = Some(path_value(v, "trustedRoot")?);
    }
    if let Some(v) = object.get("signedIdentity").filter(|v| !v.is_null()) {
        out.signed_identity = Some(SignedIdentity::from_value(v).map_err(config_error)?);
    }
    out.rekor_keys.extend(path_list(object, "rekorPublicKeys")?);
    out.ct_keys.extend(path_list(object, "ctLogPublicKeys")?);
    if let Some(v) = object
        .get("requiredPredicateTypes")
        .filter(|v| !v.is_null())
    {
        out.required_predicate_types = serde_json::from_value(v.clone())
            .map_err(|_| config_error("requiredPredicateTypes must be a list of strings"))?;
    }
    Ok(out)
}

/// Logs from bare PEM keys: id = SHA-256 of the key, valid at any time.
pub(super) fn pem_logs(paths: &[PathBuf]) -> Result<Vec<TransparencyLog>, WireError> {
    paths
        .iter()
        .map(|path| {
            let key = PublicKey::from_pem_file(path).map_err(config_error)?;
            Ok(TransparencyLog {
                base_url: String::new(),
                log_id: key.key_id(),
                key,
                valid_for: TimeRange::default(),
            })
        })
        .collect()
}

pub(super) fn read_certificates(path: &Path) -> Result<Vec<Vec<u8>>, WireError> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let unreadable = |e: rustls_pki_types::pem::Error| {
        config_error(format!(
            "cannot read certificates from {}: {e}",
            path.display()
        ))
    };
    let certificates: Vec<Vec<u8>> = CertificateDer::pem_file_iter(path)
        .map_err(unreadable)?
        .map(|c| c.map(|c| c.to_vec()))
        .collect::<Result<_, _>>()
        .map_err(unreadable)?;
    if certificates.is_empty() {
        return Err(config_error(format!(
            "no PEM certificate found in {}",
            path.display()
        )));
    }
    Ok(certificates)
}

pub(super) fn path_list(object: &Map<String, Value>, key: &str) -> Result<Vec<PathBuf>, WireError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![expand(s)]),
        Some(Value::Array(list)) => list.iter().map(|v| path_value(v, key)).collect(),
        Some(_) => Err(config_error(format!(
            "{key} must be a path or a list of paths"
        ))),
    }
}

/// A path from config, with `~/` expanded as Ratify does.
pub(super) fn path_value(value: &Value, key: &str) -> Result<PathBuf, WireError> {
    value
        .as_str()
        .map(expand)
        .ok_or_else(|| config_error(format!("{key} must be a path string")))
}

pub(super) fn expand(text: &str) -> PathBuf {
    match (text.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(text),
    }
}
