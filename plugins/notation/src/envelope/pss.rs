//! RSASSA-PSS verification as Go's `rsa.VerifyPSS` does it, for what ring refuses but Go
//! accepts: any salt length (golang-jwt verifies JWS with `PSSSaltLengthAuto`; ring only takes
//! salt = hash length, which notation itself produces) and moduli of 2041-2047 bits (Go counts
//! them as 2048-bit keys; ring wants at least 2048 bits). Follows Go's `emsaPSSVerify`
//! (RFC 8017 §9.1.2, the salt length recovered from the 0x01 separator when not fixed).

use x509_parser::num_bigint::BigUint;

use crate::crypto::{CryptoError, HashAlg, PublicKeyInfo};

/// Verifies an RSASSA-PSS signature; `salt_len` `None` accepts any salt length.
pub(super) fn verify_go(
    hash: HashAlg,
    spki: &[u8],
    message: &[u8],
    signature: &[u8],
    salt_len: Option<usize>,
) -> Result<(), CryptoError> {
    let PublicKeyInfo::Rsa { modulus, exponent } = PublicKeyInfo::from_spki(spki)? else {
        return Err(CryptoError::KeyTypeMismatch);
    };
    if signature.len() != modulus.len() {
        return Err(CryptoError::Verification);
    }
    let n = BigUint::from_bytes_be(&modulus);
    let s = BigUint::from_bytes_be(signature);
    if s >= n {
        return Err(CryptoError::Verification);
    }
    let m = s.modpow(&BigUint::from_bytes_be(&exponent), &n);
    let em_bits = n.bits() as usize - 1;
    let em_len = em_bits.div_ceil(8);
    let mut em = m.to_bytes_be();
    if em.len() > em_len {
        return Err(CryptoError::Verification);
    }
    // Left-pad to emLen (to_bytes_be drops leading zeros).
    let mut padded = vec![0u8; em_len - em.len()];
    padded.append(&mut em);
    emsa_pss_verify(hash, &hash.digest(message), &padded, em_bits, salt_len)
}

fn emsa_pss_verify(
    hash: HashAlg,
    m_hash: &[u8],
    em: &[u8],
    em_bits: usize,
    salt_len: Option<usize>,
) -> Result<(), CryptoError> {
    let fail = Err(CryptoError::Verification);
    let h_len = hash.output_len();
    let em_len = em.len();
    if em_len < h_len + 2 || em[em_len - 1] != 0xbc {
        return fail;
    }
    let (masked_db, rest) = em.split_at(em_len - h_len - 1);
    let h = &rest[..h_len];
    let bit_mask = 0xffu8 >> (8 * em_len - em_bits);
    if masked_db[0] & !bit_mask != 0 {
        return fail;
    }
    let mask = mgf1(hash, h, masked_db.len());
    let mut db: Vec<u8> = masked_db.iter().zip(&mask).map(|(a, b)| a ^ b).collect();
    db[0] &= bit_mask;
    let Some(ps_len) = db.iter().position(|&b| b != 0) else {
        return fail;
    };
    if db[ps_len] != 0x01 || salt_len.is_some_and(|s| ps_len + 1 + s != db.len()) {
        return fail;
    }
    let salt = &db[ps_len + 1..];
    let mut m_prime = vec![0u8; 8];
    m_prime.extend_from_slice(m_hash);
    m_prime.extend_from_slice(salt);
    if hash.digest(&m_prime) != h {
        return fail;
    }
    Ok(())
}

fn mgf1(hash: HashAlg, seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + hash.output_len());
    let mut counter = 0u32;
    while out.len() < len {
        let mut block = seed.to_vec();
        block.extend_from_slice(&counter.to_be_bytes());
        out.extend_from_slice(&hash.digest(&block));
        counter += 1;
    }
    out.truncate(len);
    out
}
