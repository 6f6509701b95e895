//! Signature primitives used by envelopes, certificate chains and timestamp tokens.
//!
//! ring verifies RSA-PSS, RSA PKCS#1 v1.5 and ECDSA P-256/P-384; ring has no P-521, so the
//! RustCrypto p521 crate covers that one curve.
