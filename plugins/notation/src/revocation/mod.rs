//! Certificate revocation checking with OCSP and CRLs, as notation does it (notation-core-go
//! `revocation`, notation-go `verifier/crl` and `revocationFinalResult`).
//!
//! [`Checker::check_chain`] takes a chain already validated by the caller (leaf first, root
//! last) and checks every certificate but the root against the next one, its issuer, all
//! certificates at once: OCSP first when the certificate names a responder, falling back to its
//! CRL distribution points when OCSP cannot give a status; CRLs alone otherwise; a certificate
//! with neither is non-revocable, as is the root. The chain's status is then notation's final
//! result (any revoked → revoked; all OK → OK; else unknown).
//!
//! - [`crl`]: CRL fetching (delta CRLs included), validation and lookup;
//! - `ocsp`: OCSP requests and responses;
//! - `cache`: the CRL file cache, in notation-go's format;
//! - `http`: fetches bounded by a timeout, the check's deadline and a size cap.

mod cache;
pub mod crl;
mod http;
mod ocsp;
mod result;
mod sig;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::OID_PKIX_ACCESS_DESCRIPTOR_OCSP;
use x509_parser::prelude::FromDer;

pub use result::{CertResult, CertStatus, ChainResult, Method, ServerResult};

const OID_CRL_DISTRIBUTION_POINTS: &str = "2.5.29.31";

/// A URL rewrite applied just before each request (see [`Options::url_override`]).
pub type UrlRewrite = Box<dyn Fn(&str) -> String + Send + Sync>;

/// How a [`Checker`] fetches.
pub struct Options {
    /// Per CRL fetch (notation: 5 s).
    pub timeout: Duration,
    /// Per OCSP request (notation: 2 s).
    pub ocsp_timeout: Duration,
    /// CRL size cap; a CRL of this size or more is refused (notation: 32 MiB).
    pub max_bytes: u64,
    /// OCSP response size cap (notation reads at most 20 KiB).
    pub ocsp_max_bytes: u64,
    /// Where CRLs are cached between checks; `None` for no cache.
    pub cache_dir: Option<PathBuf>,
    /// Test plumbing: rewrites each URL just before it is requested (cache keys, reports and
    /// scheme checks keep the certificate's URL). Certificates with fixed URLs such as
    /// `http://localhost:10086/leaf.crl` can so be served from a test server's own port.
    /// Leave `None` in production.
    pub url_override: Option<UrlRewrite>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout: Duration::from_secs(5),
            ocsp_timeout: Duration::from_secs(2),
            max_bytes: 32 * 1024 * 1024,
            ocsp_max_bytes: 20 * 1024,
            cache_dir: None,
            url_override: None,
        }
    }
}

/// Checks certificate chains for revocation. Holds the HTTP agent (and its connection pool),
/// so one checker should serve many checks.
pub struct Checker {
    agent: ureq::Agent,
    options: Options,
}

/// What one check's workers share.
pub(crate) struct Ctx<'a> {
    pub agent: &'a ureq::Agent,
    pub options: &'a Options,
    pub cache: Option<cache::FileCache>,
    pub deadline: Instant,
    pub now: OffsetDateTime,
    /// The authentic signing time (signingAuthority scheme only).
    pub signing_time: Option<OffsetDateTime>,
}

/// An issuing certificate.
pub(crate) struct Issuer<'a> {
    pub cert: X509Certificate<'a>,
    pub der: &'a [u8],
    /// As Go prints it (`pkix.Name.String()`).
    pub subject: String,
}

impl Checker {
    /// A checker with `options`.
    pub fn new(options: Options) -> Self {
        Checker {
            agent: http::agent(),
            options,
        }
    }

    /// Checks `chain` (leaf-first DER, validated by the caller): every certificate against the
    /// next one. `signing_time` is the authentic signing time, to pass only for
    /// `notary.x509.signingAuthority` signatures: a revocation whose invalidity date is after it
    /// then does not count. The whole check ends by `deadline`: fetches are cut short there and
    /// whatever is unfinished is unknown. An empty or unparsable chain is unknown with
    /// notation-core-go's `InvalidChainError` text and no per-certificate results (notation
    /// reports that case as "unable to check revocation status, err: ...").
    pub fn check_chain(
        &self,
        chain: &[Vec<u8>],
        signing_time: Option<OffsetDateTime>,
        deadline: Instant,
    ) -> ChainResult {
        let parsed: Result<Vec<_>, String> = chain
            .iter()
            .map(|der| match X509Certificate::from_der(der) {
                Ok(([], cert)) => Ok(cert),
                _ => Err("x509: malformed certificate".to_string()),
            })
            .collect();
        let invalid = |e: String| {
            let status = CertStatus::Unknown(format!(
                "invalid chain: expected chain to be correct and complete: {e}"
            ));
            ChainResult {
                status,
                revoked_subject: None,
                subject: None,
                certs: Vec::new(),
                details: Vec::new(),
            }
        };
        let certs = match parsed {
            Ok(certs) if certs.is_empty() => {
                return invalid("chain does not contain any certificates".into());
            }
            Ok(certs) => certs,
            Err(e) => return invalid(e),
        };
        let subjects: Vec<String> = chain
            .iter()
            .zip(&certs)
            .map(|(der, cert)| go_subject(der, cert))
            .collect();
        let ctx = Ctx {
            agent: &self.agent,
            options: &self.options,
            cache: self.options.cache_dir.as_deref().map(cache::FileCache::new),
            deadline,
            now: OffsetDateTime::now_utc(),
            signing_time,
        };
        let last = certs.len() - 1;
        let check = |i: usize| {
            let issuer = Issuer {
                cert: certs[i + 1].clone(),
                der: &chain[i + 1],
                subject: subjects[i + 1].clone(),
            };
            let mut log = Vec::new();
            let result = check_cert(&ctx, &certs[i], &issuer, &mut log);
            (result, log)
        };
        // notation checks the certificates concurrently; so does this, so that a slow server
        // for one certificate does not eat the others' time before the deadline. With at most
        // one certificate to ask a server about there is nothing to overlap, and threads
        // would cost more than the check itself.
        let networked = certs[..last]
            .iter()
            .filter(|cert| has_revocation_endpoint(cert))
            .count();
        let outcomes: Vec<(CertResult, Vec<String>)> = if networked <= 1 {
            (0..last).map(check).collect()
        } else {
            std::thread::scope(|scope| {
                let workers: Vec<_> = (0..last)
                    .map(|i| {
                        let check = &check;
                        scope.spawn(move || check(i))
                    })
                    .collect();
                workers
                    .into_iter()
                    .map(|worker| {
                        worker.join().unwrap_or_else(|_| {
                            let status = CertStatus::Unknown("revocation check panicked".into());
                            (
                                CertResult::new(status, Method::None, Vec::new()),
                                Vec::new(),
                            )
                        })
                    })
                    .collect()
            })
        };
        let mut results = Vec::with_capacity(certs.len());
        let mut details = Vec::new();
        for (result, log) in outcomes {
            results.push(result);
            details.extend(log);
        }
        // The root is never checked: nothing above it could revoke it.
        results.push(CertResult::non_revocable());
        result::final_result(results, &subjects, details)
    }

    /// Fetches the CRL bundle at `url` as a check would (cache first when configured, then
    /// the network, delta CRL included), without validating it. Errors are notation's
    /// `HTTPFetcher.Fetch` errors.
    pub fn fetch_crl(&self, url: &str, deadline: Instant) -> Result<crl::Bundle, String> {
        let ctx = Ctx {
            agent: &self.agent,
            options: &self.options,
            cache: self.options.cache_dir.as_deref().map(cache::FileCache::new),
            deadline,
            now: OffsetDateTime::now_utc(),
            signing_time: None,
        };
        crl::fetch(&ctx, url, true, &mut Vec::new())
    }
}

/// One certificate (revocation.go's `ValidateContext` loop body).
fn check_cert(
    ctx: &Ctx<'_>,
    cert: &X509Certificate<'_>,
    issuer: &Issuer<'_>,
    log: &mut Vec<String>,
) -> CertResult {
    let ocsp_urls = ocsp_urls(cert);
    let crl_urls = match crl_urls(cert) {
        Ok(urls) => urls,
        Err(e) => {
            return CertResult::new(CertStatus::Unknown(e), Method::Crl, Vec::new());
        }
    };
    if !ocsp_urls.is_empty() {
        let ocsp = ocsp::check(ctx, cert, issuer, &ocsp_urls);
        if !matches!(ocsp.status, CertStatus::Unknown(_)) || crl_urls.is_empty() {
            return ocsp;
        }
        let mut crl = crl::check(ctx, cert, issuer, &crl_urls, log);
        let mut servers = ocsp.servers;
        servers.append(&mut crl.servers);
        return CertResult::new(crl.status, Method::OcspFallbackCrl, servers);
    }
    if !crl_urls.is_empty() {
        return crl::check(ctx, cert, issuer, &crl_urls, log);
    }
    CertResult::non_revocable()
}

/// Whether checking `cert` may involve a server (an OCSP responder or a CRL distribution
/// point; a malformed distribution point counts, its check fails without the network).
fn has_revocation_endpoint(cert: &X509Certificate<'_>) -> bool {
    !ocsp_urls(cert).is_empty() || crl_urls(cert).map_or(true, |urls| !urls.is_empty())
}

/// Go's `cert.OCSPServer`: URIs of the AIA entries whose method is OCSP.
fn ocsp_urls(cert: &X509Certificate<'_>) -> Vec<String> {
    let mut urls = Vec::new();
    for ext in cert.extensions() {
        if let ParsedExtension::AuthorityInfoAccess(aia) = ext.parsed_extension() {
            for desc in &aia.accessdescs {
                if let (true, GeneralName::URI(uri)) = (
                    desc.access_method == OID_PKIX_ACCESS_DESCRIPTOR_OCSP,
                    &desc.access_location,
                ) {
                    urls.push(uri.to_string());
                }
            }
        }
    }
    urls
}

/// Go's `cert.CRLDistributionPoints`.
fn crl_urls(cert: &X509Certificate<'_>) -> Result<Vec<String>, String> {
    match crl::find_extension(cert.extensions(), OID_CRL_DISTRIBUTION_POINTS) {
        Some(ext) => crl::distribution_point_urls(ext.value),
        None => Ok(Vec::new()),
    }
}

/// The subject as notation prints it, from the crate's Go-compatible formatter when it can
/// read the certificate.
fn go_subject(der: &[u8], cert: &X509Certificate<'_>) -> String {
    crate::x509::describe(der)
        .map(|info| info.subject)
        .unwrap_or_else(|_| cert.subject().to_string())
}

/// Go's `time.Time.String()` for a UTC time, e.g. `2023-12-25 08:15:42 +0000 UTC`.
pub(crate) fn go_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} +0000 UTC",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Go's `%q` for the strings quoted here (subjects, URLs).
pub(crate) fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
