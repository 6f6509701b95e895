//! A real registry for tests: Debian's `docker-registry` (distribution 2.8), started on
//! 127.0.0.1 with a free port, a config file and storage in a temp dir, stopped on drop.
//! `scripts/test.sh` installs it. Distribution 2.8 has no referrers API, so clients use the
//! tag-schema fallback against it.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running registry.
pub struct Registry {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub addr: String,
    dir: tempfile::TempDir,
}

/// A free port on loopback (bound, then released for the server to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Registry {
    /// An anonymous registry.
    pub fn start() -> Self {
        Self::launch(None, None, None)
    }

    /// An anonymous HTTPS registry serving the same storage as `other` (so content pushed to
    /// `other` over HTTP is there), with the given PEM certificate chain and key.
    pub fn start_tls_over(
        other: &Registry,
        certificate: &std::path::Path,
        key: &std::path::Path,
    ) -> Self {
        Self::launch(
            None,
            Some((certificate, key)),
            Some(other.dir.path().join("data")),
        )
    }

    /// A registry requiring HTTP basic auth (htpasswd with bcrypt, made by Apache's `htpasswd`).
    pub fn start_with_basic_auth(user: &str, password: &str) -> Self {
        Self::launch(Some((user, password)), None, None)
    }

    fn launch(
        auth: Option<(&str, &str)>,
        tls: Option<(&std::path::Path, &std::path::Path)>,
        storage: Option<std::path::PathBuf>,
    ) -> Self {
        let binary = which::which("docker-registry").unwrap_or_else(|_| {
            panic!("docker-registry is not installed: run scripts/test.sh, which installs Debian's docker-registry")
        });
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n  secret: ratify-tests\n",
            storage.unwrap_or_else(|| dir.path().join("data")).display()
        );
        if let Some((certificate, key)) = tls {
            config.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                certificate.display(),
                key.display()
            ));
        }
        if let Some((user, password)) = auth {
            let output = Command::new("htpasswd").args(["-Bbn", user, password]).output().unwrap_or_else(|_| {
                panic!("htpasswd is not installed: run scripts/test.sh, which installs apache2-utils")
            });
            assert!(output.status.success());
            let htpasswd = dir.path().join("htpasswd");
            std::fs::write(&htpasswd, output.stdout).unwrap();
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: ratify-tests\n    path: {}\n",
                htpasswd.display()
            ));
        }
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let child = Command::new(binary)
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let registry = Self { child, addr, dir };
        registry.wait_ready(tls.is_some());
        registry
    }

    fn wait_ready(&self, tls: bool) {
        let until = Instant::now() + Duration::from_secs(15);
        while Instant::now() < until {
            if tls {
                // A TLS listener: being able to connect is enough.
                if TcpStream::connect(&self.addr).is_ok() {
                    return;
                }
            } else if let Ok(mut stream) = TcpStream::connect(&self.addr) {
                let _ = stream.write_all(
                    format!("GET /v2/ HTTP/1.0\r\nHost: {}\r\n\r\n", self.addr).as_bytes(),
                );
                let mut answer = String::new();
                let _ = stream.read_to_string(&mut answer);
                if answer.starts_with("HTTP/1.") {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("docker-registry did not start on {}", self.addr);
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Pushes an OCI layout into a registry with `ratify push`, failing the test if it fails.
pub fn push(source: &str, target: &str, extra: &[&str]) {
    let home = tempfile::tempdir().unwrap();
    let mut args = vec!["push", source, target];
    args.extend_from_slice(extra);
    let run = super::ratify(&args, home.path(), Duration::from_secs(60));
    assert_eq!(run.code, Some(0), "push failed: {run:?}");
}

/// Pushes the bundled example layout to `target` (`<registry>/<repository>`).
pub fn push_example(target: &str, extra: &[&str]) {
    push(
        &super::example_layout().display().to_string(),
        target,
        extra,
    );
}

/// `ratify verify -s <subject> -c <config>` (a registry subject), with a 60 s limit.
pub fn verify(subject: &str, config: &str, home: &std::path::Path) -> super::Run {
    super::ratify(
        &["verify", "-s", subject, "-c", config],
        home,
        Duration::from_secs(60),
    )
}

/// The SBOM verifier entry the registry tests use: SPDX and CycloneDX, GPL-3.0-only disallowed.
pub fn sbom_verifier() -> serde_json::Value {
    serde_json::json!([{"name": "sbom", "artifactTypes": "application/spdx+json,application/vnd.cyclonedx+json",
            "disallowedLicenses": ["GPL-3.0-only"]}])
}

/// Writes a config.json with this store entry and these verifiers; returns its path.
pub fn store_config(
    dir: &std::path::Path,
    store: serde_json::Value,
    verifiers: serde_json::Value,
) -> String {
    let config = serde_json::json!({"store": {"version": "1.0.0", "plugins": [store]}, "verifier": {"plugins": verifiers}});
    super::write_config(dir, &config).display().to_string()
}

/// The registry store entry for a loopback registry (`useHttp`), with extra keys.
pub fn loopback_store(extra: serde_json::Value) -> serde_json::Value {
    let mut entry = serde_json::json!({"name": "oras", "useHttp": true});
    entry
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    entry
}
