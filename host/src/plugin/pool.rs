//! Live processes for one plugin executable.
//!
//! Processes start on first use and are reused; a new one starts only when every live one is
//! busy and the pool is below its size. Every config the plugin accepted is replayed into a new
//! process before it serves, so a restart is invisible to callers. A process that times out,
//! crashes or breaks the protocol is killed and dropped; the next start waits out a backoff
//! that grows with consecutive failures (bounded by the caller's deadline).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ratify_plugin_sdk::wire::{ConfigureParams, PluginHello, PluginKind, method};
use serde_json::Value;
use tokio::time::Instant;

use super::connection::{CallError, HostServices};
use super::process::{PluginProcess, ProcessSettings};
use crate::error::{Error, Result};

/// Longest wait between restarts of a crashing plugin.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// First wait after a failure.
const FIRST_BACKOFF: Duration = Duration::from_millis(50);

/// Processes of one plugin executable, shared by every verifier configured to use it.
pub struct PluginPool {
    name: String,
    path: PathBuf,
    kind: PluginKind,
    settings: ProcessSettings,
    start_timeout: Duration,
    max_processes: usize,
    configs: Mutex<Vec<ConfigureParams>>,
    processes: tokio::sync::Mutex<Vec<Arc<PluginProcess>>>,
    hello: Mutex<Option<PluginHello>>,
    failures: Mutex<(u32, Option<Instant>)>,
}

impl PluginPool {
    /// A pool for the executable at `path`, which must turn out to be a plugin of `kind`.
    pub fn new(
        name: &str,
        path: &Path,
        kind: PluginKind,
        settings: ProcessSettings,
        start_timeout: Duration,
        max_processes: usize,
    ) -> Self {
        Self {
            name: name.to_owned(),
            path: path.to_path_buf(),
            kind,
            settings,
            start_timeout,
            max_processes: max_processes.max(1),
            configs: Mutex::new(Vec::new()),
            processes: tokio::sync::Mutex::new(Vec::new()),
            hello: Mutex::new(None),
            failures: Mutex::new((0, None)),
        }
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The executable.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The hello of the most recent process, once one has started.
    pub fn hello(&self) -> Option<PluginHello> {
        self.hello.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Hands a config to the plugin for validation; on success it is kept and replayed into
    /// every process started later. A rejection is a config error.
    pub async fn configure(&self, params: ConfigureParams, deadline: Instant) -> Result<()> {
        let value = serde_json::to_value(&params)
            .map_err(|e| Error::host(format!("cannot encode a configure request: {e}")))?;
        let process = self.acquire(deadline).await?;
        self.call_on(&process, method::CONFIGURE, value.clone(), None, deadline)
            .await
            .map_err(|e| configure_error(&params.name, e))?;
        // Processes started while this one was being configured must learn the config too.
        let others: Vec<_> = {
            let processes = self.processes.lock().await;
            processes
                .iter()
                .filter(|p| !Arc::ptr_eq(p, &process))
                .cloned()
                .collect()
        };
        for other in others {
            self.call_on(&other, method::CONFIGURE, value.clone(), None, deadline)
                .await
                .map_err(|e| configure_error(&params.name, e))?;
        }
        self.configs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(params);
        Ok(())
    }

    /// Calls `method` on a live process, starting one if needed.
    pub async fn call(
        &self,
        method: &str,
        params: Value,
        services: Option<Arc<dyn HostServices>>,
        deadline: Instant,
    ) -> Result<Value> {
        let process = self.acquire(deadline).await?;
        self.call_on(&process, method, params, services, deadline)
            .await
    }

    async fn call_on(
        &self,
        process: &Arc<PluginProcess>,
        method: &str,
        params: Value,
        services: Option<Arc<dyn HostServices>>,
        deadline: Instant,
    ) -> Result<Value> {
        match process
            .connection
            .call(method, params, services, deadline)
            .await
        {
            Ok(value) => Ok(value),
            Err(CallError::Remote(error)) => Err(Error::from_wire(&self.name, error)),
            Err(error @ CallError::DeadlinePassed { .. }) => {
                Err(Error::plugin(format!("plugin {}: {error}", self.name)))
            }
            Err(error) => {
                process.kill().await;
                self.record_failure();
                Err(Error::plugin(match error {
                    CallError::Timeout { method, after } => format!(
                        "plugin {}: did not answer {method} within {} ms (the deadline); the process was killed",
                        self.name,
                        after.as_millis()
                    ),
                    other => other.to_string(),
                }))
            }
        }
    }

    async fn acquire(&self, deadline: Instant) -> Result<Arc<PluginProcess>> {
        // Another caller may hold the lock while it starts a process; don't wait past our own
        // deadline for it.
        let Ok(mut processes) = tokio::time::timeout_at(deadline, self.processes.lock()).await
        else {
            return Err(Error::plugin(format!(
                "plugin {}: no process became available before the deadline (one was starting)",
                self.name
            )));
        };
        processes.retain(|p| p.is_alive());
        if let Some(best) = processes.iter().min_by_key(|p| p.connection.in_flight())
            && (best.connection.in_flight() == 0 || processes.len() >= self.max_processes)
        {
            return Ok(Arc::clone(best));
        }
        let process = Arc::new(self.start(deadline).await?);
        processes.push(Arc::clone(&process));
        Ok(process)
    }

    async fn start(&self, deadline: Instant) -> Result<PluginProcess> {
        let wait = self.backoff();
        if Instant::now() + wait >= deadline {
            return Err(Error::plugin(format!(
                "plugin {} failed recently; its next restart (in {} ms) is past the deadline",
                self.name,
                wait.as_millis()
            )));
        }
        tokio::time::sleep(wait).await;
        let start_deadline = deadline.min(Instant::now() + self.start_timeout);
        let process = match PluginProcess::start(
            &self.name,
            &self.path,
            &self.settings,
            start_deadline,
        )
        .await
        {
            Ok(process) => process,
            Err(error) => {
                self.record_failure();
                return Err(Error::plugin(error.to_string()).with_remediation(format!(
                    "check that {} is a ratify plugin for this protocol version (`ratify plugin check {}`)",
                    self.path.display(),
                    self.path.display()
                )));
            }
        };
        if process.hello.kind != self.kind {
            process.kill().await;
            return Err(Error::config(format!(
                "plugin {} at {} is a {:?} plugin, but the config uses it as a {:?}",
                self.name,
                self.path.display(),
                process.hello.kind,
                self.kind
            )));
        }
        let replay: Vec<ConfigureParams> = self
            .configs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for params in replay {
            let value = serde_json::to_value(&params)
                .map_err(|e| Error::host(format!("cannot encode a configure request: {e}")))?;
            if let Err(error) = process
                .connection
                .call(method::CONFIGURE, value, None, start_deadline)
                .await
            {
                process.kill().await;
                self.record_failure();
                return Err(Error::plugin(format!(
                    "plugin {}: a restarted process rejected config {:?} it accepted before: {error}",
                    self.name, params.name
                )));
            }
        }
        *self.hello.lock().unwrap_or_else(|e| e.into_inner()) = Some(process.hello.clone());
        *self.failures.lock().unwrap_or_else(|e| e.into_inner()) = (0, None);
        Ok(process)
    }

    fn record_failure(&self) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        *failures = (failures.0.saturating_add(1), Some(Instant::now()));
    }

    fn backoff(&self) -> Duration {
        let (count, last) = *self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let Some(last) = last else {
            return Duration::ZERO;
        };
        let full = FIRST_BACKOFF
            .saturating_mul(1 << count.saturating_sub(1).min(10))
            .min(MAX_BACKOFF);
        full.saturating_sub(last.elapsed())
    }

    /// Shuts every process down (shutdown message, then kill after `grace`) and reaps them.
    pub async fn shutdown(&self, grace: Duration) {
        let processes: Vec<_> = std::mem::take(&mut *self.processes.lock().await);
        let mut waits = Vec::new();
        for process in processes {
            waits.push(tokio::spawn(async move { process.shutdown(grace).await }));
        }
        for wait in waits {
            let _ = wait.await;
        }
    }

    /// Pids of live processes (for tests).
    pub async fn pids(&self) -> Vec<u32> {
        self.processes
            .lock()
            .await
            .iter()
            .filter_map(|p| p.pid)
            .collect()
    }
}

fn configure_error(name: &str, error: Error) -> Error {
    let mut error = error.context(format!("config {name:?} was rejected"));
    if error.kind != crate::error::ErrorKind::Plugin {
        error.kind = crate::error::ErrorKind::Config;
    }
    error
}
