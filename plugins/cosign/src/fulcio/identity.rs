//! Who a signing certificate was issued to, and cosign's check of that against the trust
//! policy's `certificateIdentity[RegExp]` / `certificateOIDCIssuer[RegExp]`
//! (`pkg/cosign/verify.go CheckCertificatePolicy`).
//!
//! Subjects are every subject-alternative name, in the order sigstore's
//! `cryptoutils.GetSubjectAlternateNames` lists them: DNS names, emails, IP addresses, URIs,
//! then Fulcio's otherName (1.3.6.1.4.1.57264.1.7, a UTF8String) when there is exactly one.
//! The OIDC issuer is Fulcio's 1.3.6.1.4.1.57264.1.8 (a DER string) when present, else the
//! deprecated 1.3.6.1.4.1.57264.1.1 (raw bytes; the only one in certificates from before
//! late 2022).

use std::net::{Ipv4Addr, Ipv6Addr};

use regex::Regex;

use super::CertParts;
use crate::der::{oid_contents, read_all, read_only, read_tlv};

const SAN_OID: &str = "2.5.29.17";
const OTHER_NAME_OID: &str = "1.3.6.1.4.1.57264.1.7";
const ISSUER_V1_OID: &str = "1.3.6.1.4.1.57264.1.1";
const ISSUER_V2_OID: &str = "1.3.6.1.4.1.57264.1.8";

/// The identity a certificate vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateIdentity {
    /// Subject alternative names, in cosign's order.
    pub sans: Vec<String>,
    /// The OIDC issuer from 1.3.6.1.4.1.57264.1.8, else .1.1; `None` if neither is present.
    pub issuer: Option<String>,
}

impl CertificateIdentity {
    /// Reads the SANs and the Fulcio issuer of a certificate. Malformed email, DNS, URI or IP
    /// names fail, as Go's certificate parser fails on them; a malformed or foreign otherName
    /// is skipped, as cosign ignores it.
    pub(crate) fn from_parts(parts: &CertParts<'_>) -> Result<Self, String> {
        let find = |dotted: &str| parts.extension(&oid_contents(dotted));
        let sans = match find(SAN_OID) {
            Some(value) => subject_alternative_names(value)?,
            None => Vec::new(),
        };
        let issuer = match (find(ISSUER_V2_OID), find(ISSUER_V1_OID)) {
            (Some(v2), _) => Some(der_string(v2).map_err(|e| {
                format!("could not parse OIDC issuer extension {ISSUER_V2_OID}: {e}")
            })?),
            // Raw bytes without DER; Go turns them into a string unchanged.
            (None, Some(v1)) => Some(String::from_utf8_lossy(v1).into_owned()),
            (None, None) => None,
        };
        Ok(Self { sans, issuer })
    }
}

/// Go `x509` SAN parsing plus sigstore's `UnmarshalOtherNameSAN`.
fn subject_alternative_names(value: &[u8]) -> Result<Vec<String>, String> {
    let names = read_only(value, 0x30).map_err(|e| format!("x509: invalid SAN extension: {e}"))?;
    let names =
        read_all(names.contents).map_err(|e| format!("x509: invalid SAN extension: {e}"))?;
    let (mut dns, mut email, mut ip, mut uri, mut other) = (vec![], vec![], vec![], vec![], vec![]);
    let mut other_ok = true;
    for name in &names {
        // Context-specific tags; Go looks at the tag number only.
        match name.tag & 0x1f {
            1 => email.push(ia5(name.contents, "rfc822Name")?),
            2 => dns.push(ia5(name.contents, "dNSName")?),
            6 => uri.push(ia5(name.contents, "uniformResourceIdentifier")?),
            7 => ip.push(ip_string(name.contents)?),
            0 => match other_name(name.contents) {
                Some(v) => other.push(v),
                None => other_ok = false,
            },
            _ => {}
        }
    }
    let mut sans = dns;
    sans.append(&mut email);
    sans.append(&mut ip);
    sans.append(&mut uri);
    // sigstore returns an error (ignored by its caller) unless exactly one Fulcio otherName.
    if other_ok && other.len() == 1 {
        sans.append(&mut other);
    }
    Ok(sans)
}

fn ia5(contents: &[u8], what: &str) -> Result<String, String> {
    if !contents.is_ascii() {
        return Err(format!("x509: SAN {what} is malformed"));
    }
    Ok(String::from_utf8_lossy(contents).into_owned())
}

/// Go's `net.IP.String`: IPv4 (and IPv4-mapped IPv6) dotted, IPv6 per RFC 5952.
fn ip_string(contents: &[u8]) -> Result<String, String> {
    if let Ok(v4) = <[u8; 4]>::try_from(contents) {
        return Ok(Ipv4Addr::from(v4).to_string());
    }
    if let Ok(v6) = <[u8; 16]>::try_from(contents) {
        let v6 = Ipv6Addr::from(v6);
        return Ok(match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6.to_string(),
        });
    }
    Err(format!(
        "x509: cannot parse IP address of length {}",
        contents.len()
    ))
}

/// `OtherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT UTF8String }` (implicitly tagged
/// [0]); only Fulcio's type-id is accepted.
fn other_name(contents: &[u8]) -> Option<String> {
    let (oid, rest) = read_tlv(contents).ok()?;
    if oid.tag != 0x06 || oid.contents != oid_contents(OTHER_NAME_OID).as_slice() {
        return None;
    }
    let wrapper = read_only(rest, 0xa0).ok()?;
    let value = read_only(wrapper.contents, 0x0c).ok()?;
    String::from_utf8(value.contents.to_vec()).ok()
}

/// Go `asn1.Unmarshal` into a string: UTF8String, PrintableString or IA5String, nothing after.
fn der_string(value: &[u8]) -> Result<String, String> {
    let (tlv, rest) = read_tlv(value)?;
    if !rest.is_empty() {
        return Err("trailing data".into());
    }
    match tlv.tag {
        0x0c => String::from_utf8(tlv.contents.to_vec()).map_err(|_| "invalid UTF-8".into()),
        0x13 | 0x16 if tlv.contents.is_ascii() => {
            Ok(String::from_utf8_lossy(tlv.contents).into_owned())
        }
        tag => Err(format!("unexpected tag 0x{tag:02x}")),
    }
}

/// One side (subject or issuer) of an expected identity.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// Anything matches (neither value nor regexp configured).
    Any,
    /// Byte-for-byte equality.
    Exact(String),
    /// Go RE2 semantics approximated by the `regex` crate: unanchored, like `MatchString`.
    Regex(Regex),
}

impl Matcher {
    /// cosign's reading of one `--certificate-*` / `--certificate-*-regexp` pair: the regexp
    /// wins when both are set; neither means anything. `what` is `subject` or `issuer` and
    /// appears in cosign's error for a bad regexp.
    pub fn from_config(exact: &str, regexp: &str, what: &str) -> Result<Self, String> {
        if !regexp.is_empty() {
            return Regex::new(regexp)
                .map(Matcher::Regex)
                .map_err(|e| format!("malformed {what} in identity: {regexp} : {e}"));
        }
        if !exact.is_empty() {
            return Ok(Matcher::Exact(exact.to_string()));
        }
        Ok(Matcher::Any)
    }

    /// Whether `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Any => true,
            Matcher::Exact(want) => want == value,
            Matcher::Regex(re) => re.is_match(value),
        }
    }
}

/// One expected identity (Ratify's trust policies allow exactly one per policy).
#[derive(Debug, Clone)]
pub struct IdentityPolicy {
    /// Matched against every SAN; one match suffices.
    pub subject: Matcher,
    /// Matched against the OIDC issuer (an absent issuer is matched as "", as cosign does).
    pub issuer: Matcher,
}

impl IdentityPolicy {
    /// cosign's `CheckCertificatePolicy` for a single identity.
    pub fn check(&self, id: &CertificateIdentity) -> Result<(), String> {
        let issuer = id.issuer.as_deref().unwrap_or("");
        let issuer_ok = self.issuer.matches(issuer);
        let subject_ok = match &self.subject {
            Matcher::Any => true,
            m => id.sans.iter().any(|san| m.matches(san)),
        };
        if issuer_ok && subject_ok {
            return Ok(());
        }
        Err(format!(
            "none of the expected identities matched what was in the certificate, got subjects \
             [{}] with issuer {issuer}",
            id.sans.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn san(names: &[u8]) -> Vec<u8> {
        crate::der::encode_tlv(0x30, names)
    }

    fn gn(tag: u8, contents: &[u8]) -> Vec<u8> {
        crate::der::encode_tlv(tag, contents)
    }

    fn fulcio_other(value: &str) -> Vec<u8> {
        let mut inner = gn(0x06, &oid_contents(OTHER_NAME_OID));
        inner.extend(gn(0xa0, &gn(0x0c, value.as_bytes())));
        gn(0xa0, &inner)
    }

    #[test]
    fn san_order_is_dns_email_ip_uri_othername() {
        let mut names = Vec::new();
        names.extend(fulcio_other("user!github"));
        names.extend(gn(0x86, b"https://example.com/x"));
        names.extend(gn(0x87, &[10, 0, 0, 1]));
        names.extend(gn(0x81, b"a@example.com"));
        names.extend(gn(0x82, b"host.example.com"));
        let mut mapped = [0u8; 16];
        mapped[10] = 0xff;
        mapped[11] = 0xff;
        mapped[12..].copy_from_slice(&[192, 0, 2, 1]);
        names.extend(gn(0x87, &mapped));
        names.extend(gn(
            0x87,
            &Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1).octets(),
        ));
        assert_eq!(
            subject_alternative_names(&san(&names)).unwrap(),
            [
                "host.example.com",
                "a@example.com",
                "10.0.0.1",
                "192.0.2.1",
                "2001:db8::1",
                "https://example.com/x",
                "user!github"
            ]
        );
    }

    #[test]
    fn two_or_foreign_othernames_are_skipped() {
        let mut two = fulcio_other("a");
        two.extend(fulcio_other("b"));
        assert!(subject_alternative_names(&san(&two)).unwrap().is_empty());
        let mut foreign = gn(0x06, &oid_contents("1.3.6.1.4.1.311.20.2.3"));
        foreign.extend(gn(0xa0, &gn(0x0c, b"upn")));
        let mut names = gn(0xa0, &foreign);
        names.extend(fulcio_other("kept?"));
        names.extend(gn(0x81, b"x@y"));
        assert_eq!(subject_alternative_names(&san(&names)).unwrap(), ["x@y"]);
    }

    #[test]
    fn malformed_names_fail_like_go() {
        assert_eq!(
            subject_alternative_names(&san(&gn(0x81, "é@x".as_bytes()))).unwrap_err(),
            "x509: SAN rfc822Name is malformed"
        );
        assert_eq!(
            subject_alternative_names(&san(&gn(0x87, &[1, 2, 3]))).unwrap_err(),
            "x509: cannot parse IP address of length 3"
        );
    }

    #[test]
    fn matchers_follow_cosign() {
        assert!(matches!(
            Matcher::from_config("a", "b", "subject").unwrap(),
            Matcher::Regex(_)
        ));
        assert!(matches!(
            Matcher::from_config("", "", "issuer").unwrap(),
            Matcher::Any
        ));
        let err = Matcher::from_config("", "(", "issuer").unwrap_err();
        assert!(
            err.starts_with("malformed issuer in identity: ( : "),
            "{err}"
        );
        // Unanchored, as Go's MatchString.
        let m = Matcher::from_config("", "github\\.com", "subject").unwrap();
        assert!(m.matches("https://github.com/org/repo"));
        assert!(!Matcher::Exact("github.com".into()).matches("https://github.com/"));
    }

    #[test]
    fn der_string_accepts_go_string_types() {
        assert_eq!(der_string(&gn(0x0c, b"https://x")).unwrap(), "https://x");
        assert_eq!(der_string(&gn(0x16, b"https://x")).unwrap(), "https://x");
        assert!(der_string(&gn(0x04, b"https://x")).is_err());
        let mut trailing = gn(0x0c, b"a");
        trailing.push(0);
        assert!(der_string(&trailing).is_err());
    }
}
