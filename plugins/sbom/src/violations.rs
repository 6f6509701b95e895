//! The deny-list checks, matching Ratify v1 result for result.
//!
//! Ratify matched each disallowed license with the Go regexp
//! `(?:^|\(|\s)(<quoted license>)(?:$|\)|\s)` over the lowercased license expression: a
//! case-insensitive whole-token match whose boundaries are the ends of the text, parentheses
//! or ASCII whitespace. So `MPL` does not match `MPL-2.0`, while `BSD-3-Clause` matches
//! `BSD-2-Clause AND LicenseRef-AND AND BSD-3-Clause`. [`license_matches`] is that rule without
//! a regex engine.

use crate::config::SbomConfig;
use crate::document::Package;

/// Packages that break the deny lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violations {
    /// One entry per (package, matching disallowed license) pair, in package order then in
    /// deny-list order, as Ratify listed them.
    pub licenses: Vec<Package>,
    /// Each denied package once, in package order.
    pub packages: Vec<Package>,
}

impl Violations {
    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.licenses.is_empty() && self.packages.is_empty()
    }
}

/// Checks every package against both deny lists.
pub fn find(packages: &[Package], config: &SbomConfig) -> Violations {
    let disallowed: Vec<String> = config
        .disallowed_licenses
        .iter()
        .map(|license| license.to_lowercase())
        .collect();
    let mut found = Violations::default();
    for package in packages {
        let license = package.license.to_lowercase();
        for denied in &disallowed {
            if license_matches(&license, denied) {
                found.licenses.push(package.clone());
            }
        }
        // Ratify listed a version-less package twice when a name-only rule matched it (it kept
        // name-only rules in two maps); one entry per package is what was meant.
        if config
            .disallowed_packages
            .iter()
            .any(|rule| rule.matches(&package.name, &package.version))
        {
            found.packages.push(package.clone());
        }
    }
    found
}

/// Whether `license` occurs in `expression` as a whole token. Both must already be lowercased.
pub fn license_matches(expression: &str, license: &str) -> bool {
    if license.is_empty() {
        return false;
    }
    // Every occurrence is tried, overlapping ones included, as the regex would.
    let mut from = 0;
    while let Some(offset) = expression[from..].find(license) {
        let start = from + offset;
        let end = start + license.len();
        let before = expression[..start].chars().next_back();
        let after = expression[end..].chars().next();
        if before.is_none_or(|c| is_boundary(c, '(')) && after.is_none_or(|c| is_boundary(c, ')')) {
            return true;
        }
        // Step one character on; `start` is a char boundary, so this one is too.
        from = start + expression[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// Go's `\s` is ASCII only (space, \t, \n, \f, \r), which is exactly `is_ascii_whitespace`.
fn is_boundary(c: char, bracket: char) -> bool {
    c == bracket || c.is_ascii_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PackageRule;

    fn matches(expression: &str, license: &str) -> bool {
        license_matches(&expression.to_lowercase(), &license.to_lowercase())
    }

    #[test]
    fn whole_tokens_match_ignoring_case() {
        assert!(matches("Zlib", "zlib"));
        assert!(matches("zlib", "Zlib"));
        assert!(matches(
            "BSD-2-Clause AND LicenseRef-AND AND BSD-3-Clause",
            "BSD-3-Clause"
        ));
        assert!(matches("(MIT OR Apache-2.0)", "MIT"));
        assert!(matches("(MIT OR Apache-2.0)", "Apache-2.0"));
        assert!(matches("MIT\tAND\nZlib", "Zlib"));
        assert!(matches("NOASSERTION", "NOASSERTION"));
        assert!(matches(
            "GPL-2.0-only WITH Classpath-exception-2.0",
            "GPL-2.0-only"
        ));
        // A multi-token deny entry matches the same tokens in sequence.
        assert!(matches("MIT OR Apache-2.0", "MIT OR"));
    }

    #[test]
    fn parts_of_tokens_do_not_match() {
        assert!(!matches("MPL-2.0", "MPL"));
        assert!(!matches("MPL-2.0 AND LicenseRef-AND AND MIT", "MPL"));
        assert!(!matches("LGPL-2.1", "GPL-2.1"));
        assert!(!matches("GPL-2.0-or-later", "GPL-2.0"));
        assert!(!matches("", "MIT"));
        assert!(!matches("MIT", ""));
        // Vertical tab is not in Go's \s.
        assert!(!matches("MIT\u{b}AND", "MIT"));
        // Brackets count only on their own side, as in the regex.
        assert!(!matches("MIT(", "MIT"));
        assert!(!matches(")MIT", "MIT"));
    }

    #[test]
    fn a_later_occurrence_can_match_after_an_earlier_one_fails() {
        assert!(matches("MIT-0 OR MIT", "MIT"));
        assert!(matches("aa a", "a"));
        assert!(matches("ünï MIT", "MIT"));
    }

    fn package(name: &str, version: &str, license: &str) -> Package {
        Package {
            name: name.into(),
            version: version.into(),
            license: license.into(),
        }
    }

    #[test]
    fn a_package_is_listed_per_matching_license_and_once_per_rule_set() {
        let packages = [
            package("a", "1", "MIT AND Zlib"),
            package("b", "", "Apache-2.0"),
        ];
        let config = SbomConfig {
            disallowed_licenses: vec!["zlib".into(), "MIT".into(), "GPL-3.0-only".into()],
            disallowed_packages: vec![
                PackageRule {
                    name: "b".into(),
                    version: None,
                },
                PackageRule {
                    name: "b".into(),
                    version: Some(String::new()),
                },
            ],
            ..SbomConfig::default()
        };
        let found = find(&packages, &config);
        assert_eq!(found.licenses, [packages[0].clone(), packages[0].clone()]);
        assert_eq!(found.packages, [packages[1].clone()]);
        assert!(find(&packages, &SbomConfig::default()).is_empty());
    }
}
