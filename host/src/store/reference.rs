//! Subject references: `<repository or layout path>` followed by `:<tag>` or `@<digest>`.
//!
//! The host only needs to split a reference into its repository part and its tag or digest
//! (to name a referrer as `<repository>@<digest>` for nested verification); the store plugin
//! interprets the repository part.

/// The repository part of a reference: everything before `@digest`, or before `:tag` when the
/// colon comes after the last `/` (so `localhost:5000/app` keeps its port).
pub fn repository(reference: &str) -> &str {
    if let Some((repository, _)) = reference.rsplit_once('@') {
        return repository;
    }
    match reference.rsplit_once(':') {
        Some((repository, tag)) if !tag.contains('/') => repository,
        _ => reference,
    }
}

/// The digest a reference names, if it names one.
pub fn digest(reference: &str) -> Option<&str> {
    reference.rsplit_once('@').map(|(_, digest)| digest)
}

/// `<repository>@<digest>`: the same repository, pinned to a digest.
pub fn with_digest(reference: &str, digest: &str) -> String {
    format!("{}@{digest}", repository(reference))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_tags_digests_and_ports() {
        assert_eq!(repository("localhost:5000/app:v1"), "localhost:5000/app");
        assert_eq!(repository("localhost:5000/app"), "localhost:5000/app");
        assert_eq!(repository("testdata/layout:v1"), "testdata/layout");
        assert_eq!(repository("/x/layout@sha256:ab"), "/x/layout");
        assert_eq!(repository("reg/app:v1@sha256:ab"), "reg/app:v1");
        assert_eq!(with_digest("a/b:v1", "sha256:00"), "a/b@sha256:00");
        assert_eq!(digest("a/b@sha256:00"), Some("sha256:00"));
        assert_eq!(digest("a/b:v1"), None);
    }
}
