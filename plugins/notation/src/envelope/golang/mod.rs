//! The parts of Go's standard library whose exact behaviour notation's envelope handling
//! inherits: `encoding/json` (reading and writing), `encoding/base64` and `time.Time`'s RFC 3339
//! form. Each is re-created narrowly, with Go's error text, so that what ratify accepts,
//! rejects and reports matches `notation verify`.

pub mod base64;
pub mod json;
pub mod marshal;
pub mod time;
