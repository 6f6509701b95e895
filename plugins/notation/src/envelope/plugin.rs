//! The verification-plugin attributes as notation-go reads them (`getVerificationPlugin`,
//! `getVerificationPluginMinVersion`): both must be critical, non-empty strings, and the
//! minimum version a semantic version (`internal/semver.IsValid`).

use super::{
    Envelope, EnvelopeError, EnvelopeErrorKind, VERIFICATION_PLUGIN,
    VERIFICATION_PLUGIN_MIN_VERSION,
};

/// A signature's demand for a verification plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginRequirement {
    /// `io.cncf.notary.verificationPlugin`.
    pub name: String,
    /// `io.cncf.notary.verificationPluginMinVersion`, when present.
    pub min_version: Option<String>,
}

impl Envelope {
    /// The verification plugin the signature asks for, if any, with notation-go's errors for
    /// malformed attributes (which fail verification before any other check).
    pub fn verification_plugin_requirement(
        &self,
    ) -> Result<Option<PluginRequirement>, EnvelopeError> {
        let Some(name) = self.critical_string(VERIFICATION_PLUGIN)? else {
            return Ok(None);
        };
        let min_version = self.critical_string(VERIFICATION_PLUGIN_MIN_VERSION)?;
        if min_version.as_deref().is_some_and(|v| !is_semver(v)) {
            return Err(unexpected(format!(
                "{VERIFICATION_PLUGIN_MIN_VERSION} from extended attribute is not a valid SemVer"
            )));
        }
        Ok(Some(PluginRequirement { name, min_version }))
    }

    /// notation-go's `extractCriticalStringExtendedAttribute` plus the empty-string check.
    fn critical_string(&self, key: &str) -> Result<Option<String>, EnvelopeError> {
        let Some((_, value, critical)) = self.extended_attributes.iter().find(|(k, _, _)| k == key)
        else {
            return Ok(None);
        };
        if !critical {
            return Err(unexpected(format!(
                "{key} is not a critical Extended attribute"
            )));
        }
        let Some(text) = value.as_str() else {
            return Err(unexpected(format!(
                "{key} from extended attribute is not a string"
            )));
        };
        if text.trim().is_empty() {
            return Err(unexpected(format!(
                "{key} from extended attribute is an empty string"
            )));
        }
        Ok(Some(text.to_string()))
    }
}

fn unexpected(message: String) -> EnvelopeError {
    EnvelopeError::new(EnvelopeErrorKind::Unexpected, message)
}

/// `MAJOR.MINOR.PATCH[-pre][+build]` exactly as notation-go's regular expression accepts it.
pub(crate) fn is_semver(version: &str) -> bool {
    let (rest, build) = match version.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (version, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let numeric = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    let alnum =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let core_ok = {
        let parts: Vec<&str> = core.split('.').collect();
        parts.len() == 3 && parts.iter().all(|p| numeric(p))
    };
    // A pre-release identifier is numeric (no leading zero) or has a letter or hyphen.
    let pre_ok = pre.is_none_or(|p| {
        p.split('.')
            .all(|id| numeric(id) || (alnum(id) && id.bytes().any(|b| !b.is_ascii_digit())))
    });
    let build_ok = build.is_none_or(|b| b.split('.').all(alnum));
    core_ok && pre_ok && build_ok
}

#[cfg(test)]
mod tests {
    use super::is_semver;

    #[test]
    fn semver_as_notation_go_accepts_it() {
        for ok in [
            "1.0.0",
            "0.0.0",
            "10.20.30",
            "1.0.0-alpha.1",
            "1.0.0-0a",
            "1.0.0+build.7",
            "1.0.0-rc-1+x",
        ] {
            assert!(is_semver(ok), "{ok}");
        }
        for bad in [
            "v1.0.0",
            "1.0",
            "01.0.0",
            "1.0.0-01",
            "1.0.0-",
            "1.0.0+",
            "1.0.0-a..b",
            " 1.0.0",
        ] {
            assert!(!is_semver(bad), "{bad}");
        }
    }
}
