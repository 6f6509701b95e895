//! Misbehaviours that need the raw protocol stream (no SDK runtime, so no stdout guard).

use std::io::{BufRead, Write};
use std::time::Duration;

use ratify_plugin_sdk::wire::{HostMessage, PROTOCOL_VERSION, method};
use serde_json::{Value, json};

/// Runs the file-name mode `mode`.
pub fn run(mode: &str) {
    if mode == "exit-before-handshake" {
        std::process::exit(3);
    }
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    let mut huge_bytes: usize = 70 << 20;
    for line in stdin.lock().lines() {
        let Ok(line) = line else { return };
        let Ok(message) = serde_json::from_str::<HostMessage>(&line) else {
            continue;
        };
        let reply: Option<String> = match message {
            HostMessage::Hello(_) => match mode {
                "hang-handshake" => loop {
                    std::thread::sleep(Duration::from_secs(3600));
                },
                "garbage-handshake" => Some("hello? is this thing on".into()),
                "wrong-protocol" => Some(hello("99.0")),
                // A plugin written against protocol 1.0: still compatible with a 1.x host.
                "protocol-1.0" => Some(hello("1.0")),
                "slow-handshake" => {
                    std::thread::sleep(Duration::from_secs(1));
                    Some(hello(&PROTOCOL_VERSION.to_string()))
                }
                _ => Some(hello(&PROTOCOL_VERSION.to_string())),
            },
            HostMessage::Request(request) if request.method == method::CONFIGURE => {
                if let Some(bytes) = request.params["config"]["bytes"].as_u64() {
                    huge_bytes = bytes as usize;
                }
                Some(json!({"type":"response","id":request.id,"result":{}}).to_string())
            }
            HostMessage::Request(_) if mode == "garbage" => {
                Some("<html>502 Bad Gateway</html>".into())
            }
            HostMessage::Request(_) if mode == "huge-line" => {
                let chunk = vec![b'a'; 1 << 20];
                let mut left = huge_bytes;
                while left > 0 {
                    let n = left.min(chunk.len());
                    if stdout.write_all(&chunk[..n]).is_err() {
                        return;
                    }
                    left -= n;
                }
                Some(String::new())
            }
            HostMessage::Request(request) => Some(
                json!({"type":"response","id":request.id,"result":{"isSuccess":true,"message":"ok"}})
                    .to_string(),
            ),
            HostMessage::Shutdown => return,
            _ => None,
        };
        if let Some(reply) = reply
            && writeln!(stdout, "{reply}")
                .and_then(|()| stdout.flush())
                .is_err()
        {
            return;
        }
    }
}

fn hello(version: &str) -> String {
    let hello: Value = json!({
        "type": "hello",
        "protocolVersion": version,
        "name": "misbehave",
        "kind": "verifier",
        "version": env!("CARGO_PKG_VERSION"),
        "capabilities": {"artifactTypes": ["*"]}
    });
    hello.to_string()
}
