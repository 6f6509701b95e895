//! Where plugin executables are found, in this order (the README documents it):
//!
//! 1. directories from config (`pluginBinDirs`), in the order listed;
//! 2. `$RATIFY_CONFIG/plugins` (default `~/.ratify/plugins`);
//! 3. the directory holding the running `ratify` executable;
//! 4. `PATH`, via `which`.
//!
//! A plugin `<name>` is the executable `ratify-<name>`. The chosen path is logged at debug.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Prefix of every plugin executable's file name.
pub const EXECUTABLE_PREFIX: &str = "ratify-";

/// Where a plugin was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// The plugin name (`sbom`).
    pub name: String,
    /// The executable.
    pub path: PathBuf,
    /// Which rule found it, for `ratify plugin list` and logs.
    pub origin: &'static str,
}

/// The ordered search path.
#[derive(Debug, Clone)]
pub struct PluginDirs {
    dirs: Vec<(PathBuf, &'static str)>,
    use_path_env: bool,
}

impl PluginDirs {
    /// The documented search order for a config's `pluginBinDirs`.
    pub fn new(config_dirs: &[PathBuf]) -> Self {
        let mut dirs: Vec<(PathBuf, &'static str)> = config_dirs
            .iter()
            .map(|d| (d.clone(), "pluginBinDirs"))
            .collect();
        if let Some(dir) = crate::config::config_dir() {
            dirs.push((dir.join("plugins"), "config dir"));
        }
        if let Some(dir) = std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
        {
            dirs.push((dir, "ratify's directory"));
        }
        Self {
            dirs,
            use_path_env: true,
        }
    }

    /// Exactly these directories, without `PATH` (for tests and `plugin check`).
    pub fn only(dirs: &[PathBuf]) -> Self {
        Self {
            dirs: dirs.iter().map(|d| (d.clone(), "pluginBinDirs")).collect(),
            use_path_env: false,
        }
    }

    /// Finds `ratify-<name>`.
    pub fn find(&self, name: &str) -> Result<Discovered> {
        if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
            return Err(Error::config(format!(
                "plugin name {name:?} is not a plain name (no path separators allowed)"
            )));
        }
        let file = format!("{EXECUTABLE_PREFIX}{name}");
        for (dir, origin) in &self.dirs {
            let candidate = dir.join(&file);
            if candidate.exists() {
                check_executable(&candidate)?;
                tracing::debug!(plugin = name, path = %candidate.display(), origin, "plugin found");
                return Ok(Discovered {
                    name: name.to_owned(),
                    path: candidate,
                    origin,
                });
            }
        }
        if self.use_path_env
            && let Ok(path) = which::which(&file)
        {
            tracing::debug!(plugin = name, path = %path.display(), origin = "PATH", "plugin found");
            return Ok(Discovered {
                name: name.to_owned(),
                path,
                origin: "PATH",
            });
        }
        let searched: Vec<String> = self
            .dirs
            .iter()
            .map(|(d, _)| d.display().to_string())
            .collect();
        Err(Error::config(format!(
            "plugin {name:?} not found: no executable {file} in [{}]{}",
            searched.join(", "),
            if self.use_path_env { " or on PATH" } else { "" }
        ))
        .with_remediation(format!(
            "install {file} into one of those directories or list its directory in `pluginBinDirs`"
        )))
    }

    /// Every `ratify-*` executable in the search path, first occurrence of a name winning.
    pub fn list(&self) -> Vec<Discovered> {
        let mut found: Vec<Discovered> = Vec::new();
        let mut dirs: Vec<(PathBuf, &'static str)> = self.dirs.clone();
        if self.use_path_env
            && let Some(path) = std::env::var_os("PATH")
        {
            dirs.extend(std::env::split_paths(&path).map(|d| (d, "PATH")));
        }
        for (dir, origin) in dirs {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut names: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
            names.sort();
            for path in names {
                let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
                    continue;
                };
                let Some(name) = file.strip_prefix(EXECUTABLE_PREFIX) else {
                    continue;
                };
                if name.is_empty() || found.iter().any(|d| d.name == name) {
                    continue;
                }
                if check_executable(&path).is_ok() {
                    found.push(Discovered {
                        name: name.to_owned(),
                        path,
                        origin,
                    });
                }
            }
        }
        found
    }
}

fn check_executable(path: &Path) -> Result<()> {
    let metadata = std::fs::metadata(path)
        .map_err(|e| Error::config(format!("plugin {} cannot be read: {e}", path.display())))?;
    if !metadata.is_file() {
        return Err(Error::config(format!(
            "plugin {} is not a regular file",
            path.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if metadata.permissions().mode() & 0o111 == 0 {
            return Err(
                Error::config(format!("plugin {} is not executable", path.display()))
                    .with_remediation(format!("chmod +x {}", path.display())),
            );
        }
    }
    Ok(())
}
