//! Registry references (`[registry/]repository[:tag][@digest]`), parsed by hand: the OCI
//! distribution grammar is simple, and oci-spec's regex-based parser costs ~60 ms on first use
//! and ~2 ms per reference after, which dominated a warm verification.

use crate::digest::Digest;
use crate::error::{Error, Result};

/// Docker Hub, as references name it and as its API is reached.
const DOCKER_HUB: &str = "docker.io";
const DOCKER_HUB_API: &str = "index.docker.io";

/// A parsed reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The registry host to talk to (`docker.io` becomes `index.docker.io`).
    pub registry: String,
    /// The repository (`library/alpine` for Docker Hub's short names).
    pub repository: String,
    /// The tag, when the reference names one.
    pub tag: Option<String>,
    /// The digest, when the reference names one (it wins over the tag).
    pub digest: Option<String>,
}

impl Reference {
    /// Parses `text`, naming the part that is wrong.
    pub fn parse(text: &str) -> Result<Self> {
        let invalid = |why: &str| {
            Error::usage(format!("{text:?} is not a valid image reference: {why}"))
                .with_remediation(
                    "write registry/repository:tag or registry/repository@sha256:<hex>",
                )
        };
        let (rest, digest) = match text.split_once('@') {
            Some((rest, digest)) => {
                Digest::parse(digest).map_err(|e| invalid(&e))?;
                (rest, Some(digest.to_owned()))
            }
            None => (text, None),
        };
        let (name, tag) = match rest.rsplit_once(':') {
            Some((name, tag)) if !tag.contains('/') => (name, Some(tag)),
            _ => (rest, None),
        };
        if let Some(tag) = tag {
            let valid = tag.len() <= 128
                && tag
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                && tag
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
            if !valid {
                return Err(invalid(&format!(
                    "tag {tag:?} is not [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}"
                )));
            }
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
                (first, rest.to_owned())
            }
            _ if name.contains('/') => (DOCKER_HUB, name.to_owned()),
            _ => (DOCKER_HUB, format!("library/{name}")),
        };
        if registry.is_empty()
            || !registry
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        {
            return Err(invalid(&format!(
                "registry {registry:?} is not a host[:port]"
            )));
        }
        if let Some(component) = repository.split('/').find(|c| !valid_component(c)) {
            return Err(invalid(&format!(
                "repository component {component:?} must be lowercase letters and digits separated by '.', '_', '__' or '-'"
            )));
        }
        let registry = if registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            registry
        };
        let tag = match (&digest, tag) {
            (None, None) => Some("latest".to_owned()),
            (_, tag) => tag.map(str::to_owned),
        };
        Ok(Self {
            registry: registry.to_owned(),
            repository,
            tag,
            digest,
        })
    }
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn valid_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    if bytes.is_empty() || !is_alnum(bytes[0]) || !is_alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if is_alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !is_alnum(bytes[i]) {
            i += 1;
        }
        let separator = &component[start..i];
        if !(separator == "."
            || separator == "_"
            || separator == "__"
            || separator.bytes().all(|b| b == b'-'))
        {
            return false;
        }
    }
    true
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (String, String, Option<String>, Option<String>) {
        let r = Reference::parse(text).unwrap();
        (r.registry, r.repository, r.tag, r.digest)
    }

    #[test]
    fn parses_as_the_distribution_grammar_says() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            parsed("localhost:5000/repo:tag"),
            ("localhost:5000".into(), "repo".into(), s("tag"), None)
        );
        assert_eq!(
            parsed("127.0.0.1:5077/a/b"),
            ("127.0.0.1:5077".into(), "a/b".into(), s("latest"), None)
        );
        assert_eq!(
            parsed("busybox"),
            (
                "index.docker.io".into(),
                "library/busybox".into(),
                s("latest"),
                None
            )
        );
        assert_eq!(
            parsed("docker.io/library/alpine:3.19"),
            (
                "index.docker.io".into(),
                "library/alpine".into(),
                s("3.19"),
                None
            )
        );
        assert_eq!(parsed(&format!("ghcr.io/o/r@{digest}")).3, s(&digest));
        assert_eq!(parsed(&format!("ghcr.io/o/r:v1@{digest}")).2, s("v1"));
        assert_eq!(
            parsed("me/app:v1"),
            ("index.docker.io".into(), "me/app".into(), s("v1"), None)
        );
        assert_eq!(parsed("reg.io/a__b/c-d.e--f:x").1, "a__b/c-d.e--f");
    }

    #[test]
    fn rejects_what_the_grammar_does_not_allow() {
        for bad in [
            "Reg.io/Upper:v1",
            "reg.io/a//b",
            "reg.io/a:-tag",
            "reg.io/a@sha256:abc",
            "reg.io/-a",
            "reg.io/a_",
            "",
            "reg.io/a:b c",
            "reg.io/a...b",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
