//! Writing a verifier plugin: implement [`Verifier`], then call [`run`] from `main`.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::{Arc, RwLock};

use serde_json::Value;

use crate::PluginInfo;
use crate::runtime::{self, Ending, Handler, Host, params};
use crate::wire::{
    ConfigureParams, ConfigureResult, Descriptor, Fault, ManifestContent, PluginHello, PluginKind,
    ProtocolVersion, Request, Subject, VerifyParams, VerifyResult, WireError, code, method,
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
    configs: RwLock<HashMap<String, Arc<V::Config>>>,
}

impl<V: Verifier> Handler for VerifierHandler<V> {
    fn hello(&self, version: ProtocolVersion) -> PluginHello {
        self.plugin.info().hello(PluginKind::Verifier, version)
    }

    fn handle(&self, request: &Request, host: Host) -> Result<Value, WireError> {
        match request.method.as_str() {
            method::CONFIGURE => {
                let p: ConfigureParams = params(request)?;
                let config = self.plugin.configure(&p.name, &p.config)?;
                let mut configs = self.configs.write().unwrap_or_else(|e| e.into_inner());
                configs.insert(p.config_id, Arc::new(config));
                to_value(&ConfigureResult {})
            }
            method::VERIFY => {
                let p: VerifyParams = params(request)?;
                let config = self
                    .configs
                    .read()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&p.config_id)
                    .cloned()
                    .ok_or_else(|| unknown_config(&p.config_id))?;
                let request = VerifyRequest {
                    subject: &p.subject,
                    referrer: &p.referrer,
                    host: &host,
                    prefetched_manifest: p.referrer_manifest.as_ref(),
                };
                to_value(&self.plugin.verify(&config, request)?)
            }
            other => Err(unknown_method(other, "verifier")),
        }
    }
}

pub(crate) fn to_value<T: serde::Serialize>(value: &T) -> Result<Value, WireError> {
    serde_json::to_value(value)
        .map_err(|e| WireError::internal(format!("cannot encode result: {e}")))
}

pub(crate) fn unknown_config(config_id: &str) -> WireError {
    WireError::new(
        code::UNKNOWN_CONFIG,
        Fault::Host,
        format!("config id {config_id:?} was never accepted by configure"),
    )
}

pub(crate) fn unknown_method(method: &str, kind: &str) -> WireError {
    WireError::new(
        code::UNKNOWN_METHOD,
        Fault::Host,
        format!("a {kind} has no method {method:?}"),
    )
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
        configs: RwLock::new(HashMap::new()),
    })
}
