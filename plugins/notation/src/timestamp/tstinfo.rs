//! RFC 3161 §2.4.2 TSTInfo, decoded and validated as tspclient-go's `TSTInfo` and
//! `TSTInfo.Validate` do (version 1, a SHA-2 message imprint over the countersigned bytes,
//! accuracy with the baseline-policy default of one second).

use std::time::Duration;

use time::OffsetDateTime;

use super::asn1time;
use super::der::{self, Reader, Tag};
use crate::crypto::HashAlg;

/// RFC 3628 baseline time-stamp policy: a token under it without accuracy means ±1 s (Notary
/// Project trust store and trust policy specification, "Steps").
const BASELINE_TIMESTAMP_POLICY: &str = "0.4.0.2023.1.1";

/// The TSTInfo fields the checks read.
#[derive(Debug, Clone)]
pub(super) struct TstInfo {
    pub version: i64,
    pub policy: String,
    pub hash_algorithm: String,
    pub hashed_message: Vec<u8>,
    pub gen_time: OffsetDateTime,
    /// Seconds, milliseconds and microseconds as encoded (0 when absent).
    pub accuracy: (i64, i64, i64),
}

/// The digest algorithms tspclient-go knows (`oid.ToHash`): SHA-256/384/512 only.
pub(super) fn hash_for(oid: &str) -> Option<HashAlg> {
    match oid {
        "2.16.840.1.101.3.4.2.1" => Some(HashAlg::Sha256),
        "2.16.840.1.101.3.4.2.2" => Some(HashAlg::Sha384),
        "2.16.840.1.101.3.4.2.3" => Some(HashAlg::Sha512),
        _ => None,
    }
}

impl TstInfo {
    /// `asn1.Unmarshal(content, &TSTInfo{})`; the error is the asn1 one (the caller adds
    /// tspclient's "cannot unmarshal TSTInfo from timestamp token: ").
    pub fn parse(content: &[u8]) -> Result<TstInfo, String> {
        let mut top = Reader::new(content);
        let seq = top.expect(Tag::SEQUENCE, "TSTInfo")?;
        let mut r = Reader::inside(&seq);
        let version = der::int(&r.expect(Tag::INTEGER, "TSTInfo.Version")?)?;
        let policy = der::oid(&r.expect(Tag::OID, "TSTInfo.Policy")?)?;
        let imprint = r.expect(Tag::SEQUENCE, "TSTInfo.MessageImprint")?;
        let mut mi = Reader::inside(&imprint);
        let alg = mi.expect(Tag::SEQUENCE, "MessageImprint.HashAlgorithm")?;
        let hash_algorithm = der::oid(&Reader::inside(&alg).expect(Tag::OID, "Algorithm")?)?;
        let hashed_message = mi
            .expect(Tag::OCTET_STRING, "MessageImprint.HashedMessage")?
            .content
            .to_vec();
        let serial = r.expect(Tag::INTEGER, "TSTInfo.SerialNumber")?;
        der::check_integer(serial.content)?;
        // Go's time.Time field: either time type, but tag 23 in the mismatch message.
        let gen_time = match r.peek() {
            Some(Tag::UTC_TIME) => r.expect(Tag::UTC_TIME, "TSTInfo.GenTime")?,
            _ => r.expect_as(Tag::GENERALIZED_TIME, 23, "TSTInfo.GenTime")?,
        };
        let gen_time = asn1time::time_value(&gen_time)?;
        let accuracy = match r.optional(Tag::SEQUENCE)? {
            Some(acc) => accuracy(&acc)?,
            None => (0, 0, 0),
        };
        if let Some(ordering) = r.optional(Tag::BOOLEAN)? {
            der::boolean(&ordering)?;
        }
        if let Some(nonce) = r.optional(Tag::INTEGER)? {
            der::check_integer(nonce.content)?;
        }
        // tsa [0] GeneralName and extensions [1] are not read by any check.
        Ok(TstInfo {
            version,
            policy,
            hash_algorithm,
            hashed_message,
            gen_time,
            accuracy,
        })
    }

    /// `TSTInfo.Validate(message)`: the error is tspclient's `TSTInfoError` text.
    pub fn validate(&self, message: &[u8]) -> Result<(OffsetDateTime, Duration), String> {
        if self.version != 1 {
            return Err(format!(
                "invalid TSTInfo: timestamp token info version must be 1, but got {}",
                self.version
            ));
        }
        let Some(hash) = hash_for(&self.hash_algorithm) else {
            return Err(format!(
                "invalid TSTInfo: unrecognized hash algorithm: {}",
                self.hash_algorithm
            ));
        };
        if hash.digest(message) != self.hashed_message {
            return Err("invalid TSTInfo: mismatched message".into());
        }
        Ok((self.gen_time, self.accuracy()?))
    }

    /// The accuracy as a duration; none under the baseline policy means one second.
    pub fn accuracy(&self) -> Result<Duration, String> {
        let (seconds, millis, micros) = self.accuracy;
        if (seconds, millis, micros) == (0, 0, 0) && self.policy == BASELINE_TIMESTAMP_POLICY {
            return Ok(Duration::from_secs(1));
        }
        // Go would make a negative accuracy narrow the range; refusing it is the safe reading.
        let total =
            i128::from(seconds) * 1_000_000 + i128::from(millis) * 1_000 + i128::from(micros);
        let micros = u64::try_from(total).map_err(|_| {
            format!("invalid TSTInfo: negative accuracy {seconds}s {millis}ms {micros}us")
        })?;
        Ok(Duration::from_micros(micros))
    }
}

/// `Accuracy ::= SEQUENCE { seconds INTEGER OPTIONAL, millis [0] INTEGER OPTIONAL,
/// micros [1] INTEGER OPTIONAL }` (the context tags are implicit).
fn accuracy(seq: &der::Tlv<'_>) -> Result<(i64, i64, i64), String> {
    let mut r = Reader::inside(seq);
    let mut int_at = |tag: Tag| -> Result<i64, String> {
        match r.optional(tag)? {
            Some(tlv) => der::int(&tlv),
            None => Ok(0),
        }
    };
    Ok((
        int_at(Tag::INTEGER)?,
        int_at(Tag::context(0, false))?,
        int_at(Tag::context(1, false))?,
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn info(policy: &str, accuracy: (i64, i64, i64)) -> TstInfo {
        TstInfo {
            version: 1,
            policy: policy.into(),
            hash_algorithm: "2.16.840.1.101.3.4.2.1".into(),
            hashed_message: HashAlg::Sha256.digest(b"notation"),
            gen_time: OffsetDateTime::UNIX_EPOCH,
            accuracy,
        }
    }

    #[test]
    fn accuracy_defaults_only_under_the_baseline_policy() {
        let baseline = info(BASELINE_TIMESTAMP_POLICY, (0, 0, 0));
        assert_eq!(baseline.accuracy().unwrap(), Duration::from_secs(1));
        let other = info("1.2.3", (0, 0, 0));
        assert_eq!(other.accuracy().unwrap(), Duration::ZERO);
        let explicit = info(BASELINE_TIMESTAMP_POLICY, (1, 500, 7));
        assert_eq!(
            explicit.accuracy().unwrap(),
            Duration::from_micros(1_500_007)
        );
        assert!(info("1.2.3", (0, -1, 0)).accuracy().is_err());
    }

    #[test]
    fn validate_as_tspclient() {
        let good = info("1.2.3", (1, 0, 0));
        assert!(good.validate(b"notation").is_ok());
        assert_eq!(
            good.validate(b"invalid").unwrap_err(),
            "invalid TSTInfo: mismatched message"
        );
        let mut v2 = good.clone();
        v2.version = 2;
        assert_eq!(
            v2.validate(b"notation").unwrap_err(),
            "invalid TSTInfo: timestamp token info version must be 1, but got 2"
        );
        let mut sha1 = good;
        sha1.hash_algorithm = "1.3.14.3.2.26".into();
        assert_eq!(
            sha1.validate(b"notation").unwrap_err(),
            "invalid TSTInfo: unrecognized hash algorithm: 1.3.14.3.2.26"
        );
    }
}
