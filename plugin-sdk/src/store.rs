//! Writing a store plugin: implement [`Store`], then call [`run`] from `main`.

use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::PluginInfo;
use crate::runtime::configs::{Configs, to_value, unknown_method};
use crate::runtime::{self, Ending, Handler, Host, params};
use crate::wire::{
    BlobWritten, Descriptor, GetBlobParams, GetManifestParams, ListReferrersParams,
    ManifestContent, PluginHello, PluginKind, ProtocolVersion, ReferrersPage, Request,
    ResolveParams, ResolveResult, Subject, WireError, method,
};

/// A referrer store: resolves references and serves manifests, blobs and referrer lists.
///
/// The host checks every digest and size the store returns; a store need not trust itself.
pub trait Store: Send + Sync + 'static {
    /// The parsed, validated form of this store's config object.
    type Config: Send + Sync + 'static;

    /// Name and version.
    fn info(&self) -> PluginInfo;

    /// Validates a config object. An error here is a configuration error for the operator.
    fn configure(&self, name: &str, config: &Value) -> Result<Self::Config, WireError>;

    /// Resolves a reference (tag or digest) to the descriptor of its manifest.
    fn resolve(&self, config: &Self::Config, reference: &str) -> Result<Descriptor, WireError>;

    /// One page of the referrers of `subject`, filtered by artifact type when any are given.
    fn list_referrers(
        &self,
        config: &Self::Config,
        subject: &Subject,
        artifact_types: &[String],
        page_token: Option<&str>,
    ) -> Result<ReferrersPage, WireError>;

    /// The exact bytes of a manifest in the repository named by `reference`.
    fn get_manifest(
        &self,
        config: &Self::Config,
        reference: &str,
        digest: &str,
    ) -> Result<ManifestContent, WireError>;

    /// Writes a blob to `destination` (a new file), stopping beyond `max_bytes`; returns its size.
    fn get_blob(
        &self,
        config: &Self::Config,
        reference: &str,
        digest: &str,
        destination: &Path,
        max_bytes: u64,
    ) -> Result<u64, WireError>;
}

struct StoreHandler<S: Store> {
    plugin: S,
    configs: Configs<S::Config>,
}

impl<S: Store> Handler for StoreHandler<S> {
    fn hello(&self, version: ProtocolVersion) -> PluginHello {
        self.plugin.info().hello(PluginKind::Store, version)
    }

    fn handle(&self, request: &Request, _host: Host) -> Result<Value, WireError> {
        match request.method.as_str() {
            method::CONFIGURE => self
                .configs
                .configure(request, |name, config| self.plugin.configure(name, config)),
            method::RESOLVE => {
                let p: ResolveParams = params(request)?;
                let descriptor = self
                    .plugin
                    .resolve(&*self.configs.get(&p.config_id)?, &p.reference)?;
                to_value(&ResolveResult { descriptor })
            }
            method::LIST_REFERRERS => {
                let p: ListReferrersParams = params(request)?;
                let config = self.configs.get(&p.config_id)?;
                let page = self.plugin.list_referrers(
                    &config,
                    &p.subject,
                    &p.artifact_types,
                    p.page_token.as_deref(),
                )?;
                to_value(&page)
            }
            method::GET_MANIFEST => {
                let p: GetManifestParams = params(request)?;
                let config = self.configs.get(&p.config_id)?;
                let content: ManifestContent =
                    self.plugin.get_manifest(&config, &p.reference, &p.digest)?;
                to_value(&content)
            }
            method::GET_BLOB => {
                let p: GetBlobParams = params(request)?;
                let config = self.configs.get(&p.config_id)?;
                let destination = Path::new(&p.destination);
                let size = self.plugin.get_blob(
                    &config,
                    &p.reference,
                    &p.digest,
                    destination,
                    p.max_bytes,
                )?;
                to_value(&BlobWritten { size })
            }
            other => Err(unknown_method(other, "store")),
        }
    }
}

/// Runs `store` as a plugin process on stdin/stdout until the host is done; never returns.
pub fn run<S: Store>(store: S) -> ! {
    runtime::run_process(handler(store))
}

/// Runs `store` over injected streams (for tests): returns when the host side shuts down.
pub fn run_with_io<S: Store>(
    store: S,
    input: &mut dyn BufRead,
    output: Box<dyn Write + Send>,
    log: Box<dyn Write + Send>,
) -> Ending {
    runtime::serve(handler(store), input, output, log)
}

fn handler<S: Store>(store: S) -> Arc<dyn Handler> {
    Arc::new(StoreHandler {
        plugin: store,
        configs: Configs::new(),
    })
}
