//! A referrers-API front (OCI distribution spec 1.1, "Listing Referrers") that sits before the
//! real registry of `registry.rs`. It is a faithful stand-in written for these tests, because
//! no real registry with the referrers API is available here (Debian's docker-registry 2.8
//! predates it). Everything is proxied to the registry except
//! `GET /v2/<name>/referrers/<digest>`, which the front answers itself from an index of the
//! manifests with a `subject` that were pushed through it (or found by [`Front::index_existing`]):
//! 200 with an image index (empty when nothing refers to the digest, never 404), 400 for a bad
//! digest, the registry's 401 when credentials are missing, optional `artifactType` filtering
//! (`OCI-Filters-Applied: artifactType`) and `Link: <…>; rel="next"` pagination. Manifest PUTs
//! with a subject get `OCI-Subject: <subject digest>`, as the spec requires of such registries.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::http::{self, Reply, Request, Response, Server};

pub const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
    application/vnd.oci.image.index.v1+json, \
    application/vnd.docker.distribution.manifest.v2+json, \
    application/vnd.docker.distribution.manifest.list.v2+json";
const TOKEN_PREFIX: &str = "ratify-front-offset:";

/// What the front does with `?artifactType=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    /// Filters, and answers `OCI-Filters-Applied: artifactType`.
    Applied,
    /// Returns every referrer without the header: the client must filter.
    Ignored,
}

#[derive(Clone, Debug)]
pub struct FrontConfig {
    pub filter: Filter,
    /// Descriptors per response; more are offered through a `Link` header.
    pub page_size: usize,
}

impl Default for FrontConfig {
    /// Filtering applied, 100 referrers a page.
    fn default() -> Self {
        Self {
            filter: Filter::Applied,
            page_size: 100,
        }
    }
}

struct Referrer {
    subject: String,
    descriptor: Value,
}

struct State {
    upstream: String,
    config: FrontConfig,
    /// Per repository, in the order first seen.
    index: Mutex<HashMap<String, Vec<Referrer>>>,
}

/// A running front; stops when dropped.
pub struct Front {
    server: Server,
    state: Arc<State>,
}

impl Front {
    /// A front before `upstream` (`127.0.0.1:<port>`) with [`FrontConfig::default`].
    pub fn start(upstream: &str) -> Self {
        Self::start_with(upstream, FrontConfig::default())
    }

    pub fn start_with(upstream: &str, config: FrontConfig) -> Self {
        assert!(config.page_size > 0, "page_size must be positive");
        let index = Mutex::new(HashMap::new());
        let state = Arc::new(State {
            upstream: upstream.to_owned(),
            config,
            index,
        });
        let handler_state = state.clone();
        let server = Server::start(Arc::new(move |request| {
            let state = handler_state.clone();
            Box::pin(async move { Reply::Send(state.handle(request).await) })
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
    /// Requests received so far, counted per (method, path without query).
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
    /// The descriptors the front would list for `subject` in `repo` (no filter, no paging).
    pub fn referrers(&self, repo: &str, subject: &str) -> Vec<Value> {
        self.state.referrers(repo, subject)
    }

    /// Indexes what was pushed to `repo` directly at the registry: every tagged manifest with a
    /// subject, and the manifests listed by referrers-tag-schema indexes (`sha256-<hex>` tags).
    /// Returns how many referrers were newly indexed.
    pub fn index_existing(&self, repo: &str) -> usize {
        self.index_existing_with_auth(repo, None)
    }

    /// [`Self::index_existing`] sending `authorization` (e.g. `Basic …`) to the registry.
    pub fn index_existing_with_auth(&self, repo: &str, authorization: Option<&str>) -> usize {
        let (state, repo) = (self.state.clone(), repo.to_owned());
        let auth = authorization.map(|a| vec![("Authorization".to_owned(), a.to_owned())]);
        self.server
            .run(async move { state.index_existing(&repo, auth.unwrap_or_default()).await })
    }
}

impl State {
    async fn handle(&self, request: Request) -> Response {
        let path = request.path().to_owned();
        if request.method == "GET"
            && let Some((name, digest)) = route(&path, "/referrers/")
        {
            return self.list(&request, name, digest).await;
        }
        let mut response = http::forward_or_502(&self.upstream, &request).await;
        let Some((name, reference)) = route(&path, "/manifests/") else {
            return response;
        };
        match request.method.as_str() {
            "PUT" if response.status == 201 => {
                if let Some(subject) =
                    self.record(name, &request.body, request.header("content-type"))
                {
                    response.set_header("OCI-Subject", &subject);
                }
            }
            "DELETE" if response.status == 202 => {
                let mut index = self.index.lock().unwrap();
                let list = index.entry(name.to_owned()).or_default();
                list.retain(|r| r.descriptor["digest"] != reference);
            }
            _ => {}
        }
        response
    }

    /// Records `body` as a referrer if it is a manifest with a subject; returns the subject.
    fn record(&self, repo: &str, body: &[u8], content_type: Option<&str>) -> Option<String> {
        let manifest: Value = serde_json::from_slice(body).ok()?;
        let subject = manifest["subject"]["digest"].as_str()?.to_owned();
        let media_type = (manifest["mediaType"].as_str())
            .or(content_type)
            .unwrap_or(MANIFEST_MEDIA_TYPE);
        let digest = format!("sha256:{}", hex::encode(Sha256::digest(body)));
        let mut descriptor = json!({"mediaType": media_type, "digest": digest, "size": body.len()});
        let artifact_type = match manifest["artifactType"].as_str().filter(|t| !t.is_empty()) {
            Some(t) => Some(t),
            None if media_type.contains("index") || media_type.contains("list") => None,
            None => manifest["config"]["mediaType"].as_str(),
        };
        if let Some(t) = artifact_type {
            descriptor["artifactType"] = json!(t);
        }
        if manifest["annotations"].is_object() {
            descriptor["annotations"] = manifest["annotations"].clone();
        }
        let mut index = self.index.lock().unwrap();
        let list = index.entry(repo.to_owned()).or_default();
        if !list
            .iter()
            .any(|r| r.descriptor["digest"] == digest.as_str())
        {
            list.push(Referrer {
                subject: subject.clone(),
                descriptor,
            });
        }
        Some(subject)
    }

    fn referrers(&self, repo: &str, subject: &str) -> Vec<Value> {
        let index = self.index.lock().unwrap();
        let list = index.get(repo).map(Vec::as_slice).unwrap_or_default();
        list.iter()
            .filter(|r| r.subject == subject)
            .map(|r| r.descriptor.clone())
            .collect()
    }

    /// `GET /v2/<name>/referrers/<digest>`.
    async fn list(&self, request: &Request, name: &str, digest: &str) -> Response {
        // The registry decides on credentials: ask it about /v2/ with the client's.
        let probe = self.get("/v2/", request.header("authorization")).await;
        if probe.status == 401 || probe.status == 403 {
            return probe;
        }
        if !valid_digest(digest) {
            return Response::error(400, "DIGEST_INVALID", "invalid digest");
        }
        let mut referrers = self.referrers(name, digest);
        let wanted = query_param(request, "artifactType");
        let applied = self.config.filter == Filter::Applied && wanted.is_some();
        if let Some(wanted) = wanted.as_deref().filter(|_| applied) {
            referrers.retain(|d| d["artifactType"] == wanted);
        }
        let offset = match query_param(request, "last").map(|t| decode_token(&t)) {
            None => 0,
            Some(Some(offset)) => offset,
            Some(None) => return Response::error(400, "UNSUPPORTED", "invalid `last` token"),
        };
        let page_size = self.config.page_size;
        let end = referrers.len().min(offset.saturating_add(page_size));
        let page = referrers
            .get(offset.min(end)..end)
            .unwrap_or_default()
            .to_vec();
        let index = json!({"schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE, "manifests": page});
        let mut response = Response::new(200, INDEX_MEDIA_TYPE, index.to_string().into_bytes());
        if applied {
            response.set_header("OCI-Filters-Applied", "artifactType");
        }
        if end < referrers.len() {
            let token = hex::encode(format!("{TOKEN_PREFIX}{end}"));
            let mut next = format!("/v2/{name}/referrers/{digest}?n={page_size}&last={token}");
            if let Some(wanted) = wanted.filter(|_| applied) {
                next.push_str(&format!("&artifactType={}", percent_encode(&wanted)));
            }
            response.set_header("Link", &format!("<{next}>; rel=\"next\""));
        }
        response
    }

    async fn get(&self, target: &str, authorization: Option<&str>) -> Response {
        let mut headers = vec![("Accept".to_owned(), ACCEPT.to_owned())];
        if let Some(auth) = authorization {
            headers.push(("Authorization".to_owned(), auth.to_owned()));
        }
        let request = Request {
            method: "GET".into(),
            target: target.into(),
            headers,
            ..Default::default()
        };
        http::forward_or_502(&self.upstream, &request).await
    }

    async fn index_existing(&self, repo: &str, auth_headers: Vec<(String, String)>) -> usize {
        let auth = http::header(&auth_headers, "authorization");
        let count = |state: &Self| state.index.lock().unwrap().get(repo).map_or(0, Vec::len);
        let before = count(self);
        let tags = self.get(&format!("/v2/{repo}/tags/list"), auth).await;
        let tags: Value = serde_json::from_slice(&tags.body).unwrap_or_default();
        for tag in tags["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let found = self.get(&format!("/v2/{repo}/manifests/{tag}"), auth).await;
            if found.status != 200 {
                continue;
            }
            self.record(repo, &found.body, found.header("content-type"));
            // A referrers tag (`sha256-<hex>`) lists referrers that may carry no tag of their own.
            if !(tag.starts_with("sha256-") && tag.len() == 71) {
                continue;
            }
            let listed: Value = serde_json::from_slice(&found.body).unwrap_or_default();
            for digest in listed["manifests"].as_array().into_iter().flatten() {
                let Some(digest) = digest["digest"].as_str() else {
                    continue;
                };
                let found = self
                    .get(&format!("/v2/{repo}/manifests/{digest}"), auth)
                    .await;
                if found.status == 200 {
                    self.record(repo, &found.body, found.header("content-type"));
                }
            }
        }
        count(self) - before
    }
}

/// Splits `/v2/<name><marker><rest>` (name may contain slashes; rest may not).
fn route<'a>(path: &'a str, marker: &str) -> Option<(&'a str, &'a str)> {
    let inner = path.strip_prefix("/v2/")?;
    let at = inner.rfind(marker)?;
    let (name, rest) = (&inner[..at], &inner[at + marker.len()..]);
    (!name.is_empty() && !rest.is_empty() && !rest.contains('/')).then_some((name, rest))
}

/// `algorithm:encoded` per the distribution spec's digest grammar (sha256: 64 lowercase hex).
fn valid_digest(digest: &str) -> bool {
    let Some((algorithm, encoded)) = digest.split_once(':') else {
        return false;
    };
    let algorithm_ok = !algorithm.is_empty()
        && algorithm
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b));
    let encoded_ok = !encoded.is_empty()
        && encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"=_-".contains(&b));
    let sha256_ok = algorithm != "sha256"
        || (encoded.len() == 64
            && encoded
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    algorithm_ok && encoded_ok && sha256_ok
}

fn decode_token(token: &str) -> Option<usize> {
    let text = String::from_utf8(hex::decode(token).ok()?).ok()?;
    text.strip_prefix(TOKEN_PREFIX)?.parse().ok()
}

/// The first value of query parameter `name`, percent-decoded.
pub fn query_param(request: &Request, name: &str) -> Option<String> {
    let query = request.target.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(key) == name).then(|| percent_decode(value))
    })
}

/// Percent-decoding for query values (`+` stays `+`: media types contain it, never spaces).
pub fn percent_decode(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        let hex = tail.get(..2).and_then(|h| std::str::from_utf8(h).ok());
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(v) if b == b'%' => (out.push(v), rest = &tail[2..]),
            _ => (out.push(b), rest = tail),
        };
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn percent_encode(s: &str) -> String {
    let keep = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    let encode = |b: u8| {
        if keep(b) {
            (b as char).to_string()
        } else {
            format!("%{b:02X}")
        }
    };
    s.bytes().map(encode).collect()
}
