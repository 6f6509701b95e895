//! `ratify_notation::revocation` against a real CA and OCSP responder made at test time with
//! openssl (see `revocation_support::pki`): `openssl ca` issues a code-signing leaf whose CRL
//! distribution point is this test's HTTP server and whose AIA names an `openssl ocsp`
//! responder on a local port; CRLs come from `openssl ca -gencrl` before and after
//! `openssl ca -revoke`. Without openssl each test prints SKIP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod revocation_support;

use std::time::{Duration, Instant};

use ratify_notation::revocation::{CertStatus, Checker, Method, Options};
use ratify_notation::x509::read_certificates;
use revocation_support::pki::{Pki, generalized, have_openssl};
use revocation_support::{Route, Server};
use time::OffsetDateTime;

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(20)
}

#[test]
fn ocsp_first_then_crl_fallback() {
    if !have_openssl() {
        return;
    }
    let server = Server::start();
    let pki = Pki::new(&format!("{}/ca.crl", server.base()));
    server.route("/ca.crl", Route::Body(pki.crl()));
    let checker = Checker::new(Options::default());
    let check = |signing_time| checker.check_chain(&pki.chain, signing_time, deadline());

    // Good at the responder: OCSP decides, the CRL is not fetched.
    let responder = pki.responder(true);
    let result = check(None);
    assert_eq!(result.status, CertStatus::Ok, "{result:#?}");
    assert_eq!(result.certs[0].method, Method::Ocsp, "{result:#?}");
    assert_eq!(server.count("/ca.crl"), 0);

    // A response without nextUpdate is expired for notation: CRL fallback.
    drop(responder);
    let responder = pki.responder(false);
    let result = check(None);
    assert_eq!(result.certs[0].method, Method::OcspFallbackCrl);
    let CertStatus::Unknown(ocsp_error) = &result.certs[0].servers[0].status else {
        panic!("{result:#?}");
    };
    assert!(ocsp_error.contains("expired OCSP response"), "{ocsp_error}");
    assert_eq!(result.status, CertStatus::Ok);
    drop(responder);

    // Responder down: fallback to the CRL, which lists nothing.
    let result = check(None);
    assert_eq!(result.status, CertStatus::Ok, "{result:#?}");
    assert_eq!(result.certs[0].method, Method::OcspFallbackCrl);
    assert!(result.details.iter().any(|d| d.starts_with(
        "OCSP check failed with unknown error and fallback to CRL check for certificate #1"
    )));
    assert_eq!(server.count("/ca.crl"), 2);

    // Revoked, key compromised an hour ago.
    let now = OffsetDateTime::now_utc();
    pki.revoke(Some(&generalized(now - time::Duration::hours(1))));
    server.route("/ca.crl", Route::Body(pki.crl()));
    let leaf = "CN=Revocation-Test-Leaf";
    for ocsp_up in [true, false] {
        let _responder = ocsp_up.then(|| pki.responder(true));
        let method = if ocsp_up {
            Method::Ocsp
        } else {
            Method::OcspFallbackCrl
        };
        let result = check(None);
        assert_eq!(result.status, CertStatus::Revoked, "{result:#?}");
        assert_eq!(result.certs[0].method, method);
        assert_eq!(result.revoked_subject.as_deref(), Some(leaf));
        assert_eq!(
            result.message("signing").unwrap(),
            format!("signing certificate with subject \"{leaf}\" is revoked")
        );
        // signingAuthority: signed before the compromise, the signature stands.
        let result = check(Some(now - time::Duration::hours(2)));
        assert_eq!(
            result.status,
            CertStatus::Ok,
            "ocsp up: {ocsp_up}: {result:#?}"
        );
        assert_eq!(result.certs[0].method, method);
        // Signed after it, it does not.
        assert_eq!(check(Some(now)).status, CertStatus::Revoked);
    }

    // Both down: unknown, naming the leaf.
    drop(server);
    let result = check(None);
    assert!(
        matches!(result.status, CertStatus::Unknown(_)),
        "{result:#?}"
    );
    assert_eq!(
        result.message("signing").unwrap(),
        format!("signing certificate with subject \"{leaf}\" revocation status is unknown")
    );
}

#[test]
fn deadlines_timeouts_and_size_caps() {
    if !have_openssl() {
        return;
    }
    let server = Server::start();
    let pki = Pki::new(&format!("{}/ca.crl", server.base()));
    let crl = pki.crl();

    // A CRL server that never answers (responder down): unknown once the deadline passes.
    server.route("/ca.crl", Route::Stall);
    let checker = Checker::new(Options::default());
    let budget = Duration::from_millis(1500);
    let start = Instant::now();
    let result = checker.check_chain(&pki.chain, None, start + budget);
    let elapsed = start.elapsed();
    assert!(
        matches!(result.status, CertStatus::Unknown(_)),
        "{result:#?}"
    );
    assert!(
        elapsed < budget + Duration::from_millis(700),
        "took {elapsed:?}"
    );
    assert!(
        elapsed >= budget - Duration::from_millis(100),
        "took {elapsed:?}"
    );
    let CertStatus::Unknown(reason) = &result.certs[0].status else {
        unreachable!()
    };
    assert!(reason.contains("deadline exceeded"), "{reason}");

    // A stalled OCSP responder costs only its own timeout; the CRL then answers.
    server.route("/ca.crl", Route::Body(crl.clone()));
    server.route("/stalled-ocsp/*", Route::Stall);
    let ocsp_port = pki.ocsp_port;
    let stall_base = server.base();
    let checker = Checker::new(Options {
        ocsp_timeout: Duration::from_millis(300),
        url_override: Some(Box::new(move |url: &str| {
            let ocsp = format!("http://127.0.0.1:{ocsp_port}");
            match url.strip_prefix(&ocsp) {
                Some(rest) => format!("{stall_base}/stalled-ocsp{rest}"),
                None => url.to_string(),
            }
        })),
        ..Options::default()
    });
    let start = Instant::now();
    let result = checker.check_chain(&pki.chain, None, start + Duration::from_secs(10));
    assert_eq!(result.status, CertStatus::Ok, "{result:#?}");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "took {:?}",
        start.elapsed()
    );
    let CertStatus::Unknown(ocsp_error) = &result.certs[0].servers[0].status else {
        panic!("{result:#?}");
    };
    assert_eq!(
        ocsp_error,
        "exceeded timeout threshold of 0.30 seconds for OCSP check"
    );

    // Oversized CRLs, announced or not: unknown, with notation's size message.
    let small = Checker::new(Options {
        max_bytes: 1024,
        ..Options::default()
    });
    for route in [
        Route::Body(vec![0x30; 4096]),
        Route::Unsized(vec![0x30; 4096]),
    ] {
        server.route("/ca.crl", route);
        let result = small.check_chain(&pki.chain, None, deadline());
        let CertStatus::Unknown(reason) = &result.status else {
            panic!("{result:#?}");
        };
        assert!(
            reason.ends_with("CRL size exceeds the limit: 1024"),
            "{reason}"
        );
    }
    // The real CRL fits under the cap of a default checker.
    server.route("/ca.crl", Route::Body(crl));
    assert_eq!(
        Checker::new(Options::default())
            .check_chain(&pki.chain, None, deadline())
            .status,
        CertStatus::Ok
    );
}

#[test]
fn ocsp_responder_must_be_the_issuer_or_authorised() {
    if !have_openssl() {
        return;
    }
    let server = Server::start();
    let pki = Pki::new(&format!("{}/ca.crl", server.base()));
    pki.issue("plain", "/CN=Not-An-OCSP-Responder", "plain_ext");
    pki.run(
        "req -x509 -newkey rsa:2048 -nodes -keyout stranger.key -out stranger.crt -days 1 \
         -subj /CN=Stranger",
    );
    server.route("/ca.crl", Route::Body(pki.crl()));
    let checker = Checker::new(Options::default());
    let check = || checker.check_chain(&pki.chain, None, deadline());

    // The CA answering for itself (its own certificate embedded) is fine.
    let responder = pki.responder_signing_with("ca", true);
    let result = check();
    assert_eq!(
        (result.status.clone(), result.certs[0].method),
        (CertStatus::Ok, Method::Ocsp),
        "{result:#?}"
    );
    drop(responder);

    // A certificate of the CA without the OCSPSigning EKU, or one from elsewhere, is not
    // believed: OCSP is unknown and the CRL decides.
    for (signer, error) in [
        ("plain", "is not authorized for OCSP signing"),
        ("stranger", "bad OCSP signature: "),
    ] {
        let _responder = pki.responder_signing_with(signer, true);
        let result = check();
        assert_eq!(result.status, CertStatus::Ok, "{result:#?}");
        assert_eq!(result.certs[0].method, Method::OcspFallbackCrl);
        let CertStatus::Unknown(reason) = &result.certs[0].servers[0].status else {
            panic!("{result:#?}");
        };
        assert!(reason.contains(error), "{signer}: {reason}");
    }

    // certificateHold counts as revoked on the CRL.
    pki.run("ca -config ca.cnf -revoke leaf.crt -crl_hold holdInstructionReject");
    server.route("/ca.crl", Route::Body(pki.crl()));
    let result = check();
    assert_eq!(result.status, CertStatus::Revoked, "{result:#?}");
    assert_eq!(result.certs[0].method, Method::OcspFallbackCrl);
}

/// Rewrites the leaf's revocation in index.txt to removeFromCRL, a minute after the hold.
fn remove_from_crl(pki: &Pki) {
    let later = OffsetDateTime::now_utc() + time::Duration::minutes(1);
    let utc = &generalized(later)[2..];
    let index = std::fs::read_to_string(pki.path("index.txt")).unwrap();
    let index: Vec<String> = index
        .lines()
        .map(|line| {
            let mut fields: Vec<&str> = line.split('\t').collect();
            let revinfo = format!("{utc},removeFromCRL");
            if fields[0] == "R" && fields[5].contains("Leaf") {
                fields[2] = &revinfo;
                return fields.join("\t");
            }
            line.to_string()
        })
        .collect();
    std::fs::write(pki.path("index.txt"), index.join("\n") + "\n").unwrap();
}

#[test]
fn delta_crls() {
    if !have_openssl() {
        return;
    }
    let server = Server::start();
    let pki = Pki::new(&format!("{}/ca.crl", server.base()));
    pki.issue("leaf2", "/CN=Revocation-Test-Leaf-2", "leaf_delta_ext");
    let mut chain2 = read_certificates(&pki.path("leaf2.crt")).unwrap();
    chain2.push(pki.chain[1].clone());
    let checker = Checker::new(Options::default());
    let check = |chain: &[Vec<u8>]| checker.check_chain(chain, None, deadline());
    let unknown = |chain: &[Vec<u8>]| match check(chain).status {
        CertStatus::Unknown(reason) => reason,
        other => panic!("{other:?}"),
    };

    // Base #1 (clean, naming the delta), then the leaf put on hold, delta #2 listing it.
    let base1 = pki.crl_with("base_crl_ext");
    pki.run("ca -config ca.cnf -revoke leaf.crt -crl_hold holdInstructionReject");
    let delta2 = pki.crl_with("delta_crl_ext");
    server.route("/ca.crl", Route::Body(base1));
    server.route("/delta.crl", Route::Body(delta2.clone()));
    let result = check(&pki.chain);
    assert_eq!(result.status, CertStatus::Revoked, "{result:#?}");
    assert_eq!(server.count("/delta.crl"), 1);

    // Base #3 carries the hold; delta #4 lifts it (removeFromCRL, later): the latest wins.
    let base3 = pki.crl_with("base_crl_ext");
    remove_from_crl(&pki);
    let delta4 = pki.crl_with("delta_crl_ext");
    server.route("/ca.crl", Route::Body(base3.clone()));
    server.route("/delta.crl", Route::Body(delta4));
    assert_eq!(check(&pki.chain).status, CertStatus::Ok);
    // The delta named by the base cannot be fetched: unknown, not the base alone.
    server.route("/delta.crl", Route::Status(404));
    let reason = unknown(&pki.chain);
    assert!(
        reason.ends_with("failed to download with status code: 404"),
        "{reason}"
    );
    // A delta older than its base is refused.
    server.route("/delta.crl", Route::Body(delta2));
    let reason = unknown(&pki.chain);
    assert!(
        reason.ends_with("delta CRL number 2 is not greater than the base CRL number 3"),
        "{reason}"
    );

    // A delta named only by the certificate is not supported (notation-core-go).
    server.route("/ca.crl", Route::Body(pki.crl()));
    let reason = unknown(&chain2);
    assert!(
        reason.ends_with("freshest CRL from certificate extension is not supported"),
        "{reason}"
    );
    server.route("/ca.crl", Route::Body(base3));
    server.route("/delta.crl", Route::Status(404));
    assert!(unknown(&chain2).contains("status code: 404"));
}
