//! The Notary Project trust policy document, version 1.0.
