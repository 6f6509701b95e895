//! HTTP for CRL and OCSP fetches: one blocking GET or POST whose every phase (DNS, connect,
//! headers, body) fits in `min(per-fetch timeout, time left before the check's deadline)`,
//! with the body read only up to a size cap.

use std::io::Read;
use std::time::{Duration, Instant};

use super::Options;

/// Why a fetch produced no body.
#[derive(Debug)]
pub(crate) enum FetchError {
    /// The per-fetch timeout ran out (the value is that timeout).
    Timeout(Duration),
    /// The whole check's deadline ran out, before or during the fetch.
    Deadline,
    /// The body reached the cap (Go's `io.LimitReader` + length test).
    TooLarge(u64),
    /// A status other than 200.
    Status(u16),
    /// Anything else (connection refused, bad URL ...).
    Other(String),
}

impl FetchError {
    /// A description for reports (the caller adds notation's prefixes).
    pub(crate) fn describe(&self, what: &str, url: &str) -> String {
        match self {
            FetchError::Timeout(t) => format!(
                "{what} request to {url:?} timed out after {:.2} seconds",
                t.as_secs_f64()
            ),
            FetchError::Deadline => {
                format!("{what} request to {url:?} cut short: revocation check deadline exceeded")
            }
            FetchError::TooLarge(cap) => format!("{what} size exceeds the limit: {cap}"),
            FetchError::Status(code) => format!("response had status code {code}"),
            FetchError::Other(e) => e.clone(),
        }
    }
}

/// A request: GET, or POST with a body and content type.
pub(crate) enum Request<'a> {
    Get,
    Post(&'a [u8], &'static str),
}

/// Builds the agent shared by every fetch of a checker. Status codes are inspected by the
/// callers (notation wants exactly 200), so they are not errors here; the User-Agent names
/// the plugin.
pub(crate) fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(concat!("ratify-notation/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Fetches `url` (after the options' test rewrite), reading at most `cap` bytes: a body of
/// `cap` bytes or more is refused, as notation's `len(data) == maxCRLSize` test does.
pub(crate) fn fetch(
    agent: &ureq::Agent,
    options: &Options,
    url: &str,
    request: Request<'_>,
    per_fetch: Duration,
    cap: u64,
    deadline: Instant,
) -> Result<Vec<u8>, FetchError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(FetchError::Deadline);
    }
    let (timeout, cut_by_deadline) = if left < per_fetch {
        (left, true)
    } else {
        (per_fetch, false)
    };
    let timed_out = || {
        if cut_by_deadline {
            FetchError::Deadline
        } else {
            FetchError::Timeout(timeout)
        }
    };
    let target = match &options.url_override {
        Some(rewrite) => rewrite(url),
        None => url.to_string(),
    };
    let result = match request {
        Request::Get => agent
            .get(&target)
            .config()
            .timeout_global(Some(timeout))
            .build()
            .call(),
        Request::Post(body, content_type) => agent
            .post(&target)
            .header("Content-Type", content_type)
            .config()
            .timeout_global(Some(timeout))
            .build()
            .send(body),
    };
    let response = match result {
        Ok(response) => response,
        Err(ureq::Error::Timeout(_)) => return Err(timed_out()),
        Err(e) => return Err(FetchError::Other(format!("{url:?}: {e}"))),
    };
    let status = response.status().as_u16();
    if status != 200 {
        return Err(FetchError::Status(status));
    }
    let body = response.into_body();
    // Refuse early when the server announces the size; the capped read below catches servers
    // that send more than they announce, or announce nothing.
    if body.content_length().is_some_and(|len| len >= cap) {
        return Err(FetchError::TooLarge(cap));
    }
    let mut data = Vec::new();
    let read = body.into_reader().take(cap).read_to_end(&mut data);
    match read {
        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return Err(timed_out()),
        // ureq wraps its own errors (a spent timeout among them) in the reader's io::Error.
        Err(e)
            if e.get_ref()
                .and_then(|inner| inner.downcast_ref::<ureq::Error>())
                .is_some_and(|inner| matches!(inner, ureq::Error::Timeout(_))) =>
        {
            return Err(timed_out());
        }
        Err(e) => return Err(FetchError::Other(format!("{url:?}: {e}"))),
        Ok(_) => {}
    }
    if data.len() as u64 >= cap {
        return Err(FetchError::TooLarge(cap));
    }
    Ok(data)
}

/// The URL's scheme, lowercased as Go's `url.Parse` does (`None` if it has none).
pub(crate) fn scheme(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once(':')?;
    let valid = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_ascii_lowercase())
}
