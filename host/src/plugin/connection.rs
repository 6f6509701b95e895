//! The host's end of the protocol over any pair of byte streams.
//!
//! One reader task per connection routes responses to waiting calls and serves the plugin's
//! own requests (manifests, blobs, referrers) through the [`HostServices`] registered for the
//! `verify` they belong to. Anything that breaks the protocol (garbage, an oversized line, a
//! closed stream) closes the connection with a reason; every pending and later call fails
//! with that reason, and the process layer kills the child.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ratify_plugin_sdk::wire::{
    self, HostHello, HostInfo, HostMessage, PluginHello, PluginMessage, ProtocolVersion, Request,
    Response, WireError, code, host_method,
};
use serde_json::Value;
use tokio::io::{AsyncBufRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{oneshot, watch};
use tokio::time::{Instant, timeout_at};

use super::lines::{Line, read_line_capped};
pub use super::services::HostServices;
use super::services::{dispatch, invalid};

/// Why a call did not produce a result.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// No answer before the deadline; the connection has been closed.
    Timeout {
        /// The method that timed out.
        method: String,
        /// How long the call had.
        after: Duration,
    },
    /// The deadline had passed before the request could be sent; the plugin is not at fault
    /// and the connection stays open.
    DeadlinePassed {
        /// The method that was not sent.
        method: String,
    },
    /// The connection is closed (the plugin exited, broke the protocol, or was killed).
    Closed(String),
    /// The plugin answered with an error.
    Remote(WireError),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Timeout { method, after } => {
                write!(
                    f,
                    "did not answer {method} within {} ms; the process was killed",
                    after.as_millis()
                )
            }
            CallError::DeadlinePassed { method } => {
                write!(f, "the deadline passed before {method} could be sent")
            }
            CallError::Closed(reason) => f.write_str(reason),
            CallError::Remote(error) => write!(f, "{error}"),
        }
    }
}

type Writer = Box<dyn AsyncWrite + Send + Unpin>;

#[derive(Default)]
struct Shared {
    pending: HashMap<u64, oneshot::Sender<Response>>,
    contexts: HashMap<u64, Arc<dyn HostServices>>,
}

/// A live, handshaken connection to one plugin process.
pub struct Connection {
    plugin: String,
    writer: tokio::sync::Mutex<Writer>,
    shared: Mutex<Shared>,
    closed: watch::Sender<Option<String>>,
    next_id: AtomicU64,
}

fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Connection {
    /// Sends the host's hello and waits for the plugin's, then starts serving the stream.
    pub async fn open<R, W>(
        plugin: &str,
        reader: R,
        writer: W,
        max_line: usize,
        deadline: Instant,
    ) -> Result<(Arc<Connection>, PluginHello), CallError>
    where
        R: tokio::io::AsyncRead + Send + Unpin + 'static,
        W: AsyncWrite + Send + Unpin + 'static,
    {
        let (closed, _) = watch::channel(None);
        let connection = Arc::new(Connection {
            plugin: plugin.to_owned(),
            writer: tokio::sync::Mutex::new(Box::new(writer)),
            shared: Mutex::new(Shared::default()),
            closed,
            next_id: AtomicU64::new(1),
        });
        let hello = HostMessage::Hello(HostHello {
            protocol_versions: vec![wire::PROTOCOL_VERSION.to_string()],
            host: HostInfo {
                name: "ratify".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            features: Vec::new(),
        });
        connection.send(&hello, deadline).await?;
        let mut reader = BufReader::new(reader);
        let hello = match timeout_at(deadline, read_line_capped(&mut reader, max_line)).await {
            Err(_) => return Err(connection.fail("did not complete the handshake in time")),
            Ok(Err(e)) => return Err(connection.fail(&format!("cannot read its hello: {e}"))),
            Ok(Ok(Line::Eof)) => return Err(connection.fail("exited before the handshake")),
            Ok(Ok(Line::TooLong { .. })) => {
                return Err(connection.fail(&format!("sent a hello over the {max_line}-byte cap")));
            }
            Ok(Ok(Line::Text(line))) => connection.check_hello(&line)?,
        };
        let task_connection = Arc::clone(&connection);
        tokio::spawn(async move { task_connection.read_loop(reader, max_line).await });
        Ok((connection, hello))
    }

    fn check_hello(&self, line: &[u8]) -> Result<PluginHello, CallError> {
        match serde_json::from_slice::<PluginMessage>(line) {
            Ok(PluginMessage::Hello(hello)) => {
                let theirs = ProtocolVersion::parse(&hello.protocol_version);
                match theirs {
                    Some(v) if v.is_compatible_with(wire::PROTOCOL_VERSION) => Ok(hello),
                    _ => Err(self.fail(&format!(
                        "speaks protocol version {:?}, but this host speaks {} (major {})",
                        hello.protocol_version,
                        wire::PROTOCOL_VERSION,
                        wire::PROTOCOL_VERSION.major
                    ))),
                }
            }
            Ok(PluginMessage::Error(message)) => {
                Err(self.fail(&format!("refused the handshake: {}", message.error)))
            }
            Ok(other) => Err(self.fail(&format!("answered the hello with {}", describe(&other)))),
            Err(_) => Err(self.fail(&format!(
                "answered the hello with a line that is not a protocol message: {}",
                excerpt(line)
            ))),
        }
    }

    /// The plugin's name, for messages.
    pub fn plugin(&self) -> &str {
        &self.plugin
    }

    /// Watches for the connection closing; the value is the reason.
    pub fn closed(&self) -> watch::Receiver<Option<String>> {
        self.closed.subscribe()
    }

    /// Whether the connection is still usable.
    pub fn is_open(&self) -> bool {
        self.closed.borrow().is_none()
    }

    /// Number of calls awaiting an answer.
    pub fn in_flight(&self) -> usize {
        lock(&self.shared).pending.len()
    }

    /// Closes the connection with a reason (the first reason wins) and fails pending calls.
    pub fn close(&self, reason: &str) {
        let reason = format!("plugin {}: {reason}", self.plugin);
        self.closed.send_if_modified(|current| {
            if current.is_none() {
                *current = Some(reason);
                true
            } else {
                false
            }
        });
        let mut shared = lock(&self.shared);
        shared.pending.clear();
        shared.contexts.clear();
    }

    fn fail(&self, reason: &str) -> CallError {
        self.close(reason);
        CallError::Closed(self.closed_reason())
    }

    fn closed_reason(&self) -> String {
        self.closed
            .borrow()
            .clone()
            .unwrap_or_else(|| format!("plugin {}: connection closed", self.plugin))
    }

    /// Calls `method`, waiting until `deadline`. With `services`, the plugin may call back
    /// into the host while it works on this request.
    pub async fn call(
        &self,
        method: &str,
        params: Value,
        services: Option<Arc<dyn HostServices>>,
        deadline: Instant,
    ) -> Result<Value, CallError> {
        let started = Instant::now();
        if started >= deadline {
            // Nothing was sent, so the plugin is not at fault: keep the connection.
            return Err(CallError::DeadlinePassed {
                method: method.to_owned(),
            });
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        {
            let mut shared = lock(&self.shared);
            shared.pending.insert(id, tx);
            if let Some(services) = services {
                shared.contexts.insert(id, services);
            }
        }
        // Checked after registering: `close` sets the reason before it clears the pending
        // calls, so a close racing with this call is seen here or wakes it.
        if !self.is_open() {
            self.forget(id);
            return Err(CallError::Closed(self.closed_reason()));
        }
        let request = HostMessage::Request(Request {
            id,
            method: method.to_owned(),
            params,
        });
        let outcome = match self.send(&request, deadline).await {
            Ok(()) => timeout_at(deadline, rx).await,
            Err(e) => {
                self.forget(id);
                return Err(e);
            }
        };
        self.forget(id);
        match outcome {
            Ok(Ok(response)) => response.into_result().map_err(CallError::Remote),
            Ok(Err(_)) => Err(CallError::Closed(self.closed_reason())),
            Err(_) => {
                let after = deadline.saturating_duration_since(started);
                self.close(&format!(
                    "did not answer {method} (request {id}) within {} ms",
                    after.as_millis()
                ));
                Err(CallError::Timeout {
                    method: method.to_owned(),
                    after,
                })
            }
        }
    }

    fn forget(&self, id: u64) {
        let mut shared = lock(&self.shared);
        shared.pending.remove(&id);
        shared.contexts.remove(&id);
    }

    /// Asks the plugin to exit and closes its stdin.
    pub async fn shutdown(&self) {
        let deadline = Instant::now() + Duration::from_millis(500);
        let _ = self.send(&HostMessage::Shutdown, deadline).await;
        if let Ok(mut writer) = timeout_at(deadline, self.writer.lock()).await {
            let _ = timeout_at(deadline, writer.shutdown()).await;
        }
        self.close("shut down by the host");
    }

    async fn send(&self, message: &HostMessage, deadline: Instant) -> Result<(), CallError> {
        let mut line = serde_json::to_vec(message)
            .map_err(|e| CallError::Closed(format!("cannot encode a message: {e}")))?;
        line.push(b'\n');
        let mut writer = match timeout_at(deadline, self.writer.lock()).await {
            Ok(writer) => writer,
            Err(_) => return Err(self.fail("its stdin stayed blocked until the deadline")),
        };
        match timeout_at(deadline, async {
            writer.write_all(&line).await?;
            writer.flush().await
        })
        .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(self.fail(&format!("cannot write to its stdin: {e}"))),
            Err(_) => {
                Err(self.fail("stopped reading its stdin (write blocked until the deadline)"))
            }
        }
    }

    async fn read_loop<R: AsyncBufRead + Send + Unpin>(
        self: Arc<Self>,
        mut reader: R,
        max_line: usize,
    ) {
        loop {
            match read_line_capped(&mut reader, max_line).await {
                Ok(Line::Text(line)) => {
                    if !self.dispatch(&line) {
                        return;
                    }
                }
                Ok(Line::TooLong { .. }) => {
                    return self.close(&format!(
                        "wrote a message longer than the {max_line}-byte cap (maxPluginMessageBytes)"
                    ));
                }
                Ok(Line::Eof) => {
                    // Give the process layer a moment to record the exit status, which says
                    // more than "closed its stdout".
                    let mut closed = self.closed();
                    let grace = Instant::now() + Duration::from_millis(500);
                    let _ = timeout_at(grace, closed.wait_for(Option::is_some)).await;
                    return self.close("closed its stdout (exited or crashed)");
                }
                Err(e) => return self.close(&format!("cannot read its stdout: {e}")),
            }
            if !self.is_open() {
                return;
            }
        }
    }

    /// Handles one line; false when the connection must stop.
    fn dispatch(self: &Arc<Self>, line: &[u8]) -> bool {
        if line.iter().all(u8::is_ascii_whitespace) {
            return true;
        }
        match serde_json::from_slice::<PluginMessage>(line) {
            Ok(PluginMessage::Response(response)) => {
                let waiter = lock(&self.shared).pending.remove(&response.id);
                match waiter {
                    Some(waiter) => drop(waiter.send(response)),
                    None => {
                        tracing::debug!(plugin = %self.plugin, id = response.id, "late or unknown response ignored")
                    }
                }
            }
            Ok(PluginMessage::Request(request)) => {
                let connection = Arc::clone(self);
                tokio::spawn(async move { connection.serve(request).await });
            }
            Ok(PluginMessage::Error(message)) => {
                tracing::warn!(plugin = %self.plugin, "plugin reported: {}", message.error);
            }
            Ok(other) => {
                tracing::warn!(plugin = %self.plugin, "ignoring unexpected {}", describe(&other));
            }
            Err(_) => {
                self.close(&format!(
                    "wrote a line that is not a protocol message: {}",
                    excerpt(line)
                ));
                return false;
            }
        }
        true
    }

    async fn serve(&self, request: Request) {
        let (result, deadline) = self.serve_inner(&request).await;
        let response = match result {
            Ok(value) => Response::ok(request.id, value),
            Err(error) => Response::err(request.id, error),
        };
        // Answer within the verify's own deadline; past it the plugin is being killed anyway.
        let _ = self.send(&HostMessage::Response(response), deadline).await;
    }

    /// Serves one plugin→host request; also returns the deadline the answer must meet.
    async fn serve_inner(&self, request: &Request) -> (Result<Value, WireError>, Instant) {
        let fallback = Instant::now() + Duration::from_secs(5);
        let known = [
            host_method::GET_MANIFEST,
            host_method::GET_BLOB,
            host_method::LIST_REFERRERS,
        ];
        if !known.contains(&request.method.as_str()) {
            let error = WireError::new(
                code::UNKNOWN_METHOD,
                wire::Fault::Plugin,
                format!("the host has no method {:?}", request.method),
            );
            return (Err(error), fallback);
        }
        let context = request.params.get("context").and_then(Value::as_u64);
        let services = context.and_then(|c| lock(&self.shared).contexts.get(&c).cloned());
        let Some(services) = services else {
            let error = invalid(match context {
                None => format!(
                    "{} needs a numeric `context` (the verify request id)",
                    request.method
                ),
                Some(c) => format!("context {c} is not a verify request in flight"),
            });
            return (Err(error), fallback);
        };
        let deadline = services.deadline();
        (dispatch(services.as_ref(), request).await, deadline)
    }
}

fn describe(message: &PluginMessage) -> &'static str {
    match message {
        PluginMessage::Hello(_) => "a second hello",
        PluginMessage::Request(_) => "a request",
        PluginMessage::Response(_) => "a response",
        PluginMessage::Error(_) => "an error message",
        _ => "a message of unknown type",
    }
}

/// The start of a bad line, printable, for error messages.
fn excerpt(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(&line[..line.len().min(120)]);
    let more = if line.len() > 120 { "…" } else { "" };
    format!("{:?}{more}", text)
}
