//! A fault-injecting proxy for tests: [`FaultProxy`] sits before a registry (or before the
//! referrers front of `front.rs`) on 127.0.0.1 and relays every request, except those matched
//! by a [`Rule`], which get a [`Fault`] instead: an error status, a stalled or dropped
//! connection, a truncated, corrupted or oversized body, a huge referrers list, a redirect to
//! another host, or a delay. [`Recorder`] is the other host: it records what reaches it,
//! notably whether an `Authorization` header did. Both stop when dropped.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use sha2::{Digest, Sha256};

use super::http::{self, Reply, Request, Response, Server};

/// The `artifactType` of every descriptor [`Fault::ManyReferrers`] lists.
pub const MANY_REFERRERS_ARTIFACT_TYPE: &str = "application/vnd.ratify.test.many";

/// What a matched request gets instead of a plain relay.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer this status (with a registry-style JSON error body) and these extra headers.
    Status(u16, Vec<(String, String)>),
    /// Read the request, never answer; the socket stays open until the proxy stops.
    Stall,
    /// Read the request, close the connection without answering.
    Hangup,
    /// Relay, but send only the first half of the body under the full Content-Length, then close.
    Truncate,
    /// Relay with one body byte changed (same length), so the body no longer matches its digest.
    /// A hex digit is preferred (nearest the middle), so JSON bodies stay well formed.
    CorruptBody,
    /// Relay with the body replaced by this many bytes (a valid JSON object when ≥ 32).
    Oversize(usize),
    /// Answer with an image index of this many synthetic referrer descriptors.
    ManyReferrers(usize),
    /// Answer `307` with `Location: http://<this address><same path and query>`.
    RedirectTo(String),
    /// Wait this many milliseconds, then relay.
    Delay(u64),
}

impl Fault {
    /// A bare status, e.g. `Fault::status(503)`.
    pub fn status(code: u16) -> Self {
        Self::Status(code, Vec::new())
    }
    /// A status with `Retry-After: <seconds>`, e.g. `Fault::retry_after(429, 1)`.
    pub fn retry_after(code: u16, seconds: u64) -> Self {
        Self::Status(code, vec![("Retry-After".to_owned(), seconds.to_string())])
    }
}

type Predicate = Arc<dyn Fn(&Request) -> bool + Send + Sync>;

/// When a [`Fault`] fires: a method and path substring (or a predicate), always or for the
/// first K matching requests. Rules are tried in order; the first live match fires.
pub struct Rule {
    matches: Predicate,
    fault: Fault,
    limit: Option<usize>,
    fired: AtomicUsize,
}

impl Rule {
    /// Requests with `method` (`"*"`: any) whose path (query excluded) contains `path_part`.
    pub fn new(method: &str, path_part: &str, fault: Fault) -> Self {
        let (method, path_part) = (method.to_owned(), path_part.to_owned());
        let matches = move |r: &Request| {
            (method == "*" || r.method == method) && r.path().contains(&path_part)
        };
        Self::when(matches, fault)
    }
    /// Requests for which `predicate` holds.
    pub fn when(
        predicate: impl Fn(&Request) -> bool + Send + Sync + 'static,
        fault: Fault,
    ) -> Self {
        let matches = Arc::new(predicate);
        Self {
            matches,
            fault,
            limit: None,
            fired: AtomicUsize::new(0),
        }
    }
    /// Fire for the first `k` matching requests only; later ones are relayed.
    pub fn times(mut self, k: usize) -> Self {
        self.limit = Some(k);
        self
    }
    fn take(&self, request: &Request) -> Option<Fault> {
        if !(self.matches)(request) {
            return None;
        }
        let limit = self.limit.unwrap_or(usize::MAX);
        let bump = |n: usize| (n < limit).then_some(n + 1);
        self.fired
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, bump)
            .ok()?;
        Some(self.fault.clone())
    }
}

struct State {
    upstream: String,
    rules: Mutex<Vec<Arc<Rule>>>,
}

/// A running fault proxy; stops (closing stalled connections too) when dropped.
pub struct FaultProxy {
    server: Server,
    state: Arc<State>,
}

impl FaultProxy {
    /// A proxy before `upstream` (`127.0.0.1:<port>`) applying `rules`.
    pub fn start(upstream: &str, rules: Vec<Rule>) -> Self {
        let rules = Mutex::new(rules.into_iter().map(Arc::new).collect());
        let state = Arc::new(State {
            upstream: upstream.to_owned(),
            rules,
        });
        let handler_state = state.clone();
        let server = Server::start(Arc::new(move |request| {
            let state = handler_state.clone();
            Box::pin(async move { state.handle(request).await })
        }));
        Self { server, state }
    }
    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> &str {
        self.server.addr()
    }
    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.server.url()
    }
    /// Replaces the rules (their fire counts start again).
    pub fn set_rules(&self, rules: Vec<Rule>) {
        *self.state.rules.lock().unwrap() = rules.into_iter().map(Arc::new).collect();
    }
    /// How often each rule has fired, in rule order.
    pub fn fired(&self) -> Vec<usize> {
        let rules = self.state.rules.lock().unwrap();
        rules
            .iter()
            .map(|r| r.fired.load(Ordering::SeqCst))
            .collect()
    }
    /// Requests received so far (faulted or not), counted per (method, path without query).
    pub fn requests(&self) -> BTreeMap<(String, String), usize> {
        self.server.log().counts()
    }
    /// Requests with `method` (`"*"`: any) whose path contains `path_part`.
    pub fn request_count(&self, method: &str, path_part: &str) -> usize {
        self.server.log().count(method, path_part)
    }
    /// Every request received, in order (bodies dropped).
    pub fn request_log(&self) -> Vec<Request> {
        self.server.log().all()
    }
}

impl State {
    async fn handle(&self, request: Request) -> Reply {
        let rules: Vec<Arc<Rule>> = self.rules.lock().unwrap().clone();
        let fault = rules.iter().find_map(|rule| rule.take(&request));
        let head = request.method == "HEAD";
        let relay = || http::forward_or_502(&self.upstream, &request);
        let mut response = match fault {
            None => relay().await,
            Some(Fault::Stall) => return Reply::Stall,
            Some(Fault::Hangup) => return Reply::Hangup,
            Some(Fault::Status(code, headers)) => {
                let mut response = Response::error(code, error_code(code), "injected fault");
                for (name, value) in &headers {
                    response.set_header(name, value);
                }
                response
            }
            Some(Fault::Delay(ms)) => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                relay().await
            }
            Some(Fault::RedirectTo(addr)) => {
                let mut response = Response::new(307, "text/plain", Vec::new());
                response.set_header("Location", &format!("http://{addr}{}", request.target));
                response
            }
            Some(Fault::ManyReferrers(count)) => many_referrers(count),
            Some(Fault::Truncate) => {
                let response = relay().await;
                let mut bytes = response.serialize(true);
                if !response.bodiless {
                    let unsent = response.body.len() - response.body.len() / 2;
                    bytes.truncate(bytes.len() - unsent);
                }
                return Reply::Raw(bytes);
            }
            Some(Fault::CorruptBody) => {
                let mut response = relay().await;
                corrupt(&mut response.body);
                response
            }
            Some(Fault::Oversize(size)) => {
                let mut response = relay().await;
                response.body = oversized(size);
                response.set_header("Content-Length", &size.to_string());
                response
            }
        };
        if head && !response.bodiless {
            // A HEAD answer announces its length but carries no body.
            response.set_header("Content-Length", &response.body.len().to_string());
            response.body.clear();
            response.bodiless = true;
        }
        Reply::Send(response)
    }
}

fn error_code(status: u16) -> &'static str {
    match status {
        401 => "UNAUTHORIZED",
        403 => "DENIED",
        404 => "NAME_UNKNOWN",
        429 => "TOOMANYREQUESTS",
        _ => "UNAVAILABLE",
    }
}

/// Changes one byte: the hex digit nearest the middle (to another hex digit), else the middle.
fn corrupt(body: &mut [u8]) {
    if body.is_empty() {
        return;
    }
    let middle = body.len() / 2;
    let is_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    let outward = (0..=middle).flat_map(|d| [middle + d, middle.wrapping_sub(d)]);
    let at = outward
        .filter(|&i| i < body.len())
        .find(|&i| is_hex(body[i]));
    match at {
        Some(i) => body[i] = if body[i] == b'0' { b'1' } else { b'0' },
        None => body[middle] ^= 0xff,
    }
}

/// `size` bytes: `{"schemaVersion":2,"padding":"aaa…"}` when that fits, else `a`s.
fn oversized(size: usize) -> Vec<u8> {
    let (open, close) = (
        br#"{"schemaVersion":2,"padding":""#.as_slice(),
        br#""}"#.as_slice(),
    );
    if size < open.len() + close.len() {
        return vec![b'a'; size];
    }
    let mut body = open.to_vec();
    body.resize(size - close.len(), b'a');
    body.extend_from_slice(close);
    body
}

fn many_referrers(count: usize) -> Response {
    let descriptor = |i: usize| {
        let digest = format!("sha256:{}", hex::encode(Sha256::digest(i.to_string())));
        json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": digest,
            "size": 512,
            "artifactType": MANY_REFERRERS_ARTIFACT_TYPE,
        })
    };
    let manifests: Vec<_> = (0..count).map(descriptor).collect();
    let index_type = "application/vnd.oci.image.index.v1+json";
    let index = json!({"schemaVersion": 2, "mediaType": index_type, "manifests": manifests});
    Response::new(200, index_type, index.to_string().into_bytes())
}

/// A second host for redirect tests: records every request and answers 200 with an empty body,
/// or relays to an upstream (like a blob CDN would serve the content).
pub struct Recorder {
    server: Server,
}

impl Recorder {
    /// Records and answers `200` with an empty body.
    pub fn start() -> Self {
        let ok = || Reply::Send(Response::new(200, "application/octet-stream", Vec::new()));
        Self {
            server: Server::start(Arc::new(move |_| Box::pin(async move { ok() }))),
        }
    }
    /// Records and relays to `upstream` (`127.0.0.1:<port>`).
    pub fn forwarding(upstream: &str) -> Self {
        let upstream = Arc::new(upstream.to_owned());
        let server = Server::start(Arc::new(move |request| {
            let upstream = upstream.clone();
            Box::pin(async move { Reply::Send(http::forward_or_502(&upstream, &request).await) })
        }));
        Self { server }
    }
    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> &str {
        self.server.addr()
    }
    pub fn url(&self) -> String {
        self.server.url()
    }
    /// Whether any request that reached it carried an `Authorization` header.
    pub fn saw_authorization(&self) -> bool {
        self.requests()
            .iter()
            .any(|r| r.header("authorization").is_some())
    }
    /// Every request that reached it, in order (bodies dropped).
    pub fn requests(&self) -> Vec<Request> {
        self.server.log().all()
    }
}
