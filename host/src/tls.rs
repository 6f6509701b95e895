//! TLS set-up shared by every HTTPS client in the host: rustls with the ring crypto provider
//! (pure Rust and assembly, so no C toolchain beyond `cc` and no cmake).

/// Installs ring as the process-wide rustls crypto provider. Idempotent; call before building
/// any HTTPS client (reqwest panics without a provider).
pub fn install_crypto_provider() {
    // An error means a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
