//! The plugin's half of the connection: serialized writes, and plugin→host calls waiting for
//! their responses.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::wire::{
    BlobFile, Descriptor, Fault, HostGetBlobParams, HostGetManifestParams, HostListReferrersParams,
    ManifestContent, PluginMessage, ReferrersPage, Request, Response, WireError, code, host_method,
};

/// Locks a mutex even if a panicking handler poisoned it: the data guarded here (a writer, a
/// map of waiters) stays consistent across a panic, and one bad request must not wedge the rest.
pub(crate) fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Shared by the reader loop and every handler thread.
pub(crate) struct Link {
    output: Mutex<Box<dyn Write + Send>>,
    log: Mutex<Box<dyn Write + Send>>,
    pending: Mutex<HashMap<u64, Sender<Response>>>,
    next_id: AtomicU64,
}

impl Link {
    pub(crate) fn new(output: Box<dyn Write + Send>, log: Box<dyn Write + Send>) -> Self {
        Self {
            output: Mutex::new(output),
            log: Mutex::new(log),
            pending: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
        }
    }

    /// Writes one message as one line. A write error means the host is gone; the reader loop
    /// sees end of input and stops, so the error is only logged here.
    pub(crate) fn send(&self, message: &PluginMessage) {
        let mut line = match serde_json::to_vec(message) {
            Ok(line) => line,
            Err(e) => return self.log(&format!("cannot encode a message: {e}")),
        };
        line.push(b'\n');
        let mut output = lock(&self.output);
        if let Err(e) = output.write_all(&line).and_then(|()| output.flush()) {
            drop(output);
            self.log(&format!("cannot write to the host: {e}"));
        }
    }

    pub(crate) fn log(&self, text: &str) {
        let mut log = lock(&self.log);
        // Nowhere left to report a failure to log.
        let _ = writeln!(log, "{text}");
    }

    /// Hands a host response to the handler waiting for it.
    pub(crate) fn deliver(&self, response: Response) {
        match lock(&self.pending).remove(&response.id) {
            Some(waiter) => {
                // The waiter may have given up; nothing to do then.
                let _ = waiter.send(response);
            }
            None => self.log(&format!(
                "ignoring a response to unknown request id {}",
                response.id
            )),
        }
    }

    /// Wakes every waiting handler with an error: the host closed the connection.
    pub(crate) fn close(&self) {
        lock(&self.pending).clear();
    }

    fn call<P: Serialize, R: DeserializeOwned>(
        &self,
        method: &str,
        params: P,
    ) -> Result<R, WireError> {
        let params = serde_json::to_value(params)
            .map_err(|e| WireError::internal(format!("cannot encode {method} params: {e}")))?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = channel();
        lock(&self.pending).insert(id, tx);
        self.send(&PluginMessage::Request(Request {
            id,
            method: method.to_owned(),
            params,
        }));
        let response = rx.recv().map_err(|_| {
            WireError::new(
                code::HOST_INTERNAL,
                Fault::Host,
                format!("the host closed the connection before answering {method}"),
            )
        })?;
        let result = response.into_result()?;
        serde_json::from_value(result).map_err(|e| {
            WireError::new(
                code::MALFORMED_MESSAGE,
                Fault::Host,
                format!("the host's answer to {method} does not match the protocol: {e}"),
            )
        })
    }
}

/// A verifier's way to ask the host for content while it serves one `verify` request.
///
/// The host fetches from the subject's repository with its own credentials, caches, enforces
/// size caps and checks every digest before answering, so a plugin never talks to a registry.
#[derive(Clone)]
pub struct Host {
    pub(crate) context: u64,
    pub(crate) link: Arc<Link>,
}

impl Host {
    /// The exact bytes and media type of a manifest in the subject's repository.
    pub fn get_manifest(&self, digest: &str) -> Result<ManifestContent, WireError> {
        let params = HostGetManifestParams {
            context: self.context,
            digest: digest.to_owned(),
        };
        self.link.call(host_method::GET_MANIFEST, params)
    }

    /// A blob from the subject's repository, as a path to a read-only file the host checked.
    pub fn get_blob(&self, digest: &str) -> Result<BlobFile, WireError> {
        let params = HostGetBlobParams {
            context: self.context,
            digest: digest.to_owned(),
        };
        self.link.call(host_method::GET_BLOB, params)
    }

    /// A layer's bytes: refused before fetching when its descriptor declares more than
    /// `max_bytes`, and an error when the blob's size is not the size the descriptor declares.
    pub fn read_layer(&self, layer: &Descriptor, max_bytes: u64) -> Result<Vec<u8>, WireError> {
        if layer.size > max_bytes {
            return Err(WireError::new(
                code::ARTIFACT_TOO_LARGE,
                Fault::Artifact,
                format!(
                    "layer {} declares {} bytes, over this plugin's cap of {max_bytes}",
                    layer.digest, layer.size
                ),
            ));
        }
        let bytes = self.read_blob(&layer.digest, max_bytes)?;
        if bytes.len() as u64 != layer.size {
            return Err(WireError::artifact(format!(
                "layer {} declares {} bytes but the blob is {} bytes",
                layer.digest,
                layer.size,
                bytes.len()
            )));
        }
        Ok(bytes)
    }

    /// A blob's bytes, refusing blobs larger than `max_bytes` before reading them.
    pub fn read_blob(&self, digest: &str, max_bytes: u64) -> Result<Vec<u8>, WireError> {
        let blob = self.get_blob(digest)?;
        if blob.size > max_bytes {
            return Err(WireError::new(
                code::ARTIFACT_TOO_LARGE,
                Fault::Artifact,
                format!(
                    "blob {digest} is {} bytes, over this plugin's cap of {max_bytes}",
                    blob.size
                ),
            ));
        }
        let bytes = std::fs::read(&blob.path).map_err(|e| {
            WireError::new(
                code::HOST_INTERNAL,
                Fault::Host,
                format!("cannot read blob {digest} from {}: {e}", blob.path),
            )
        })?;
        if bytes.len() as u64 != blob.size {
            return Err(WireError::new(
                code::HOST_INTERNAL,
                Fault::Host,
                format!("blob file {} changed size while being read", blob.path),
            ));
        }
        Ok(bytes)
    }

    /// Referrers of `digest` (for example, signatures on the SBOM being verified).
    pub fn list_referrers(
        &self,
        digest: &str,
        artifact_types: &[String],
    ) -> Result<Vec<Descriptor>, WireError> {
        let params = HostListReferrersParams {
            context: self.context,
            digest: digest.to_owned(),
            artifact_types: artifact_types.to_vec(),
        };
        let page: ReferrersPage = self.link.call(host_method::LIST_REFERRERS, params)?;
        Ok(page.referrers)
    }
}
