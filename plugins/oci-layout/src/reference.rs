//! Parsing references in notation's `--oci-layout` form: `<layout path>:<tag>` or
//! `<layout path>@<digest>`.

use std::path::PathBuf;

use ratify_plugin_sdk::wire::WireError;

/// What a reference points at inside its layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A tag: the `org.opencontainers.image.ref.name` annotation of an index.json entry.
    Tag(String),
    /// A digest, not yet validated (the caller decides which error a bad one is).
    Digest(String),
}

/// A parsed reference: the layout (a directory or a tarball) and the target in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The layout directory or `.tar` file, as written.
    pub path: PathBuf,
    /// The tag or digest.
    pub target: Target,
}

impl Reference {
    /// Parses a reference.
    ///
    /// With an `@`, it splits at the last `@` (a digest never contains one, a path may).
    /// Otherwise it splits at the last `:` when what follows has no `/`, since a `:` followed
    /// by a `/` belongs to the path. Anything else names no tag or digest.
    pub fn parse(reference: &str) -> Result<Self, WireError> {
        let (path, target) = if let Some((path, digest)) = reference.rsplit_once('@') {
            (path, Target::Digest(digest.to_string()))
        } else {
            match reference.rsplit_once(':') {
                Some((path, tag)) if !tag.contains('/') => (path, Target::Tag(tag.to_string())),
                _ => return Err(no_target(reference)),
            }
        };
        let empty_target = match &target {
            Target::Tag(t) | Target::Digest(t) => t.is_empty(),
        };
        if path.is_empty() || empty_target {
            return Err(no_target(reference));
        }
        Ok(Self {
            path: PathBuf::from(path),
            target,
        })
    }
}

fn no_target(reference: &str) -> WireError {
    WireError::config(format!(
        "reference {reference:?} names no tag or digest; use <dir>:<tag> or <dir>@<digest>"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(r: &str) -> (String, Target) {
        let p = Reference::parse(r).unwrap();
        (p.path.display().to_string(), p.target)
    }

    #[test]
    fn splits_tags_and_digests() {
        assert_eq!(
            parse("/l/hello:v1"),
            ("/l/hello".into(), Target::Tag("v1".into()))
        );
        assert_eq!(
            parse("hello.tar:latest"),
            ("hello.tar".into(), Target::Tag("latest".into()))
        );
        assert_eq!(
            parse("/a:b/layout@sha256:00"),
            ("/a:b/layout".into(), Target::Digest("sha256:00".into()))
        );
        assert_eq!(
            parse("/x@y/l@sha256:1"),
            ("/x@y/l".into(), Target::Digest("sha256:1".into()))
        );
        assert_eq!(
            parse("/a:b/l:v2"),
            ("/a:b/l".into(), Target::Tag("v2".into()))
        );
    }

    #[test]
    fn rejects_references_without_a_target() {
        for bad in [
            "/layout",
            "/a:b/layout",
            "/layout:",
            "/layout@",
            ":v1",
            "@sha256:0",
            "",
        ] {
            let err = Reference::parse(bad).unwrap_err();
            assert!(
                err.message.contains("names no tag or digest"),
                "{bad}: {err}"
            );
        }
    }
}
