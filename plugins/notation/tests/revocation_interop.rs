//! `ratify_notation::revocation` against the real upstream data in shared/interop
//! (PROVENANCE.md): NOT-10's CRLs for notation's e2e three-level chain, served from a local
//! HTTP server (the chain's fixed `localhost:10086` / `localhost.test` URLs are rewritten to
//! it), and NCG-03's delta-CRL extension samples. Without the data each test prints SKIP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod revocation_support;

use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ratify_notation::revocation::crl::distribution_point_urls;
use ratify_notation::revocation::{CertStatus, Checker, Method, Options};
use ratify_notation::x509::read_certificates;
use revocation_support::{Route, Server, interop_dir, redirect_all};
use sha2::{Digest, Sha256};
use x509_parser::prelude::FromDer;

const LEAF: &str = "CN=LeafCert,OU=OrgUnit,O=Organization,L=City,ST=State,C=US";
const INTERMEDIATE: &str = "CN=IntermediateCA,OU=OrgUnit,O=Organization,L=City,ST=State,C=US";
const LEAF_URL: &str = "http://localhost:10086/leaf.crl";

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(20)
}

/// NOT-10: the chain, and a server with `leaf`/`intermediate` CRL files from the data set.
fn not10(dir: &Path, leaf: &str, intermediate: &str) -> (Vec<Vec<u8>>, Server) {
    let crl = dir.join("notation/crl");
    let chain = read_certificates(&crl.join("certchain_with_crl.pem")).unwrap();
    assert_eq!(chain.len(), 3);
    let server = Server::start();
    server.route(
        "/leaf.crl",
        Route::Body(std::fs::read(crl.join(leaf)).unwrap()),
    );
    server.route(
        "/intermediate.crl",
        Route::Body(std::fs::read(crl.join(intermediate)).unwrap()),
    );
    (chain, server)
}

fn checker(server: &Server, cache_dir: Option<&Path>) -> Checker {
    Checker::new(Options {
        cache_dir: cache_dir.map(Path::to_path_buf),
        url_override: Some(redirect_all(server.base())),
        ..Options::default()
    })
}

#[test]
fn not10_unrevoked_chain_is_ok_and_cached() {
    let Some(dir) = interop_dir() else { return };
    let (chain, server) = not10(&dir, "leaf.crl", "intermediate.crl");
    let cache = tempfile::tempdir().unwrap();
    let checker = checker(&server, Some(cache.path()));

    let first = checker.check_chain(&chain, None, deadline());
    assert_eq!(first.status, CertStatus::Ok, "{:#?}", first);
    assert_eq!(first.message("signing"), None);
    // The intermediate names an OCSP responder (404 here), so OCSP falls back to its CRL.
    assert_eq!(first.certs[1].method, Method::OcspFallbackCrl);
    assert_eq!(first.certs[0].method, Method::Crl);
    assert_eq!(first.certs[2].status, CertStatus::NonRevocable);
    let fallback = "OCSP check failed with unknown error and fallback to CRL check for \
                    certificate #2 in chain with subject";
    assert!(first.details.iter().any(|d| d.starts_with(fallback)));
    assert!(
        first
            .details
            .iter()
            .any(|d| d.contains("CRL file cache miss"))
    );
    assert!(
        first
            .details
            .iter()
            .any(|d| d.contains("Storing crl bundle to file cache"))
    );
    assert_eq!(
        (server.count("/leaf.crl"), server.count("/intermediate.crl")),
        (1, 1)
    );

    // Second check: both CRLs come from the cache, named as notation-go names its files.
    let name = hex::encode(Sha256::digest(LEAF_URL));
    assert!(cache.path().join(name).is_file());
    let second = checker.check_chain(&chain, None, deadline());
    assert_eq!(second.status, CertStatus::Ok);
    assert_eq!(
        (server.count("/leaf.crl"), server.count("/intermediate.crl")),
        (1, 1)
    );
    assert!(!second.details.iter().any(|d| d.contains("cache miss")));
}

#[test]
fn not10_revoked_intermediate() {
    let Some(dir) = interop_dir() else { return };
    let (chain, server) = not10(&dir, "leaf.crl", "intermediate_revoked.crl");
    let result = checker(&server, None).check_chain(&chain, None, deadline());
    assert_eq!(result.status, CertStatus::Revoked);
    assert_eq!(result.revoked_subject.as_deref(), Some(INTERMEDIATE));
    assert_eq!(result.certs[0].status, CertStatus::Ok);
    assert_eq!(
        result.message("signing").unwrap(),
        format!("signing certificate with subject \"{INTERMEDIATE}\" is revoked")
    );
    // A revocation counts whatever the signing time (the entry has no invalidity date).
    let signed = time::OffsetDateTime::now_utc();
    let result = checker(&server, None).check_chain(&chain, Some(signed), deadline());
    assert_eq!(result.status, CertStatus::Revoked);
}

#[test]
fn not10_expired_crl_is_not_trusted() {
    let Some(dir) = interop_dir() else { return };
    let (chain, server) = not10(&dir, "leaf_expired.crl", "intermediate.crl");
    let result = checker(&server, None).check_chain(&chain, None, deadline());
    let CertStatus::Unknown(reason) = &result.status else {
        panic!("{result:#?}");
    };
    // Signed with the intermediate's old key, and past its nextUpdate: the signature is
    // checked first, as in notation-core-go.
    assert!(reason.contains("failed to validate CRL from http://localhost:10086/leaf.crl"));
    assert!(reason.contains("CRL is not signed by CA"), "{reason}");
    assert_eq!(result.subject.as_deref(), Some(LEAF));
    assert_eq!(
        result.message("signing").unwrap(),
        format!("signing certificate with subject \"{LEAF}\" revocation status is unknown")
    );
}

#[test]
fn not10_expired_cache_entry_is_refetched() {
    let Some(dir) = interop_dir() else { return };
    let (chain, server) = not10(&dir, "leaf.crl", "intermediate.crl");
    let cache = tempfile::tempdir().unwrap();
    // The e2e test's setup: notation's own fetcher cached leaf_expired.crl for the leaf URL.
    let expired = std::fs::read(dir.join("notation/crl/leaf_expired.crl")).unwrap();
    let entry = cache.path().join(hex::encode(Sha256::digest(LEAF_URL)));
    let json = serde_json::json!({ "baseCRL": STANDARD.encode(&expired) });
    std::fs::write(&entry, json.to_string()).unwrap();

    let result = checker(&server, Some(cache.path())).check_chain(&chain, None, deadline());
    assert_eq!(result.status, CertStatus::Ok, "{result:#?}");
    let expiry = "CRL bundle retrieved from file cache has expired at 2023-12-25";
    assert!(result.details.iter().any(|d| d.starts_with(expiry)));
    assert_eq!(server.count("/leaf.crl"), 1);
    // The roundtrip replaced the stale entry.
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&entry).unwrap()).unwrap();
    let leaf = std::fs::read(dir.join("notation/crl/leaf.crl")).unwrap();
    assert_eq!(stored["baseCRL"], STANDARD.encode(&leaf));
}

#[test]
fn not10_cache_trouble_does_not_fail_the_check() {
    let Some(dir) = interop_dir() else { return };
    let (chain, server) = not10(&dir, "leaf.crl", "intermediate.crl");
    // A cache directory that cannot be created (its parent is a file): writes fail.
    let scratch = tempfile::tempdir().unwrap();
    let file = scratch.path().join("file");
    std::fs::write(&file, b"not a directory").unwrap();
    let result = checker(&server, Some(&file.join("crl"))).check_chain(&chain, None, deadline());
    assert_eq!(result.status, CertStatus::Ok, "{result:#?}");
    assert!(
        result
            .details
            .iter()
            .any(|d| d.contains("failed to store crl bundle in file cache"))
    );

    // A corrupt entry is reported, then replaced by a fetched CRL.
    let cache = tempfile::tempdir().unwrap();
    let entry = cache.path().join(hex::encode(Sha256::digest(LEAF_URL)));
    std::fs::write(&entry, b"{not json").unwrap();
    let result = checker(&server, Some(cache.path())).check_chain(&chain, None, deadline());
    assert_eq!(result.status, CertStatus::Ok);
    assert!(
        result
            .details
            .iter()
            .any(|d| d.contains("failed to decode file"))
    );
    assert!(serde_json::from_slice::<serde_json::Value>(&std::fs::read(&entry).unwrap()).is_ok());
}

/// The Freshest CRL extension value of a PEM certificate from NCG-03.
fn freshest(dir: &Path, name: &str) -> Vec<u8> {
    let der = read_certificates(&dir.join("notation-core-go/crl-delta").join(name)).unwrap();
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(&der[0]).unwrap();
    let ext = cert
        .extensions()
        .iter()
        .find(|e| e.oid.to_id_string() == "2.5.29.46")
        .expect("freshestCRL extension");
    ext.value.to_vec()
}

#[test]
fn ncg03_freshest_crl_urls() {
    let Some(dir) = interop_dir() else { return };
    let urls = distribution_point_urls(&freshest(&dir, "certificateWithDeltaCRL.cer")).unwrap();
    assert_eq!(urls.len(), 1);
    assert!(urls[0].starts_with("http://localhost:80"), "{urls:?}");
    let urls = distribution_point_urls(&freshest(&dir, "certificateWith2DeltaCRL.cer")).unwrap();
    assert_eq!(urls.len(), 2);
    for (name, expected) in [
        ("certificateWithZeroDeltaCRLURL.cer", 0),
        ("certificateWithNonURIDeltaCRL.cer", 0),
        ("certificateWithIncompleteFreshestCRL2.cer", 0),
    ] {
        let urls = distribution_point_urls(&freshest(&dir, name)).unwrap();
        assert_eq!(urls.len(), expected, "{name}");
    }
    let incomplete = freshest(&dir, "certificateWithIncompleteFreshestCRL.cer");
    assert_eq!(
        distribution_point_urls(&incomplete).unwrap_err(),
        "x509: invalid CRL distribution point"
    );
    assert!(distribution_point_urls(&[]).is_err());
}

#[test]
fn ncg03_base_crl_with_garbage_delta() {
    let Some(dir) = interop_dir() else { return };
    let delta_dir = dir.join("notation-core-go/crl-delta");
    let server = Server::start();
    let base = std::fs::read(delta_dir.join("crlWithMultipleFreshestCRLs.crl")).unwrap();
    server.route("/base.crl", Route::Body(base));
    // The base's two delta URLs share this path (with different queries).
    server.route(
        "/ejbca/publicweb/webdist/certdist",
        Route::Body(b"invalid crl".to_vec()),
    );
    let checker = checker(&server, None);
    let error = checker
        .fetch_crl("http://localhost:80/base.crl", deadline())
        .unwrap_err();
    assert_eq!(error, "failed to retrieve CRL: x509: malformed crl");
    assert_eq!(server.count("cmd=deltacrl&issuer=UID%3Dc-0nwwozqvawvao3ech%2CCN%3DManagementCA%2CO%3DEJBCA+Container+Quickstart"), 2);

    // With a real delta CRL behind the URL, the bundle carries it.
    let delta = std::fs::read(delta_dir.join("delta.crl")).unwrap();
    server.route(
        "/ejbca/publicweb/webdist/certdist",
        Route::Body(delta.clone()),
    );
    let bundle = checker
        .fetch_crl("http://localhost:80/base.crl", deadline())
        .unwrap();
    assert_eq!(bundle.delta, Some(delta));
    // notation fetches only http URLs.
    let error = checker
        .fetch_crl("https://localhost/base.crl", deadline())
        .unwrap_err();
    assert!(error.contains("unsupported scheme: https"), "{error}");
}
