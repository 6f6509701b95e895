//! Constructors for the wire errors this store returns, so codes and faults stay consistent.

use std::fmt::Display;
use std::path::Path;

use ratify_plugin_sdk::wire::{Fault, WireError, code};

/// Content (a tag, a blob) is absent from the layout.
pub(crate) fn not_found(message: impl Into<String>) -> WireError {
    WireError::not_found(message)
}

/// The layout could not be read or is malformed; the layout's owner must act.
pub(crate) fn unavailable(message: impl Into<String>) -> WireError {
    WireError::new(code::STORE_UNAVAILABLE, Fault::Store, message)
}

/// An I/O failure while reading `what` in the layout at `layout`.
pub(crate) fn io(layout: &Path, what: &str, err: impl Display) -> WireError {
    unavailable(format!(
        "cannot read {what} in the OCI layout at {}: {err}",
        layout.display()
    ))
}

/// Bytes read from the layout do not hash to the digest that names them.
pub(crate) fn digest_mismatch(layout: &Path, digest: &str, actual: &str) -> WireError {
    WireError::new(
        code::DIGEST_MISMATCH,
        Fault::Store,
        format!(
            "blob {digest} in the OCI layout at {} has digest {actual}: the layout is corrupt or was tampered with",
            layout.display()
        ),
    )
}

/// Content is larger than the cap for its kind.
pub(crate) fn too_large(layout: &Path, digest: &str, size: u64, cap: u64, kind: &str) -> WireError {
    WireError::new(
        code::CONTENT_TOO_LARGE,
        Fault::Store,
        format!(
            "{kind} {digest} in the OCI layout at {} is {size} bytes, over the {cap}-byte cap",
            layout.display()
        ),
    )
}

/// A digest in a request is not one this store can check; the host sent bad parameters.
pub(crate) fn bad_request_digest(digest: &str, reason: &str) -> WireError {
    WireError::new(
        code::INVALID_PARAMS,
        Fault::Host,
        format!("digest {digest:?} is not usable: {reason}"),
    )
}
