//! The SDK runtime driven over injected pipes, playing the host by hand: nothing is spawned.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, PipeReader, PipeWriter, Write};
use std::thread::JoinHandle;
use std::time::Duration;

use ratify_plugin_sdk::verifier::{self, Verifier, VerifyRequest};
use ratify_plugin_sdk::wire::*;
use ratify_plugin_sdk::{Ending, PluginInfo};
use serde_json::{Value, json};

/// Passes a referrer if its manifest (fetched from the host) matches `config.expect`; panics
/// when asked to; sleeps when asked to.
struct Probe;

impl Verifier for Probe {
    type Config = Value;

    fn info(&self) -> PluginInfo {
        PluginInfo::new("probe", "1.2.3").artifact_types(["application/x-probe"])
    }

    fn configure(&self, _name: &str, config: &Value) -> Result<Value, WireError> {
        match config.get("expect") {
            Some(Value::String(_)) => Ok(config.clone()),
            _ => Err(WireError::config("`expect` must be a string")),
        }
    }

    fn verify(
        &self,
        config: &Value,
        request: VerifyRequest<'_>,
    ) -> Result<VerifyResult, WireError> {
        if request.referrer.media_type == "panic" {
            panic!("asked to panic");
        }
        let manifest = request.host.get_manifest(&request.referrer.digest)?;
        let found = String::from_utf8_lossy(&manifest.content.0).into_owned();
        Ok(if Some(found.as_str()) == config["expect"].as_str() {
            VerifyResult::success(format!("found {found}"))
        } else {
            VerifyResult::failure(format!("found {found}"))
        })
    }
}

/// The host's end of a connection to a plugin running on a thread.
struct FakeHost {
    to_plugin: Option<PipeWriter>,
    from_plugin: BufReader<PipeReader>,
    plugin: JoinHandle<Ending>,
}

impl FakeHost {
    fn start() -> Self {
        let (plugin_in, to_plugin) = std::io::pipe().unwrap();
        let (from_plugin, plugin_out) = std::io::pipe().unwrap();
        let plugin = std::thread::spawn(move || {
            let mut input = BufReader::new(plugin_in);
            verifier::run_with_io(
                Probe,
                &mut input,
                Box::new(plugin_out),
                Box::new(std::io::sink()),
            )
        });
        Self {
            to_plugin: Some(to_plugin),
            from_plugin: BufReader::new(from_plugin),
            plugin,
        }
    }

    fn send(&mut self, message: Value) {
        let writer = self.to_plugin.as_mut().unwrap();
        writeln!(writer, "{message}").unwrap();
    }

    fn send_raw(&mut self, line: &str) {
        writeln!(self.to_plugin.as_mut().unwrap(), "{line}").unwrap();
    }

    fn recv(&mut self) -> PluginMessage {
        let mut line = String::new();
        self.from_plugin.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad line {line:?}: {e}"))
    }

    fn hello(&mut self) -> PluginHello {
        self.send(
            json!({"type":"hello","protocolVersions":["1.0"],"host":{"name":"t","version":"0"}}),
        );
        match self.recv() {
            PluginMessage::Hello(hello) => hello,
            other => panic!("expected hello, got {other:?}"),
        }
    }

    fn configure(&mut self, id: u64, expect: &str) -> Response {
        self.send(json!({"type":"request","id":id,"method":"configure",
            "params":{"configId":"c","name":"probe","config":{"expect":expect}}}));
        self.response()
    }

    fn verify(&mut self, id: u64, media_type: &str) {
        self.send(json!({"type":"request","id":id,"method":"verify","params":{"configId":"c",
            "subject":{"reference":"r:v1","descriptor":{"mediaType":"m","digest":"sha256:aa","size":1}},
            "referrer":{"mediaType":media_type,"digest":format!("sha256:{id}"),"size":1}}}));
    }

    fn response(&mut self) -> Response {
        match self.recv() {
            PluginMessage::Response(response) => response,
            other => panic!("expected a response, got {other:?}"),
        }
    }

    fn finish(mut self) -> Ending {
        self.to_plugin = None;
        self.plugin.join().unwrap()
    }
}

#[test]
fn handshake_announces_name_kind_version_and_capabilities() {
    let mut host = FakeHost::start();
    let hello = host.hello();
    assert_eq!(hello.protocol_version, "1.1");
    assert_eq!(
        (hello.name.as_str(), hello.kind, hello.version.as_str()),
        ("probe", PluginKind::Verifier, "1.2.3")
    );
    assert_eq!(hello.capabilities.artifact_types, ["application/x-probe"]);
    assert_eq!(
        host.finish(),
        Ending::Clean,
        "closing stdin ends the plugin cleanly"
    );
}

#[test]
fn an_unsupported_version_is_an_error_naming_both_versions() {
    let mut host = FakeHost::start();
    host.send(
        json!({"type":"hello","protocolVersions":["2.0","3.1"],"host":{"name":"t","version":"0"}}),
    );
    let PluginMessage::Error(ErrorMessage { error }) = host.recv() else {
        panic!("expected error")
    };
    assert_eq!(error.code, code::UNSUPPORTED_PROTOCOL_VERSION);
    assert!(
        error.message.contains("[2.0, 3.1]") && error.message.contains("1.1"),
        "{}",
        error.message
    );
    assert_eq!(host.finish(), Ending::HandshakeFailed);
}

#[test]
fn a_request_before_the_hello_is_refused() {
    let mut host = FakeHost::start();
    host.verify(7, "m");
    let response = host.response();
    assert_eq!(response.id, 7);
    assert_eq!(response.into_result().unwrap_err().code, code::NOT_READY);
    host.hello();
    host.finish();
}

#[test]
fn configure_validates_and_verify_uses_the_accepted_config() {
    let mut host = FakeHost::start();
    host.hello();
    host.send(json!({"type":"request","id":1,"method":"configure",
        "params":{"configId":"bad","name":"probe","config":{"expect":5}}}));
    let rejected = host.response().into_result().unwrap_err();
    assert_eq!(
        (rejected.code, rejected.fault),
        (code::INVALID_CONFIG, Fault::Config)
    );

    host.verify(2, "m");
    assert_eq!(
        host.response().into_result().unwrap_err().code,
        code::UNKNOWN_CONFIG
    );

    assert!(host.configure(3, "hello").into_result().is_ok());
    host.verify(4, "m");
    // The verifier asks the host for the referrer's manifest, tagged with the verify's id.
    let PluginMessage::Request(ask) = host.recv() else {
        panic!("expected a host request")
    };
    assert_eq!(ask.method, host_method::GET_MANIFEST);
    let params: HostGetManifestParams = serde_json::from_value(ask.params).unwrap();
    assert_eq!((params.context, params.digest.as_str()), (4, "sha256:4"));
    host.send(
        json!({"type":"response","id":ask.id,"result":{"mediaType":"m","content":"aGVsbG8="}}),
    );
    let result: VerifyResult =
        serde_json::from_value(host.response().into_result().unwrap()).unwrap();
    assert!(result.is_success, "{result:?}");
    assert_eq!(result.message, "found hello");
    host.finish();
}

#[test]
fn requests_run_concurrently_and_a_panic_fails_only_its_request() {
    // Request 10 blocks inside the plugin on a host call this test answers only once request
    // 11 (which panics) has been answered: a plugin that ran requests one at a time never
    // answers 11, and the watchdog fails the test instead of letting it hang.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watched = done.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(30));
        if !watched.load(std::sync::atomic::Ordering::SeqCst) {
            eprintln!("requests were not run concurrently: request 11 never answered");
            std::process::exit(1);
        }
    });
    let mut host = FakeHost::start();
    host.hello();
    host.configure(1, "x");
    host.verify(10, "block");
    host.verify(11, "panic");
    let (mut panicked, mut ask) = (None, None);
    while panicked.is_none() || ask.is_none() {
        match host.recv() {
            PluginMessage::Response(response) => panicked = Some(response),
            PluginMessage::Request(request) => ask = Some(request),
            other => panic!("unexpected {other:?}"),
        }
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let (first, ask) = (panicked.unwrap(), ask.unwrap());
    assert_eq!(first.id, 11);
    let error = first.into_result().unwrap_err();
    assert_eq!(
        (error.code, error.fault),
        (code::PLUGIN_PANIC, Fault::Plugin)
    );
    assert!(
        error.message.contains("asked to panic"),
        "{}",
        error.message
    );
    assert_eq!(ask.method, "getManifest", "{ask:?}");
    host.send(json!({"type":"response","id":ask.id,"error":{"code":500,"message":"gone","fault":"store"}}));
    let second = host.response();
    assert_eq!(second.id, 10);
    assert_eq!(
        second.into_result().unwrap_err().message,
        "gone",
        "host errors reach the host back"
    );
    host.finish();
}

#[test]
fn garbage_and_unknown_methods_get_errors_and_the_loop_goes_on() {
    let mut host = FakeHost::start();
    host.hello();
    host.send_raw("this is not json");
    let PluginMessage::Error(ErrorMessage { error }) = host.recv() else {
        panic!("expected error")
    };
    assert_eq!(error.code, code::MALFORMED_MESSAGE);
    host.send(json!({"type":"request","id":5,"method":"frobnicate","params":{}}));
    assert_eq!(
        host.response().into_result().unwrap_err().code,
        code::UNKNOWN_METHOD
    );
    host.send(json!({"type":"request","id":6,"method":"verify","params":{"configId":3}}));
    assert_eq!(
        host.response().into_result().unwrap_err().code,
        code::INVALID_PARAMS
    );
    host.send(json!({"type":"somethingNew"}));
    host.send(json!({"type":"shutdown"}));
    assert_eq!(host.finish(), Ending::Clean);
}

#[test]
fn closing_stdin_wakes_a_handler_waiting_on_the_host() {
    let mut host = FakeHost::start();
    host.hello();
    host.configure(1, "x");
    host.verify(2, "m");
    let PluginMessage::Request(_) = host.recv() else {
        panic!("expected a host request")
    };
    // The host goes away without answering: the plugin must still end.
    assert_eq!(host.finish(), Ending::Clean);
}
