//! Keyless: the signing certificate, checked as cosign checks a Fulcio (or bring-your-own PKI)
//! certificate, at the time the transparency log vouches for (or now, without a log): valid
//! then, issued through a certificate authority that was itself valid then, its embedded SCTs
//! from known CT logs, and issued to the identity the policy names.

use serde_json::{Value, json};

use crate::config::Keyless;
use crate::fulcio::cert_parts;
use crate::fulcio::chain::{valid_at, verify_chain};
use crate::fulcio::identity::CertificateIdentity;
use crate::fulcio::sct::verify_embedded_scts;
use crate::keys::PublicKey;
use crate::trustroot::TransparencyLog;

/// A certificate that passed: its key, and who it was issued to (for the report).
pub struct Certified {
    /// The key that must have made the signature.
    pub key: PublicKey,
    /// `{"subjects": [...], "issuer": ...}`.
    pub identity: Value,
}

/// Checks `leaf` (DER) with the `carried` certificates (the signature's own chain, which may
/// end with the root) as candidate intermediates, at unix time `at`.
pub fn verify(
    keyless: &Keyless,
    ct_logs: &[TransparencyLog],
    leaf: &[u8],
    carried: &[Vec<u8>],
    at: i64,
) -> Result<Certified, String> {
    valid_at(leaf, at)?;
    let mut failure = None;
    let mut chain = None;
    // Fulcio CAs: only the CA's own intermediates, and only while the CA is valid, so a
    // retired intermediate cannot be brought back by the signature's own chain.
    for authority in keyless
        .authorities
        .iter()
        .filter(|ca| ca.valid_for.contains(at))
    {
        let Some((root, own)) = authority.chain.split_last() else {
            continue;
        };
        match verify_chain(leaf, own, std::slice::from_ref(root), at) {
            Ok(built) => {
                chain = Some(built);
                break;
            }
            Err(e) => failure = Some(e),
        }
    }
    // Bring-your-own PKI: the configured intermediates, else the carried chain (cosign uses
    // the chain annotation only when no intermediates are configured).
    if chain.is_none() && !keyless.pki_roots.is_empty() {
        let intermediates = if keyless.intermediates.is_empty() {
            carried
        } else {
            keyless.intermediates.as_slice()
        };
        match verify_chain(leaf, intermediates, &keyless.pki_roots, at) {
            Ok(built) => chain = Some(built),
            Err(e) => failure = Some(e),
        }
    }
    let chain = chain.ok_or_else(|| {
        format!(
            "cert verification failed: {}",
            failure.unwrap_or_else(|| {
                "no configured certificate authority was valid at the signing time".into()
            })
        )
    })?;
    // Located once for the SCTs, the identity and the key; the leaf already parsed above, so
    // its SPKI is the one a full parse would give.
    let parts = cert_parts(leaf)?;
    if keyless.ct_log_verify {
        let issuer = chain
            .get(1)
            .ok_or("the certificate's chain has no issuer to check its SCTs against")?;
        verify_embedded_scts(&parts, issuer, ct_logs)?;
    }
    let identity = CertificateIdentity::from_parts(&parts)?;
    if let Some(policy) = &keyless.identity {
        policy.check(&identity)?;
    }
    Ok(Certified {
        key: PublicKey::from_spki_der(parts.spki)?,
        identity: json!({"subjects": identity.sans, "issuer": identity.issuer}),
    })
}
