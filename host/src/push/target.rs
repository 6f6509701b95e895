//! The push target, `<registry>/<repository>`, and whether its host is loopback (where plain
//! HTTP is the norm and TLS would only get in the way of tests and local mirrors).

use std::net::IpAddr;

use oci_client::Reference;

use crate::error::{Error, Result};

/// `<registry>/<repository>` → its parts. The registry must be explicit (a host with a `.` or
/// `:`, or `localhost`): silently pushing to Docker Hub would surprise an air-gapped user.
pub fn parse_target(target: &str) -> Result<(String, String)> {
    let usage = |why: &str| {
        Error::usage(format!("push target {target:?} {why}"))
            .with_remediation("write <registry>/<repository>, e.g. localhost:5000/mirror/app")
    };
    let (registry, repository) = target
        .split_once('/')
        .ok_or_else(|| usage("names no registry"))?;
    if !(registry.contains('.') || registry.contains(':') || registry == "localhost") {
        return Err(usage("does not start with a registry host"));
    }
    let last = repository.rsplit('/').next().unwrap_or(repository);
    if last.contains(':') || last.contains('@') {
        return Err(usage(
            "has a tag or digest; tags come from the layout (push <layout>:<tag> to pick one)",
        ));
    }
    let reference = Reference::try_from(target).map_err(|e| usage(&format!("is invalid: {e}")))?;
    Ok((
        reference.registry().to_owned(),
        reference.repository().to_owned(),
    ))
}

/// Whether the registry host (port stripped) is loopback, where plain HTTP is the norm.
pub fn is_loopback(registry: &str) -> bool {
    let host = if let Some(rest) = registry.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else if registry.matches(':').count() > 1 {
        registry
    } else {
        registry.split(':').next().unwrap_or(registry)
    };
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn parses_targets() {
        assert_eq!(
            parse_target("127.0.0.1:5000/a/b").unwrap(),
            ("127.0.0.1:5000".into(), "a/b".into())
        );
        assert_eq!(
            parse_target("localhost/app").unwrap(),
            ("localhost".into(), "app".into())
        );
        for bad in [
            "app",
            "org/app",
            "localhost:5000/app:v1",
            "r.io/app@sha256:00",
            "r.io/UP",
        ] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn knows_loopback_hosts() {
        for host in [
            "127.0.0.1:5000",
            "127.1.2.3",
            "localhost:80",
            "[::1]:5000",
            "::1",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["10.0.0.1:5000", "example.com", "localhost.example.com:5000"] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
