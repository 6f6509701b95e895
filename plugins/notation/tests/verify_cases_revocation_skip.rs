//! `verify_envelope` and a `revocation: skip` override. notation-go's `processSignature` does
//! not run the revocation check at all when the policy's revocation action is `skip`
//! (`if outcome.VerificationLevel.Enforcement[trustpolicy.TypeRevocation] != trustpolicy.ActionSkip`),
//! so a skipped check contacts no OCSP or CRL server and costs no time. Here a generated chain
//! (openssl) names a CRL URL served by a local listener that accepts connections and never
//! answers: the control shows the listener is reached when revocation is enforced, and the
//! second test holds `verify.rs` to notation's behaviour for `skip`. (Before 5b6cacd, `check`
//! computed `revocation()` before looking at the action: that test failed with one connection
//! and the whole 2 s deadline spent.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ratify_notation::config::NotationConfig;
use ratify_notation::envelope::MEDIA_TYPE_JWS;
use ratify_notation::envelope::sign::{SignRequest, Signer};
use ratify_notation::verify::verify_envelope;
use ratify_plugin_sdk::wire::{Descriptor, VerifyResult};
use serde_json::{Value, json};

fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "openssl {args:?}");
}

/// A listener that counts connections and keeps them open without a word.
fn silent_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming().flatten() {
            seen.fetch_add(1, Ordering::SeqCst);
            open.push(stream);
        }
    });
    (port, count)
}

/// A P-256 root and code-signing leaf whose CRL distribution point is `crl_url`; returns the
/// leaf's PKCS#8 key and the chain, and writes `root.crt`.
fn pki(dir: &Path, crl_url: &str) -> (Vec<u8>, Vec<Vec<u8>>) {
    let leaf_ext = format!(
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\ncrlDistributionPoints=URI:{crl_url}\n"
    );
    std::fs::write(dir.join("leaf.ext"), leaf_ext).unwrap();
    for key in ["root.key", "leaf.key"] {
        openssl(
            dir,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                key,
            ],
        );
    }
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-x509",
            "-key",
            "root.key",
            "-days",
            "30",
            "-subj",
            "/C=US/O=Cases/CN=Cases Root",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "root.crt",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            "leaf.key",
            "-subj",
            "/C=US/O=Cases/CN=Cases Signer",
            "-out",
            "leaf.csr",
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "root.crt",
            "-CAkey",
            "root.key",
            "-set_serial",
            "2",
            "-days",
            "30",
            "-extfile",
            "leaf.ext",
            "-out",
            "leaf.crt",
        ],
    );
    openssl(
        dir,
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "leaf.key", "-outform", "DER", "-out", "leaf.pk8",
        ],
    );
    let read = |f: &str| {
        ratify_notation::x509::read_certificates(&dir.join(f))
            .unwrap()
            .remove(0)
    };
    (
        std::fs::read(dir.join("leaf.pk8")).unwrap(),
        vec![read("leaf.crt"), read("root.crt")],
    )
}

struct Fixture {
    dir: tempfile::TempDir,
    envelope: Vec<u8>,
    subject: Descriptor,
    connections: Arc<AtomicUsize>,
}

/// openssl is a test requirement (scripts/test.sh installs it): no skip without it.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let (port, connections) = silent_server();
    let (key, chain) = pki(dir.path(), &format!("http://127.0.0.1:{port}/leaf.crl"));
    let subject = Descriptor::new(
        "application/vnd.oci.image.manifest.v1+json",
        format!("sha256:{}", "ab".repeat(32)),
        1234,
    );
    let payload = json!({"targetArtifact": {"mediaType": subject.media_type, "digest": subject.digest, "size": subject.size}});
    let request = SignRequest::new(
        serde_json::to_vec(&payload).unwrap(),
        time::OffsetDateTime::now_utc(),
    );
    let envelope = Signer::from_pkcs8(&key, chain)
        .unwrap()
        .sign(MEDIA_TYPE_JWS, &request)
        .unwrap();
    Fixture {
        dir,
        envelope,
        subject,
        connections,
    }
}

/// The fixture verified under `verification`, with a 2 s deadline.
fn verify(fixture: &Fixture, verification: Value) -> VerifyResult {
    let config = NotationConfig::from_value(&json!({
        "trustPolicyDoc": {"version": "1.0", "trustPolicies": [{
            "name": "cases", "registryScopes": ["*"], "signatureVerification": verification,
            "trustStores": ["ca:gen"], "trustedIdentities": ["*"],
        }]},
        "verificationCertStores": {"ca": {"gen": [fixture.dir.path().join("root.crt").display().to_string()]}},
        "crlCacheDir": fixture.dir.path().join("crl").display().to_string(),
    }))
    .unwrap();
    let policy = config
        .policy
        .policy_for("registry.example.com/app")
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    verify_envelope(
        &config,
        policy,
        &fixture.subject,
        MEDIA_TYPE_JWS,
        &fixture.envelope,
        deadline,
    )
}

#[test]
fn enforced_revocation_reaches_the_crl_server_and_is_unknown() {
    let fixture = fixture();
    let result = verify(&fixture, json!({"level": "strict"}));
    assert!(!result.is_success, "{result:?}");
    assert_eq!(
        result.message,
        "revocation validation failed: signing certificate with subject \"CN=Cases Signer,O=Cases,C=US\" revocation status is unknown"
    );
    assert_eq!(fixture.connections.load(Ordering::SeqCst), 1);
    // With revocation skipped the outcome is a clean success, as in notation.
    let result = verify(
        &fixture,
        json!({"level": "strict", "override": {"revocation": "skip"}}),
    );
    assert!(result.is_success, "{result:?}");
    assert!(result.extensions.unwrap().get("warnings").is_none());
}

#[test]
fn skipped_revocation_contacts_no_server() {
    let fixture = fixture();
    let result = verify(
        &fixture,
        json!({"level": "strict", "override": {"revocation": "skip"}}),
    );
    assert!(result.is_success, "{result:?}");
    let connections = fixture.connections.load(Ordering::SeqCst);
    assert_eq!(
        connections, 0,
        "the CRL server was contacted although revocation is skipped"
    );
}
