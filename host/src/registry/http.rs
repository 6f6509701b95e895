//! HTTP to registries: one reqwest client (rustls, optional extra roots), requests bounded by
//! the caller's deadline, retries with exponential backoff and jitter on 429/502/503/504 and
//! connection failures (honouring `Retry-After`, never past the deadline), and bodies read
//! under a cap that is checked against `Content-Length` before anything is buffered.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use tokio::time::{Instant, timeout_at};

use super::config::RegistryConfig;
use crate::error::{Error, Result};

/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// A response whose body has been read (under a cap).
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

/// The shared HTTP client.
pub struct Transport {
    client: reqwest::Client,
    max_attempts: u32,
}

impl Transport {
    /// A client trusting the system roots plus `caFile`, refusing redirects to plain HTTP.
    pub fn new(config: &RegistryConfig) -> Result<Self> {
        crate::tls::install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("ratify/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let downgrade = attempt
                    .previous()
                    .last()
                    .is_some_and(|p| p.scheme() == "https")
                    && attempt.url().scheme() != "https";
                if attempt.previous().len() >= 5 {
                    attempt.error("more than 5 redirects")
                } else if downgrade {
                    attempt.error("refusing a redirect from HTTPS to plain HTTP")
                } else {
                    // reqwest drops Authorization when the host, port or scheme changes.
                    attempt.follow()
                }
            }));
        if let Some(path) = &config.ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                Error::config(format!("cannot read caFile {}: {e}", path.display()))
            })?;
            let certificates = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                Error::config(format!(
                    "caFile {} holds no usable PEM certificate: {e}",
                    path.display()
                ))
            })?;
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let client = builder
            .build()
            .map_err(|e| Error::host(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            client,
            max_attempts: config.max_attempts,
        })
    }

    /// Sends a request, retrying transient failures, and reads at most `cap` bytes of body.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: HeaderMap,
        body: Option<Vec<u8>>,
        cap: u64,
        deadline: Instant,
    ) -> Result<Response> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self
                .once(
                    method.clone(),
                    url,
                    headers.clone(),
                    body.clone(),
                    cap,
                    deadline,
                )
                .await;
            let retry_after = match &outcome {
                Ok(response) if is_retryable(response.status) => {
                    Some(retry_after(&response.headers).unwrap_or_else(|| backoff(attempt)))
                }
                Err(Failure::Transient(_)) => Some(backoff(attempt)),
                _ => None,
            };
            match retry_after {
                Some(wait) if attempt < self.max_attempts && Instant::now() + wait < deadline => {
                    tracing::debug!(url, attempt, wait_ms = wait.as_millis() as u64, "retrying");
                    tokio::time::sleep(wait).await;
                }
                _ => {
                    return match outcome {
                        Ok(response) => Ok(response),
                        Err(Failure::Transient(e) | Failure::Final(e)) => Err(e),
                    };
                }
            }
        }
    }

    async fn once(
        &self,
        method: Method,
        url: &str,
        headers: HeaderMap,
        body: Option<Vec<u8>>,
        cap: u64,
        deadline: Instant,
    ) -> std::result::Result<Response, Failure> {
        let method_is_head = method == Method::HEAD;
        let mut request = self.client.request(method, url).headers(headers);
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = match timeout_at(deadline, request.send()).await {
            Err(_) => return Err(Failure::Final(deadline_error(url))),
            Ok(Err(e)) => {
                return Err(Failure::Transient(Error::store(format!(
                    "{url}: {}",
                    describe(&e)
                ))));
            }
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        let headers = response.headers().clone();
        if method_is_head {
            // No body; Content-Length describes the entity, not what follows.
            return Ok(Response {
                status,
                headers,
                body: Vec::new(),
            });
        }
        if !status.is_success() {
            // Error bodies are only for messages: keep a little.
            let body = read_capped(response, 16 * 1024, url, deadline, true).await?;
            return Ok(Response {
                status,
                headers,
                body,
            });
        }
        let body = read_capped(response, cap, url, deadline, false).await?;
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

/// Whether a failure may go away on its own.
enum Failure {
    Transient(Error),
    Final(Error),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Final(error)
    }
}

async fn read_capped(
    response: reqwest::Response,
    cap: u64,
    url: &str,
    deadline: Instant,
    truncate: bool,
) -> std::result::Result<Vec<u8>, Failure> {
    if !truncate {
        check_length(response.content_length(), cap, url)?;
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    loop {
        let chunk = match timeout_at(deadline, stream.next()).await {
            Err(_) => return Err(Failure::Final(deadline_error(url))),
            Ok(None) => return Ok(body),
            Ok(Some(Err(e))) => {
                return Err(Failure::Transient(Error::store(format!(
                    "{url}: body cut short: {}",
                    describe(&e)
                ))));
            }
            Ok(Some(Ok(chunk))) => chunk,
        };
        if body.len() as u64 + chunk.len() as u64 > cap {
            if truncate {
                let room = cap as usize - body.len();
                body.extend_from_slice(&chunk[..room]);
                return Ok(body);
            }
            return Err(Failure::Final(too_large(url, cap)));
        }
        body.extend_from_slice(&chunk);
    }
}

fn check_length(length: Option<u64>, cap: u64, url: &str) -> Result<()> {
    match length {
        Some(length) if length > cap => {
            Err(too_large(url, cap).context(format!("declared {length} bytes")))
        }
        _ => Ok(()),
    }
}

fn too_large(url: &str, cap: u64) -> Error {
    Error::store(format!(
        "{url}: the response is larger than the {cap}-byte cap"
    ))
}

fn deadline_error(url: &str) -> Error {
    Error::store(format!(
        "{url}: no complete answer before the verification deadline"
    ))
}

fn is_retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// `Retry-After` as seconds or an HTTP date, capped.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => httpdate_wait(value)?,
    };
    Some(wait.min(Duration::from_secs(60)))
}

fn httpdate_wait(value: &str) -> Option<Duration> {
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(SystemTime::now()).unwrap_or_default())
}

/// Exponential backoff with ±50 % jitter, so many clients don't retry in step.
fn backoff(attempt: u32) -> Duration {
    let base = FIRST_BACKOFF
        .saturating_mul(1 << attempt.saturating_sub(1).min(8))
        .min(MAX_BACKOFF);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let jitter = 0.5 + f64::from(nanos % 1000) / 1000.0;
    base.mul_f64(jitter)
}

fn describe(error: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// A header value from a string the host built (never fails for ASCII input).
pub fn header(value: &str) -> HeaderValue {
    HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates_and_backoff_grows_with_jitter() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(
            retry_after(&headers),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        for attempt in 1..6 {
            let wait = backoff(attempt);
            let base = FIRST_BACKOFF
                .saturating_mul(1 << (attempt - 1))
                .min(MAX_BACKOFF);
            assert!(
                wait >= base / 2 && wait <= base.mul_f64(1.5),
                "{attempt}: {wait:?}"
            );
        }
    }
}
