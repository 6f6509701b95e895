//! Verification results in Ratify v1's JSON shape, and as text for humans.

use serde::Serialize;
use serde_json::Value;

/// One verifier's verdict on one referrer, field for field as Ratify v1 prints it (so tooling
/// written for Ratify keeps working).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifierReport {
    /// The subject the referrer belongs to.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subject: String,
    /// Whether this referrer passed this verifier (and its nested checks).
    pub is_success: bool,
    /// The verifier's configured name (Ratify's deprecated alias of `verifierName`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The verifier's configured name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub verifier_name: String,
    /// The verifier's type (Ratify's deprecated alias of `verifierType`).
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// The verifier's type: the plugin it runs.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub verifier_type: String,
    /// The referrer's digest.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reference_digest: String,
    /// The referrer's artifact type.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub artifact_type: String,
    /// What was found.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Why it failed.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub error_reason: String,
    /// What to do about a failure.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub remediation: String,
    /// Verifier-specific details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Value>,
    /// Reports on the referrer's own referrers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nested_results: Vec<VerifierReport>,
}

impl VerifierReport {
    /// A failure report about the subject as a whole (no referrer, no verifier).
    pub fn subject_failure(
        subject: &str,
        message: String,
        reason: String,
        remediation: Option<String>,
    ) -> Self {
        Self {
            subject: subject.to_owned(),
            is_success: false,
            name: String::new(),
            verifier_name: String::new(),
            kind: String::new(),
            verifier_type: String::new(),
            reference_digest: String::new(),
            artifact_type: String::new(),
            message,
            error_reason: reason,
            remediation: remediation.unwrap_or_default(),
            extensions: None,
            nested_results: Vec::new(),
        }
    }
}

/// The verdict on a subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// Whether the subject may run.
    pub is_success: bool,
    /// Every report, in referrer digest order.
    pub verifier_reports: Vec<VerifierReport>,
    /// Referrers no verifier handles: shown to humans, never counted as success.
    #[serde(skip)]
    pub unverified: Vec<(String, String)>,
    /// The subject, pinned to its digest, for the text summary.
    #[serde(skip)]
    pub subject: String,
}

impl Outcome {
    /// A denial with one report saying why.
    pub fn deny(
        subject: &str,
        message: String,
        reason: String,
        remediation: Option<String>,
    ) -> Self {
        Self {
            is_success: false,
            verifier_reports: vec![VerifierReport::subject_failure(
                subject,
                message,
                reason,
                remediation,
            )],
            unverified: Vec::new(),
            subject: subject.to_owned(),
        }
    }

    /// The JSON document, pretty-printed like Ratify's.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Lines for humans: one per report with ✓/✗ and the reason, then the verdict.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for report in &self.verifier_reports {
            render(&mut out, report, 0);
        }
        for (digest, artifact_type) in &self.unverified {
            out.push_str(&format!("- {digest} {artifact_type}: not verified (no verifier configured for this artifact type)\n"));
        }
        let verdict = if self.is_success {
            "VERIFIED"
        } else {
            "DENIED"
        };
        out.push_str(&format!("{verdict}: {}\n", self.subject));
        out
    }
}

fn render(out: &mut String, report: &VerifierReport, depth: usize) {
    let mark = if report.is_success { "✓" } else { "✗" };
    let indent = "  ".repeat(depth);
    let what = if report.reference_digest.is_empty() {
        report.subject.clone()
    } else {
        format!("{} {}", report.reference_digest, report.artifact_type)
    };
    let who = if report.verifier_name.is_empty() {
        String::new()
    } else {
        format!(" [{}]", report.verifier_name)
    };
    out.push_str(&format!("{indent}{mark} {what}{who}: {}", report.message));
    if !report.error_reason.is_empty() && !report.message.contains(&report.error_reason) {
        out.push_str(&format!(" ({})", report.error_reason));
    }
    out.push('\n');
    if !report.remediation.is_empty() && !report.is_success {
        out.push_str(&format!("{indent}  fix: {}\n", report.remediation));
    }
    for nested in &report.nested_results {
        render(out, nested, depth + 1);
    }
}
