//! Unit tests for verification levels and overrides, mirroring notation-go
//! `verifier/trustpolicy/trustpolicy_test.go` (`TestGetVerificationLevel`,
//! `TestCustomVerificationLevel`).

use super::level::{Action, LevelName, Validation, VerificationLevel, VerifyTimestamp};

use Action::{Enforce as E, Log as L, Skip as S};

fn actions(level: &VerificationLevel) -> Vec<Action> {
    level.actions().iter().map(|(_, action)| *action).collect()
}

fn custom(level: &str, overrides: &[(&str, &str)]) -> Result<VerificationLevel, String> {
    let overrides: Vec<(String, String)> = overrides
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    VerificationLevel::from_policy(level, &overrides).map_err(|err| err.message)
}

#[test]
fn preset_tables() {
    let cases = [
        ("strict", [E, E, E, E, E]),
        ("permissive", [E, E, L, L, L]),
        ("audit", [E, L, L, L, L]),
        ("skip", [S, S, S, S, S]),
    ];
    for (name, expected) in cases {
        let level = custom(name, &[]).unwrap();
        assert_eq!(actions(&level), expected, "{name}");
        assert_eq!(level.name.as_str(), name);
        assert!(!level.custom);
        assert_eq!(level.display_name(), name);
    }
    assert_eq!(
        custom("strict", &[])
            .unwrap()
            .action(Validation::Revocation),
        E
    );
    assert_eq!(
        custom("permissive", &[])
            .unwrap()
            .action(Validation::AuthenticTimestamp),
        L
    );
}

#[test]
fn invalid_levels() {
    assert_eq!(
        custom("", &[]).unwrap_err(),
        "signature verification level is empty or missing in the trust policy statement"
    );
    assert_eq!(
        custom("invalid", &[]).unwrap_err(),
        "invalid signature verification level \"invalid\""
    );
    assert_eq!(
        custom("Strict", &[]).unwrap_err(),
        "invalid signature verification level \"Strict\""
    );
    assert_eq!(
        custom("invalid", &[("authenticity", "log")]).unwrap_err(),
        "invalid signature verification level \"invalid\""
    );
}

#[test]
fn overrides() {
    let cases: [(&str, (&str, &str), [Action; 5]); 15] = [
        ("strict", ("authenticity", "log"), [E, L, E, E, E]),
        ("permissive", ("authenticity", "log"), [E, L, L, L, L]),
        ("audit", ("authenticity", "log"), [E, L, L, L, L]),
        ("strict", ("expiry", "log"), [E, E, E, L, E]),
        ("permissive", ("expiry", "log"), [E, E, L, L, L]),
        ("audit", ("expiry", "log"), [E, L, L, L, L]),
        ("strict", ("revocation", "log"), [E, E, E, E, L]),
        ("permissive", ("revocation", "log"), [E, E, L, L, L]),
        ("audit", ("revocation", "log"), [E, L, L, L, L]),
        ("strict", ("revocation", "skip"), [E, E, E, E, S]),
        ("permissive", ("revocation", "skip"), [E, E, L, L, S]),
        ("audit", ("revocation", "skip"), [E, L, L, L, S]),
        ("permissive", ("authenticTimestamp", "log"), [E, E, L, L, L]),
        ("audit", ("authenticTimestamp", "log"), [E, L, L, L, L]),
        ("strict", ("authenticTimestamp", "log"), [E, E, L, E, E]),
    ];
    for (name, (key, value), expected) in cases {
        let level = custom(name, &[(key, value)]).unwrap();
        assert_eq!(actions(&level), expected, "{name} {key}={value}");
        assert!(level.custom);
        assert_eq!(level.display_name(), "custom");
        assert_eq!(level.name, LevelName::parse(name).unwrap());
    }
    let level = custom(
        "permissive",
        &[("expiry", "enforce"), ("authenticity", "log")],
    )
    .unwrap();
    assert_eq!(actions(&level), [E, L, L, E, L]);
}

#[test]
fn invalid_overrides() {
    let cases = [
        (
            "strict",
            ("integrity", "log"),
            "\"integrity\" verification can not be overridden in custom signature verification",
        ),
        (
            "strict",
            ("integrity", "enforce"),
            "\"integrity\" verification can not be overridden in custom signature verification",
        ),
        (
            "strict",
            ("authenticity", "skip"),
            "\"authenticity\" verification can not be skipped in custom signature verification",
        ),
        (
            "strict",
            ("authenticTimestamp", "skip"),
            "\"authenticTimestamp\" verification can not be skipped in custom signature verification",
        ),
        (
            "strict",
            ("expiry", "skip"),
            "\"expiry\" verification can not be skipped in custom signature verification",
        ),
        (
            "skip",
            ("authenticity", "log"),
            "signature verification level \"skip\" can't be used to customize signature verification",
        ),
        (
            "strict",
            ("invalid", "log"),
            "verification type \"invalid\" in custom signature verification is not supported, supported values are [\"integrity\" \"authenticity\" \"authenticTimestamp\" \"expiry\" \"revocation\"]",
        ),
        (
            "strict",
            ("authenticity", "invalid"),
            "verification action \"invalid\" in custom signature verification is not supported, supported values are [\"enforce\" \"log\" \"skip\"]",
        ),
        // A JSON null value is Go's "" and not a supported action.
        (
            "strict",
            ("expiry", ""),
            "verification action \"\" in custom signature verification is not supported, supported values are [\"enforce\" \"log\" \"skip\"]",
        ),
        // The type is checked before the action, and both before the integrity rule.
        (
            "strict",
            ("Integrity", "bogus"),
            "verification type \"Integrity\" in custom signature verification is not supported, supported values are [\"integrity\" \"authenticity\" \"authenticTimestamp\" \"expiry\" \"revocation\"]",
        ),
        (
            "strict",
            ("integrity", "bogus"),
            "verification action \"bogus\" in custom signature verification is not supported, supported values are [\"enforce\" \"log\" \"skip\"]",
        ),
    ];
    for (name, (key, value), message) in cases {
        assert_eq!(
            custom(name, &[(key, value)]).unwrap_err(),
            message,
            "{name} {key}={value}"
        );
    }
    // An empty override map is no override, even for skip.
    assert!(!custom("skip", &[]).unwrap().custom);
}

#[test]
fn verify_timestamp_values() {
    assert_eq!(
        VerifyTimestamp::from_policy("").unwrap(),
        VerifyTimestamp::Always
    );
    assert_eq!(
        VerifyTimestamp::from_policy("always").unwrap(),
        VerifyTimestamp::Always
    );
    assert_eq!(
        VerifyTimestamp::from_policy("afterCertExpiry").unwrap(),
        VerifyTimestamp::AfterCertExpiry
    );
    assert_eq!(
        VerifyTimestamp::from_policy("Always").unwrap_err().message,
        "verifyTimestamp must be \"always\" or \"afterCertExpiry\", but got \"Always\""
    );
}

#[test]
fn names_round_trip() {
    for level in LevelName::ALL {
        assert_eq!(LevelName::parse(level.as_str()), Some(level));
    }
    for action in Action::ALL {
        assert_eq!(Action::parse(action.as_str()), Some(action));
    }
    for validation in Validation::ALL {
        assert_eq!(Validation::parse(validation.as_str()), Some(validation));
    }
}
