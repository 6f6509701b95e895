//! `ratify plugin list`: what was discovered, from where, and what each plugin says it is.

use std::time::Duration;

use tokio::time::Instant;

use crate::config::Config;
use crate::plugin::{PluginDirs, PluginProcess, ProcessSettings};

/// One line per discovered plugin, with its handshake (or why it failed).
pub(super) async fn list(config: &Config) -> String {
    let dirs = PluginDirs::new(&config.plugin_bin_dirs);
    let settings = ProcessSettings {
        max_line: config.executor.max_plugin_message_bytes,
        max_log_bytes: config.executor.max_plugin_log_bytes,
        env_passthrough: config.executor.plugin_env.clone(),
        log_level: config.log_level.clone(),
    };
    let mut out = String::from("NAME\tKIND\tVERSION\tPROTOCOL\tPATH (FOUND VIA)\n");
    let found = dirs.list();
    if found.is_empty() {
        out.push_str("(no ratify-* plugins found)\n");
    }
    for plugin in found {
        let deadline = Instant::now() + config.executor.start_timeout();
        let where_ = format!("{} ({})", plugin.path.display(), plugin.origin);
        match PluginProcess::start(&plugin.name, &plugin.path, &settings, deadline).await {
            Ok(process) => {
                let hello = process.hello.clone();
                process.shutdown(Duration::from_secs(2)).await;
                out.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{where_}\n",
                    plugin.name,
                    format!("{:?}", hello.kind).to_lowercase(),
                    hello.version,
                    hello.protocol_version
                ));
            }
            Err(error) => out.push_str(&format!("{}\t?\t?\t?\t{where_}: {error}\n", plugin.name)),
        }
    }
    out
}
