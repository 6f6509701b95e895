//! Registry credentials from the docker config file, as `docker login` leaves them:
//! `$DOCKER_CONFIG/config.json` (else `~/.docker/config.json`), with `credHelpers` per
//! registry, then `auths` entries, then the default `credsStore`. Helpers are the
//! `docker-credential-<name>` executables, found on `PATH` with `which` and run with a timeout.
//!
//! Credentials are looked up for exactly the registry a request goes to, so a subject naming
//! another host never receives them.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use std::collections::HashMap;

use crate::error::{Error, Result};

/// How long a credential helper may take.
const HELPER_TIMEOUT: Duration = Duration::from_secs(10);
/// The key docker uses for Docker Hub.
const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// Credentials for one registry.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// A username and password (or token) for Basic auth and token requests.
    Basic {
        /// User name.
        username: String,
        /// Password or personal access token.
        password: String,
    },
    /// An OAuth2 refresh token (`identitytoken`), exchanged at the token endpoint.
    IdentityToken(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Basic { username, .. } => write!(f, "Basic({username}, <redacted>)"),
            Credential::IdentityToken(_) => f.write_str("IdentityToken(<redacted>)"),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct DockerConfig {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(default)]
    cred_helpers: HashMap<String, String>,
    #[serde(default)]
    creds_store: Option<String>,
}

#[derive(Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

/// Where credentials are read from.
#[derive(Debug, Clone)]
pub struct CredentialSource {
    config_file: Option<PathBuf>,
}

impl CredentialSource {
    /// Reads `path` if given, else the default docker config location.
    pub fn new(path: Option<PathBuf>) -> Self {
        let config_file = path.or_else(|| {
            std::env::var_os("DOCKER_CONFIG")
                .map(|dir| PathBuf::from(dir).join("config.json"))
                .or_else(|| {
                    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker/config.json"))
                })
        });
        Self { config_file }
    }

    /// The credential for `registry` (`host[:port]`), if any. Blocking: may run a helper.
    /// A helper still running at `until` is killed.
    pub fn lookup(&self, registry: &str, until: std::time::Instant) -> Result<Option<Credential>> {
        let Some(path) = &self.config_file else {
            return Ok(None);
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::config(format!(
                    "cannot read docker config {}: {e}",
                    path.display()
                )));
            }
        };
        let config: DockerConfig = serde_json::from_str(&text).map_err(|e| {
            Error::config(format!(
                "docker config {} is not valid: {e}",
                path.display()
            ))
        })?;
        let keys = keys_for(registry);
        if let Some(helper) = keys.iter().find_map(|k| config.cred_helpers.get(k)) {
            return run_helper(helper, &keys[0], until);
        }
        if let Some(entry) = keys.iter().find_map(|k| config.auths.get(k))
            && let Some(credential) = from_entry(entry, path, registry)?
        {
            return Ok(Some(credential));
        }
        match &config.creds_store {
            Some(store) if !store.is_empty() => run_helper(store, &keys[0], until),
            _ => Ok(None),
        }
    }
}

/// The keys docker may have stored `registry` under, the canonical one first.
fn keys_for(registry: &str) -> Vec<String> {
    if matches!(
        registry,
        "docker.io" | "index.docker.io" | "registry-1.docker.io"
    ) {
        return vec![
            DOCKER_HUB_KEY.into(),
            "docker.io".into(),
            "index.docker.io".into(),
        ];
    }
    vec![
        registry.into(),
        format!("https://{registry}"),
        format!("http://{registry}"),
        format!("https://{registry}/v1/"),
    ]
}

fn from_entry(
    entry: &AuthEntry,
    path: &std::path::Path,
    registry: &str,
) -> Result<Option<Credential>> {
    if let Some(token) = entry.identitytoken.as_ref().filter(|t| !t.is_empty()) {
        return Ok(Some(Credential::IdentityToken(token.clone())));
    }
    if let Some(encoded) = entry.auth.as_ref().filter(|a| !a.is_empty()) {
        let bad = || {
            Error::config(format!(
                "docker config {}: the auth entry for {registry} is not base64 user:password",
                path.display()
            ))
        };
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| bad())?;
        let text = String::from_utf8(decoded).map_err(|_| bad())?;
        let (username, password) = text.split_once(':').ok_or_else(bad)?;
        return Ok(Some(Credential::Basic {
            username: username.into(),
            password: password.into(),
        }));
    }
    match (&entry.username, &entry.password) {
        (Some(username), Some(password)) => Ok(Some(Credential::Basic {
            username: username.clone(),
            password: password.clone(),
        })),
        _ => Ok(None),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperAnswer {
    username: String,
    secret: String,
}

/// Runs `docker-credential-<helper> get` for `server`.
fn run_helper(helper: &str, server: &str, until: std::time::Instant) -> Result<Option<Credential>> {
    let until = until.min(std::time::Instant::now() + HELPER_TIMEOUT);
    if helper.contains(['/', '\\']) {
        return Err(Error::config(format!(
            "credential helper name {helper:?} must not be a path"
        )));
    }
    let program = format!("docker-credential-{helper}");
    let path = which::which(&program).map_err(|_| {
        Error::config(format!(
            "credential helper {program} (named in the docker config) is not on PATH"
        ))
    })?;
    let mut child = Command::new(&path)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::config(format!("cannot run {}: {e}", path.display())))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    // Drain both pipes on their own threads (a full pipe would block the helper), bounded.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(pipe) = pipe {
                let _ = pipe.take(64 * 1024).read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if std::time::Instant::now() < until => {
                std::thread::sleep(Duration::from_millis(10))
            }
            outcome => {
                // Hung or unwaitable: kill and reap it so nothing is left behind.
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::config(match outcome {
                    Err(e) => format!("{program} failed: {e}"),
                    _ => format!(
                        "{program} did not answer within {} s",
                        HELPER_TIMEOUT.as_secs()
                    ),
                }));
            }
        }
    };
    let output = std::process::Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    };
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stdout).trim().to_owned()
            + String::from_utf8_lossy(&output.stderr).trim();
        if said.to_lowercase().contains("credentials not found") {
            return Ok(None);
        }
        return Err(Error::config(format!(
            "{program} get {server} failed: {said}"
        )));
    }
    let answer: HelperAnswer = serde_json::from_slice(&output.stdout).map_err(|e| {
        Error::config(format!(
            "{program} answered something that is not credentials JSON: {e}"
        ))
    })?;
    Ok(Some(if answer.username == "<token>" {
        Credential::IdentityToken(answer.secret)
    } else {
        Credential::Basic {
            username: answer.username,
            password: answer.secret,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn far() -> std::time::Instant {
        std::time::Instant::now() + Duration::from_secs(30)
    }

    fn source(config: &str) -> (tempfile::TempDir, CredentialSource) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, config).unwrap();
        (dir, CredentialSource::new(Some(path)))
    }

    #[test]
    fn reads_auths_for_exactly_the_registry_asked() {
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:s3cret");
        let (_dir, source) = source(&format!(
            r#"{{"auths":{{"localhost:5000":{{"auth":"{auth}"}},"https://ghcr.io":{{"identitytoken":"rt"}},
               "https://index.docker.io/v1/":{{"username":"bob","password":"pw"}}}}}}"#
        ));
        let basic = |u: &str, p: &str| {
            Some(Credential::Basic {
                username: u.into(),
                password: p.into(),
            })
        };
        assert_eq!(
            source.lookup("localhost:5000", far()).unwrap(),
            basic("alice", "s3cret")
        );
        assert_eq!(
            source.lookup("localhost:5001", far()).unwrap(),
            None,
            "another port is another registry"
        );
        assert_eq!(
            source.lookup("ghcr.io", far()).unwrap(),
            Some(Credential::IdentityToken("rt".into()))
        );
        assert_eq!(
            source.lookup("docker.io", far()).unwrap(),
            basic("bob", "pw")
        );
        assert_eq!(source.lookup("evil.example", far()).unwrap(), None);
    }

    #[test]
    fn helpers_that_are_missing_or_broken_are_config_errors() {
        let (_dir, helper) = source(r#"{"credHelpers":{"reg.example":"no-such-helper-xyz"}}"#);
        let error = helper.lookup("reg.example", far()).unwrap_err();
        assert!(
            error
                .message
                .contains("docker-credential-no-such-helper-xyz"),
            "{error}"
        );
        let (_dir, broken) = source(r#"{"auths":{"r":{"auth":"%%%"}}}"#);
        assert!(
            broken
                .lookup("r", far())
                .unwrap_err()
                .message
                .contains("not base64")
        );
        let (_dir, garbage) = source("not json");
        assert!(
            garbage
                .lookup("r", far())
                .unwrap_err()
                .message
                .contains("not valid")
        );
        let missing = CredentialSource::new(Some("/nonexistent/config.json".into()));
        assert_eq!(missing.lookup("r", far()).unwrap(), None);
    }
}
