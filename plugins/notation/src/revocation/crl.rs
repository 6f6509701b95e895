//! CRL checking as notation-core-go does it (`revocation/internal/crl`, `revocation/crl`):
//! every HTTP distribution point of the certificate is fetched (through the file cache), the
//! base CRL's Freshest CRL extension names a delta CRL (RFC 5280 §5.2.6), both are validated
//! against the issuer, and the certificate's serial is looked up in both, with notation's
//! handling of certificateHold / removeFromCRL and of the invalidity date against an authentic
//! signing time.

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::X509Extension;
use x509_parser::num_bigint::BigUint;
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

use super::http::{self, FetchError, Request};
use super::{CertResult, CertStatus, Ctx, Issuer, Method, ServerResult, go_time, sig};
use crate::der;

const OID_FRESHEST_CRL: &str = "2.5.29.46";
const OID_ISSUING_DISTRIBUTION_POINT: &str = "2.5.29.28";
const OID_DELTA_CRL_INDICATOR: &str = "2.5.29.27";
const OID_INVALIDITY_DATE: &str = "2.5.29.24";
const REASON_CERTIFICATE_HOLD: u8 = 6;
const REASON_REMOVE_FROM_CRL: u8 = 8;

/// A base CRL and, when the base names one, its delta CRL (DER), as fetched or cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// The base CRL.
    pub base: Vec<u8>,
    /// The delta CRL named by the base CRL's Freshest CRL extension.
    pub delta: Option<Vec<u8>>,
    /// Read from the cache rather than the network.
    pub(crate) from_cache: bool,
}

/// Parses a DER CRL (Go's `x509.ParseRevocationList`, whose error text this keeps).
pub(crate) fn parse_crl(der: &[u8]) -> Result<CertificateRevocationList<'_>, String> {
    match CertificateRevocationList::from_der(der) {
        Ok(([], crl)) => Ok(crl),
        _ => Err("x509: malformed crl".to_string()),
    }
}

/// The HTTP-or-other URIs of a `CRLDistributionPoints` (or `FreshestCRL`) extension value, read
/// exactly as Go's `crypto/x509` (and notation-core-go's copy of it) reads them: distribution
/// points without a name are skipped, within a full name only the leading URIs count, and the
/// errors are Go's.
pub fn distribution_point_urls(value: &[u8]) -> Result<Vec<String>, String> {
    let points_error = || "x509: invalid CRL distribution points".to_string();
    let point_error = || "x509: invalid CRL distribution point".to_string();
    let (points, _) = der::expect(value, der::TAG_SEQUENCE).ok_or_else(points_error)?;
    let mut urls = Vec::new();
    let mut rest = points.content;
    while !rest.is_empty() {
        let (point, after) = der::expect(rest, der::TAG_SEQUENCE).ok_or_else(point_error)?;
        rest = after;
        let (name, _) = der::optional(point.content, 0xa0).map_err(|()| point_error())?;
        let Some(name) = name else { continue };
        // fullName [0]; nameRelativeToCRLIssuer [1] is refused, as in Go.
        let (full_name, _) = der::expect(name.content, 0xa0).ok_or_else(point_error)?;
        let mut names = full_name.content;
        while names.first() == Some(&0x86) {
            let (uri, after) = der::read(names).ok_or_else(point_error)?;
            urls.push(String::from_utf8_lossy(uri.content).into_owned());
            names = after;
        }
    }
    Ok(urls)
}

pub(crate) fn find_extension<'a, 'b>(
    extensions: &'a [X509Extension<'b>],
    oid: &str,
) -> Option<&'a X509Extension<'b>> {
    extensions.iter().find(|e| e.oid.to_id_string() == oid)
}

/// `crl.CertCheckStatus`: every distribution point in turn; the first revocation or error
/// decides, otherwise the certificate is OK.
pub(crate) fn check(
    ctx: &Ctx<'_>,
    cert: &X509Certificate<'_>,
    issuer: &Issuer<'_>,
    urls: &[String],
    log: &mut Vec<String>,
) -> CertResult {
    let has_freshest = find_extension(cert.extensions(), OID_FRESHEST_CRL).is_some();
    let mut servers = Vec::new();
    for url in urls {
        match check_url(ctx, cert, issuer, url, has_freshest, log) {
            Ok(CertStatus::Revoked) => {
                let server = ServerResult::new(url, Method::Crl, CertStatus::Revoked);
                return CertResult::new(CertStatus::Revoked, Method::Crl, vec![server]);
            }
            Ok(status) => servers.push(ServerResult::new(url, Method::Crl, status)),
            Err(e) => {
                let server = ServerResult::new(url, Method::Crl, CertStatus::Unknown(e.clone()));
                return CertResult::new(CertStatus::Unknown(e), Method::Crl, vec![server]);
            }
        }
    }
    CertResult::new(CertStatus::Ok, Method::Crl, servers)
}

/// One distribution point. A cached bundle that fails validation is fetched again (the cache
/// holds only bundles that validated, but a CA key may have changed since); a fetched bundle
/// is cached only once it has validated.
fn check_url(
    ctx: &Ctx<'_>,
    cert: &X509Certificate<'_>,
    issuer: &Issuer<'_>,
    url: &str,
    has_freshest: bool,
    log: &mut Vec<String>,
) -> Result<CertStatus, String> {
    let download = |use_cache: bool, log: &mut Vec<String>| {
        fetch(ctx, url, use_cache, log)
            .map_err(|e| format!("failed to download CRL from {url}: {e}"))
    };
    let mut bundle = download(true, log)?;
    let mut outcome = evaluate(ctx, cert, issuer, &bundle, has_freshest, url);
    if let (Err(e), true) = (&outcome, bundle.from_cache) {
        log.push(format!(
            "the CRL bundle cached for {url:?} is not usable ({e}); fetching it again"
        ));
        bundle = download(false, log)?;
        outcome = evaluate(ctx, cert, issuer, &bundle, has_freshest, url);
    }
    if let (Ok(_), false, Some(cache)) = (&outcome, bundle.from_cache, &ctx.cache) {
        log.push(format!(
            "Storing crl bundle to file cache with key {url:?} ..."
        ));
        cache.set(url, &bundle, log);
    }
    outcome
}

fn evaluate(
    ctx: &Ctx<'_>,
    cert: &X509Certificate<'_>,
    issuer: &Issuer<'_>,
    bundle: &Bundle,
    has_freshest: bool,
    url: &str,
) -> Result<CertStatus, String> {
    if has_freshest && bundle.delta.is_none() {
        // notation-core-go: a delta CRL named only by the certificate may have another scope
        // than the base CRL, which it cannot tell, so it refuses the case.
        return Err("freshest CRL from certificate extension is not supported".into());
    }
    let base = parse_crl(&bundle.base)?;
    let delta = bundle.delta.as_deref().map(parse_crl).transpose()?;
    validate(ctx, &base, delta.as_ref(), issuer)
        .map_err(|e| format!("failed to validate CRL from {url}: {e}"))?;
    status(ctx, cert, &base, delta.as_ref())
        .map_err(|e| format!("failed to check revocation status from {url}: {e}"))
}

/// `HTTPFetcher.Fetch`: the cache first (when allowed and configured), then the network.
pub(crate) fn fetch(
    ctx: &Ctx<'_>,
    url: &str,
    use_cache: bool,
    log: &mut Vec<String>,
) -> Result<Bundle, String> {
    if url.is_empty() {
        return Err("CRL URL cannot be empty".into());
    }
    if let (true, Some(cache)) = (use_cache, &ctx.cache) {
        log.push(format!(
            "Retrieving crl bundle from file cache with key {url:?} ..."
        ));
        if let Some(bundle) = cache.get(url, ctx.now, log) {
            return Ok(bundle);
        }
    }
    fetch_bundle(ctx, url).map_err(|e| format!("failed to retrieve CRL: {e}"))
}

/// The base CRL, then the delta CRL from the first of its Freshest CRL URLs that works.
fn fetch_bundle(ctx: &Ctx<'_>, url: &str) -> Result<Bundle, String> {
    let base = fetch_crl(ctx, url)?;
    let parsed = parse_crl(&base)?;
    let mut delta = None;
    if let Some(ext) = find_extension(parsed.extensions(), OID_FRESHEST_CRL) {
        let urls = distribution_point_urls(ext.value)
            .map_err(|e| format!("failed to parse Freshest CRL extension: {e}"))?;
        let mut last_error = None;
        for delta_url in &urls {
            match fetch_crl(ctx, delta_url) {
                Ok(der) => {
                    delta = Some(der);
                    break;
                }
                Err(e) => last_error = Some(e),
            }
        }
        if let (None, Some(e)) = (&delta, last_error) {
            return Err(e);
        }
    }
    Ok(Bundle {
        base,
        delta,
        from_cache: false,
    })
}

/// `fetchCRL`: http only, status 200, at most `max_bytes`, must parse.
fn fetch_crl(ctx: &Ctx<'_>, url: &str) -> Result<Vec<u8>, String> {
    match http::scheme(url).as_deref() {
        Some("http") => {}
        Some(other) => {
            return Err(format!(
                "unsupported scheme: {other}. Only supports CRL URL in HTTP protocol"
            ));
        }
        None => return Err(format!("invalid CRL URL: {url:?}")),
    }
    let options = ctx.options;
    let data = http::fetch(
        ctx.agent,
        options,
        url,
        Request::Get,
        options.timeout,
        options.max_bytes,
        ctx.deadline,
    )
    .map_err(|e| match e {
        FetchError::Status(code) => format!("failed to download with status code: {code}"),
        FetchError::TooLarge(cap) => format!("CRL size exceeds the limit: {cap}"),
        other => format!("request failed: {}", other.describe("CRL", url)),
    })?;
    parse_crl(&data)?;
    Ok(data)
}

/// `validate`: the base CRL, then the delta CRL and its numbering against the base.
fn validate(
    ctx: &Ctx<'_>,
    base: &CertificateRevocationList<'_>,
    delta: Option<&CertificateRevocationList<'_>>,
    issuer: &Issuer<'_>,
) -> Result<(), String> {
    validate_one(ctx, base, issuer).map_err(|e| format!("failed to validate base CRL: {e}"))?;
    let Some(delta) = delta else { return Ok(()) };
    validate_one(ctx, delta, issuer).map_err(|e| format!("failed to validate delta CRL: {e}"))?;
    let (Some(base_number), Some(delta_number)) = (base.crl_number(), delta.crl_number()) else {
        return Err("CRL number is missing".into());
    };
    if delta_number <= base_number {
        return Err(format!(
            "delta CRL number {delta_number} is not greater than the base CRL number {base_number}"
        ));
    }
    let ext = find_extension(delta.extensions(), OID_DELTA_CRL_INDICATOR)
        .ok_or("delta CRL indicator extension is not found")?;
    let minimum = der::expect(ext.value, der::TAG_INTEGER)
        .map(|(int, _)| BigUint::from_bytes_be(der::unsigned_be(int.content)))
        .ok_or("failed to parse delta CRL indicator extension")?;
    if &minimum > base_number {
        return Err(format!(
            "delta CRL indicator {minimum} is not less than or equal to the base CRL number \
             {base_number}"
        ));
    }
    Ok(())
}

/// `validateCRL`: signed by the issuer, issued under its name, not past nextUpdate, and no
/// critical extension notation does not know.
fn validate_one(
    ctx: &Ctx<'_>,
    crl: &CertificateRevocationList<'_>,
    issuer: &Issuer<'_>,
) -> Result<(), String> {
    sig::check_crl_signer(&issuer.cert)
        .and_then(|()| {
            sig::verify(
                &crl.signature_algorithm,
                issuer.cert.public_key(),
                crl.tbs_cert_list.as_ref(),
                &crl.signature_value.data,
            )
        })
        // The trailing comma is notation-core-go's.
        .map_err(|e| format!("CRL is not signed by CA {}: {e},", issuer.subject))?;
    // Go does not compare names, but RFC 5280 §6.3.3 (b) requires the match: a CRL signed with
    // the right key under another name is for another CA's certificates.
    let (crl_issuer, ca) = (crl.issuer(), issuer.cert.subject());
    if crl_issuer.as_raw() != ca.as_raw() && crl_issuer.to_string() != ca.to_string() {
        return Err(format!(
            "CRL issuer {:?} does not match the certificate issuer {:?}",
            crl_issuer.to_string(),
            issuer.subject
        ));
    }
    let next = crl
        .next_update()
        .ok_or("CRL NextUpdate is not set")?
        .to_datetime();
    if ctx.now > next {
        return Err(format!(
            "expired CRL. Current time {} is after CRL NextUpdate {}",
            go_time(ctx.now),
            go_time(next)
        ));
    }
    for ext in crl.extensions() {
        let oid = ext.oid.to_id_string();
        let known = oid == OID_ISSUING_DISTRIBUTION_POINT || oid == OID_DELTA_CRL_INDICATOR;
        if ext.critical && !known {
            return Err(format!(
                "unsupported critical extension found in CRL: {oid}"
            ));
        }
    }
    Ok(())
}

/// `checkRevocation`: the certificate's entries in the base and delta CRLs. A permanent
/// revocation decides at once; certificateHold and removeFromCRL entries count by the latest
/// one; an invalidity date after the authentic signing time means the signature predates the
/// problem, so the certificate counts as good.
fn status(
    ctx: &Ctx<'_>,
    cert: &X509Certificate<'_>,
    base: &CertificateRevocationList<'_>,
    delta: Option<&CertificateRevocationList<'_>>,
) -> Result<CertStatus, String> {
    let serial = &cert.tbs_certificate.serial;
    let entries = base.iter_revoked_certificates().chain(
        delta
            .into_iter()
            .flat_map(|d| d.iter_revoked_certificates()),
    );
    let mut latest_temporary = None;
    for entry in entries.filter(|entry| entry.serial() == serial) {
        let invalidity = invalidity_date(entry.extensions())?;
        if let (Some(signed), Some(invalid)) = (ctx.signing_time, invalidity)
            && signed < invalid
        {
            return Ok(CertStatus::Ok);
        }
        let reason = entry.reason_code().map_or(0, |(_, code)| code.0);
        if reason != REASON_CERTIFICATE_HOLD && reason != REASON_REMOVE_FROM_CRL {
            return Ok(CertStatus::Revoked);
        }
        let at = entry.revocation_date;
        if latest_temporary.is_none_or(|(latest, _)| latest < at) {
            latest_temporary = Some((at, reason));
        }
    }
    Ok(match latest_temporary {
        Some((_, REASON_CERTIFICATE_HOLD)) => CertStatus::Revoked,
        _ => CertStatus::Ok,
    })
}

/// `parseEntryExtensions`: the invalidity date (GeneralizedTime) and no other critical
/// extension.
fn invalidity_date(
    extensions: &[X509Extension<'_>],
) -> Result<Option<time::OffsetDateTime>, String> {
    let mut date = None;
    for ext in extensions {
        let oid = ext.oid.to_id_string();
        if oid == OID_INVALIDITY_DATE {
            let (tlv, rest) = der::read(ext.value)
                .ok_or("failed to parse invalidity date: asn1: syntax error")?;
            if !rest.is_empty() {
                return Err("invalid invalidity date extension: trailing data".into());
            }
            date = Some(
                der::generalized_time(&tlv)
                    .ok_or("failed to parse invalidity date: asn1: structure error")?,
            );
        } else if ext.critical {
            return Err(format!(
                "unsupported critical extension found in CRL: {oid}"
            ));
        }
    }
    Ok(date)
}
