//! What the host offers a plugin while it serves a `verify`: the [`HostServices`] a caller
//! registers with the request, and the decoding of the plugin's requests into calls on them.

use async_trait::async_trait;
use ratify_plugin_sdk::wire::{
    self, BlobFile, HostGetBlobParams, HostGetManifestParams, HostListReferrersParams,
    ManifestContent, ReferrersPage, Request, WireError, code, host_method,
};
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;

use crate::error::Error;

/// Serves a plugin's requests while it handles one `verify`.
#[async_trait]
pub trait HostServices: Send + Sync {
    /// A manifest from the subject's repository.
    async fn get_manifest(&self, digest: &str) -> Result<ManifestContent, Error>;
    /// A blob, checked and stored read-only.
    async fn get_blob(&self, digest: &str) -> Result<BlobFile, Error>;
    /// Referrers of a digest in the subject's repository.
    async fn list_referrers(&self, digest: &str, types: &[String]) -> Result<ReferrersPage, Error>;

    /// When answers stop being useful: the deadline of the `verify` being served.
    fn deadline(&self) -> Instant {
        Instant::now() + Duration::from_secs(5)
    }
}

/// Runs one plugin→host request (whose method the caller has checked) against `services`.
pub(super) async fn dispatch(
    services: &dyn HostServices,
    request: &Request,
) -> Result<Value, WireError> {
    let to_wire = |e: Error| WireError::new(wire_code(&e), e.fault(), e.message.clone());
    let encode = |v: Result<Value, serde_json::Error>| {
        v.map_err(|e| WireError::new(code::HOST_INTERNAL, wire::Fault::Host, e.to_string()))
    };
    let params = request.params.clone();
    match request.method.as_str() {
        host_method::GET_MANIFEST => {
            let p: HostGetManifestParams = decode(params)?;
            encode(serde_json::to_value(
                services.get_manifest(&p.digest).await.map_err(to_wire)?,
            ))
        }
        host_method::GET_BLOB => {
            let p: HostGetBlobParams = decode(params)?;
            encode(serde_json::to_value(
                services.get_blob(&p.digest).await.map_err(to_wire)?,
            ))
        }
        _ => {
            let p: HostListReferrersParams = decode(params)?;
            let page = services
                .list_referrers(&p.digest, &p.artifact_types)
                .await
                .map_err(to_wire)?;
            encode(serde_json::to_value(page))
        }
    }
}

fn decode<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, WireError> {
    serde_json::from_value(params).map_err(|e| invalid(format!("invalid params: {e}")))
}

pub(super) fn invalid(message: String) -> WireError {
    WireError::new(code::INVALID_PARAMS, wire::Fault::Plugin, message)
}

fn wire_code(error: &Error) -> i64 {
    use crate::error::ErrorKind;
    match error.kind {
        ErrorKind::Store => code::STORE_UNAVAILABLE,
        ErrorKind::Artifact => code::INVALID_ARTIFACT,
        ErrorKind::Config | ErrorKind::Usage => code::INVALID_CONFIG,
        ErrorKind::Plugin => code::INVALID_PARAMS,
        ErrorKind::Host => code::HOST_INTERNAL,
    }
}
