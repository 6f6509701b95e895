//! containers/image's `signedIdentity` rules (policy.json, as podman and skopeo apply them):
//! which image a simple-signing payload's `critical.identity.docker-reference` must name. cosign
//! itself ignores that field; a policy opts in with `signedIdentity`.

use serde_json::Value;

use crate::reference::split;

/// One rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignedIdentity {
    /// The signed reference equals the verified reference (tag or digest included).
    MatchExact,
    /// As `MatchExact`, but a reference by digest only needs the same repository.
    MatchRepoDigestOrExact,
    /// Same repository, any tag.
    MatchRepository,
    /// The signed reference equals this one.
    ExactReference(String),
    /// The signed reference is in this repository.
    ExactRepository(String),
}

impl SignedIdentity {
    /// Reads `{"type": ..., "dockerReference"|"dockerRepository": ...}`.
    pub fn from_value(value: &Value) -> Result<Self, String> {
        let field = |name: &str| -> Result<String, String> {
            value
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| format!("signedIdentity: {name} is required for this type"))
        };
        match value.get("type").and_then(Value::as_str) {
            Some("matchExact") => Ok(Self::MatchExact),
            Some("matchRepoDigestOrExact") => Ok(Self::MatchRepoDigestOrExact),
            Some("matchRepository") => Ok(Self::MatchRepository),
            Some("exactReference") => Ok(Self::ExactReference(field("dockerReference")?)),
            Some("exactRepository") => Ok(Self::ExactRepository(field("dockerRepository")?)),
            other => Err(format!(
                "signedIdentity: unknown type {other:?} (matchExact, matchRepoDigestOrExact, \
                 matchRepository, exactReference, exactRepository)"
            )),
        }
    }

    /// Checks the payload's `signed` reference for the image verified as `image`.
    pub fn check(&self, signed: &str, image: &str) -> Result<(), String> {
        let (signed_repo, signed_rest) = split(signed);
        let (image_repo, image_rest) = split(image);
        let ok = match self {
            Self::MatchExact => {
                signed_repo == image_repo && signed_rest == image_rest && !image_rest.is_empty()
            }
            Self::MatchRepoDigestOrExact if image_rest.starts_with('@') => {
                signed_repo == image_repo
            }
            Self::MatchRepoDigestOrExact => signed_repo == image_repo && signed_rest == image_rest,
            Self::MatchRepository => signed_repo == image_repo,
            Self::ExactReference(want) => split(want) == (signed_repo.clone(), signed_rest.clone()),
            Self::ExactRepository(want) => split(want).0 == signed_repo,
        };
        if ok {
            return Ok(());
        }
        Err(format!(
            "signed identity {signed:?} does not match the policy ({self:?}) for image {image:?}"
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let exact = SignedIdentity::MatchExact;
        assert!(exact.check("r.io/a:1", "r.io/a:1").is_ok());
        assert!(exact.check("r.io/a:1", "r.io/a:2").is_err());
        assert!(
            exact
                .check("alpine:3", "docker.io/library/alpine:3")
                .is_ok()
        );
        assert!(
            exact
                .check("localhost:5000/a:1", "localhost:5000/a:1")
                .is_ok()
        );
        let repo = SignedIdentity::MatchRepository;
        assert!(repo.check("r.io/a:1", "r.io/a@sha256:00").is_ok());
        assert!(repo.check("r.io/a", "r.io/b:1").is_err());
        let digest = SignedIdentity::MatchRepoDigestOrExact;
        assert!(digest.check("r.io/a:1", "r.io/a@sha256:00").is_ok());
        assert!(digest.check("r.io/a:1", "r.io/a:2").is_err());
        let given = SignedIdentity::from_value(
            &serde_json::json!({"type": "exactReference", "dockerReference": "r.io/a:1"}),
        )
        .unwrap();
        assert!(given.check("r.io/a:1", "anything").is_ok());
        assert!(given.check("r.io/a:2", "anything").is_err());
        assert!(
            SignedIdentity::from_value(&serde_json::json!({"type": "exactReference"})).is_err()
        );
        assert!(SignedIdentity::from_value(&serde_json::json!({"type": "nope"})).is_err());
    }
}
