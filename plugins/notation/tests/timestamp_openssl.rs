//! `ratify_notation::timestamp` on tokens made at test time by `openssl ts` (a TSA CA and a
//! TSA certificate with the critical timeStamping usage in a temporary directory; a query
//! over the "signature" bytes; the reply's token): the valid token verifies, a different
//! message, an untrusted root, a TSA certificate breaking the Notary Project chain rules fail,
//! and a BER-encoded token is accepted as tspclient-go accepts it. Without openssl the tests
//! print SKIP and pass.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod x509_support;

use std::time::Duration;

use ratify_notation::timestamp::{parse_tst_info, verify_countersignature};
use ratify_notation::x509::describe;
use time::OffsetDateTime;
use x509_support::{CA, Pki, SHA256, TSA};

const SIGNATURE: &[u8] = b"the envelope's signature bytes";

/// A root CA and a TSA certificate (`key`: `rsa:<bits>` or a curve) with extensions `ext`.
fn tsa(key: &str, ext: &str) -> Option<(Pki, Vec<u8>, Vec<u8>)> {
    let pki = Pki::new()?;
    let root = pki.root("root", "rsa:2048", CA, SHA256);
    let tsa = pki.issue("tsa", key, "root", ext, 30, SHA256);
    Some((pki, root, tsa))
}

/// `openssl ts -query` over `data` with `digest`, `openssl ts -reply`, then the token alone.
fn stamp(pki: &Pki, data: &[u8], digest: &str) -> Vec<u8> {
    let dir = pki.path();
    std::fs::write(dir.join("data.bin"), data).unwrap();
    std::fs::write(dir.join("tsaserial"), "01\n").unwrap();
    std::fs::write(
        dir.join("tsa.cnf"),
        "[tsa]\ndefault_tsa = tsa1\n[tsa1]\nserial = ./tsaserial\ncrypto_device = builtin\n\
         signer_cert = ./tsa.pem\ncerts = ./root.pem\nsigner_key = ./tsa.key\n\
         signer_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256, sha384, sha512\n\
         accuracy = secs:1, millisecs:500\ness_cert_id_alg = sha256\n",
    )
    .unwrap();
    let digest = format!("-{digest}");
    pki.run(&[
        "ts", "-query", "-data", "data.bin", &digest, "-cert", "-out", "req.tsq",
    ]);
    pki.run(&[
        "ts",
        "-reply",
        "-config",
        "tsa.cnf",
        "-queryfile",
        "req.tsq",
        "-out",
        "resp.tsr",
    ]);
    pki.run(&[
        "ts",
        "-reply",
        "-in",
        "resp.tsr",
        "-token_out",
        "-out",
        "token.der",
    ]);
    std::fs::read(dir.join("token.der")).unwrap()
}

fn err(token: &[u8], signature: &[u8], roots: &[Vec<u8>]) -> String {
    verify_countersignature(token, signature, roots)
        .unwrap_err()
        .message
}

#[test]
fn valid_tokens_verify() {
    for (key, digest) in [
        ("rsa:2048", "sha256"),
        ("P-256", "sha384"),
        ("rsa:3072", "sha512"),
    ] {
        let Some((pki, root, tsa)) = tsa(key, TSA) else {
            return;
        };
        let before = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        let token = stamp(&pki, SIGNATURE, digest);
        let ts = verify_countersignature(&token, SIGNATURE, std::slice::from_ref(&root))
            .unwrap_or_else(|e| panic!("{key}/{digest}: {e}"));
        let after = OffsetDateTime::now_utc();
        assert!(before <= ts.gen_time && ts.gen_time <= after, "{key}");
        assert_eq!(ts.accuracy, Duration::from_millis(1500));
        assert_eq!(ts.tsa_chain, vec![tsa, root.clone()]);
        assert_eq!(describe(&ts.tsa_chain[0]).unwrap().subject, "CN=tsa");
        assert_eq!(parse_tst_info(&token).unwrap(), (ts.gen_time, ts.accuracy));
        // The signing chain is checked against the whole range: a certificate valid from
        // now on does not cover a signature stamped a moment ago.
        assert!(ts.bounded_after(before - time::Duration::seconds(2)));
        assert!(!ts.bounded_after(after + time::Duration::SECOND));
    }
}

#[test]
fn wrong_data_imprint_fails() {
    let Some((pki, root, _)) = tsa("rsa:2048", TSA) else {
        return;
    };
    let token = stamp(&pki, b"some other signature", "sha256");
    assert_eq!(
        err(&token, SIGNATURE, &[root]),
        "failed to get timestamp from timestamp countersignature with error: invalid TSTInfo: mismatched message"
    );
}

#[test]
fn untrusted_root_fails() {
    let Some((pki, root, _)) = tsa("rsa:2048", TSA) else {
        return;
    };
    let token = stamp(&pki, SIGNATURE, "sha256");
    let other = pki.root("other", "rsa:2048", CA, SHA256);
    assert_eq!(
        err(&token, SIGNATURE, &[other]),
        "failed to verify the timestamp countersignature with error: failed to verify signed token: cms verification failure: x509: certificate signed by unknown authority"
    );
    // The TSA certificate itself is no trust anchor either (the store holds roots).
    let tsa_cert = pki.der("tsa");
    assert!(err(&token, SIGNATURE, &[tsa_cert]).contains("unknown authority"));
    assert!(verify_countersignature(&token, SIGNATURE, &[root]).is_ok());
}

#[test]
fn tsa_certificate_breaking_the_chain_rules_fails() {
    // openssl signs with any certificate whose extended key usage is the critical
    // timeStamping alone; the Notary Project rules also want a key usage extension.
    let Some((pki, root, _)) = tsa("rsa:2048", "extendedKeyUsage=critical,timeStamping") else {
        return;
    };
    let token = stamp(&pki, SIGNATURE, "sha256");
    assert_eq!(
        err(&token, SIGNATURE, &[root]),
        "failed to validate the timestamping certificate chain with error: certificate with subject \"CN=tsa\": key usage extension must be present"
    );
}

#[test]
fn ber_lengths_are_accepted() {
    let Some((pki, root, _)) = tsa("rsa:2048", TSA) else {
        return;
    };
    let der = stamp(&pki, SIGNATURE, "sha256");
    // The outer SEQUENCE's length in a 4-octet long form: valid BER, not DER.
    assert_eq!((der[0], der[1]), (0x30, 0x82));
    let mut ber = vec![0x30, 0x84, 0x00, 0x00, der[2], der[3]];
    ber.extend_from_slice(&der[4..]);
    let from_der = verify_countersignature(&der, SIGNATURE, std::slice::from_ref(&root)).unwrap();
    let from_ber = verify_countersignature(&ber, SIGNATURE, &[root]).unwrap();
    assert_eq!(from_der, from_ber);
    // Indefinite lengths are refused, as tspclient-go refuses them.
    let mut indefinite = vec![0x30, 0x80];
    indefinite.extend_from_slice(&der[4..]);
    indefinite.extend_from_slice(&[0, 0]);
    assert_eq!(
        parse_tst_info(&indefinite).unwrap_err().message,
        "failed to parse timestamp countersignature with error: cms: syntax error: invalid signed data: failed to convert from BER to DER: asn1: structure error: decoding BER length octets: indefinite length not supported"
    );
}
