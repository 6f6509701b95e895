//! Test plumbing for the revocation tests: where the interop data is, and a tiny HTTP/1.1
//! server on 127.0.0.1 that serves CRLs by path, records what was asked, and can misbehave
//! (stall, oversized bodies) on purpose.
#![allow(dead_code)]

pub mod pki;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The interop data directory, or `None` after printing the SKIP line.
pub fn interop_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RATIFY_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/interop")
        });
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "SKIP: interop data not found at {} (set RATIFY_INTEROP_DIR)",
            dir.display()
        );
        None
    }
}

/// What the server answers for a path.
#[derive(Clone)]
pub enum Route {
    /// 200 with this body and a Content-Length.
    Body(Vec<u8>),
    /// 200 with this body, no Content-Length (delimited by closing the connection).
    Unsized(Vec<u8>),
    /// This status, empty body.
    Status(u16),
    /// Reads the request and never answers.
    Stall,
}

struct Shared {
    routes: Mutex<HashMap<String, Route>>,
    hits: Mutex<Vec<String>>,
    stop: AtomicBool,
}

/// A running server; stops when dropped.
pub struct Server {
    pub port: u16,
    shared: Arc<Shared>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            routes: Mutex::new(HashMap::new()),
            hits: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let state = Arc::clone(&shared);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if state.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let state = Arc::clone(&state);
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        Server { port, shared }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Serves `route` at `path` (matched with its query, then without it; a trailing `*`
    /// matches any rest).
    pub fn route(&self, path: &str, route: Route) {
        self.shared
            .routes
            .lock()
            .unwrap()
            .insert(path.to_string(), route);
    }

    /// Every request so far, as `METHOD path`.
    pub fn hits(&self) -> Vec<String> {
        self.shared.hits.lock().unwrap().clone()
    }

    /// How many requests asked for a path ending with `suffix`.
    pub fn count(&self, suffix: &str) -> usize {
        self.hits().iter().filter(|h| h.ends_with(suffix)).count()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(mut stream: TcpStream, state: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut words = head.split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    state.hits.lock().unwrap().push(format!("{method} {path}"));
    let route = {
        let routes = state.routes.lock().unwrap();
        let bare = path.split('?').next().unwrap_or(path);
        let prefixed = || {
            routes.iter().find_map(|(key, route)| {
                let prefix = key.strip_suffix('*')?;
                path.starts_with(prefix).then_some(route)
            })
        };
        routes
            .get(path)
            .or_else(|| routes.get(bare))
            .or_else(prefixed)
            .cloned()
    };
    let reply = |stream: &mut TcpStream, status: &str, body: &[u8], sized: bool| {
        let length = if sized {
            format!("Content-Length: {}\r\n", body.len())
        } else {
            String::new()
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/pkix-crl\r\n{length}Connection: close\r\n\r\n"
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
    };
    match route {
        Some(Route::Body(body)) => reply(&mut stream, "200 OK", &body, true),
        Some(Route::Unsized(body)) => reply(&mut stream, "200 OK", &body, false),
        Some(Route::Status(code)) => reply(&mut stream, &format!("{code} Status"), b"", true),
        Some(Route::Stall) => {
            while !state.stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        None => reply(&mut stream, "404 Not Found", b"", true),
    }
}

/// A URL rewrite sending every request to `base` (keeping path and query).
pub fn redirect_all(base: String) -> ratify_notation::revocation::UrlRewrite {
    Box::new(move |url: &str| {
        let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
        let path = rest.find('/').map_or("/", |i| &rest[i..]);
        format!("{base}{path}")
    })
}
