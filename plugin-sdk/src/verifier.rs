//! Writing a verifier plugin: implement [`Verifier`], then call [`run`] from `main`.

use std::io::{BufRead, Write};
use std::sync::Arc;

use serde_json::Value;

use crate::PluginInfo;
use crate::runtime::configs::{Configs, to_value, unknown_method};
use crate::runtime::{self, Ending, Handler, Host, params};
use crate::wire::{
    Descriptor, ManifestContent, PluginHello, PluginKind, ProtocolVersion, Request, Subject,
    VerifyParams, VerifyResult, WireError, method,
};

/// One `verify` call: the subject, the referrer to check, and a way to fetch its content.
pub struct VerifyRequest<'a> {
    /// The image being verified, already resolved by the host.
    pub subject: &'a Subject,
    /// The referrer to check (its manifest's descriptor).
    pub referrer: &'a Descriptor,
    /// Fetches manifests, blobs and nested referrers through the host.
    pub host: &'a Host,
    /// The referrer's manifest when the host sent it along with the request.
    pub prefetched_manifest: Option<&'a ManifestContent>,
    /// When the host stops waiting for this request, if it said (hosts speaking 1.1 do).
    pub deadline: Option<std::time::Instant>,
}

impl VerifyRequest<'_> {
    /// The referrer's manifest: the copy the host sent with the request, else fetched from
    /// the host (one round trip).
    pub fn referrer_manifest(&self) -> Result<ManifestContent, WireError> {
        match self.prefetched_manifest {
            Some(manifest) => Ok(manifest.clone()),
            None => self.host.get_manifest(&self.referrer.digest),
        }
    }
}

/// A verifier: checks referrers of one or more artifact types.
///
/// `configure` runs once per configured verifier when the host loads its config, so expensive
/// parsing (trust policies, keys) happens there and never on the verification path.
pub trait Verifier: Send + Sync + 'static {
    /// The parsed, validated form of this verifier's config object.
    type Config: Send + Sync + 'static;

    /// Name, version and the artifact types handled.
    fn info(&self) -> PluginInfo;

    /// Validates a config object. An error here is a configuration error for the operator.
    fn configure(&self, name: &str, config: &Value) -> Result<Self::Config, WireError>;

    /// Verifies one referrer. Return `Ok` with a failing [`VerifyResult`] when the artifact does
    /// not pass; return `Err` when verification could not be carried out.
    fn verify(
        &self,
        config: &Self::Config,
        request: VerifyRequest<'_>,
    ) -> Result<VerifyResult, WireError>;
}

struct VerifierHandler<V: Verifier> {
    plugin: V,
    configs: Configs<V::Config>,
}

impl<V: Verifier> Handler for VerifierHandler<V> {
    fn hello(&self, version: ProtocolVersion) -> PluginHello {
        self.plugin.info().hello(PluginKind::Verifier, version)
    }

    fn handle(&self, request: &Request, host: Host) -> Result<Value, WireError> {
        match request.method.as_str() {
            method::CONFIGURE => self
                .configs
                .configure(request, |name, config| self.plugin.configure(name, config)),
            method::VERIFY => {
                let p: VerifyParams = params(request)?;
                let config = self.configs.get(&p.config_id)?;
                let request = VerifyRequest {
                    subject: &p.subject,
                    referrer: &p.referrer,
                    host: &host,
                    prefetched_manifest: p.referrer_manifest.as_ref(),
                    deadline: p
                        .timeout_ms
                        .map(|ms| std::time::Instant::now() + std::time::Duration::from_millis(ms)),
                };
                to_value(&self.plugin.verify(&config, request)?)
            }
            other => Err(unknown_method(other, "verifier")),
        }
    }
}

/// Runs `verifier` as a plugin process on stdin/stdout until the host is done; never returns.
pub fn run<V: Verifier>(verifier: V) -> ! {
    runtime::run_process(handler(verifier))
}

/// Runs `verifier` over injected streams (for tests): returns when the host side shuts down.
pub fn run_with_io<V: Verifier>(
    verifier: V,
    input: &mut dyn BufRead,
    output: Box<dyn Write + Send>,
    log: Box<dyn Write + Send>,
) -> Ending {
    runtime::serve(handler(verifier), input, output, log)
}

fn handler<V: Verifier>(verifier: V) -> Arc<dyn Handler> {
    Arc::new(VerifierHandler {
        plugin: verifier,
        configs: Configs::new(),
    })
}
