//! The plugin protocol's wire types, exactly as they appear on the pipe.
//!
//! Nothing in this module does I/O: every type is plain data with a serde mapping, so the host
//! and plugins share one definition and tests can build and inspect messages directly. The
//! normative description is `spec/PROTOCOL.md`; the examples under `spec/examples/` parse into
//! these types and serialize back to the same JSON.
//!
//! Forward compatibility: every enum has an `Unknown` variant that absorbs values a newer peer
//! may send, and unknown object fields are ignored.

mod descriptor;
mod error;
mod message;
mod methods;
pub mod oci;
mod version;

pub use descriptor::{Descriptor, Subject};
pub use error::{Fault, WireError, code};
pub use message::{
    ErrorMessage, HostHello, HostInfo, HostMessage, PluginCapabilities, PluginHello, PluginKind,
    PluginMessage, Request, Response,
};
pub use methods::*;
pub use version::{PROTOCOL_VERSION, ProtocolVersion, negotiate};

/// Upper bound on one protocol line (one message), in bytes, unless configured otherwise.
///
/// Both sides reject longer lines rather than buffering them: a runaway peer must not be able to
/// exhaust memory.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 * 1024 * 1024;
