//! The verifier's config: Ratify v1's cosign entry as it is, plus what offline verification
//! needs, all loaded and validated when ratify loads its config.
//!
//! Ratify's keys: `key` and `rekorURL` (the legacy form), or `trustPolicies[{name, version,
//! scopes, keys[{file}], keyless{certificateIdentity[RegExp], certificateOIDCIssuer[RegExp],
//! ctLogVerify}, tLogVerify, rekorURL}]`. Ours, at the top level or per policy: `trustedRoot`
//! (a Sigstore `trusted_root.json`: Fulcio CAs, Rekor and CT log keys), `rekorPublicKeys` and
//! `ctLogPublicKeys` (PEM files, as cosign's `SIGSTORE_REKOR_PUBLIC_KEY` /
//! `SIGSTORE_CT_LOG_PUBLIC_KEY_FILE`), `requiredPredicateTypes`, `signedIdentity`
//! (containers/image's rule for the signed docker-reference); in `keyless`: `caRoots` and
//! `caIntermediates` (PEM files, cosign's `--ca-roots`/`--ca-intermediates`, for
//! bring-your-own PKI). Top level only: `maxSignatures` (default 100), `maxLayerBytes`
//! (default 32 MiB).
//!
//! Nothing here reaches a network: `rekorURL` is accepted for compatibility, and the log's
//! evidence must come with the signature (cosign's bundle annotation or a Sigstore bundle).

use std::path::PathBuf;

use ratify_plugin_sdk::wire::WireError;
use serde_json::{Map, Value};

use crate::fulcio::identity::{IdentityPolicy, Matcher};
use crate::keys::PublicKey;
use crate::policy::{self, Scope};
use crate::signed_identity::SignedIdentity;
use crate::trustroot::{CertificateAuthority, TransparencyLog};

mod material;
use material::{Material, build, expand, material, path_list, path_value, read_certificates};

/// Signatures and attestations evaluated per referrer, unless configured.
pub const DEFAULT_MAX_SIGNATURES: usize = 100;
/// Largest layer (simple-signing payload or bundle) read, unless configured.
pub const DEFAULT_MAX_LAYER_BYTES: u64 = 32 * 1024 * 1024;
/// The only trust policy version Ratify supports.
const POLICY_VERSION: &str = "1.0.0";

/// A validated configuration.
pub struct CosignConfig {
    /// The legacy single policy, or scoped trust policies.
    pub mode: Mode,
    /// Signatures (layers) evaluated per referrer.
    pub max_signatures: usize,
    /// Largest layer read.
    pub max_layer_bytes: u64,
    /// Attestations already verified, for `requiredPredicateTypes`.
    pub attestations: crate::verify::AttestationMemory,
}

/// How a subject's policy is found.
pub enum Mode {
    /// Ratify's legacy form: one policy for every subject.
    Legacy(Box<TrustPolicy>),
    /// Trust policies chosen by scope.
    Scoped {
        /// The policies, in config order.
        policies: Vec<TrustPolicy>,
        /// Each policy's scopes.
        scopes: Vec<Vec<Scope>>,
    },
}

/// What a signature must satisfy.
pub struct TrustPolicy {
    /// The policy's name (empty in legacy mode).
    pub name: String,
    /// Public keys, any of which may have signed.
    pub keys: Vec<ConfiguredKey>,
    /// Certificate-based signing, when configured.
    pub keyless: Option<Keyless>,
    /// Whether a transparency-log entry is required and checked (Ratify's default: yes).
    pub tlog_verify: bool,
    /// Rekor keys, by log id.
    pub rekor_logs: Vec<TransparencyLog>,
    /// Certificate Transparency log keys.
    pub ct_logs: Vec<TransparencyLog>,
    /// Attestation predicate types the subject must carry, verified.
    pub required_predicate_types: Vec<String>,
    /// containers/image's rule for the payload's docker-reference, when the policy sets one.
    pub signed_identity: Option<SignedIdentity>,
    /// Legacy mode: the payload claims are checked (as Ratify's legacy mode does) and keyless
    /// accepts any identity the CAs certify.
    pub legacy: bool,
}

/// A key from a file.
pub struct ConfiguredKey {
    /// Where it came from (reported as Ratify's `keyInformation`).
    pub file: PathBuf,
    /// The key.
    pub key: PublicKey,
}

/// Certificate-based verification.
pub struct Keyless {
    /// Who must have signed; `None` (legacy mode) accepts any certified identity.
    pub identity: Option<IdentityPolicy>,
    /// Whether embedded SCTs are required and checked.
    pub ct_log_verify: bool,
    /// Fulcio's certificate authorities from the trusted root: each path uses only the CA's
    /// own intermediates, within the CA's validity period (sigstore-go).
    pub authorities: Vec<CertificateAuthority>,
    /// Bring-your-own PKI roots (`caRoots`), reached through `caIntermediates`, or, when none
    /// are configured, through the chain the signature carries (cosign's rule).
    pub pki_roots: Vec<Vec<u8>>,
    /// Intermediates for `pki_roots` (`caIntermediates`).
    pub intermediates: Vec<Vec<u8>>,
}

fn config_error(message: impl Into<String>) -> WireError {
    WireError::config(message)
}

impl CosignConfig {
    /// Reads and validates a verifier entry.
    pub fn from_value(config: &Value) -> Result<Self, WireError> {
        let object = config
            .as_object()
            .ok_or_else(|| config_error("the cosign verifier's config must be an object"))?;
        let top = material(object, &Material::default())?;
        let max_signatures = match object.get("maxSignatures") {
            None | Some(Value::Null) => DEFAULT_MAX_SIGNATURES,
            Some(v) => v
                .as_u64()
                .filter(|n| *n > 0)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| config_error("maxSignatures must be a positive number"))?,
        };
        let max_layer_bytes = match object.get("maxLayerBytes") {
            None | Some(Value::Null) => DEFAULT_MAX_LAYER_BYTES,
            Some(v) => v
                .as_u64()
                .filter(|n| *n > 0)
                .ok_or_else(|| config_error("maxLayerBytes must be a positive number"))?,
        };
        let has = |key: &str| object.get(key).is_some_and(|v| !v.is_null());
        let mode = match object.get("trustPolicies").filter(|v| !v.is_null()) {
            Some(_) if has("key") || has("rekorURL") => {
                return Err(config_error(
                    "'key' and 'rekorURL' are part of Cosign legacy configuration and cannot be used with `trustPolicies` parameter",
                ));
            }
            Some(list) => scoped(list, &top)?,
            None => Mode::Legacy(Box::new(legacy(object, &top)?)),
        };
        Ok(CosignConfig {
            mode,
            max_signatures,
            max_layer_bytes,
            attestations: Default::default(),
        })
    }

    /// The policy for a subject reference, or Ratify's message when none applies.
    pub fn policy_for(&self, reference: &str) -> Result<&TrustPolicy, String> {
        match &self.mode {
            Mode::Legacy(policy) => Ok(policy),
            // Scopes are matched against the normalised reference, as Ratify does: `nginx`
            // must not escape a `docker.io/library/*` policy.
            Mode::Scoped { policies, scopes } => {
                policy::select(scopes, &crate::reference::docker_ref(reference))
                    .and_then(|i| policies.get(i))
                    .ok_or_else(|| format!("No policy found for the artifact {reference}"))
            }
        }
    }
}

/// Ratify's legacy form: `key` (a PEM public key) or keyless against the trusted root's CAs;
/// `rekorURL` turns transparency-log verification on (else it is off, as in Ratify).
fn legacy(object: &Map<String, Value>, top: &Material) -> Result<TrustPolicy, WireError> {
    let keys = match object.get("key").filter(|v| !v.is_null()) {
        Some(v) => {
            let file = path_value(v, "key")?;
            let key = PublicKey::from_pem_file(&file)
                .map_err(|e| config_error(format!("failed to load public key: {e}")))?;
            vec![ConfiguredKey { file, key }]
        }
        None => Vec::new(),
    };
    let tlog_verify = object.get("rekorURL").is_some_and(|v| !v.is_null());
    let keyless = if keys.is_empty() {
        Some(Keyless {
            identity: None,
            ct_log_verify: tlog_verify,
            authorities: Vec::new(),
            pki_roots: Vec::new(),
            intermediates: Vec::new(),
        })
    } else {
        None
    };
    build(String::new(), keys, keyless, tlog_verify, top, true)
}

fn scoped(list: &Value, top: &Material) -> Result<Mode, WireError> {
    let entries = list
        .as_array()
        .ok_or_else(|| config_error("trustPolicies must be an array"))?;
    let mut policies = Vec::new();
    let mut named_scopes = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let object = entry
            .as_object()
            .ok_or_else(|| config_error(format!("trustPolicies[{index}] must be an object")))?;
        let name = string(object, "name")?.unwrap_or_default();
        if name.is_empty() {
            return Err(config_error(
                "name parameter is required in trust policy configuration",
            ));
        }
        let version = string(object, "version")?.unwrap_or_else(|| POLICY_VERSION.into());
        if version != POLICY_VERSION {
            return Err(config_error(format!(
                "Invalid trust policy {name}: unsupported version {version} (supported versions are: [{POLICY_VERSION}])"
            )));
        }
        let scopes: Vec<String> = match object.get("scopes") {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => serde_json::from_value(v.clone()).map_err(|_| {
                config_error(format!(
                    "trust policy {name}: scopes must be a list of strings"
                ))
            })?,
        };
        if scopes.is_empty() {
            return Err(config_error(format!(
                "scopes parameter is required in trust policy configuration {name}"
            )));
        }
        named_scopes.push((name.clone(), scopes));
        policies.push(trust_policy(&name, object, top)?);
    }
    let scopes = policy::validate_scopes(&named_scopes).map_err(config_error)?;
    Ok(Mode::Scoped { policies, scopes })
}

fn trust_policy(
    name: &str,
    object: &Map<String, Value>,
    top: &Material,
) -> Result<TrustPolicy, WireError> {
    let own = material(object, top)?;
    let keys = match object.get("keys") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .map(|entry| key_entry(name, entry))
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(config_error(format!(
                "trust policy {name}: keys must be an array"
            )));
        }
    };
    let keyless = match object.get("keyless") {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) if map.is_empty() => None,
        Some(Value::Object(map)) => Some(keyless(name, map)?),
        Some(_) => {
            return Err(config_error(format!(
                "trust policy {name}: keyless must be an object"
            )));
        }
    };
    match (keys.is_empty(), keyless.is_some()) {
        (true, false) => Err(config_error(format!(
            "keys or keyless parameter is required in trust policy configuration {name}"
        ))),
        (false, true) => Err(config_error(format!(
            "Only one of keys or keyless parameter is required in trust policy configuration {name}"
        ))),
        _ => {
            let tlog_verify = match object.get("tLogVerify") {
                None | Some(Value::Null) => true,
                Some(Value::Bool(b)) => *b,
                Some(_) => {
                    return Err(config_error(format!(
                        "trust policy {name}: tLogVerify must be true or false"
                    )));
                }
            };
            build(name.to_string(), keys, keyless, tlog_verify, &own, false)
        }
    }
}

fn key_entry(policy: &str, entry: &Value) -> Result<ConfiguredKey, WireError> {
    let object = entry.as_object().ok_or_else(|| {
        config_error(format!("trust policy {policy}: each key must be an object"))
    })?;
    let provider = string(object, "provider")?.unwrap_or_default();
    let file = string(object, "file")?.unwrap_or_default();
    if !provider.is_empty() {
        return Err(config_error(format!(
            "Invalid trust policy {policy}: key management provider {provider} is not supported by this verifier; use a key file"
        )));
    }
    if file.is_empty() {
        return Err(config_error(format!(
            "Invalid trust policy {policy}: key management provider name is required when not using file path"
        )));
    }
    let file = expand(&file);
    let key = PublicKey::from_pem_file(&file).map_err(|e| {
        config_error(format!(
            "Invalid trust policy [{policy}]: failed to load the key from file {}: {e}",
            file.display()
        ))
    })?;
    Ok(ConfiguredKey { file, key })
}

fn keyless(policy: &str, map: &Map<String, Value>) -> Result<Keyless, WireError> {
    let matcher = |exact: &str, regexp: &str, what: &str| -> Result<Matcher, WireError> {
        match (string(map, exact)?, string(map, regexp)?) {
            (Some(_), Some(_)) => Err(config_error(format!(
                "Invalid trust policy {policy}: only one of certificate {what} or {what} regex pattern should be specified"
            ))),
            (Some(value), None) if !value.is_empty() => Ok(Matcher::Exact(value)),
            (None, Some(pattern)) if !pattern.is_empty() => regex::Regex::new(&pattern)
                .map(Matcher::Regex)
                .map_err(|e| {
                    config_error(format!(
                        "Invalid trust policy {policy}: malformed {what} regex pattern {pattern:?}: {e}"
                    ))
                }),
            _ => Err(config_error(format!(
                "Invalid trust policy {policy}: certificate {what} or {what} regex pattern is required"
            ))),
        }
    };
    let subject = matcher(
        "certificateIdentity",
        "certificateIdentityRegExp",
        "identity",
    )?;
    let issuer = matcher(
        "certificateOIDCIssuer",
        "certificateOIDCIssuerRegExp",
        "OIDC issuer",
    )?;
    let ct_log_verify = match map.get("ctLogVerify") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(config_error(format!(
                "trust policy {policy}: ctLogVerify must be true or false"
            )));
        }
    };
    let pem_files = |key: &str| -> Result<Vec<Vec<u8>>, WireError> {
        let mut certificates = Vec::new();
        for path in path_list(map, key)? {
            certificates.extend(read_certificates(&path)?);
        }
        Ok(certificates)
    };
    Ok(Keyless {
        identity: Some(IdentityPolicy { subject, issuer }),
        ct_log_verify,
        authorities: Vec::new(),
        pki_roots: pem_files("caRoots")?,
        intermediates: pem_files("caIntermediates")?,
    })
}

fn string(object: &Map<String, Value>, key: &str) -> Result<Option<String>, WireError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(config_error(format!("{key} must be a string"))),
    }
}
