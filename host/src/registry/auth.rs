//! Registry authentication as registries do it: a request goes out anonymously (or with what
//! worked before for that registry and repository); a 401 names a scheme in
//! `WWW-Authenticate`; `Basic` gets the user's credentials, `Bearer` gets a token from the
//! realm the registry names (with the credentials, if any), cached per registry and scope
//! until it expires.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use tokio::time::Instant;

use super::credentials::{Credential, CredentialSource};
use super::http::{Transport, header};
use crate::error::{Error, Result};

/// What a 401 asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// HTTP Basic.
    Basic,
    /// A bearer token from `realm`.
    Bearer {
        /// The token endpoint.
        realm: String,
        /// The `service` parameter.
        service: Option<String>,
        /// The `scope` the registry asked for, if it said.
        scope: Option<String>,
    },
}

/// Parses a `WWW-Authenticate` header (`Bearer realm="…",service="…",scope="…"` or `Basic …`).
pub fn parse_challenge(value: &str) -> Option<Challenge> {
    let (scheme, rest) = value.trim().split_once(' ').unwrap_or((value.trim(), ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut params: HashMap<String, String> = HashMap::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let after = after.trim_start();
        let (value, remainder) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"')?;
                (&quoted[..end], &quoted[end + 1..])
            }
            None => after.split_once(',').map_or((after, ""), |(v, r)| (v, r)),
        };
        params.insert(key.trim().to_ascii_lowercase(), value.to_owned());
        rest = remainder.trim_start().trim_start_matches(',').trim_start();
    }
    Some(Challenge::Bearer {
        realm: params.remove("realm")?,
        service: params.remove("service"),
        scope: params.remove("scope"),
    })
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// An Authorization value that worked, and when it stops working (`None`: never, for Basic).
type Known = (HeaderValue, Option<Instant>);

/// Credentials and tokens, per registry.
pub struct Authenticator {
    source: CredentialSource,
    /// Registries reached over plain HTTP (from config), the only ones whose own token
    /// endpoint may receive credentials without TLS.
    plain_http: Vec<String>,
    use_http: bool,
    credentials: Mutex<HashMap<String, std::result::Result<Option<Credential>, Error>>>,
    /// Authorization values that worked, by (registry, repository), with their expiry.
    known: Mutex<HashMap<(String, String), Known>>,
}

impl Authenticator {
    /// An authenticator reading credentials from `source`.
    pub fn new(source: CredentialSource, config: &super::config::RegistryConfig) -> Self {
        Self {
            source,
            plain_http: config.plain_http.clone(),
            use_http: config.use_http,
            credentials: Mutex::new(HashMap::new()),
            known: Mutex::new(HashMap::new()),
        }
    }

    /// The Authorization value that last worked for this registry and repository, if still
    /// valid.
    pub fn cached(&self, registry: &str, repository: &str) -> Option<HeaderValue> {
        let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        let (value, expiry) = known.get(&(registry.to_owned(), repository.to_owned()))?;
        expiry
            .is_none_or(|e| Instant::now() < e)
            .then(|| value.clone())
    }

    /// Answers a 401's challenge; the result is cached for later requests.
    pub async fn authorize(
        &self,
        transport: &Transport,
        registry: &str,
        repository: &str,
        challenge: Option<&str>,
        deadline: Instant,
    ) -> Result<HeaderValue> {
        let challenge = challenge.and_then(parse_challenge).ok_or_else(|| {
            unauthorized(
                registry,
                "it asked for authentication without a usable WWW-Authenticate challenge",
            )
        })?;
        let credential = self.credential(registry, deadline).await?;
        let (value, lifetime) = match challenge {
            Challenge::Basic => match &credential {
                Some(Credential::Basic { username, password }) => (basic(username, password), None),
                _ => {
                    return Err(unauthorized(
                        registry,
                        "it requires a username and password and none are configured",
                    ));
                }
            },
            Challenge::Bearer {
                realm,
                service,
                scope,
            } => {
                let scope = scope.unwrap_or_else(|| format!("repository:{repository}:pull"));
                let (token, lifetime) = self
                    .token(
                        transport,
                        registry,
                        &realm,
                        service.as_deref(),
                        &scope,
                        credential.as_ref(),
                        deadline,
                    )
                    .await?;
                (header(&format!("Bearer {token}")), Some(lifetime))
            }
        };
        // Refresh a little early so a token never expires mid-request.
        let expiry = lifetime
            .and_then(|l| Instant::now().checked_add(l.saturating_sub(Duration::from_secs(5))));
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        known.insert(
            (registry.to_owned(), repository.to_owned()),
            (value.clone(), expiry),
        );
        Ok(value)
    }

    /// The credential for `registry`, looked up once per run (failures too, so a broken or
    /// hung helper is not started again for every request), within the deadline.
    async fn credential(&self, registry: &str, deadline: Instant) -> Result<Option<Credential>> {
        if let Some(found) = self
            .credentials
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(registry)
        {
            return found.clone();
        }
        let source = self.source.clone();
        let host = registry.to_owned();
        let until = deadline.into_std();
        let lookup = tokio::task::spawn_blocking(move || source.lookup(&host, until));
        let found = match tokio::time::timeout_at(deadline, lookup).await {
            Err(_) => Err(Error::store(format!(
                "looking up credentials for {registry} did not finish before the deadline"
            ))),
            Ok(joined) => {
                joined.map_err(|e| Error::host(format!("credential lookup failed: {e}")))?
            }
        };
        self.credentials
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(registry.to_owned(), found.clone());
        found
    }

    #[allow(clippy::too_many_arguments)]
    async fn token(
        &self,
        transport: &Transport,
        registry: &str,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        credential: Option<&Credential>,
        deadline: Instant,
    ) -> Result<(String, Duration)> {
        let realm_url = reqwest::Url::parse(realm).map_err(|e| {
            Error::store(format!(
                "registry {registry} named an invalid token realm {realm:?}: {e}"
            ))
        })?;
        let realm_host = realm_url.host_str().unwrap_or_default().to_owned();
        // Credentials go to the realm only over HTTPS, or over plain HTTP to the registry's own
        // host:port when that registry is itself reached over plain HTTP (a local test or
        // mirror registry). Never in clear text anywhere else.
        let realm_origin = match realm_url.port_or_known_default() {
            Some(port) => format!("{realm_host}:{port}"),
            None => realm_host.clone(),
        };
        let plain_http = self.plain_http.iter().any(|r| r == registry)
            || (self.use_http && super::config::is_loopback(registry));
        let may_send = realm_url.scheme() == "https" || (plain_http && realm_origin == registry);
        let mut headers = HeaderMap::new();
        let (method, body) = match credential.filter(|_| may_send) {
            Some(Credential::IdentityToken(refresh)) => {
                headers.insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
                let form = form_encode(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh),
                    ("service", service.unwrap_or_default()),
                    ("scope", scope),
                    ("client_id", "ratify"),
                ]);
                (Method::POST, Some(form.into_bytes()))
            }
            Some(Credential::Basic { username, password }) => {
                headers.insert(AUTHORIZATION, basic(username, password));
                (Method::GET, None)
            }
            None => (Method::GET, None),
        };
        let mut url = realm_url.clone();
        if method == Method::GET {
            let mut query = url.query_pairs_mut();
            if let Some(service) = service {
                query.append_pair("service", service);
            }
            query.append_pair("scope", scope);
        }
        let response = transport
            .send(method, url.as_str(), headers, body, 64 * 1024, deadline)
            .await?;
        if response.status == StatusCode::UNAUTHORIZED || response.status == StatusCode::FORBIDDEN {
            return Err(unauthorized(
                registry,
                &format!(
                    "its token service refused the credentials ({})",
                    response.status
                ),
            ));
        }
        if !response.status.is_success() {
            return Err(Error::store(format!(
                "registry {registry}: token request to {realm} failed with {}",
                response.status
            )));
        }
        let answer: TokenAnswer = serde_json::from_slice(&response.body).map_err(|e| {
            Error::store(format!(
                "registry {registry}: token service answered non-JSON: {e}"
            ))
        })?;
        let token = answer
            .token
            .or(answer.access_token)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Error::store(format!(
                    "registry {registry}: token service answered without a token"
                ))
            })?;
        Ok((
            token,
            // A registry's token lifetime is untrusted input: keep it between 10 s and a day.
            Duration::from_secs(answer.expires_in.unwrap_or(60).clamp(10, 86_400)),
        ))
    }
}

fn basic(username: &str, password: &str) -> HeaderValue {
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    header(&format!("Basic {encoded}"))
}

fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("http://x/").unwrap_or_else(|_| unreachable!());
    url.query_pairs_mut().extend_pairs(pairs);
    url.query().unwrap_or_default().to_owned()
}

/// The error for refused or missing credentials.
pub fn unauthorized(registry: &str, why: &str) -> Error {
    Error::store(format!("registry {registry} refused access: {why}")).with_remediation(format!(
        "log in with `docker login {registry}` (credentials are read from the docker config)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_challenges_as_registries_send_them() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/alpine:pull".into()),
            })
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="Registry Realm""#),
            Some(Challenge::Basic)
        );
        assert_eq!(
            parse_challenge(r#"bearer realm=https://x/token, service=s"#),
            Some(Challenge::Bearer {
                realm: "https://x/token".into(),
                service: Some("s".into()),
                scope: None
            })
        );
        assert_eq!(parse_challenge("Negotiate abc"), None);
        assert_eq!(parse_challenge(r#"Bearer service="s""#), None, "no realm");
        assert_eq!(parse_challenge(r#"Bearer realm="unterminated"#), None);
    }
}
