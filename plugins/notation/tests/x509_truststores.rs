//! Trust stores (`ratify_notation::x509::TrustStores`): notation-go's loading rules on its own
//! test stores (NGO-08), TSA roots (NOT-11) and Ratify's sample certificates and configuration
//! forms, and generated files notation refuses. Interop data is read in place; without it those
//! tests print SKIP and pass.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod x509_support;

use std::path::Path;

use ratify_notation::x509::{StoreType, TrustStores, X509Error, describe};
use x509_support::{CA, LEAF, Pki, SHA256, read_one};

#[test]
fn ngo08_trust_store_loading_rules() {
    let stores = TrustStores::from_notation_dir(&interop!().join("notation-go")).unwrap();
    let ca = |name: &str| stores.certificates(StoreType::Ca, name);
    assert!(ca("valid-trust-store").unwrap().len() >= 6);
    assert_eq!(ca("valid-trust-store-self-signed").unwrap().len(), 1);
    assert_eq!(
        ca("trust-store-with-invalid-certs").unwrap_err(),
        X509Error::Certificate(
            "failed to read the trusted certificate invalid in trust store \
             trust-store-with-invalid-certs of type ca"
                .into()
        )
    );
    assert_eq!(
        ca("trust-store-with-leaf-certs").unwrap_err().to_string(),
        "failed to validate the trusted certificate non-ca.crt in trust store \
         trust-store-with-leaf-certs of type ca"
    );
    assert_eq!(
        ca("trust-store-with-leaf-certs-in-single-file")
            .unwrap_err()
            .to_string(),
        "failed to validate the trusted certificate RootAndLeafCerts.crt in trust store \
         trust-store-with-leaf-certs-in-single-file of type ca"
    );
    assert_eq!(
        ca("no-such-store").unwrap_err(),
        X509Error::TrustStore(
            "the trust store \"no-such-store\" of type \"ca\" does not exist".into()
        )
    );
    assert_eq!(
        ca("bad/name").unwrap_err().to_string(),
        "trust store name needs to follow [a-zA-Z0-9_.-]+ format, bad/name is invalid"
    );
    let sa = stores
        .certificates(StoreType::SigningAuthority, "valid-trust-store")
        .unwrap();
    assert_eq!(sa.len(), 3);

    let tsa = |name: &str| stores.certificates(StoreType::Tsa, name);
    assert_eq!(tsa("test-timestamp").unwrap().len(), 1);
    assert_eq!(tsa("test-mismatch").unwrap().len(), 1);
    assert_eq!(
        tsa("test-nonCA").unwrap_err().to_string(),
        "trusted certificate wabbit-networks.io.crt in trust store test-nonCA of type tsa is \
         invalid: certificate with subject \"CN=wabbit-networks.io,O=Notary,L=Seattle,ST=WA,C=US\" \
         is not a root CA certificate: x509: invalid signature: parent certificate cannot sign \
         this kind of certificate"
    );
    assert_eq!(
        tsa("test-nonSelfIssued").unwrap_err().to_string(),
        "trusted certificate nonSelfIssued.crt in trust store test-nonSelfIssued of type tsa is \
         invalid: certificate with subject \"CN=Notation Test Revokable RSA Chain Cert \
         2,O=Notary,L=Seattle,ST=WA,C=US\" is not a root CA certificate: issuer (CN=Notation Test \
         Revokable RSA Chain Cert Root,O=Notary,L=Seattle,ST=WA,C=US) and subject (CN=Notation \
         Test Revokable RSA Chain Cert 2,O=Notary,L=Seattle,ST=WA,C=US) are not the same"
    );
}

#[test]
fn not11_and_ratify_certificates_parse_as_anchors() {
    let interop = interop!();
    let temp = tempfile::tempdir().unwrap();
    let tsa = temp.path().join("truststore/x509/tsa/e2e");
    std::fs::create_dir_all(&tsa).unwrap();
    for file in [
        "notation/tsa-roots/globalsignTSARoot.cer",
        "notation/tsa-roots/DigiCertTSARootSHA384.cer",
        "tspclient-go/GlobalSignRootCA.crt",
        "ratify/bats-certificates/tsarootca.cer",
    ] {
        let cert = read_one(&interop.join(file));
        let info = describe(&cert).unwrap();
        assert!(
            info.is_ca && info.subject == info.issuer,
            "{file}: {info:?}"
        );
        let name = Path::new(file).file_name().unwrap();
        std::fs::copy(interop.join(file), tsa.join(name)).unwrap();
    }
    let stores = TrustStores::from_notation_dir(temp.path()).unwrap();
    assert_eq!(stores.certificates(StoreType::Tsa, "e2e").unwrap().len(), 4);

    let ratify = read_one(&interop.join("ratify/testdata/notation.crt"));
    let info = describe(&ratify).unwrap();
    assert_eq!(info.subject, "CN=Ratify Sample,O=Ratify");
    assert_eq!(
        info.not_after,
        time::macros::datetime!(2033-06-26 05:28:32 UTC)
    );
    let wabbit = read_one(&interop.join("ratify/bats-certificates/wabbit-networks.io.crt"));
    assert_eq!(
        describe(&wabbit).unwrap().subject,
        "CN=wabbit-networks.io,O=Notary,L=Seattle,ST=WA,C=US"
    );
}

#[test]
fn ratify_config_serves_stores() {
    let interop = interop!();
    let notation_crt = interop.join("ratify/testdata/notation.crt");
    let valid = interop.join("notation-go/truststore/x509/ca/valid-trust-store");
    let legacy = serde_json::json!({ "certs": [valid.to_str().unwrap()] });
    let stores = TrustStores::from_ratify(std::slice::from_ref(&notation_crt), &legacy).unwrap();
    // ca:certs comes from its list (a directory, walked); every other store from verificationCerts.
    assert_eq!(
        stores.certificates(StoreType::Ca, "certs").unwrap().len(),
        6
    );
    let fallback = stores.certificates(StoreType::Tsa, "anything").unwrap();
    assert_eq!(fallback, [read_one(&notation_crt)]);
    assert_eq!(
        stores
            .certificates(StoreType::SigningAuthority, "certs")
            .unwrap(),
        fallback
    );

    // Ratify keeps only CA and self-signed certificates; a leaf alone leaves nothing.
    let leaf_only =
        interop.join("notation-go/truststore/x509/ca/trust-store-with-leaf-certs/non-ca.crt");
    let typed = serde_json::json!({ "ca": { "leaf": [leaf_only.to_str().unwrap()] } });
    let stores = TrustStores::from_ratify(&[], &typed).unwrap();
    let err = stores
        .certificates(StoreType::Ca, "leaf")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("valid certificates must be provided"),
        "{err}"
    );
    // A directory holding a file that is not a certificate fails like Ratify's loader.
    let stores =
        TrustStores::from_ratify(&[interop.join("ratify/testdata")], &serde_json::Value::Null)
            .unwrap();
    let err = stores
        .certificates(StoreType::Ca, "x")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("error reading certificate file "), "{err}");
}

#[test]
fn trust_store_files_notation_refuses() {
    let Some(pki) = Pki::new() else { return };
    let root = pki.root("Root", "P-256", CA, SHA256);
    let int = pki.issue("Int", "P-256", "Root", CA, 30, SHA256);
    pki.issue("Leaf", "P-256", "Int", LEAF, 30, SHA256);
    let notation = tempfile::tempdir().unwrap();
    let store = |kind: &str, name: &str, files: &[&str]| {
        let dir = notation
            .path()
            .join("truststore/x509")
            .join(kind)
            .join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for file in files {
            std::fs::copy(pki.path().join(file), dir.join(file)).unwrap();
        }
        dir
    };
    store("ca", "good", &["Root.pem", "Int.pem"]);
    store("ca", "leaf", &["Leaf.pem"]);
    store("ca", "empty", &[]);
    std::fs::write(store("ca", "emptyfile", &[]).join("zero.pem"), b"").unwrap();
    std::fs::create_dir(store("ca", "nested", &["Root.pem"]).join("sub")).unwrap();
    store("tsa", "int", &["Int.pem"]);
    std::os::unix::fs::symlink(
        store("ca", "real", &["Root.pem"]),
        notation.path().join("truststore/x509/ca/link"),
    )
    .unwrap();

    let stores = TrustStores::from_notation_dir(notation.path()).unwrap();
    let ca = |name: &str| {
        stores
            .certificates(StoreType::Ca, name)
            .map(<[_]>::to_vec)
            .map_err(|e| e.to_string())
    };
    assert_eq!(ca("good").unwrap(), vec![int, root.clone()]);
    assert_eq!(
        ca("leaf").unwrap_err(),
        "failed to validate the trusted certificate Leaf.pem in trust store leaf of type ca"
    );
    assert_eq!(
        ca("empty").unwrap_err(),
        "no x509 certificates were found in trust store \"empty\" of type \"ca\""
    );
    assert_eq!(
        ca("emptyfile").unwrap_err(),
        "failed to validate the trusted certificate zero.pem in trust store emptyfile of type ca"
    );
    assert_eq!(
        ca("nested").unwrap_err(),
        "trusted certificate sub in trust store nested of type ca is not a regular file (directories or symlinks are not supported)"
    );
    assert!(
        ca("link")
            .unwrap_err()
            .ends_with("is not a regular directory (symlinks are not supported)")
    );
    assert_eq!(
        stores
            .certificates(StoreType::Tsa, "int")
            .unwrap_err()
            .to_string(),
        "trusted certificate Int.pem in trust store int of type tsa is invalid: certificate with \
         subject \"CN=Int\" is not a root CA certificate: x509: ECDSA verification failure"
    );

    // Ratify: a PEM bundle, a symlink to it (loaded once), and a missing path (skipped).
    let bundle = pki.path().join("bundle.pem");
    let pems: Vec<u8> = ["Leaf.pem", "Root.pem"]
        .iter()
        .flat_map(|f| std::fs::read(pki.path().join(f)).unwrap())
        .collect();
    std::fs::write(&bundle, pems).unwrap();
    let certs_dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&bundle, certs_dir.path().join("a.pem")).unwrap();
    let paths = [
        bundle.clone(),
        certs_dir.path().to_path_buf(),
        pki.path().join("missing"),
    ];
    let ratify = TrustStores::from_ratify(&paths, &serde_json::json!({})).unwrap();
    assert_eq!(ratify.certificates(StoreType::Ca, "any").unwrap(), [root]);
}
