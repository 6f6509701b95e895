//! The OCI trust policy document: loading and validation as `notation verify` does before
//! looking at any signature (notation-go `OCIDocument.Validate`, `validatePolicyCore`,
//! `validateRegistryScopes`), and statement selection (`GetApplicableTrustPolicy`).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::identity::{TrustStoreRef, TrustedIdentity, parse_trusted_identities};
use super::json::{Object, first_value};
use super::level::{LevelName, VerificationLevel, VerifyTimestamp};
use super::quote::go_quote;
use super::scope::validate_registry_scope;
use super::{PolicyError, TRUST_POLICY_LINK, WILDCARD};

/// The policy document versions notation supports.
const SUPPORTED_VERSIONS: [&str; 1] = ["1.0"];

/// A validated trust policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustPolicyDocument {
    /// The document version (always `1.0` once validated).
    pub version: String,
    /// The statements, in document order.
    pub policies: Vec<TrustPolicy>,
}

/// A validated trust policy statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustPolicy {
    /// The unique statement name.
    pub name: String,
    /// `registry/repository` scopes, or the single wildcard `*`.
    pub registry_scopes: Vec<String>,
    /// The verification level with overrides applied.
    pub level: VerificationLevel,
    /// Trust stores, in policy order (duplicates allowed, as in notation). Empty for `skip`.
    pub trust_stores: Vec<TrustStoreRef>,
    /// Trusted identities notation verifies itself (`*`, `x509.subject:`), in policy order.
    /// Empty for `skip`.
    pub trusted_identities: Vec<TrustedIdentity>,
    /// Identities with another prefix (`<prefix>:<value>`, verbatim): notation accepts them
    /// for verification plugins; its built-in check ignores them, so a statement with only
    /// these fails identity verification ("no x509 trusted identities are configured").
    pub other_identities: Vec<String>,
    /// When timestamp countersignatures are verified.
    pub verify_timestamp: VerifyTimestamp,
}

impl TrustPolicyDocument {
    /// Parses and validates a document as `notation verify` loads `trustpolicy.oci.json`.
    /// Only the first JSON value is read, as Go's `json.Decoder` does.
    pub fn from_json(bytes: &[u8]) -> Result<Self, PolicyError> {
        let value = first_value(bytes).map_err(malformed)?;
        TrustPolicyDocument::from_value(&value)
    }

    /// Validates an already-parsed document (for instance one inlined in a configuration).
    pub fn from_value(value: &Value) -> Result<Self, PolicyError> {
        let raw = RawDocument::read(value).map_err(|err| malformed(err.0))?;
        raw.validate()
    }

    /// The statement that applies to `scope` (`registry/repository`): the one listing it
    /// exactly, else the `*` statement; notation's `GetApplicableTrustPolicy`.
    pub fn policy_for(&self, scope: &str) -> Result<&TrustPolicy, PolicyError> {
        validate_registry_scope(scope)?;
        self.select(scope, scope)
    }

    /// [`policy_for`](Self::policy_for) given a digest reference
    /// (`registry/repository@sha256:...`), with notation's messages naming the reference.
    pub fn policy_for_reference(&self, reference: &str) -> Result<&TrustPolicy, PolicyError> {
        let Some(at) = reference.rfind('@') else {
            return Err(PolicyError::new(format!(
                "artifact URI {} could not be parsed, make sure it is the fully qualified oci artifact URI without the scheme/protocol. e.g domain.com:80/my/repository@sha256:digest",
                go_quote(reference)
            )));
        };
        let scope = &reference[..at];
        validate_registry_scope(scope)?;
        self.select(scope, reference)
    }

    fn select(&self, scope: &str, artifact: &str) -> Result<&TrustPolicy, PolicyError> {
        let mut wildcard = None;
        let mut exact = None;
        // Like notation, the last statement of each kind wins; validation makes them unique.
        for policy in &self.policies {
            if policy.registry_scopes.iter().any(|s| s == WILDCARD) {
                wildcard = Some(policy);
            } else if policy.registry_scopes.iter().any(|s| s == scope) {
                exact = Some(policy);
            }
        }
        exact.or(wildcard).ok_or_else(|| {
            PolicyError::new(format!(
                "artifact {} has no applicable oci trust policy statement. Trust policy applicability for a given artifact is determined by registryScopes. To create a trust policy, see: {TRUST_POLICY_LINK}",
                go_quote(artifact)
            ))
        })
    }
}

/// notation's message for a document that does not decode, with our reason appended.
fn malformed(detail: impl std::fmt::Display) -> PolicyError {
    PolicyError::new(format!(
        "malformed trust policy. To create a trust policy, see: {TRUST_POLICY_LINK} (failed to parse OCI trust policy configuration: {detail})"
    ))
}

/// The document as Go decodes it into `OCIDocument`, before validation.
struct RawDocument {
    version: String,
    statements: Vec<RawStatement>,
}

struct RawStatement {
    name: String,
    level: String,
    overrides: Vec<(String, String)>,
    verify_timestamp: String,
    trust_stores: Vec<String>,
    trusted_identities: Vec<String>,
    registry_scopes: Vec<String>,
}

impl RawDocument {
    fn read(value: &Value) -> Result<Self, super::json::TypeError> {
        let document = Object::new(Some(value), String::new())?;
        let statements = document
            .objects("trustPolicies")?
            .into_iter()
            .map(|statement| {
                let verification = statement.object("signatureVerification")?;
                Ok(RawStatement {
                    name: statement.string("name")?,
                    level: verification.string("level")?,
                    overrides: verification.string_map("override")?,
                    verify_timestamp: verification.string("verifyTimestamp")?,
                    trust_stores: statement.strings("trustStores")?,
                    trusted_identities: statement.strings("trustedIdentities")?,
                    registry_scopes: statement.strings("registryScopes")?,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(RawDocument {
            version: document.string("version")?,
            statements,
        })
    }

    /// `OCIDocument.Validate`, in notation's order so the first error reported is the same.
    fn validate(self) -> Result<TrustPolicyDocument, PolicyError> {
        if self.version.is_empty() {
            return Err(PolicyError::new(
                "oci trust policy document has empty version, version must be specified",
            ));
        }
        if !SUPPORTED_VERSIONS.contains(&self.version.as_str()) {
            return Err(PolicyError::new(format!(
                "oci trust policy document uses unsupported version {}",
                go_quote(&self.version)
            )));
        }
        if self.statements.is_empty() {
            return Err(PolicyError::new(
                "oci trust policy document can not have zero trust policy statements",
            ));
        }
        let mut names = HashSet::new();
        let mut policies = Vec::with_capacity(self.statements.len());
        for statement in &self.statements {
            if names.contains(statement.name.as_str()) {
                return Err(PolicyError::new(format!(
                    "multiple oci trust policy statements use the same name {}, statement names must be unique",
                    go_quote(&statement.name)
                )));
            }
            policies.push(
                statement
                    .validate_core()
                    .map_err(|err| err.wrap("oci trust policy: "))?,
            );
            names.insert(statement.name.as_str());
        }
        validate_registry_scopes(&self.statements)?;
        Ok(TrustPolicyDocument {
            version: self.version,
            policies,
        })
    }
}

impl RawStatement {
    /// `validatePolicyCore`: name, level, verifyTimestamp, then stores and identities.
    fn validate_core(&self) -> Result<TrustPolicy, PolicyError> {
        if self.name.is_empty() {
            return Err(PolicyError::new(
                "a trust policy statement is missing a name, every statement requires a name",
            ));
        }
        let name_q = go_quote(&self.name);
        let invalid_verification =
            format!("trust policy statement {name_q} has invalid signatureVerification: ");
        let level = VerificationLevel::from_policy(&self.level, &self.overrides)
            .map_err(|err| err.wrap(&invalid_verification))?;
        let verify_timestamp = VerifyTimestamp::from_policy(&self.verify_timestamp)
            .map_err(|err| err.wrap(&invalid_verification))?;
        let mut trust_stores = Vec::new();
        let mut trusted_identities = Vec::new();
        let mut other_identities = Vec::new();
        // A level overridden from a preset is never `skip` (skip cannot be customised).
        if level.name == LevelName::Skip {
            if !self.trust_stores.is_empty() || !self.trusted_identities.is_empty() {
                return Err(PolicyError::new(format!(
                    "trust policy statement {name_q} is set to skip signature verification but configured with trust stores and/or trusted identities, remove them if signature verification needs to be skipped"
                )));
            }
        } else {
            if self.trust_stores.is_empty() || self.trusted_identities.is_empty() {
                return Err(PolicyError::new(format!(
                    "trust policy statement {name_q} is either missing trust stores or trusted identities, both must be specified"
                )));
            }
            for store in &self.trust_stores {
                trust_stores.push(TrustStoreRef::parse(&self.name, store)?);
            }
            let parsed = parse_trusted_identities(&self.name, &self.trusted_identities)?;
            trusted_identities = parsed.trusted;
            other_identities = parsed.other;
        }
        Ok(TrustPolicy {
            name: self.name.clone(),
            registry_scopes: self.registry_scopes.clone(),
            level,
            trust_stores,
            trusted_identities,
            other_identities,
            verify_timestamp,
        })
    }
}

/// `validateRegistryScopes`: per statement (non-empty, `*` alone, syntax), then one statement
/// per scope across the document.
fn validate_registry_scopes(statements: &[RawStatement]) -> Result<(), PolicyError> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for statement in statements {
        let name_q = go_quote(&statement.name);
        let scopes = &statement.registry_scopes;
        if scopes.is_empty() {
            return Err(PolicyError::new(format!(
                "oci trust policy statement {name_q} has zero registry scopes, it must specify registry scopes with at least one value"
            )));
        }
        if scopes.len() > 1 && scopes.iter().any(|scope| scope == WILDCARD) {
            return Err(PolicyError::new(format!(
                "oci trust policy statement {name_q} uses wildcard registry scope '*', a wildcard scope cannot be used in conjunction with other scope values"
            )));
        }
        for scope in scopes {
            if scope != WILDCARD {
                validate_registry_scope(scope)?;
            }
            *counts.entry(scope.as_str()).or_default() += 1;
        }
    }
    // Go reports a random one of several repeated scopes; we report the first in the document.
    let all_scopes = statements
        .iter()
        .flat_map(|statement| statement.registry_scopes.iter());
    if let Some(scope) = all_scopes
        .into_iter()
        .find(|scope| counts.get(scope.as_str()).is_some_and(|n| *n > 1))
    {
        return Err(PolicyError::new(format!(
            "registry scope {} is present in multiple oci trust policy statements, one registry scope value can only be associated with one statement",
            go_quote(scope)
        )));
    }
    Ok(())
}
