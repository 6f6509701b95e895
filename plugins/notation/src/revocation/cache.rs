//! The CRL file cache, in notation-go's format (`verifier/crl.FileCache`): one file per CRL URL,
//! named by the SHA-256 of the URL in hex, holding `{"baseCRL": <base64 DER>, "deltaCRL": ...}`,
//! so notation and this plugin can share a cache directory. An entry is used until its CRLs'
//! nextUpdate. The cache is an optimisation only: a read or write error is reported (stderr and
//! the check's details) and the CRL is fetched as if nothing were cached.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::crl::{Bundle, parse_crl};
use super::go_time;

#[derive(Serialize, Deserialize)]
struct Content {
    #[serde(rename = "baseCRL")]
    base: String,
    #[serde(rename = "deltaCRL", default, skip_serializing_if = "Option::is_none")]
    delta: Option<String>,
}

/// A cache directory.
pub(crate) struct FileCache {
    root: PathBuf,
}

/// Distinguishes temporary files of concurrent writers in one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl FileCache {
    pub(crate) fn new(root: &Path) -> Self {
        FileCache {
            root: root.to_path_buf(),
        }
    }

    fn path(&self, url: &str) -> PathBuf {
        self.root.join(hex::encode(Sha256::digest(url.as_bytes())))
    }

    /// The cached bundle for `url`, if there is one whose CRLs are all still before their
    /// nextUpdate. Misses, expiries and errors are noted in `log`.
    pub(crate) fn get(
        &self,
        url: &str,
        now: OffsetDateTime,
        log: &mut Vec<String>,
    ) -> Option<Bundle> {
        let path = self.path(url);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                log.push(format!("CRL file cache miss. Key {url:?} does not exist"));
                return None;
            }
            Err(e) => {
                warn(
                    log,
                    format!(
                        "failed to get crl bundle from file cache with key {url:?}: {}: {e}",
                        path.display()
                    ),
                );
                return None;
            }
        };
        match decode(&bytes, now) {
            Ok(Decoded::Fresh(bundle)) => Some(bundle),
            Ok(Decoded::Expired(at)) => {
                // An expired entry is a plain miss, worded as notation-go logs it.
                log.push(format!(
                    "CRL bundle retrieved from file cache has expired at {}",
                    go_time(at)
                ));
                None
            }
            Err(e) => {
                warn(
                    log,
                    format!("failed to use the crl bundle cached with key {url:?}: {e}"),
                );
                None
            }
        }
    }

    /// Stores `bundle` for `url`: written to a temporary file, then renamed into place, so a
    /// concurrent reader never sees half a file.
    pub(crate) fn set(&self, url: &str, bundle: &Bundle, log: &mut Vec<String>) {
        let content = Content {
            base: STANDARD.encode(&bundle.base),
            delta: bundle.delta.as_ref().map(|d| STANDARD.encode(d)),
        };
        let result = serde_json::to_vec(&content)
            .map_err(|e| e.to_string())
            .and_then(|json| self.write(url, &json).map_err(|e| e.to_string()));
        if let Err(e) = result {
            warn(
                log,
                format!("failed to store crl bundle in file cache: {e}"),
            );
        }
    }

    fn write(&self, url: &str, json: &[u8]) -> std::io::Result<()> {
        create_private_dir(&self.root)?;
        let path = self.path(url);
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = self.root.join(format!(".tmp-{}-{n}", std::process::id()));
        std::fs::write(&temp, json)?;
        std::fs::rename(&temp, &path).inspect_err(|_| {
            let _ = std::fs::remove_file(&temp);
        })
    }
}

enum Decoded {
    Fresh(Bundle),
    /// The earliest nextUpdate passed among the entry's CRLs.
    Expired(OffsetDateTime),
}

fn decode(bytes: &[u8], now: OffsetDateTime) -> Result<Decoded, String> {
    let content: Content = serde_json::from_slice(bytes)
        .map_err(|e| format!("failed to decode file retrieved from file cache: {e}"))?;
    let base = STANDARD
        .decode(&content.base)
        .map_err(|e| format!("failed to decode base CRL: {e}"))?;
    let delta = match &content.delta {
        Some(d) => Some(
            STANDARD
                .decode(d)
                .map_err(|e| format!("failed to decode delta CRL: {e}"))?,
        ),
        None => None,
    };
    let mut expired: Option<OffsetDateTime> = None;
    for (what, der) in [("base", Some(&base)), ("delta", delta.as_ref())] {
        let Some(der) = der else { continue };
        let crl = parse_crl(der).map_err(|e| {
            format!("failed to parse {what} CRL of file retrieved from file cache: {e}")
        })?;
        let Some(next) = crl.next_update().map(|t| t.to_datetime()) else {
            return Err(
                "crl bundle retrieved from file cache does not contain valid NextUpdate".into(),
            );
        };
        if now > next {
            expired = Some(expired.map_or(next, |e| e.min(next)));
        }
    }
    Ok(match expired {
        Some(at) => Decoded::Expired(at),
        None => Decoded::Fresh(Bundle {
            base,
            delta,
            from_cache: true,
        }),
    })
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Cache trouble never fails a check, but should not go unseen either.
fn warn(log: &mut Vec<String>, message: String) {
    eprintln!("Warning: {message}");
    log.push(message);
}
