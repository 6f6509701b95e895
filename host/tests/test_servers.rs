//! Self-tests of the test servers in `support/front.rs` (referrers-API front) and
//! `support/faults.rs` (fault-injecting proxy, redirect recorder), run against the real
//! docker-registry 2.8 of `support/registry.rs` with plain HTTP calls.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use base64::Engine as _;
use reqwest::RequestBuilder;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::faults::{Fault, FaultProxy, MANY_REFERRERS_ARTIFACT_TYPE as MANY, Recorder, Rule};
use support::front::{Filter, Front, FrontConfig, INDEX_MEDIA_TYPE, MANIFEST_MEDIA_TYPE};
use support::registry::Registry;

const REPO: &str = "test/img";
const EMPTY: &str = "application/vnd.oci.empty.v1+json";
const TYPE_A: &str = "application/vnd.test.a";
const TYPE_B: &str = "application/vnd.test.b";
const FILTERS: &str = "oci-filters-applied";

/// A client that does not follow redirects.
fn client() -> reqwest::Client {
    ratify::tls::install_crypto_provider();
    let builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    builder.build().unwrap()
}

fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

fn descriptor(bytes: &[u8]) -> Value {
    json!({"mediaType": MANIFEST_MEDIA_TYPE, "digest": digest(bytes), "size": bytes.len()})
}

struct Got {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    /// The descriptors of an image index.
    fn manifests(&self) -> Vec<Value> {
        self.json()["manifests"].as_array().unwrap().clone()
    }
    fn digests(&self) -> Vec<String> {
        let digest = |d: Value| d["digest"].as_str().unwrap().to_owned();
        self.manifests().into_iter().map(digest).collect()
    }
}

async fn attempt(request: RequestBuilder) -> reqwest::Result<Got> {
    let response = request.send().await?;
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    let body = response.bytes().await?.to_vec();
    Ok(Got {
        status,
        headers,
        body,
    })
}

async fn call(request: RequestBuilder) -> Got {
    attempt(request).await.unwrap()
}

/// Monolithic upload: `POST …/blobs/uploads/`, then `PUT <Location>&digest=…`.
async fn push_blob(c: &reqwest::Client, base: &str, bytes: &[u8]) {
    let started = call(c.post(format!("{base}/v2/{REPO}/blobs/uploads/"))).await;
    assert_eq!(started.status, 202);
    let location = started.header("location").unwrap();
    assert!(location.starts_with(base), "{location}");
    let sep = if location.contains('?') { '&' } else { '?' };
    let put = c.put(format!("{location}{sep}digest={}", digest(bytes)));
    assert_eq!(call(put.body(bytes.to_vec())).await.status, 201);
}

/// Pushes a manifest; returns its digest and the response's `OCI-Subject`.
async fn push(c: &reqwest::Client, base: &str, tag: &str, m: &Value) -> (String, Option<String>) {
    let bytes = serde_json::to_vec(m).unwrap();
    let put = c.put(format!("{base}/v2/{REPO}/manifests/{tag}"));
    let put = put.header("Content-Type", m["mediaType"].as_str().unwrap());
    let got = call(put.body(bytes.clone())).await;
    assert_eq!(got.status, 201, "{}", String::from_utf8_lossy(&got.body));
    (digest(&bytes), got.header("oci-subject").map(str::to_owned))
}

struct Pushed {
    image: String,
    image_bytes: Vec<u8>,
    /// a1 (artifactType a, tagged `sig-a1`), b (config mediaType b), a2 (artifactType a).
    referrers: Vec<String>,
    /// The `OCI-Subject` answered to each referrer's push.
    oci_subjects: Vec<Option<String>>,
}

impl Pushed {
    fn pick(&self, which: &[usize]) -> Vec<String> {
        which.iter().map(|&i| self.referrers[i].clone()).collect()
    }
}

fn sorted(mut digests: Vec<String>) -> Vec<String> {
    digests.sort();
    digests
}

fn paged(filter: Filter) -> FrontConfig {
    FrontConfig {
        filter,
        page_size: 1,
    }
}

/// An image (tag `v1`), three referrers of it pushed by digest (a1 also tagged), and a
/// referrers-tag-schema index (`sha256-<hex>`) listing b and a2.
async fn push_content(c: &reqwest::Client, base: &str) -> Pushed {
    push_blob(c, base, b"{}").await;
    let config = |t: &str| json!({"mediaType": t, "digest": digest(b"{}"), "size": 2});
    let mut image = json!({"schemaVersion": 2, "mediaType": MANIFEST_MEDIA_TYPE, "layers": []});
    image["config"] = config("application/vnd.oci.image.config.v1+json");
    let (image_digest, subject) = push(c, base, "v1", &image).await;
    assert_eq!(subject, None, "no subject, no OCI-Subject");
    let image_bytes = serde_json::to_vec(&image).unwrap();
    let (mut referrers, mut listed, mut oci_subjects) = (Vec::new(), Vec::new(), Vec::new());
    for (n, artifact, config_type) in [(1, TYPE_A, EMPTY), (2, "", TYPE_B), (3, TYPE_A, EMPTY)] {
        let mut m = image.clone();
        m["config"] = config(config_type);
        m["subject"] = descriptor(&image_bytes);
        m["annotations"] = json!({"n": n.to_string()});
        if !artifact.is_empty() {
            m["artifactType"] = json!(artifact);
        }
        let d = digest(&serde_json::to_vec(&m).unwrap());
        let (pushed, oci_subject) = push(c, base, &d, &m).await;
        assert_eq!(pushed, d);
        oci_subjects.push(oci_subject);
        if n == 1 {
            push(c, base, "sig-a1", &m).await;
        } else {
            listed.push(descriptor(&serde_json::to_vec(&m).unwrap()));
        }
        referrers.push(d);
    }
    let index = json!({"schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE, "manifests": listed});
    push(c, base, &image_digest.replace(':', "-"), &index).await;
    let image = image_digest;
    Pushed {
        image,
        image_bytes,
        referrers,
        oci_subjects,
    }
}

/// Follows the `Link: <…>; rel="next"` chain from `first`; returns every page.
async fn pages(c: &reqwest::Client, base: &str, first: &str) -> Vec<Got> {
    let (mut out, mut next) = (Vec::new(), Some(first.to_owned()));
    while let Some(target) = next.take() {
        let page = call(c.get(format!("{base}{target}"))).await;
        assert_eq!(page.status, 200);
        if let Some(link) = page.header("link") {
            let ok = link.starts_with("</v2/") && link.ends_with(">; rel=\"next\"");
            assert!(ok, "{link}");
            next = Some(link[1..link.find('>').unwrap()].to_owned());
        }
        out.push(page);
        assert!(out.len() <= 10, "the Link chain does not end");
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn front_lists_filters_and_paginates() {
    let registry = Registry::start();
    let front = Front::start(&registry.addr);
    let c = client();
    let pushed = push_content(&c, &front.url()).await;
    let subject = Some(pushed.image.clone());
    assert!(pushed.oci_subjects.iter().all(|s| *s == subject));
    let referrers = format!("/v2/{REPO}/referrers/{}", pushed.image);
    let at = |server: String| c.get(format!("{server}{referrers}"));
    assert_eq!(call(at(registry.url())).await.status, 404); // no referrers API there

    let all = call(at(front.url())).await;
    assert_eq!(all.status, 200);
    assert_eq!(all.header("content-type"), Some(INDEX_MEDIA_TYPE));
    assert_eq!((all.header(FILTERS), all.header("link")), (None, None));
    assert_eq!(all.json()["mediaType"], INDEX_MEDIA_TYPE);
    assert_eq!(all.digests(), pushed.referrers);
    let listed = all.manifests();
    let types: Vec<_> = listed.iter().map(|d| d["artifactType"].clone()).collect();
    assert_eq!(types, [TYPE_A, TYPE_B, TYPE_A]); // artifactType, else config.mediaType
    assert_eq!(listed[1]["annotations"], json!({"n": "2"}));
    assert_eq!(listed[1]["mediaType"], MANIFEST_MEDIA_TYPE);

    let encoded = TYPE_A.replace('/', "%2F"); // clients encode; the front decodes
    let filtered = call(c.get(format!("{}{referrers}?artifactType={encoded}", front.url()))).await;
    assert_eq!(filtered.header(FILTERS), Some("artifactType"));
    assert_eq!(filtered.digests(), pushed.pick(&[0, 2]));

    let unknown = format!("{}/v2/{REPO}/referrers/{}", front.url(), digest(b"?"));
    let unknown = call(c.get(unknown)).await;
    assert_eq!((unknown.status, unknown.digests().len()), (200, 0)); // not 404
    let bad = format!("{}/v2/{REPO}/referrers/sha256:xyz", front.url());
    assert_eq!(call(c.get(bad)).await.status, 400);
    assert_eq!(front.request_count("GET", "/referrers/"), 4);
    assert_eq!(front.requests()[&("GET".to_owned(), referrers.clone())], 2);
    assert_eq!(front.referrers(REPO, &pushed.image).len(), 3);

    // Fresh fronts know only what they find in the registry: a1 by its tag, b and a2
    // through the sha256-<hex> index (in tag order, so compare sorted).
    let filtered = format!("{referrers}?artifactType={TYPE_A}");
    let ignoring = Front::start_with(&registry.addr, paged(Filter::Ignored));
    assert_eq!(ignoring.index_existing(REPO), 3);
    let chain = pages(&c, &ignoring.url(), &filtered).await;
    let digests = sorted(chain.iter().flat_map(Got::digests).collect());
    assert_eq!(digests, sorted(pushed.pick(&[0, 1, 2]))); // one a page, unfiltered
    assert!(chain.iter().all(|p| p.digests().len() == 1));
    assert!(chain.iter().all(|p| p.header(FILTERS).is_none()));

    let applying = Front::start_with(&registry.addr, paged(Filter::Applied));
    assert_eq!(applying.index_existing(REPO), 3);
    let chain = pages(&c, &applying.url(), &filtered).await;
    let digests = sorted(chain.iter().flat_map(Got::digests).collect());
    assert_eq!(digests, sorted(pushed.pick(&[0, 2]))); // filtered on page 2 too
    let applied = |p: &Got| p.header(FILTERS) == Some("artifactType");
    assert!(chain.iter().all(applied));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn front_relays_the_registrys_auth_challenge() {
    let registry = Registry::start_with_basic_auth("alice", "secret");
    let front = Front::start(&registry.addr);
    let c = client();
    let url = format!("{}/v2/{REPO}/referrers/{}", front.url(), digest(b"x"));
    let denied = call(c.get(&url)).await;
    assert_eq!(denied.status, 401);
    assert!(denied.header("www-authenticate").is_some());
    let basic = base64::engine::general_purpose::STANDARD.encode("alice:secret");
    let basic = format!("Basic {basic}");
    let allowed = call(c.get(&url).header("Authorization", &basic)).await;
    assert_eq!(allowed.status, 200);
    assert_eq!(front.index_existing_with_auth(REPO, Some(&basic)), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn faults_do_what_they_say() {
    let registry = Registry::start();
    let c = client();
    let pushed = push_content(&c, &registry.url()).await;
    assert!(pushed.oci_subjects.iter().all(Option::is_none)); // no referrers API
    let image: Value = serde_json::from_slice(&pushed.image_bytes).unwrap();
    for tag in ["truncate", "corrupt", "oversize", "delay"] {
        push(&c, &registry.url(), tag, &image).await;
    }
    let recorder = Recorder::start();
    let elsewhere = recorder.addr().to_owned();
    let rules = vec![
        Rule::when(|r| r.path() == "/v2/", Fault::retry_after(429, 1)).times(1),
        Rule::new("GET", "/manifests/status503", Fault::status(503)),
        Rule::new("GET", "/manifests/stall", Fault::Stall),
        Rule::new("GET", "/manifests/truncate", Fault::Truncate),
        Rule::new("GET", "/manifests/corrupt", Fault::CorruptBody),
        Rule::new("GET", "/manifests/oversize", Fault::Oversize(5 << 20)),
        Rule::new("GET", "/blobs/", Fault::Oversize(40 << 20)),
        Rule::new("GET", "/referrers/", Fault::ManyReferrers(10_000)),
        Rule::new("*", "/manifests/redirect", Fault::RedirectTo(elsewhere)),
        Rule::new("GET", "/manifests/delay", Fault::Delay(300)),
        Rule::new("GET", "/manifests/hangup", Fault::Hangup),
    ];
    let proxy = FaultProxy::start(&registry.addr, rules);
    let url = |path: &str| format!("{}/v2/{REPO}/{path}", proxy.url());
    let get = |path: &str| c.get(url(path)).header("Accept", MANIFEST_MEDIA_TYPE);
    let base = format!("{}/v2/", proxy.url());

    let limited = call(c.get(&base)).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("1"));
    assert_eq!(call(c.get(&base)).await.status, 200, "times(1)");
    assert_eq!(call(get("manifests/status503")).await.status, 503);

    let started = Instant::now();
    let stalled = attempt(get("manifests/stall").timeout(Duration::from_secs(1))).await;
    assert!(stalled.err().unwrap().is_timeout());
    assert!(started.elapsed() >= Duration::from_secs(1));

    // Truncate, seen on the wire: the full Content-Length, half the body, then EOF.
    let mut raw = std::net::TcpStream::connect(proxy.addr()).unwrap();
    let head = format!("GET /v2/{REPO}/manifests/truncate HTTP/1.1\r\nHost: x\r\n");
    let request = format!("{head}Accept: {MANIFEST_MEDIA_TYPE}\r\n\r\n");
    raw.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    raw.read_to_end(&mut answer).unwrap();
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&answer[..split]).to_ascii_lowercase();
    let full = pushed.image_bytes.len();
    let announced = format!("content-length: {full}\r\n");
    assert!(head.contains(&announced), "{head}");
    assert_eq!(answer.len() - split, full / 2);
    assert!(attempt(get("manifests/truncate")).await.is_err());

    let corrupt = call(get("manifests/corrupt")).await;
    assert_eq!(corrupt.body.len(), full);
    assert_ne!(digest(&corrupt.body), pushed.image);
    assert!(corrupt.json().is_object()); // still JSON: only the digest is off

    let oversize = call(get("manifests/oversize")).await;
    assert_eq!(oversize.header("content-length"), Some("5242880"));
    assert_eq!(oversize.body.len(), 5 << 20);
    let blob = call(c.get(url(&format!("blobs/{}", digest(b"{}"))))).await;
    assert_eq!(blob.body.len(), 40 << 20);

    let many = call(c.get(url(&format!("referrers/{}", pushed.image)))).await;
    let many = many.manifests();
    assert_eq!(many.len(), 10_000);
    assert!(many.iter().all(|d| d["artifactType"] == MANY));
    let plausible = |d: &Value| d["digest"].as_str().unwrap().len() == 71;
    assert!(many.iter().all(plausible));

    let redirect = call(get("manifests/redirect")).await;
    let location = redirect.header("location").unwrap().to_owned();
    assert_eq!(redirect.status, 307);
    let same_path = format!("{}/v2/{REPO}/manifests/redirect", recorder.url());
    assert_eq!(location, same_path);
    // reqwest follows redirects and drops Authorization when the host changes.
    let following = reqwest::Client::new();
    let followed = following.get(url("manifests/redirect"));
    let followed = call(followed.header("Authorization", "Basic eDp5")).await;
    assert_eq!((followed.status, recorder.requests().len()), (200, 1));
    assert!(!recorder.saw_authorization());
    call(c.get(&location).header("Authorization", "Basic eDp5")).await; // a client keeping it
    assert!(recorder.saw_authorization());

    let started = Instant::now();
    assert_eq!(call(get("manifests/delay")).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    let hung_up = attempt(get("manifests/hangup")).await.err().unwrap();
    assert!(!hung_up.is_timeout(), "{hung_up}");

    assert_eq!(proxy.fired(), [1, 1, 1, 2, 1, 1, 1, 1, 2, 1, 1]);
    assert_eq!(proxy.requests()[&("GET".to_owned(), "/v2/".to_owned())], 2);
    assert_eq!(proxy.request_count("GET", "/manifests/"), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn faults_in_front_of_the_front() {
    let registry = Registry::start();
    let front = Front::start(&registry.addr);
    let rules = vec![
        Rule::new("GET", "/referrers/", Fault::status(502)).times(1),
        Rule::new("GET", "/referrers/", Fault::ManyReferrers(3)).times(1),
    ];
    let proxy = FaultProxy::start(front.addr(), rules);
    let c = client();
    // Upload Locations lead back to the proxy through both servers.
    let pushed = push_content(&c, &proxy.url()).await;
    assert_eq!(proxy.request_count("PUT", "/blobs/uploads/"), 1);
    assert_eq!(front.request_count("PUT", "/blobs/uploads/"), 1);
    let url = format!("{}/v2/{REPO}/referrers/{}", proxy.url(), pushed.image);
    assert_eq!(call(c.get(&url)).await.status, 502);
    assert_eq!(call(c.get(&url)).await.manifests()[0]["artifactType"], MANY);
    assert_eq!(call(c.get(&url)).await.digests(), pushed.referrers);
    assert_eq!(front.request_count("GET", "/referrers/"), 1); // faulted ones never got there
}

#[test]
fn servers_work_from_sync_tests_too() {
    let registry = Registry::start();
    let front = Front::start(&registry.addr);
    let proxy = FaultProxy::start(front.addr(), Vec::new());
    assert_eq!(front.index_existing(REPO), 0);
    let mut raw = std::net::TcpStream::connect(proxy.addr()).unwrap();
    let target = format!("/v2/{REPO}/referrers/{}", digest(b"x"));
    raw.write_all(format!("GET {target} HTTP/1.0\r\n\r\n").as_bytes())
        .unwrap();
    let mut answer = String::new();
    raw.read_to_string(&mut answer).unwrap(); // HTTP/1.0: closed after the answer
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    let index = answer.split("\r\n\r\n").nth(1).unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(index).unwrap()["manifests"],
        json!([])
    );
}
