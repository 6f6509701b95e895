//! Minimal HTTP/1.1 for the test servers in `front.rs` and `faults.rs`: a raw tokio-TCP
//! request parser and response writer (so faults can be injected at the byte level), a
//! loopback [`Server`] that owns its own tokio runtime (usable from sync and async tests, stops
//! when dropped) and logs every request, and [`forward`], which relays a request upstream.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MAX_LINE: usize = 64 * 1024;
const HOP_BY_HOP: [&str; 3] = ["connection", "keep-alive", "transfer-encoding"];

/// A parsed request. `target` is the path plus query as sent (`/v2/x/tags/list?n=1`).
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub version: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
    fn wants_close(&self) -> bool {
        let connection = self.header("connection").unwrap_or("").to_ascii_lowercase();
        connection.contains("close")
            || (self.version == "HTTP/1.0" && !connection.contains("keep-alive"))
    }
}

/// A response. When `bodiless` (an answer to HEAD, or a 204/304) the Content-Length header,
/// if any, is sent as is and no body follows; otherwise Content-Length is `body.len()`.
#[derive(Clone, Debug, Default)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub bodiless: bool,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Self {
        let headers = vec![("Content-Type".to_owned(), content_type.to_owned())];
        Self {
            status,
            headers,
            body,
            bodiless: false,
        }
    }
    /// A registry-style error (`{"errors":[{"code":…,"message":…}]}`).
    pub fn error(status: u16, code: &str, message: &str) -> Self {
        let body = serde_json::json!({"errors": [{"code": code, "message": message}]});
        Self::new(status, "application/json", body.to_string().into_bytes())
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
    /// Replaces every header called `name` with one `name: value`.
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
    }
    /// The bytes on the wire (with `Connection: close` when `close`).
    pub fn serialize(&self, close: bool) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            let framing = !self.bodiless && name.eq_ignore_ascii_case("content-length");
            if !framing && !one_of(name, &HOP_BY_HOP) {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        if !self.bodiless {
            head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        if close {
            head.push_str("Connection: close\r\n");
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        if !self.bodiless {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

/// What a handler wants done with the connection a request came on.
pub enum Reply {
    /// Send the response; keep the connection if the client allows.
    Send(Response),
    /// Write these bytes verbatim, then close.
    Raw(Vec<u8>),
    /// Never answer; hold the socket open until the server stops.
    Stall,
    /// Close without answering.
    Hangup,
}

pub type Handler =
    Arc<dyn Fn(Request) -> Pin<Box<dyn Future<Output = Reply> + Send>> + Send + Sync>;

/// Every request a server has read, in arrival order (bodies dropped).
#[derive(Default)]
pub struct RequestLog(Mutex<Vec<Request>>);

impl RequestLog {
    fn record(&self, request: &Request) {
        let mut entry = request.clone();
        entry.body.clear();
        self.0.lock().unwrap().push(entry);
    }
    pub fn all(&self) -> Vec<Request> {
        self.0.lock().unwrap().clone()
    }
    /// Counts per (method, path without query).
    pub fn counts(&self) -> BTreeMap<(String, String), usize> {
        let mut counts = BTreeMap::new();
        for r in self.0.lock().unwrap().iter() {
            *counts
                .entry((r.method.clone(), r.path().to_owned()))
                .or_insert(0) += 1;
        }
        counts
    }
    /// How many requests had `method` (`"*"`: any) and a path containing `path_part`.
    pub fn count(&self, method: &str, path_part: &str) -> usize {
        let entries = self.0.lock().unwrap();
        let matches =
            |r: &&Request| (method == "*" || r.method == method) && r.path().contains(path_part);
        entries.iter().filter(matches).count()
    }
}

/// A loopback HTTP server on its own one-worker runtime; dropping it stops the runtime, which
/// closes the listener and every connection (stalled ones included).
pub struct Server {
    addr: String,
    log: Arc<RequestLog>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Server {
    pub fn start(handler: Handler) -> Self {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        let runtime = builder.worker_threads(1).enable_all().build().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let log = Arc::new(RequestLog::default());
        let task_log = log.clone();
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve_connection(stream, handler.clone(), task_log.clone()));
            }
        });
        let runtime = Some(runtime);
        Self { addr, log, runtime }
    }
    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> &str {
        &self.addr
    }
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn log(&self) -> &RequestLog {
        &self.log
    }
    /// Runs `work` on this server's runtime and blocks the calling thread until it is done
    /// (fine from a sync test and from inside another runtime alike).
    pub fn run<T: Send + 'static>(&self, work: impl Future<Output = T> + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        let runtime = self.runtime.as_ref().unwrap();
        runtime.spawn(async move { tx.send(work.await) });
        rx.recv().expect("server task failed")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn serve_connection(stream: TcpStream, handler: Handler, log: Arc<RequestLog>) {
    let mut conn = Conn {
        stream,
        buf: Vec::new(),
    };
    while let Ok(Some(request)) = conn.read_request().await {
        log.record(&request);
        let close = request.wants_close();
        let (bytes, close) = match handler(request).await {
            Reply::Send(response) => (response.serialize(close), close),
            Reply::Raw(bytes) => (bytes, true),
            Reply::Stall => std::future::pending().await,
            Reply::Hangup => return,
        };
        if conn.stream.write_all(&bytes).await.is_err() || close {
            let _ = conn.stream.shutdown().await;
            return;
        }
    }
}

/// A buffered server-side connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn fill(&mut self) -> io::Result<usize> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// One CRLF-terminated line; `None` on EOF with nothing buffered.
    async fn read_line(&mut self) -> io::Result<Option<String>> {
        loop {
            if let Some(end) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&self.buf[..end]).into_owned();
                self.buf.drain(..end + 2);
                return Ok(Some(line));
            }
            if self.buf.len() > MAX_LINE {
                return Err(io::Error::other("line too long"));
            }
            if self.fill().await? == 0 {
                return (!self.buf.is_empty()).then(eof).map_or(Ok(None), Err);
            }
        }
    }

    async fn read_exact(&mut self, len: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() < len {
            if self.fill().await? == 0 {
                return Err(eof());
            }
        }
        Ok(self.buf.drain(..len).collect())
    }

    /// Reads one request (Content-Length or chunked body); `None` on EOF between requests.
    async fn read_request(&mut self) -> io::Result<Option<Request>> {
        let Some(line) = self.read_line().await? else {
            return Ok(None);
        };
        let mut parts = line.split(' ').map(str::to_owned);
        let (Some(method), Some(target), Some(version)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(io::Error::other(format!("bad request line {line:?}")));
        };
        let mut headers = Vec::new();
        while let Some(line) = self.read_line().await?.filter(|l| !l.is_empty()) {
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
        }
        let te = header(&headers, "transfer-encoding").map(str::to_ascii_lowercase);
        let body = if te.is_some_and(|te| te.contains("chunked")) {
            self.read_chunked().await?
        } else {
            let len = header(&headers, "content-length").unwrap_or("0").trim();
            self.read_exact(len.parse().map_err(io::Error::other)?)
                .await?
        };
        Ok(Some(Request {
            method,
            target,
            version,
            headers,
            body,
        }))
    }

    async fn read_chunked(&mut self) -> io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line().await?.ok_or_else(eof)?;
            let size = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size, 16).map_err(io::Error::other)?;
            if size == 0 {
                while !self.read_line().await?.ok_or_else(eof)?.is_empty() {} // trailers
                return Ok(body);
            }
            body.extend(self.read_exact(size).await?);
            self.read_line().await?;
        }
    }
}

fn upstream_client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        ratify::tls::install_crypto_provider();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(0) // servers come and go with their runtimes
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap()
    })
}

/// Relays `request` to `upstream` (`host:port`): same method, path+query, headers (Host
/// rewritten) and body; returns status, headers and body. An absolute `Location` pointing at
/// `upstream` is rewritten to the request's Host (the address the client used), so follow-up
/// requests such as blob upload sessions keep going through the caller.
pub async fn forward(upstream: &str, request: &Request) -> io::Result<Response> {
    let method =
        reqwest::Method::from_bytes(request.method.as_bytes()).map_err(io::Error::other)?;
    let url = format!("http://{upstream}{}", request.target);
    let mut builder = upstream_client().request(method, url);
    for (name, value) in &request.headers {
        if !one_of(name, &HOP_BY_HOP) && !one_of(name, &["host", "content-length", "expect"]) {
            builder = builder.header(name.as_str(), value.as_str());
        }
    }
    if !request.body.is_empty() || ["POST", "PUT", "PATCH"].contains(&request.method.as_str()) {
        builder = builder.body(request.body.clone());
    }
    let answer = builder.send().await.map_err(io::Error::other)?;
    let status = answer.status().as_u16();
    let lossy = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
    let headers = answer.headers().iter();
    let headers = headers
        .map(|(n, v)| (n.as_str().to_owned(), lossy(v.as_bytes())))
        .collect();
    let bodiless = request.method == "HEAD" || status == 204 || status == 304;
    let body = answer.bytes().await.map_err(io::Error::other)?.to_vec();
    let mut response = Response {
        status,
        headers,
        body,
        bodiless,
    };
    let from = format!("http://{upstream}");
    if let (Some(public), Some(location)) = (request.header("host"), response.header("location"))
        && let Some(rest) = location.strip_prefix(&from)
    {
        let location = format!("http://{public}{rest}");
        response.set_header("Location", &location);
    }
    Ok(response)
}

/// [`forward`], mapping a failure to a 502.
pub async fn forward_or_502(upstream: &str, request: &Request) -> Response {
    let failed = |e: io::Error| Response::error(502, "UNAVAILABLE", &format!("upstream: {e}"));
    forward(upstream, request).await.unwrap_or_else(failed)
}

pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    let mut found = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
    found.next().map(|(_, v)| v.as_str())
}

fn one_of(name: &str, names: &[&str]) -> bool {
    names.iter().any(|n| name.eq_ignore_ascii_case(n))
}

fn eof() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "connection closed mid-message",
    )
}

fn reason(status: u16) -> &'static str {
    match status {
        200..=299 => "OK",
        300..=399 => "Redirect",
        400..=499 => "Client Error",
        _ => "Server Error",
    }
}
