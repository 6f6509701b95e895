//! RFC 3161 timestamp countersignatures (`io.cncf.notary.timestampSignature`), verified the way
//! notation-go's `verifyTimestamp` does through tspclient-go, in the same order and with the
//! same messages:
//!
//! 1. parse the token as CMS SignedData whose content is id-ct-TSTInfo
//!    (`failed to parse timestamp countersignature with error: ...`);
//! 2. decode the TSTInfo (`failed to get the timestamp TSTInfo with error: ...`);
//! 3. validate it against the envelope's signature bytes: version 1, message imprint
//!    (`failed to get timestamp from timestamp countersignature with error: ...`);
//! 4. require TSA roots (`no trusted TSA certificate found in trust store`);
//! 5. verify the token at genTime: signing certificate named by the ESS signing-certificate-v2
//!    attribute, its path to a TSA root, the CMS signature and attributes, the critical
//!    timeStamping-only extended key usage
//!    (`failed to verify the timestamp countersignature with error: ...`);
//! 6. the Notary Project timestamping chain requirements
//!    (`failed to validate the timestamping certificate chain with error: ...`).
//!
//! What the caller does next, checking that every signing certificate was valid across the
//! whole timestamp range, is [`Timestamp::check_signing_chain`] (notation's step 4). TSA chain
//! revocation is not done here.
//!
//! The ASN.1 is read by a small reader of our own rather than a CMS crate: tspclient accepts
//! BER lengths and ignores trailing fields the way Go's `encoding/asn1` does, and hashes and
//! re-encodes exactly the bytes the token carries (certificates, signed attributes); a strict
//! DER decoder that re-encodes parsed values would refuse or alter some of those tokens, and
//! the RustCrypto `cms` crate would also bring a second `der`/`spki` generation into the build.

mod asn1time;
mod ber;
mod cms;
mod der;
mod path;
mod token;
mod tstinfo;

use std::fmt;
use std::time::Duration;

use time::OffsetDateTime;

use crate::x509::{self, Purpose};

/// A verified timestamp: genTime ± accuracy, and the TSA chain it was verified with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timestamp {
    /// TSTInfo genTime.
    pub gen_time: OffsetDateTime,
    /// TSTInfo accuracy (one second under the baseline policy when absent).
    pub accuracy: Duration,
    /// The TSA chain as DER, signing certificate first, trust-store root last.
    pub tsa_chain: Vec<Vec<u8>>,
}

impl Timestamp {
    /// The earliest instant the timestamp may stand for (genTime − accuracy).
    pub fn earliest(&self) -> OffsetDateTime {
        self.gen_time - self.accuracy
    }

    /// The latest instant the timestamp may stand for (genTime + accuracy).
    pub fn latest(&self) -> OffsetDateTime {
        self.gen_time + self.accuracy
    }

    /// notation's `BoundedAfter`: the whole range is at or after `t`.
    pub fn bounded_after(&self, t: OffsetDateTime) -> bool {
        self.earliest() >= t
    }

    /// notation's `BoundedBefore`: the whole range is at or before `t`.
    pub fn bounded_before(&self, t: OffsetDateTime) -> bool {
        self.latest() <= t
    }

    /// notation-go's check of the signing chain against the timestamp: every certificate
    /// must be valid over the whole range. Certificates that cannot be read are skipped (the
    /// integrity step has already refused unreadable chains).
    pub fn check_signing_chain(&self, chain: &[Vec<u8>]) -> Result<(), TimestampError> {
        for cert in chain.iter().filter_map(|der| x509::describe(der).ok()) {
            if !self.bounded_after(cert.not_before) {
                return Err(TimestampError::new(format!(
                    "timestamp can be before certificate {:?} validity period, it will be valid from {:?}",
                    cert.subject,
                    rfc1123z(cert.not_before)
                )));
            }
            if !self.bounded_before(cert.not_after) {
                return Err(TimestampError::new(format!(
                    "timestamp can be after certificate {:?} validity period, it was expired at {:?}",
                    cert.subject,
                    rfc1123z(cert.not_after)
                )));
            }
        }
        Ok(())
    }
}

/// Go's `time.RFC1123Z` layout (`Mon, 02 Jan 2006 15:04:05 -0700`), which RFC 2822 formatting
/// produces for these instants.
fn rfc1123z(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc2822)
        .unwrap_or_else(|_| at.to_string())
}

/// Why a timestamp was refused, in notation-go's and tspclient-go's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError {
    /// The full message, e.g. `failed to get timestamp from timestamp countersignature with
    /// error: invalid TSTInfo: mismatched message`.
    pub message: String,
}

impl TimestampError {
    fn new(message: impl Into<String>) -> Self {
        TimestampError {
            message: message.into(),
        }
    }
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TimestampError {}

fn parse_error(e: String) -> TimestampError {
    TimestampError::new(format!(
        "failed to parse timestamp countersignature with error: {e}"
    ))
}

/// Parses the token and decodes its TSTInfo (notation's steps 1 and 2).
fn read_token(token: &[u8]) -> Result<cms::SignedData, TimestampError> {
    cms::SignedData::parse(token).map_err(parse_error)
}

fn tst_info(parsed: &cms::Parsed<'_>) -> Result<tstinfo::TstInfo, TimestampError> {
    if parsed.content_type != cms::OID_TST_INFO {
        return Err(parse_error(format!(
            "unexpected content type: {}. Expected to be id-ct-TSTInfo ({})",
            parsed.content_type,
            cms::OID_TST_INFO
        )));
    }
    tstinfo::TstInfo::parse(parsed.content).map_err(|e| {
        TimestampError::new(format!(
            "failed to get the timestamp TSTInfo with error: cannot unmarshal TSTInfo from timestamp token: {e}"
        ))
    })
}

/// Parses and fully verifies an RFC 3161 timestamp token that countersigns `signature` (the
/// envelope's signature bytes), with `tsa_roots` (DER) as the only trust anchors. No clock is
/// read: the TSA chain is judged at the token's genTime.
pub fn verify_countersignature(
    token: &[u8],
    signature: &[u8],
    tsa_roots: &[Vec<u8>],
) -> Result<Timestamp, TimestampError> {
    if token.is_empty() {
        return Err(TimestampError::new(
            "no timestamp countersignature was found in the signature envelope",
        ));
    }
    let signed = read_token(token)?;
    let parsed = signed.parsed().map_err(parse_error)?;
    let info = tst_info(&parsed)?;
    let (gen_time, accuracy) = info.validate(signature).map_err(|e| {
        TimestampError::new(format!(
            "failed to get timestamp from timestamp countersignature with error: {e}"
        ))
    })?;
    if tsa_roots.is_empty() {
        return Err(TimestampError::new(
            "no trusted TSA certificate found in trust store",
        ));
    }
    let verify_error = |e: String| {
        TimestampError::new(format!(
            "failed to verify the timestamp countersignature with error: {e}"
        ))
    };
    let tsa_chain = token::verify(&parsed, tsa_roots, gen_time).map_err(verify_error)?;
    // The path ends at a trust-store root by construction; checked again so that a change in
    // path building can never let an untrusted chain through.
    if !x509::chain_is_trusted(&tsa_chain, tsa_roots) {
        return Err(verify_error(
            "failed to verify signed token: cms verification failure: x509: certificate signed by unknown authority".into(),
        ));
    }
    x509::validate_chain(&tsa_chain, Purpose::Timestamping, Some(gen_time)).map_err(|e| {
        TimestampError::new(format!(
            "failed to validate the timestamping certificate chain with error: {e}"
        ))
    })?;
    Ok(Timestamp {
        gen_time,
        accuracy,
        tsa_chain,
    })
}

/// Reads a token's genTime and accuracy without verifying anything (what `notation inspect`
/// shows). Errors are worded as in [`verify_countersignature`].
pub fn parse_tst_info(token: &[u8]) -> Result<(OffsetDateTime, Duration), TimestampError> {
    let signed = read_token(token)?;
    let parsed = signed.parsed().map_err(parse_error)?;
    let info = tst_info(&parsed)?;
    let accuracy = info.accuracy().map_err(|e| {
        TimestampError::new(format!(
            "failed to get timestamp from timestamp countersignature with error: {e}"
        ))
    })?;
    Ok((info.gen_time, accuracy))
}

#[cfg(test)]
mod tests;
