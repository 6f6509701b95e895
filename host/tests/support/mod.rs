//! Shared helpers for the host's integration tests: locating the built binaries and the
//! interop data, running `ratify` with a timeout (and `openssl`), and finding leftover plugin
//! processes.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod cli;
pub mod cosign;
pub mod faults;
pub mod fixtures;
pub mod front;
pub mod http;
pub mod registry;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The directory holding `ratify` and the plugin binaries (`target/<profile>`).
pub fn bin_dir() -> PathBuf {
    let ratify = PathBuf::from(env!("CARGO_BIN_EXE_ratify"));
    let dir = ratify.parent().unwrap().to_path_buf();
    for plugin in [
        "ratify-sbom",
        "ratify-oci-layout",
        "ratify-misbehave",
        "ratify-notation",
    ] {
        assert!(
            dir.join(plugin).exists(),
            "{plugin} is not built in {}; run `cargo build --workspace --bins` first",
            dir.display()
        );
    }
    dir
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The bundled example layout.
pub fn example_layout() -> PathBuf {
    repo_root().join("testdata/layout")
}

/// The interop data directory, or `None` (after a loud SKIP line) when it is absent.
pub fn interop_dir(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("RATIFY_INTEROP_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/interop"));
    if dir.join("cases.json").exists() {
        Some(dir)
    } else {
        eprintln!(
            "\n*** SKIP {test}: interop data not found at {} (set RATIFY_INTEROP_DIR) ***\n",
            dir.display()
        );
        None
    }
}

/// The result of running `ratify`.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// The first verifier report's message.
    pub fn first_message(&self) -> String {
        self.json()["verifierReports"][0]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("no verifier report message: {self:?}"))
            .to_owned()
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?} after {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.elapsed, self.stdout, self.stderr
        )
    }
}

/// Runs `ratify` with `args`, a clean `RATIFY_CONFIG` (so no user config leaks in) and PATH
/// limited to system directories; fails the test if it runs past `limit`.
pub fn ratify(args: &[&str], config_home: &Path, limit: Duration) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ratify"));
    command
        .args(args)
        // As the README's commands run: from the repository root (config paths are relative).
        .current_dir(repo_root())
        .env("RATIFY_CONFIG", config_home)
        .env("PATH", "/usr/bin:/bin")
        .env_remove("RATIFY_LOG_LEVEL")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let child = command.spawn().expect("start ratify");
    let (tx, rx) = std::sync::mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let output: Output = match rx.recv_timeout(limit) {
        Ok(output) => output.expect("wait for ratify"),
        Err(_) => {
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            panic!("ratify {args:?} did not finish within {limit:?}");
        }
    };
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

/// Pids of live processes whose command line mentions `needle` (e.g. a test's plugin dir).
/// Zombies have an empty command line, so they are reported through their parent instead:
/// see [`zombies_of`].
pub fn processes_mentioning(needle: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if String::from_utf8_lossy(&cmdline).contains(needle) && pid != std::process::id() {
            found.push(pid);
        }
    }
    found
}

/// Children of `parent` that are zombies (exited but not reaped).
pub fn zombies_of(parent: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Fields after the parenthesised command: state, ppid, …
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r.trim().to_owned()) else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let (Some(state), Some(ppid)) = (fields.next(), fields.next()) else {
            continue;
        };
        if state == "Z" && ppid.parse::<u32>().ok() == Some(parent) {
            found.push(pid);
        }
    }
    found
}

/// Waits up to `limit` for `check` to hold (processes take a moment to disappear).
pub fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + limit;
    loop {
        if check() {
            return true;
        }
        if Instant::now() > until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A temp dir with symlinks to the built plugins, under the names given
/// (`("misbehave-garbage", "ratify-misbehave")` → `ratify-misbehave-garbage`).
pub fn plugin_dir(links: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("ratify-test-plugins-")
        .tempdir()
        .unwrap();
    for (name, target) in links {
        std::os::unix::fs::symlink(
            bin_dir().join(target),
            dir.path().join(format!("ratify-{name}")),
        )
        .unwrap();
    }
    dir
}

/// Runs `openssl` with `args` in `dir`, failing the test (with openssl's stderr) if it fails.
pub fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed by scripts/test.sh");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Writes a config.json into `dir` and returns its path.
pub fn write_config(dir: &Path, config: &serde_json::Value) -> PathBuf {
    let path = dir.join("config.json");
    std::fs::write(&path, serde_json::to_vec_pretty(config).unwrap()).unwrap();
    path
}
