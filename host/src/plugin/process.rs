//! A plugin as a child process: started with a minimal environment, stderr drained into the
//! log with a cap, killed and reaped on every path (deadline, protocol violation, drop, host
//! shutdown).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use ratify_plugin_sdk::wire::PluginHello;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};
use tokio::sync::{oneshot, watch};
use tokio::time::Instant;

use super::connection::{CallError, Connection};

/// Host environment variables every plugin gets, when set. Nothing else is inherited: in
/// Ratify v1 every plugin sees the host's whole environment, credentials included.
const BASE_ENV: &[&str] = &["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ"];

/// How to start and bound plugin processes.
#[derive(Debug, Clone)]
pub struct ProcessSettings {
    /// Longest protocol line accepted.
    pub max_line: usize,
    /// stderr bytes forwarded to the log per process.
    pub max_log_bytes: usize,
    /// Extra host variables passed through.
    pub env_passthrough: Vec<String>,
    /// The host's log level, passed as `RATIFY_LOG_LEVEL`.
    pub log_level: Option<String>,
}

/// A running, handshaken plugin process.
pub struct PluginProcess {
    /// The protocol connection.
    pub connection: Arc<Connection>,
    /// What the plugin said in its hello.
    pub hello: PluginHello,
    /// The child's pid, for tests and logs.
    pub pid: Option<u32>,
    kill: std::sync::Mutex<Option<oneshot::Sender<()>>>,
    exited: watch::Receiver<bool>,
}

impl PluginProcess {
    /// Starts `path` and completes the handshake before `deadline`.
    pub async fn start(
        name: &str,
        path: &Path,
        settings: &ProcessSettings,
        deadline: Instant,
    ) -> Result<Self, CallError> {
        let mut command = Command::new(path);
        command
            .env_clear()
            .envs(plugin_env(settings))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        #[cfg(unix)]
        command.process_group(0); // Ctrl-C in a terminal goes to the host, which shuts plugins down in order.
        let mut child = command.spawn().map_err(|e| {
            CallError::Closed(format!(
                "plugin {name}: cannot start {}: {e}",
                path.display()
            ))
        })?;
        let pid = child.id();
        let (Some(stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(CallError::Closed(format!(
                "plugin {name}: pipes were not created"
            )));
        };
        tokio::spawn(drain_stderr(
            name.to_owned(),
            stderr,
            settings.max_log_bytes,
        ));
        let (kill_tx, kill_rx) = oneshot::channel();
        let (exited_tx, exited_rx) = watch::channel(false);
        let opened = Connection::open(name, stdout, stdin, settings.max_line, deadline).await;
        let (connection, hello) = match opened {
            Ok(opened) => opened,
            Err(error) => {
                // Reap before reporting, so no zombie outlives a failed start; the exit status
                // makes the error clearer.
                let status = kill_and_reap(&mut child).await;
                let error = match error {
                    CallError::Closed(reason) => CallError::Closed(format!("{reason} ({status})")),
                    other => other,
                };
                return Err(error);
            }
        };
        tokio::spawn(monitor(child, Arc::clone(&connection), kill_rx, exited_tx));
        tracing::debug!(plugin = name, pid, version = %hello.version, "plugin started");
        Ok(Self {
            connection,
            hello,
            pid,
            kill: std::sync::Mutex::new(Some(kill_tx)),
            exited: exited_rx,
        })
    }

    /// Kills the process (if still running) and waits until it has been reaped.
    pub async fn kill(&self) {
        self.connection.close("killed by the host");
        self.signal_kill();
        self.wait_exited().await;
    }

    /// Asks the process to exit, giving it `grace` before killing it; waits for the reap.
    pub async fn shutdown(&self, grace: Duration) {
        self.connection.shutdown().await;
        if tokio::time::timeout(grace, self.wait_exited())
            .await
            .is_err()
        {
            self.signal_kill();
            self.wait_exited().await;
        }
    }

    fn signal_kill(&self) {
        let sender = self.kill.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(sender) = sender {
            let _ = sender.send(());
        }
    }

    /// Waits until the process has exited and been reaped.
    pub async fn wait_exited(&self) {
        let mut exited = self.exited.clone();
        let _ = exited.wait_for(|done| *done).await;
    }

    /// Whether the process is still usable.
    pub fn is_alive(&self) -> bool {
        self.connection.is_open() && !*self.exited.borrow()
    }
}

impl Drop for PluginProcess {
    fn drop(&mut self) {
        // The monitor task kills and reaps the child when this sender goes away.
        self.signal_kill();
    }
}

fn plugin_env(settings: &ProcessSettings) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for key in BASE_ENV
        .iter()
        .copied()
        .chain(settings.env_passthrough.iter().map(String::as_str))
    {
        if let Ok(value) = std::env::var(key) {
            env.insert(key.to_owned(), value);
        }
    }
    env.insert(
        "RATIFY_PLUGIN_PROTOCOL".to_owned(),
        ratify_plugin_sdk::wire::PROTOCOL_VERSION.to_string(),
    );
    if let Some(level) = &settings.log_level {
        env.insert("RATIFY_LOG_LEVEL".to_owned(), level.clone());
    }
    env
}

/// Owns the child: waits for it to exit, or kills it when asked, when the connection closes
/// (a protocol violation or a deadline), or when the owner goes away. Always reaps.
async fn monitor(
    mut child: Child,
    connection: Arc<Connection>,
    kill: oneshot::Receiver<()>,
    exited: watch::Sender<bool>,
) {
    let group = child.id();
    let mut closed = connection.closed();
    let status = tokio::select! {
        status = child.wait() => describe_status(status),
        _ = kill => kill_and_reap(&mut child).await,
        _ = async { closed.wait_for(Option::is_some).await.is_ok() } => kill_and_reap(&mut child).await,
    };
    // Whatever the plugin started (a wrapper script's child, helpers) goes with it: they
    // would otherwise outlive the host and hold its pipes open.
    kill_group(group);
    connection.close(&format!("process {status}"));
    tracing::debug!(plugin = connection.plugin(), "plugin process {status}");
    let _ = exited.send(true);
}

async fn kill_and_reap(child: &mut Child) -> String {
    let group = child.id();
    kill_group(group);
    let _ = child.start_kill();
    let status = describe_status(child.wait().await);
    kill_group(group);
    status
}

/// Kills the process group the plugin leads (it was started with `process_group(0)`, so the
/// group id is its pid). The kernel keeps a group id from being reused while any member
/// lives, so this is safe after the leader has been reaped too.
fn kill_group(group: Option<u32>) {
    #[cfg(unix)]
    if let Some(group) = group.and_then(|g| libc::pid_t::try_from(g).ok()) {
        // SAFETY: killpg only sends a signal; ESRCH (no such group) is expected and ignored.
        unsafe { libc::killpg(group, libc::SIGKILL) };
    }
    #[cfg(not(unix))]
    let _ = group;
}

fn describe_status(status: std::io::Result<std::process::ExitStatus>) -> String {
    match status {
        Ok(status) => {
            #[cfg(unix)]
            {
                use std::os::unix::process::ExitStatusExt;
                if let Some(signal) = status.signal() {
                    return format!("was terminated by signal {signal}");
                }
            }
            match status.code() {
                Some(code) => format!("exited with status {code}"),
                None => "exited".to_owned(),
            }
        }
        Err(e) => format!("could not be waited for: {e}"),
    }
}

/// Forwards the plugin's stderr to the log, line by line (each cut at 8 KiB), up to `cap`
/// bytes in all; after that keeps reading, so the child never blocks on a full pipe, and drops
/// the rest.
async fn drain_stderr<R: AsyncRead + Unpin>(plugin: String, mut stderr: R, cap: usize) {
    const MAX_LOG_LINE: usize = 8 * 1024;
    let mut log = CappedLog {
        plugin,
        cap,
        forwarded: 0,
        dropped: 0,
        truncated: 0,
    };
    let mut buffer = vec![0u8; 16 * 1024];
    let mut line = Vec::new();
    loop {
        let n = match stderr.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        for piece in buffer[..n].split_inclusive(|&b| b == b'\n') {
            let (text, ends_line) = match piece.strip_suffix(b"\n") {
                Some(text) => (text, true),
                None => (piece, false),
            };
            let room = MAX_LOG_LINE.saturating_sub(line.len());
            line.extend_from_slice(&text[..text.len().min(room)]);
            log.truncated += text.len().saturating_sub(room);
            if ends_line {
                log.emit(&line);
                line.clear();
            }
        }
    }
    if !line.is_empty() {
        log.emit(&line);
    }
    if log.dropped + log.truncated > 0 {
        tracing::warn!(
            plugin = %log.plugin,
            "dropped {} bytes of stderr over the cap and {} bytes of overlong lines",
            log.dropped,
            log.truncated
        );
    }
}

struct CappedLog {
    plugin: String,
    cap: usize,
    forwarded: usize,
    /// Bytes of whole lines dropped once the cap was reached.
    dropped: usize,
    /// Bytes cut from lines longer than 8 KiB.
    truncated: usize,
}

impl CappedLog {
    fn emit(&mut self, line: &[u8]) {
        if self.forwarded + line.len() <= self.cap {
            self.forwarded += line.len();
            tracing::info!(target: "plugin", plugin = %self.plugin, "{}", String::from_utf8_lossy(line));
        } else {
            if self.dropped == 0 {
                tracing::warn!(plugin = %self.plugin, "stderr passed {} bytes; dropping the rest", self.cap);
            }
            self.dropped += line.len().max(1);
        }
    }
}
