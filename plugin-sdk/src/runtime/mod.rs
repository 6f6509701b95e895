//! The plugin side of a connection: handshake, request dispatch, and the stdout guard.
//!
//! The reader loop never blocks on a handler: each request runs on a worker thread of its own
//! (reused, see [`workers`]), so a handler waiting for the host (a `getBlob`) never stops the
//! loop that delivers the answer.

pub(crate) mod configs;
mod guard;
mod lines;
pub(crate) mod link;
mod workers;

use std::io::{BufRead, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::wire::{
    DEFAULT_MAX_LINE_BYTES, ErrorMessage, Fault, HostMessage, PROTOCOL_VERSION, PluginHello,
    PluginMessage, ProtocolVersion, Request, Response, WireError, code, negotiate,
};
use lines::{Line, read_line_capped};
pub use link::Host;
use link::Link;
use workers::Workers;

/// What a plugin kind (verifier or store) plugs into the shared loop.
pub(crate) trait Handler: Send + Sync + 'static {
    /// The hello to answer with, once a version is agreed.
    fn hello(&self, version: ProtocolVersion) -> PluginHello;
    /// Serves one request; `host` lets a verifier call back into the host.
    fn handle(&self, request: &Request, host: Host) -> Result<Value, WireError>;
}

/// How a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The host said `shutdown` or closed stdin.
    Clean,
    /// The handshake failed (no common protocol version); the plugin should exit non-zero.
    HandshakeFailed,
}

/// Decodes a request's params into the method's type.
pub(crate) fn params<T: DeserializeOwned>(request: &Request) -> Result<T, WireError> {
    serde_json::from_value(request.params.clone()).map_err(|e| {
        WireError::new(
            code::INVALID_PARAMS,
            Fault::Host,
            format!("invalid params for {}: {e}", request.method),
        )
    })
}

/// Runs the protocol over the given streams until the host shuts the plugin down.
pub(crate) fn serve(
    handler: Arc<dyn Handler>,
    input: &mut dyn BufRead,
    output: Box<dyn Write + Send>,
    log: Box<dyn Write + Send>,
) -> Ending {
    let link = Arc::new(Link::new(output, log));
    let workers = Arc::new(Workers::default());
    let mut ready = false;
    let ending = loop {
        let line = match read_line_capped(input, DEFAULT_MAX_LINE_BYTES) {
            Ok(Line::Text(line)) => line,
            Ok(Line::Eof) => break Ending::Clean,
            Ok(Line::TooLong) => {
                let message = format!("a message exceeded {DEFAULT_MAX_LINE_BYTES} bytes");
                report(&link, code::MESSAGE_TOO_LARGE, message);
                continue;
            }
            Err(e) => {
                link.log(&format!("cannot read from the host: {e}"));
                break Ending::Clean;
            }
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let message = match serde_json::from_slice::<HostMessage>(&line) {
            Ok(message) => message,
            Err(e) => {
                report(
                    &link,
                    code::MALFORMED_MESSAGE,
                    format!("unreadable message from host: {e}"),
                );
                continue;
            }
        };
        match message {
            HostMessage::Hello(hello) => {
                if ready {
                    report(
                        &link,
                        code::MALFORMED_MESSAGE,
                        "a second hello was ignored".into(),
                    );
                    continue;
                }
                match negotiate(&hello.protocol_versions, PROTOCOL_VERSION) {
                    Some(version) => {
                        link.send(&PluginMessage::Hello(handler.hello(version)));
                        ready = true;
                    }
                    None => {
                        let message = format!(
                            "unsupported protocol version: the host speaks [{}], this plugin \
                             speaks {PROTOCOL_VERSION} (major {})",
                            hello.protocol_versions.join(", "),
                            PROTOCOL_VERSION.major
                        );
                        report(&link, code::UNSUPPORTED_PROTOCOL_VERSION, message);
                        break Ending::HandshakeFailed;
                    }
                }
            }
            HostMessage::Request(request) if !ready => {
                let error = WireError::new(
                    code::NOT_READY,
                    Fault::Host,
                    format!(
                        "request {} ({}) arrived before the hello",
                        request.id, request.method
                    ),
                );
                link.send(&PluginMessage::Response(Response::err(request.id, error)));
            }
            HostMessage::Request(request) => spawn_handler(&workers, &handler, &link, request),
            HostMessage::Response(response) => link.deliver(response),
            HostMessage::Shutdown => break Ending::Clean,
            HostMessage::Unknown => link.log("ignoring a message of unknown type from the host"),
        }
    };
    link.close();
    ending
}

/// Sends an `error` message not tied to a request.
fn report(link: &Link, code: i64, message: String) {
    link.log(&message);
    let error = WireError::new(code, Fault::Host, message);
    link.send(&PluginMessage::Error(ErrorMessage { error }));
}

fn spawn_handler(
    workers: &Arc<Workers>,
    handler: &Arc<dyn Handler>,
    link: &Arc<Link>,
    request: Request,
) {
    let handler = Arc::clone(handler);
    let job_link = Arc::clone(link);
    let job = Box::new(move || {
        let host = Host {
            context: request.id,
            link: Arc::clone(&job_link),
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| handler.handle(&request, host)))
            .unwrap_or_else(|panic| Err(panic_error(&request, panic.as_ref())));
        let response = match outcome {
            Ok(result) => Response::ok(request.id, result),
            Err(error) => Response::err(request.id, error),
        };
        job_link.send(&PluginMessage::Response(response));
    });
    if let Err(e) = workers.run(job) {
        link.log(&format!("cannot start a thread for a request: {e}"));
    }
}

fn panic_error(request: &Request, panic: &(dyn std::any::Any + Send)) -> WireError {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic payload".to_owned());
    WireError::new(
        code::PLUGIN_PANIC,
        Fault::Plugin,
        format!(
            "the plugin panicked while handling {} (id {}): {what}",
            request.method, request.id
        ),
    )
}

/// Serves on the process's real stdin/stdout/stderr, with stdout guarded, then exits.
pub(crate) fn run_process(handler: Arc<dyn Handler>) -> ! {
    let protocol_out = guard::take_stdout();
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let ending = serve(
        handler,
        &mut input,
        protocol_out,
        Box::new(std::io::stderr()),
    );
    // Exit without waiting for handler threads still blocked on a host that has gone away.
    std::process::exit(match ending {
        Ending::Clean => 0,
        Ending::HandshakeFailed => 1,
    })
}
