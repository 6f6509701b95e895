//! `ratify_notation::x509` on certificates made with openssl in a temporary directory: one
//! case per notation-core-go rule (EKU, CA flag, path length, order, validity, key size,
//! timestamping EKU) and each signature algorithm family.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod x509_support;

use ratify_notation::x509::{Purpose, chain_is_trusted, describe, validate_chain};
use x509_support::{CA, LEAF, Pki, SHA256, TSA, err};

#[test]
fn algorithms_rsa_pkcs1_pss_and_ecdsa_p256_p384_p521() {
    let Some(pki) = Pki::new() else { return };
    let pss = |digest: &'static str| {
        vec![
            digest,
            "-sigopt",
            "rsa_padding_mode:pss",
            "-sigopt",
            "rsa_pss_saltlen:digest",
        ]
    };
    let cases: Vec<(&str, &str, &str, Vec<&str>)> = vec![
        ("rsa:2048", "rsa:2048", "rsa:2048", vec!["-sha256"]),
        ("rsa:4096", "rsa:2048", "rsa:3072", vec!["-sha512"]),
        ("rsa:2048", "rsa:2048", "rsa:2048", pss("-sha256")),
        ("rsa:2048", "rsa:2048", "P-256", pss("-sha384")),
        ("P-384", "P-256", "P-256", vec!["-sha384"]),
        ("P-256", "P-384", "P-384", vec!["-sha256"]),
        ("P-521", "P-521", "P-384", vec!["-sha512"]),
        ("P-521", "rsa:2048", "P-521", vec!["-sha256"]),
    ];
    for (i, (root_key, int_key, leaf_key, sig)) in cases.iter().enumerate() {
        let (root, int, leaf) = (format!("R{i}"), format!("I{i}"), format!("L{i}"));
        let root_der = pki.root(&root, root_key, CA, sig);
        let int_der = pki.issue(&int, int_key, &root, CA, 30, sig);
        let leaf_der = pki.issue(&leaf, leaf_key, &int, LEAF, 30, sig);
        let chain = [leaf_der, int_der, root_der.clone()];
        let now = time::OffsetDateTime::now_utc();
        validate_chain(&chain, Purpose::CodeSigning, Some(now))
            .unwrap_or_else(|e| panic!("case {i} {root_key}/{int_key}/{leaf_key} {sig:?}: {e}"));
        assert!(chain_is_trusted(&chain, &[root_der]));
        assert_eq!(describe(&chain[0]).unwrap().issuer, format!("CN={int}"));
    }
    // A tampered signature byte breaks the link, with Go's ECDSA wording.
    let mut leaf = pki.der("L4");
    let last = leaf.len() - 3;
    leaf[last] ^= 1;
    let chain = [leaf, pki.der("I4"), pki.der("R4")];
    assert!(err(&chain, Purpose::CodeSigning).ends_with("Error: x509: ECDSA verification failure"));
}

#[test]
fn leaf_requirements() {
    let Some(pki) = Pki::new() else { return };
    let root = pki.root("Root", "P-256", CA, SHA256);
    let chain = |leaf: Vec<u8>| [leaf, root.clone()];

    let server = pki.issue(
        "Server",
        "P-256",
        "Root",
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth",
        30,
        SHA256,
    );
    assert_eq!(
        err(&chain(server), Purpose::CodeSigning),
        "certificate with subject \"CN=Server\": extended key usage must not contain ServerAuth eku"
    );
    // notation-core-go accepts a leaf without any extended key usage (the EKU is optional).
    let no_eku = pki.issue(
        "NoEku",
        "P-256",
        "Root",
        "keyUsage=critical,digitalSignature",
        30,
        SHA256,
    );
    validate_chain(&chain(no_eku), Purpose::CodeSigning, None).unwrap();

    let soft_ku = pki.issue(
        "SoftKu",
        "P-256",
        "Root",
        "keyUsage=digitalSignature",
        30,
        SHA256,
    );
    assert_eq!(
        err(&chain(soft_ku), Purpose::CodeSigning),
        "certificate with subject \"CN=SoftKu\": key usage extension must be marked critical"
    );
    let extra_ku = pki.issue(
        "ExtraKu",
        "rsa:2048",
        "Root",
        "keyUsage=critical,digitalSignature,keyEncipherment,cRLSign",
        30,
        SHA256,
    );
    assert_eq!(
        err(&chain(extra_ku), Purpose::CodeSigning),
        "the certificate with subject \"CN=ExtraKu\" is invalid. The key usage must be \"Digital \
         Signature\" only, but found \"KeyEncipherment\", \"CRLSign\""
    );
    let rsa1024 = pki.issue("Rsa1024", "rsa:1024", "Root", LEAF, 30, SHA256);
    assert_eq!(
        err(&chain(rsa1024), Purpose::CodeSigning),
        "certificate with subject \"CN=Rsa1024\": rsa key size 1024 bits is not supported"
    );
    let ca_leaf = pki.issue("CaLeaf", "P-256", "Root", CA, 30, SHA256);
    assert_eq!(
        err(&chain(ca_leaf), Purpose::CodeSigning),
        "certificate with subject \"CN=CaLeaf\": if the basic constraints extension is present, \
         the ca field must be set to false"
    );
}

#[test]
fn ca_requirements_order_and_validity() {
    let Some(pki) = Pki::new() else { return };
    let root = pki.root(
        "Root",
        "rsa:2048",
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign",
        SHA256,
    );
    let int = pki.issue("Int", "rsa:2048", "Root", CA, 30, SHA256);
    let leaf = pki.issue("Leaf", "rsa:2048", "Int", LEAF, 1, SHA256);
    let chain = [leaf.clone(), int.clone(), root.clone()];
    // pathLen 0 on the root, with one CA below it.
    assert_eq!(
        err(&chain, Purpose::CodeSigning),
        "certificate with subject \"CN=Root\": expected path length of 1 but certificate has path \
         length 0 instead"
    );
    validate_chain(
        &[
            pki.issue("Direct", "rsa:2048", "Root", LEAF, 1, SHA256),
            root.clone(),
        ],
        Purpose::CodeSigning,
        None,
    )
    .unwrap();

    let root2 = pki.root("Root2", "rsa:2048", CA, SHA256);
    let not_ca = pki.issue(
        "NotCa",
        "rsa:2048",
        "Root2",
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyCertSign",
        30,
        SHA256,
    );
    let below = pki.issue("Below", "rsa:2048", "NotCa", LEAF, 30, SHA256);
    assert_eq!(
        err(&[below, not_ca, root2.clone()], Purpose::CodeSigning),
        "invalid certificates or certificate with subject \"CN=Below\" is not issued by \
         \"CN=NotCa\". Error: x509: invalid signature: parent certificate cannot sign this kind of \
         certificate"
    );

    let int2 = pki.issue("Int2", "rsa:2048", "Root2", CA, 30, SHA256);
    let leaf2 = pki.issue("Leaf2", "rsa:2048", "Int2", LEAF, 1, SHA256);
    validate_chain(
        &[leaf2.clone(), int2.clone(), root2.clone()],
        Purpose::CodeSigning,
        None,
    )
    .unwrap();
    assert_eq!(
        err(
            &[leaf2.clone(), root2.clone(), int2.clone()],
            Purpose::CodeSigning
        ),
        "invalid certificates or certificate with subject \"CN=Leaf2\" is not issued by \
         \"CN=Root2\". Error: crypto/rsa: verification error"
    );
    assert!(
        err(
            &[root2.clone(), int2.clone(), leaf2.clone()],
            Purpose::CodeSigning
        )
        .starts_with("leaf certificate with subject \"CN=Root2\" is self-signed")
    );
    // Without its root the chain does not end in a self-signed certificate.
    assert_eq!(
        err(&[leaf2.clone(), int2.clone()], Purpose::CodeSigning),
        "root certificate with subject \"CN=Int2\" is invalid or not self-signed. Certificate \
         chain must end with a valid self-signed root certificate. Error: crypto/rsa: \
         verification error"
    );
    // webpki's path building accepts that same rootless chain against the root as anchor, one
    // reason notation's rules, not webpki's, decide.
    let root_der = rustls_pki_types::CertificateDer::from(root2.as_slice());
    let anchors = [webpki::anchor_from_trusted_cert(&root_der).unwrap()];
    let leaf_der = rustls_pki_types::CertificateDer::from(leaf2.as_slice());
    let intermediates = [rustls_pki_types::CertificateDer::from(int2.clone())];
    let webpki_leaf = webpki::EndEntityCert::try_from(&leaf_der).unwrap();
    let eku = webpki::KeyUsage::required_if_present(&[0x2b, 6, 1, 5, 5, 7, 3, 3]);
    let now = rustls_pki_types::UnixTime::now();
    let built = webpki_leaf.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        &intermediates,
        now,
        eku,
        None,
        None,
    );
    assert!(built.is_ok());

    // Expiry: valid for one day; judged three days on, or a day before issue.
    let chain = [leaf2, int2, root2];
    let later = time::OffsetDateTime::now_utc() + time::Duration::days(3);
    let message = validate_chain(&chain, Purpose::CodeSigning, Some(later))
        .unwrap_err()
        .to_string();
    assert!(
        message
            .starts_with("certificate with subject \"CN=Leaf2\" was invalid at signing time of "),
        "{message}"
    );
    let before = time::OffsetDateTime::now_utc() - time::Duration::days(1);
    assert!(validate_chain(&chain, Purpose::CodeSigning, Some(before)).is_err());
}

/// Links webpki has no algorithm for, decided as Go decides them.
#[test]
fn legacy_links_follow_go() {
    let Some(pki) = Pki::new() else { return };
    // Go checks no key size on CAs: an RSA-1024 root may sign (ring's legacy verifier).
    let small = pki.root("Small", "rsa:1024", CA, SHA256);
    let leaf = pki.issue("UnderSmall", "P-256", "Small", LEAF, 30, SHA256);
    validate_chain(&[leaf, small], Purpose::CodeSigning, None).unwrap();
    // SHA-1 is refused between certificates but allowed on a lone self-signed one.
    let sha1_root = pki.root("Sha1Root", "rsa:2048", CA, &["-sha1"]);
    let leaf = pki.issue("Sha1Leaf", "rsa:2048", "Sha1Root", LEAF, 30, &["-sha1"]);
    assert_eq!(
        err(&[leaf, sha1_root], Purpose::CodeSigning),
        "invalid certificates or certificate with subject \"CN=Sha1Leaf\" is not issued by \
         \"CN=Sha1Root\". Error: x509: cannot verify signature: insecure algorithm SHA1-RSA"
    );
    let lone = pki.root("Sha1Self", "rsa:2048", LEAF, &["-sha1"]);
    validate_chain(&[lone], Purpose::CodeSigning, None).unwrap();
}

#[test]
fn timestamping_requirements() {
    let Some(pki) = Pki::new() else { return };
    let root = pki.root("TsaRoot", "rsa:2048", CA, SHA256);
    let tsa = pki.issue("Tsa", "rsa:2048", "TsaRoot", TSA, 30, SHA256);
    validate_chain(&[tsa.clone(), root.clone()], Purpose::Timestamping, None).unwrap();
    // The key usage need only be present for timestamping (SHOULD be critical).
    let soft_ku = pki.issue(
        "SoftKu",
        "rsa:2048",
        "TsaRoot",
        "keyUsage=digitalSignature\nextendedKeyUsage=critical,timeStamping",
        30,
        SHA256,
    );
    validate_chain(&[soft_ku, root.clone()], Purpose::Timestamping, None).unwrap();

    let soft = pki.issue(
        "SoftEku",
        "rsa:2048",
        "TsaRoot",
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=timeStamping",
        30,
        SHA256,
    );
    assert_eq!(
        err(&[soft, root.clone()], Purpose::Timestamping),
        "timestamp signing certificate with subject \"CN=SoftEku\" must have extended key usage \
         extension marked as critical"
    );
    let two = pki.issue(
        "TwoEku",
        "rsa:2048",
        "TsaRoot",
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping,codeSigning",
        30,
        SHA256,
    );
    assert_eq!(
        err(&[two, root.clone()], Purpose::Timestamping),
        "timestamp signing certificate with subject \"CN=TwoEku\" must have and only have \
         Timestamping as extended key usage"
    );
    let signer = pki.issue("Signer", "rsa:2048", "TsaRoot", LEAF, 30, SHA256);
    assert!(
        err(&[signer, root], Purpose::Timestamping)
            .contains("must have and only have Timestamping")
    );
}
