//! Transparency-log (Rekor) evidence, checked offline: signed entry timestamps ([`set`]), the
//! canonicalized entry bodies they cover ([`body`]), RFC 6962 inclusion proofs ([`merkle`]) and
//! the signed checkpoints the proofs end in ([`checkpoint`]).

pub mod body;
pub mod checkpoint;
pub mod merkle;
pub mod set;
