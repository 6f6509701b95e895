//! Image references read as Docker (and so Ratify and cosign) read them: `alpine` is
//! `docker.io/library/alpine`, a reference without tag or digest means `:latest`, and a
//! digest makes a tag irrelevant. Trust-policy scopes and `signedIdentity` compare references
//! in this form, so a short name cannot slip past a scope written in the long form.

/// A reference as (normalized repository, `:tag` / `@digest` / "").
pub fn split(reference: &str) -> (String, String) {
    let (name, rest) = match reference.find('@') {
        Some(at) => (&reference[..at], &reference[at..]),
        None => match reference.rfind(':') {
            Some(colon) if !reference[colon..].contains('/') => {
                (&reference[..colon], &reference[colon..])
            }
            _ => (reference, ""),
        },
    };
    // The tag part of `name@digest` is dropped: the digest decides.
    let name = match name.rfind(':') {
        Some(colon)
            if !rest.is_empty() && rest.starts_with('@') && !name[colon..].contains('/') =>
        {
            &name[..colon]
        }
        _ => name,
    };
    (normalize(name), rest.to_owned())
}

/// Docker's short names: `alpine` is `docker.io/library/alpine`, `me/app` `docker.io/me/app`.
fn normalize(name: &str) -> String {
    let first = name.split('/').next().unwrap_or_default();
    let has_registry = name.contains('/') && (first.contains(['.', ':']) || first == "localhost");
    match (has_registry, name.contains('/')) {
        (true, _) => name.to_owned(),
        (false, true) => format!("docker.io/{name}"),
        (false, false) => format!("docker.io/library/{name}"),
    }
}

/// Ratify's `ParseDockerRef(...).String()`, which trust-policy scopes are matched against:
/// the normalised repository with its digest, else its tag, else `:latest`. References that
/// are paths (an OCI layout on disk) are left as they are.
pub fn docker_ref(reference: &str) -> String {
    if reference.starts_with(['/', '.']) || reference.is_empty() {
        return reference.to_owned();
    }
    let (repository, rest) = split(reference);
    if rest.is_empty() {
        format!("{repository}:latest")
    } else {
        format!("{repository}{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_read_as_docker_reads_them() {
        assert_eq!(docker_ref("nginx:1"), "docker.io/library/nginx:1");
        assert_eq!(
            docker_ref("library/nginx"),
            "docker.io/library/nginx:latest"
        );
        assert_eq!(docker_ref("me/app@sha256:aa"), "docker.io/me/app@sha256:aa");
        assert_eq!(docker_ref("ghcr.io/o/r"), "ghcr.io/o/r:latest");
        assert_eq!(
            docker_ref("ghcr.io/o/r:v1@sha256:aa"),
            "ghcr.io/o/r@sha256:aa"
        );
        assert_eq!(docker_ref("localhost:5000/r:v1"), "localhost:5000/r:v1");
        assert_eq!(docker_ref("127.0.0.1:5000/r"), "127.0.0.1:5000/r:latest");
        assert_eq!(docker_ref("/tmp/layout:v1"), "/tmp/layout:v1");
    }
}
