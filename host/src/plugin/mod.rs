//! Plugins: finding their executables, running them as processes, and talking to them.
//!
//! - [`discovery`] maps a plugin name to an executable, in a documented order;
//! - [`connection`] speaks the protocol over any pair of byte streams (tests use in-memory
//!   pipes; production uses a child's stdin/stdout);
//! - [`process`] starts a child with a minimal environment, drains its stderr, and kills and
//!   reaps it on every path;
//! - [`pool`] keeps live processes per plugin, replays accepted configs into new ones, and
//!   restarts crashed ones with backoff.

pub mod connection;
pub mod discovery;
mod lines;
pub mod pool;
pub mod process;
mod services;

pub use connection::{CallError, Connection, HostServices};
pub use discovery::{Discovered, PluginDirs};
pub use pool::PluginPool;
pub use process::{PluginProcess, ProcessSettings};
