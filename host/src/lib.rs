//! `ratify`: may this image run?
//!
//! Given a subject (an image reference), the host finds the artifacts attached to it as OCI
//! referrers, hands each to the verifier plugins configured for its artifact type, folds the
//! reports through the policy and answers. Verifiers and stores are separate executables
//! speaking the protocol in `spec/PROTOCOL.md`; this crate discovers them, runs them as
//! long-lived processes with deadlines, and serves them content it has checked.
//!
//! Modules, in the order a verification uses them: [`config`] → [`engine`] (which loads
//! [`plugin`]s and the [`store`]) → [`executor`] → [`report`]. [`cli`] is the command line.

pub mod check;
pub mod cli;
pub mod config;
pub mod digest;
pub mod engine;
pub mod error;
pub mod executor;
pub mod plugin;
pub mod push;
pub mod registry;
pub mod report;
pub mod store;
pub mod tls;
