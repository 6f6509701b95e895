//! Registry scope syntax: notation-go's `validateRegistryScopeFormat` (oci.go), whose domain
//! and repository regular expressions come from distribution's reference grammar. They are
//! matched by hand here to avoid a regex dependency; the accepted languages are the same.

use super::PolicyError;
use super::quote::go_quote;

const ENSURE: &str = "make sure it is a fully qualified repository without the scheme, protocol or tag. For example domain.com/my/repository or a local scope like local/myOCILayout";

/// Checks that a (non-wildcard) scope is `registry/repository` without tag, digest or
/// scheme, with notation's error wording.
pub fn validate_registry_scope(scope: &str) -> Result<(), PolicyError> {
    // Go's len() counts bytes; any `*` in a scope other than "*" itself is refused.
    if scope.len() > 1 && scope.contains('*') {
        return Err(PolicyError::new(format!(
            "registry scope {} with wild card(s) is not valid, {ENSURE}",
            go_quote(scope)
        )));
    }
    let valid = scope
        .split_once('/')
        .is_some_and(|(domain, repository)| is_domain(domain) && is_repository(repository));
    if !valid {
        return Err(PolicyError::new(format!(
            "registry scope {} is not valid, {ENSURE}",
            go_quote(scope)
        )));
    }
    Ok(())
}

/// `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:same))*(?::[0-9]+)?`, anchored.
fn is_domain(domain: &str) -> bool {
    let (host, port) = match domain.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (domain, None),
    };
    let port_ok =
        port.is_none_or(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    port_ok && host.split('.').all(is_domain_label)
}

fn is_domain_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        }
        _ => false,
    }
}

/// Path components `[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*` joined by `/`, anchored.
fn is_repository(repository: &str) -> bool {
    repository.split('/').all(is_path_component)
}

fn is_path_component(component: &str) -> bool {
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = component.as_bytes();
    if !bytes.first().is_some_and(alnum) || !bytes.last().is_some_and(alnum) {
        return false;
    }
    // Each run of separator characters between alphanumerics must be `.`, `_`, `__` or `-`+.
    bytes
        .split(alnum)
        .filter(|run| !run.is_empty())
        .all(|run| matches!(run, b"." | b"_" | b"__") || run.iter().all(|b| *b == b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// notation-go oci_test.go `TestValidRegistryScopes` / `TestInvalidRegistryScopes`.
    #[test]
    fn accepts_and_rejects_as_notation() {
        for scope in [
            "example.com/rep",
            "example.com:8080/rep/rep2",
            "example.com/rep/subrep/subsub",
            "10.10.10.10:8080/rep/rep2",
            "domain/rep",
            "domain:1234/rep",
            "localhost:5000/test-repo",
            "a/b__c/d---e/f.g_h",
            "local/myoci",
        ] {
            assert!(validate_registry_scope(scope).is_ok(), "{scope}");
        }
        for scope in [
            "",
            "1:1",
            "a,b",
            "abcd",
            "1111",
            "1,2",
            "example.com/rep:tag",
            "example.com/rep/subrep/sub:latest",
            "example.com",
            "rep/rep2:latest",
            "repository",
            "10.10.10.10",
            "10.10.10.10:8080/rep/rep2:latest",
            "localhost:5000\\test-repo",
            "example.com/Rep",
            "example.com/rep/",
            "example.com//rep",
            "-a.com/rep",
            "a.com:/rep",
            "a..com/rep",
            "a.com/rep___x",
            "a.com/rep._x",
            "https://a.com/rep",
            "a.com/rep@sha256:abc",
        ] {
            let err = validate_registry_scope(scope).unwrap_err();
            assert_eq!(
                err.message,
                format!("registry scope {} is not valid, {ENSURE}", go_quote(scope))
            );
        }
        for scope in ["example.com/*", "*/", "example*/", "ex*test"] {
            let err = validate_registry_scope(scope).unwrap_err();
            assert_eq!(
                err.message,
                format!(
                    "registry scope {} with wild card(s) is not valid, {ENSURE}",
                    go_quote(scope)
                )
            );
        }
    }
}
