//! Folding reports into a verdict, as Ratify v1's `configPolicy` does.
//!
//! Reports are grouped by artifact type. Under `any`, a type passes when one of its reports
//! passed; under `all`, one failure denies. A type listed in the policy but without any report
//! fails, so a policy can require an artifact type. No reports at all deny. Referrers no
//! verifier handles produce no report, so they never count as success.

use std::collections::BTreeMap;

use crate::config::{PolicyConfig, Rule};
use crate::report::VerifierReport;

/// Whether `reports` satisfy `policy`. Only top-level reports count; nested results already
/// folded into their parent's success.
pub fn evaluate(policy: &PolicyConfig, reports: &[VerifierReport]) -> bool {
    if reports.is_empty() {
        return false;
    }
    let mut satisfied: BTreeMap<&str, bool> =
        policy.rules.keys().map(|t| (t.as_str(), false)).collect();
    for report in reports {
        let rule = policy
            .rules
            .get(&report.artifact_type)
            .copied()
            .unwrap_or(policy.default_rule);
        let entry = satisfied
            .entry(report.artifact_type.as_str())
            .or_insert(false);
        match rule {
            Rule::Any => *entry |= report.is_success,
            Rule::All if !report.is_success => return false,
            Rule::All => *entry = true,
        }
    }
    satisfied.values().all(|ok| *ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(artifact_type: &str, is_success: bool) -> VerifierReport {
        let mut r = VerifierReport::subject_failure("s", String::new(), String::new(), None);
        r.artifact_type = artifact_type.to_owned();
        r.is_success = is_success;
        r
    }

    fn policy(rules: &[(&str, Rule)], default_rule: Rule) -> PolicyConfig {
        PolicyConfig {
            rules: rules.iter().map(|(t, r)| ((*t).to_owned(), *r)).collect(),
            default_rule,
        }
    }

    #[test]
    fn default_all_denies_on_any_failure() {
        let p = policy(&[], Rule::All);
        assert!(evaluate(&p, &[report("sig", true), report("sbom", true)]));
        assert!(!evaluate(&p, &[report("sig", true), report("sig", false)]));
        assert!(!evaluate(&p, &[]), "no reports deny");
    }

    #[test]
    fn any_needs_one_success_per_type() {
        let p = policy(&[("sig", Rule::Any)], Rule::All);
        assert!(evaluate(&p, &[report("sig", false), report("sig", true)]));
        assert!(!evaluate(&p, &[report("sig", false)]));
        assert!(
            !evaluate(&p, &[report("sig", true), report("sbom", false)]),
            "default all still applies"
        );
    }

    #[test]
    fn a_listed_type_without_reports_denies() {
        let p = policy(&[("sig", Rule::Any), ("sbom", Rule::All)], Rule::All);
        assert!(!evaluate(&p, &[report("sig", true)]));
        assert!(evaluate(&p, &[report("sig", true), report("sbom", true)]));
    }

    #[test]
    fn default_any_is_lenient_per_type() {
        let p = policy(&[], Rule::Any);
        assert!(evaluate(
            &p,
            &[report("a", false), report("a", true), report("b", true)]
        ));
        assert!(!evaluate(&p, &[report("a", true), report("b", false)]));
    }
}
