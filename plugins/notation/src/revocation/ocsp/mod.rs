//! OCSP checking as notation-core-go does it (`revocation/internal/ocsp`, on top of
//! `golang.org/x/crypto/ocsp`): a nonce-less request with a SHA-1 CertID (what every public CA
//! answers), sent by GET when its encoding is short and by POST otherwise, to each AIA OCSP URL
//! in turn until one gives a status; the response must be signed by the issuer or by a
//! responder certificate the issuer signed, and not be past its nextUpdate.

use ring::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use x509_parser::certificate::X509Certificate;

use super::http::{self, FetchError, Request};
use super::{CertResult, CertStatus, Ctx, Issuer, Method, ServerResult};
use crate::der;

mod response;

use response::{Status, parse_response};

const OID_SHA1: [u8; 5] = [0x2b, 0x0e, 0x03, 0x02, 0x1a];
/// notation-core-go's `UnknownStatusError`: a valid response saying "unknown".
const UNKNOWN_STATUS: &str = "certificate has unknown status via OCSP";

/// `ocsp.CertCheckStatus`: the first server that gives a status (good, revoked or unknown)
/// decides; otherwise every server's error is kept and the result is the last one's.
pub(crate) fn check(
    ctx: &Ctx<'_>,
    cert: &X509Certificate<'_>,
    issuer: &Issuer<'_>,
    urls: &[String],
) -> CertResult {
    let mut servers = Vec::new();
    for url in urls {
        let status = match check_server(ctx, cert, issuer, url) {
            Ok(status) => status,
            Err(e) => CertStatus::Unknown(e),
        };
        let definitive = match &status {
            CertStatus::Unknown(e) => e == UNKNOWN_STATUS,
            _ => true,
        };
        let server = ServerResult::new(url, Method::Ocsp, status.clone());
        if definitive {
            return CertResult::new(status, Method::Ocsp, vec![server]);
        }
        servers.push(server);
    }
    let status = servers
        .last()
        .map_or(CertStatus::NonRevocable, |s| s.status.clone());
    CertResult::new(status, Method::Ocsp, servers)
}

fn generic(e: impl std::fmt::Display) -> String {
    format!("error checking revocation status via OCSP: {e}")
}

/// `checkStatusFromServer`.
fn check_server(
    ctx: &Ctx<'_>,
    cert: &X509Certificate<'_>,
    issuer: &Issuer<'_>,
    url: &str,
) -> Result<CertStatus, String> {
    let scheme = http::scheme(url).unwrap_or_default();
    if scheme != "http" {
        return Err(generic(format!(
            "OCSPServer protocol {scheme} is not supported"
        )));
    }
    let request = build_request(cert, &issuer.cert)?;
    let body = send(ctx, url, &request)?;
    let response = parse_response(&body, cert, issuer)?;
    // A response without nextUpdate is expired for notation (Go's zero time is in the past).
    if response.next_update.is_none_or(|next| ctx.now > next) {
        return Err(generic("expired OCSP response"));
    }
    if let (Some(signed), Some(invalid), Status::Revoked) =
        (ctx.signing_time, response.invalidity_date, &response.status)
        && signed < invalid
    {
        return Ok(CertStatus::Ok);
    }
    Ok(match response.status {
        Status::Good => CertStatus::Ok,
        Status::Revoked => CertStatus::Revoked,
        Status::Unknown => CertStatus::Unknown(UNKNOWN_STATUS.into()),
    })
}

/// `ocsp.CreateRequest` with SHA-1: `OCSPRequest { TBSRequest { requestList { Request {
/// CertID } } } }`, no extensions, no nonce.
fn build_request(
    cert: &X509Certificate<'_>,
    issuer: &X509Certificate<'_>,
) -> Result<Vec<u8>, String> {
    let sha1 = |data: &[u8]| digest(&SHA1_FOR_LEGACY_USE_ONLY, data).as_ref().to_vec();
    let name_hash = sha1(issuer.subject().as_raw());
    let key_hash = sha1(&issuer.public_key().subject_public_key.data);
    let algorithm = der::sequence(&[
        &der::encode(der::TAG_OID, &OID_SHA1),
        &der::encode(der::TAG_NULL, &[]),
    ]);
    let cert_id = der::sequence(&[
        &algorithm,
        &der::encode(der::TAG_OCTET_STRING, &name_hash),
        &der::encode(der::TAG_OCTET_STRING, &key_hash),
        &der::encode(der::TAG_INTEGER, cert.tbs_certificate.raw_serial()),
    ]);
    let request = der::sequence(&[&cert_id]);
    let request_list = der::sequence(&[&request]);
    let tbs_request = der::sequence(&[&request_list]);
    Ok(der::sequence(&[&tbs_request]))
}

/// GET `<server>/<url-escaped base64>` when that stays under 255 characters (RFC 6960 A.1,
/// as notation decides), else POST.
fn send(ctx: &Ctx<'_>, url: &str, request: &[u8]) -> Result<Vec<u8>, String> {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(request);
    let escaped = encoded
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let options = ctx.options;
    let fetch = |target: &str, request| {
        http::fetch(
            ctx.agent,
            options,
            target,
            request,
            options.ocsp_timeout,
            options.ocsp_max_bytes,
            ctx.deadline,
        )
    };
    let result = if encoded.len() < 255 && escaped.len() < 255 {
        fetch(
            &format!("{}/{escaped}", url.trim_end_matches('/')),
            Request::Get,
        )
    } else {
        fetch(url, Request::Post(request, "application/ocsp-request"))
    };
    result.map_err(|e| match e {
        FetchError::Timeout(t) => format!(
            "exceeded timeout threshold of {:.2} seconds for OCSP check",
            t.as_secs_f64()
        ),
        FetchError::Status(code) => {
            format!("failed to retrieve OCSP: response had status code {code}")
        }
        other => generic(other.describe("OCSP", url)),
    })
}
