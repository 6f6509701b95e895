//! How blob bytes should cross the plugin pipe: inline base64 in the JSON line, or a path to
//! a file the host wrote. Measured through a real OS pipe between two threads, with the same
//! JSON and base64 code the protocol uses. The figures justify the choice in spec/PROTOCOL.md.
//!
//! Run: `cargo bench -p ratify --bench blob_transfer`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// One transfer: the host side encodes and writes; the plugin side reads and decodes.
fn transfer(inline: bool, blob: &[u8], dir: &std::path::Path) -> Duration {
    let (reader, mut writer) = std::io::pipe().expect("pipe");
    let expected = blob.len();
    let started = Instant::now();
    let consumer = std::thread::spawn(move || {
        let mut line = String::new();
        BufReader::new(reader).read_line(&mut line).expect("read");
        let message: Value = serde_json::from_str(&line).expect("json");
        let bytes = if let Some(content) = message["result"]["content"].as_str() {
            base64::engine::general_purpose::STANDARD
                .decode(content)
                .expect("base64")
        } else {
            std::fs::read(message["result"]["path"].as_str().expect("path")).expect("read file")
        };
        assert_eq!(bytes.len(), expected);
    });
    let message = if inline {
        json!({"type":"response","id":1,"result":{"content": base64::engine::general_purpose::STANDARD.encode(blob)}})
    } else {
        let path = dir.join(format!("blob-{}", blob.len()));
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, blob).expect("write blob");
        json!({"type":"response","id":1,"result":{"path": path.display().to_string(), "size": blob.len()}})
    };
    let mut line = serde_json::to_vec(&message).expect("encode");
    line.push(b'\n');
    writer.write_all(&line).expect("write");
    drop(writer);
    consumer.join().expect("consumer");
    started.elapsed()
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    println!(
        "{:>10} {:>14} {:>14} {:>8}",
        "size", "inline p50", "path p50", "ratio"
    );
    for (label, size, rounds) in [
        ("2 KiB", 2 << 10, 400),
        ("1 MiB", 1 << 20, 60),
        ("32 MiB", 32 << 20, 10),
    ] {
        let blob: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
        let inline = median(
            (0..rounds)
                .map(|_| transfer(true, &blob, dir.path()))
                .collect(),
        );
        let path = median(
            (0..rounds)
                .map(|_| transfer(false, &blob, dir.path()))
                .collect(),
        );
        println!(
            "{label:>10} {:>11.3} ms {:>11.3} ms {:>7.1}x",
            inline.as_secs_f64() * 1e3,
            path.as_secs_f64() * 1e3,
            inline.as_secs_f64() / path.as_secs_f64()
        );
    }
}
