//! Verification levels, the action each validation gets, the `override` map and
//! `verifyTimestamp` (notation-go `verifier/trustpolicy/trustpolicy.go`: `LevelStrict` ...
//! `LevelSkip`, `GetVerificationLevel`, `TimestampOption`).

use super::PolicyError;
use super::quote::go_quote;

/// The preset levels of `signatureVerification.level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LevelName {
    /// Every validation enforced.
    Strict,
    /// Integrity and authenticity enforced; the rest logged.
    Permissive,
    /// Integrity enforced; the rest logged.
    Audit,
    /// No verification at all.
    Skip,
}

impl LevelName {
    /// All levels, in notation's order.
    pub const ALL: [LevelName; 4] = [
        LevelName::Strict,
        LevelName::Permissive,
        LevelName::Audit,
        LevelName::Skip,
    ];

    /// The name used in policies.
    pub fn as_str(self) -> &'static str {
        match self {
            LevelName::Strict => "strict",
            LevelName::Permissive => "permissive",
            LevelName::Audit => "audit",
            LevelName::Skip => "skip",
        }
    }

    /// Parses a policy value (case-sensitive, as notation).
    pub fn parse(text: &str) -> Option<Self> {
        LevelName::ALL
            .into_iter()
            .find(|level| level.as_str() == text)
    }
}

/// What a failed validation does to the verification outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// The failure fails verification.
    Enforce,
    /// The failure is logged; verification goes on.
    Log,
    /// The validation is not performed.
    Skip,
}

impl Action {
    /// All actions, in notation's order.
    pub const ALL: [Action; 3] = [Action::Enforce, Action::Log, Action::Skip];

    /// The name used in policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Enforce => "enforce",
            Action::Log => "log",
            Action::Skip => "skip",
        }
    }

    /// Parses a policy value (case-sensitive, as notation).
    pub fn parse(text: &str) -> Option<Self> {
        Action::ALL
            .into_iter()
            .find(|action| action.as_str() == text)
    }
}

/// The validations a verification level assigns actions to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Validation {
    /// The signature matches its payload and signing certificate.
    Integrity,
    /// The chain leads to a trust store certificate and the signer is a trusted identity.
    Authenticity,
    /// The signing time is vouched for (timestamp countersignature or signing authority).
    AuthenticTimestamp,
    /// The signature has not expired.
    Expiry,
    /// No certificate of the chain is revoked.
    Revocation,
}

impl Validation {
    /// All validations, in notation's order.
    pub const ALL: [Validation; 5] = [
        Validation::Integrity,
        Validation::Authenticity,
        Validation::AuthenticTimestamp,
        Validation::Expiry,
        Validation::Revocation,
    ];

    /// The name used in policies.
    pub fn as_str(self) -> &'static str {
        match self {
            Validation::Integrity => "integrity",
            Validation::Authenticity => "authenticity",
            Validation::AuthenticTimestamp => "authenticTimestamp",
            Validation::Expiry => "expiry",
            Validation::Revocation => "revocation",
        }
    }

    /// Parses a policy value (case-sensitive, as notation).
    pub fn parse(text: &str) -> Option<Self> {
        Validation::ALL
            .into_iter()
            .find(|validation| validation.as_str() == text)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A verification level: a preset and the action for each validation, possibly overridden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationLevel {
    /// The preset named in the policy.
    pub name: LevelName,
    /// Whether `override` changed it (notation then names the level `custom`).
    pub custom: bool,
    /// Actions by [`Validation::index`].
    actions: [Action; 5],
}

impl VerificationLevel {
    /// A preset level, with notation's table (`LevelStrict` ... `LevelSkip`).
    pub fn preset(name: LevelName) -> Self {
        use Action::{Enforce as E, Log as L, Skip as S};
        // Columns: integrity, authenticity, authenticTimestamp, expiry, revocation.
        let actions = match name {
            LevelName::Strict => [E, E, E, E, E],
            LevelName::Permissive => [E, E, L, L, L],
            LevelName::Audit => [E, L, L, L, L],
            LevelName::Skip => [S, S, S, S, S],
        };
        VerificationLevel {
            name,
            custom: false,
            actions,
        }
    }

    /// The action for a validation.
    pub fn action(&self, validation: Validation) -> Action {
        self.actions[validation.index()]
    }

    /// Every validation with its action, in notation's order.
    pub fn actions(&self) -> [(Validation, Action); 5] {
        Validation::ALL.map(|validation| (validation, self.action(validation)))
    }

    /// The level's name as notation reports it: the preset, or `custom` once overridden.
    pub fn display_name(&self) -> &'static str {
        if self.custom {
            "custom"
        } else {
            self.name.as_str()
        }
    }

    /// notation's `GetVerificationLevel`: the preset named by `level`, with `override` applied.
    /// Entries are checked in the order given (Go iterates its map in random order, so with
    /// several bad entries notation may report any one of them).
    pub fn from_policy(level: &str, overrides: &[(String, String)]) -> Result<Self, PolicyError> {
        if level.is_empty() {
            return Err(PolicyError::new(
                "signature verification level is empty or missing in the trust policy statement",
            ));
        }
        let name = LevelName::parse(level).ok_or_else(|| {
            PolicyError::new(format!(
                "invalid signature verification level {}",
                go_quote(level)
            ))
        })?;
        let mut result = VerificationLevel::preset(name);
        if overrides.is_empty() {
            return Ok(result);
        }
        if name == LevelName::Skip {
            return Err(PolicyError::new(format!(
                "signature verification level {} can't be used to customize signature verification",
                go_quote(name.as_str())
            )));
        }
        result.custom = true;
        for (key, value) in overrides {
            let validation = Validation::parse(key).ok_or_else(|| {
                PolicyError::new(format!(
                    "verification type {} in custom signature verification is not supported, supported values are {}",
                    go_quote(key),
                    go_quote_list(Validation::ALL.map(Validation::as_str))
                ))
            })?;
            let action = Action::parse(value).ok_or_else(|| {
                PolicyError::new(format!(
                    "verification action {} in custom signature verification is not supported, supported values are {}",
                    go_quote(value),
                    go_quote_list(Action::ALL.map(Action::as_str))
                ))
            })?;
            // Integrity cannot be overridden at all, not even to "enforce".
            if validation == Validation::Integrity {
                return Err(PolicyError::new(format!(
                    "{} verification can not be overridden in custom signature verification",
                    go_quote(key)
                )));
            }
            // Only revocation may be skipped.
            if validation != Validation::Revocation && action == Action::Skip {
                return Err(PolicyError::new(format!(
                    "{} verification can not be skipped in custom signature verification",
                    go_quote(key)
                )));
            }
            result.actions[validation.index()] = action;
        }
        Ok(result)
    }
}

/// Go's `%q` of a `[]string`: `["a" "b"]`.
fn go_quote_list<const N: usize>(items: [&str; N]) -> String {
    let quoted: Vec<String> = items.iter().map(|item| go_quote(item)).collect();
    format!("[{}]", quoted.join(" "))
}

/// `signatureVerification.verifyTimestamp`: when a timestamp countersignature is verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VerifyTimestamp {
    /// Always (the default when the member is absent or empty).
    #[default]
    Always,
    /// Only when the signing certificate chain has expired.
    AfterCertExpiry,
}

impl VerifyTimestamp {
    /// The name used in policies.
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyTimestamp::Always => "always",
            VerifyTimestamp::AfterCertExpiry => "afterCertExpiry",
        }
    }

    /// notation's check: `""` means `always`; anything else must be one of the two values.
    pub fn from_policy(text: &str) -> Result<Self, PolicyError> {
        match text {
            "" | "always" => Ok(VerifyTimestamp::Always),
            "afterCertExpiry" => Ok(VerifyTimestamp::AfterCertExpiry),
            other => Err(PolicyError::new(format!(
                "verifyTimestamp must be \"always\" or \"afterCertExpiry\", but got {}",
                go_quote(other)
            ))),
        }
    }
}
