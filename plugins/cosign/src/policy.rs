//! Ratify's cosign trust policies: which keys or which keyless identity a subject must be
//! signed with, chosen by the subject's reference (`scopes`), with Ratify v1's validation
//! rules and messages, so an existing Ratify config loads the same way or fails the same way.
//!
//! Scopes: an exact reference, a prefix ending in `*`, or a lone `*` as the fallback; a scope
//! may appear once across all policies and two scopes may not overlap (a wildcard whose prefix
//! covers another scope). Policies are searched in order, scopes in order; `*` applies only
//! when nothing else matches.

use regex::Regex;

/// The characters Ratify allows in a scope (lower case: references are normalised).
const VALID_SCOPE: &str = r"^[a-z0-9\.\-:@/]*\*?$";

/// A scope pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// `*`: every subject no other scope matches.
    Global,
    /// `prefix*`: references starting with `prefix`.
    Prefix(String),
    /// A reference, matched exactly.
    Exact(String),
}

impl Scope {
    fn parse(text: &str) -> Scope {
        if text == "*" {
            Scope::Global
        } else if let Some(prefix) = text.strip_suffix('*') {
            Scope::Prefix(prefix.to_string())
        } else {
            Scope::Exact(text.to_string())
        }
    }

    fn matches(&self, reference: &str) -> bool {
        match self {
            Scope::Global => false,
            Scope::Prefix(prefix) => reference.starts_with(prefix.as_str()),
            Scope::Exact(exact) => reference == exact,
        }
    }

    /// Ratify's overlap rule: wildcards overlap when either prefix starts with the other; a
    /// wildcard and an exact scope when the exact one starts with the prefix.
    fn overlaps(&self, other: &Scope) -> bool {
        match (self, other) {
            (Scope::Prefix(a), Scope::Prefix(b)) => {
                a.starts_with(b.as_str()) || b.starts_with(a.as_str())
            }
            (Scope::Prefix(p), Scope::Exact(e)) | (Scope::Exact(e), Scope::Prefix(p)) => {
                e.starts_with(p.as_str())
            }
            _ => false,
        }
    }
}

/// Checks the scopes of every policy (`(policy name, scopes)`, in order) as Ratify does and
/// returns them parsed. Messages are Ratify's, after "Failed to create trust policies: ".
pub fn validate_scopes(policies: &[(String, Vec<String>)]) -> Result<Vec<Vec<Scope>>, String> {
    let fail = |detail: String| Err(format!("Failed to create trust policies: {detail}"));
    if policies.is_empty() {
        return fail("policy configuration not found".into());
    }
    let valid = Regex::new(VALID_SCOPE).map_err(|e| e.to_string())?;
    let mut names = Vec::new();
    let mut seen: Vec<(Scope, String)> = Vec::new();
    let mut global_used = false;
    let mut parsed = Vec::new();
    for (name, scopes) in policies {
        if names.contains(&name) {
            return fail(format!("duplicate policy name {name}"));
        }
        names.push(name);
        if scopes.is_empty() {
            return fail(format!(
                "scope parameter is required for trust policy {name}"
            ));
        }
        if scopes.iter().any(|s| s == "*") {
            if scopes.len() > 1 {
                return fail(format!(
                    "global wildcard character * cannot be used with other scopes within the same trust policy {name}"
                ));
            }
            if global_used {
                return fail("global wildcard character * can only be used once".into());
            }
            global_used = true;
            parsed.push(vec![Scope::Global]);
            continue;
        }
        let mut own = Vec::new();
        for text in scopes {
            if text.is_empty() {
                return fail(format!(
                    "scope value cannot be empty in trust policy {name}"
                ));
            }
            if !valid.is_match(text) {
                return fail(format!("invalid scope {text} for trust policy {name}"));
            }
            let scope = Scope::parse(text);
            for (other, _) in &seen {
                if *other == scope {
                    return fail(format!("duplicate scope {text} for trust policy {name}"));
                }
                if other.overlaps(&scope) {
                    return fail(format!(
                        "overlapping scopes {} and {text} for trust policy {name}",
                        display(other)
                    ));
                }
            }
            seen.push((scope.clone(), name.clone()));
            own.push(scope);
        }
        parsed.push(own);
    }
    Ok(parsed)
}

fn display(scope: &Scope) -> String {
    match scope {
        Scope::Global => "*".into(),
        Scope::Prefix(p) => format!("{p}*"),
        Scope::Exact(e) => e.clone(),
    }
}

/// The index of the policy whose scopes match `reference` (Ratify's `GetScopedPolicy`), or
/// the one holding `*`.
pub fn select(scopes: &[Vec<Scope>], reference: &str) -> Option<usize> {
    let mut global = None;
    for (index, own) in scopes.iter().enumerate() {
        for scope in own {
            if *scope == Scope::Global {
                global.get_or_insert(index);
            } else if scope.matches(reference) {
                return Some(index);
            }
        }
    }
    global
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn policies(list: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        list.iter()
            .map(|(n, s)| (n.to_string(), s.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn selects_exact_then_prefix_then_global() {
        let scopes = validate_scopes(&policies(&[
            ("all", &["*"]),
            ("org", &["ghcr.io/org/*"]),
            ("one", &["docker.io/library/alpine:3"]),
        ]))
        .unwrap();
        assert_eq!(select(&scopes, "ghcr.io/org/app:1"), Some(1));
        assert_eq!(select(&scopes, "docker.io/library/alpine:3"), Some(2));
        assert_eq!(select(&scopes, "docker.io/library/alpine:4"), Some(0));
        let no_global = validate_scopes(&policies(&[("org", &["ghcr.io/org/*"])])).unwrap();
        assert_eq!(select(&no_global, "quay.io/x"), None);
    }

    #[test]
    fn ratify_rejections() {
        type Policies<'a> = &'a [(&'a str, &'a [&'a str])];
        let cases: &[(Policies, &str)] = &[
            (&[], "policy configuration not found"),
            (&[("a", &["x"]), ("a", &["y"])], "duplicate policy name a"),
            (
                &[("a", &[])],
                "scope parameter is required for trust policy a",
            ),
            (
                &[("a", &["*", "x"])],
                "global wildcard character * cannot be used with other scopes within the same trust policy a",
            ),
            (
                &[("a", &["*"]), ("b", &["*"])],
                "global wildcard character * can only be used once",
            ),
            (
                &[("a", &[""])],
                "scope value cannot be empty in trust policy a",
            ),
            (
                &[("a", &["Upper/Case"])],
                "invalid scope Upper/Case for trust policy a",
            ),
            (&[("a", &["x*y"])], "invalid scope x*y for trust policy a"),
            (
                &[("a", &["x"]), ("b", &["x"])],
                "duplicate scope x for trust policy b",
            ),
            (
                &[("a", &["ghcr.io/*"]), ("b", &["ghcr.io/org/*"])],
                "overlapping scopes ghcr.io/* and ghcr.io/org/* for trust policy b",
            ),
            (
                &[("a", &["ghcr.io/org/app"]), ("b", &["ghcr.io/*"])],
                "overlapping scopes ghcr.io/org/app and ghcr.io/* for trust policy b",
            ),
        ];
        for (list, message) in cases {
            let error = validate_scopes(&policies(list)).unwrap_err();
            assert_eq!(error, format!("Failed to create trust policies: {message}"));
        }
    }
}
