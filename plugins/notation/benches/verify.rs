//! CPU cost of verifying one Notary Project signature in a warm plugin, data in memory:
//! envelope parse and signature, chain rules, trust store, identity, expiry, validity,
//! target descriptor. RSA-3072 and P-256 chains (root + leaf, made with openssl), JWS and COSE,
//! each without and with an RFC 3161 timestamp from an openssl TSA (`openssl ts -reply`), which
//! adds the CMS countersignature, the TSA chain and the signing-time checks.
//!
//! Run: `cargo bench -p ratify-notation --bench verify`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use ratify_notation::config::NotationConfig;
use ratify_notation::envelope::sign::{SignRequest, Signer, Timestamper};
use ratify_notation::verify::verify_envelope;
use ratify_plugin_sdk::wire::Descriptor;
use serde_json::json;

fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "openssl {args:?}");
}

/// A root and a code-signing leaf with keys made by `keygen` (openssl genpkey arguments).
fn pki(dir: &Path, keygen: &[&str]) -> (Vec<u8>, Vec<Vec<u8>>) {
    std::fs::write(
        dir.join("root.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n",
    )
    .unwrap();
    std::fs::write(dir.join("leaf.ext"), "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n").unwrap();
    for name in ["root", "leaf"] {
        let mut args = vec![
            "genpkey",
            "-out",
            if name == "root" {
                "root.key"
            } else {
                "leaf.key"
            },
        ];
        args.extend_from_slice(keygen);
        openssl(dir, &args);
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
            "/C=US/ST=WA/O=Bench/CN=Bench Root",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign",
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
            "/C=US/ST=WA/O=Bench/CN=Bench Signer",
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

/// An openssl TSA (P-256 root and timestamping leaf) in `dir`; returns its countersigner.
fn tsa(dir: &Path) -> impl Fn(&[u8]) -> Result<Vec<u8>, String> {
    let run = |line: &str| openssl(dir, &line.split(' ').collect::<Vec<_>>());
    run(
        "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout tsaroot.key \
         -out tsaroot.crt -days 30 -subj /CN=Bench-TSA-Root -addext basicConstraints=critical,CA:TRUE \
         -addext keyUsage=critical,keyCertSign",
    );
    run(
        "req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout tsa.key -out tsa.csr -subj /CN=Bench-TSA",
    );
    std::fs::write(dir.join("tsa.ext"), "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n").unwrap();
    run(
        "x509 -req -in tsa.csr -CA tsaroot.crt -CAkey tsaroot.key -set_serial 7 -days 30 -extfile tsa.ext -out tsa.crt",
    );
    std::fs::write(dir.join("tsaserial"), "01\n").unwrap();
    std::fs::write(dir.join("tsa.cnf"), "[tsa]\ndefault_tsa=t\n[t]\ndir=.\nserial=tsaserial\ncrypto_device=builtin\n\
        signer_cert=tsa.crt\ncerts=tsaroot.crt\nsigner_key=tsa.key\nsigner_digest=sha256\ndefault_policy=1.2.3.4.1\n\
        digests=sha256,sha384,sha512\naccuracy=secs:1\nordering=yes\ntsa_name=no\ness_cert_id_chain=no\ness_cert_id_alg=sha256\n").unwrap();
    let dir = dir.to_path_buf();
    move |signature: &[u8]| {
        std::fs::write(dir.join("signature.bin"), signature).map_err(|e| e.to_string())?;
        let run = |line: &str| openssl(&dir, &line.split(' ').collect::<Vec<_>>());
        run("ts -query -data signature.bin -sha256 -cert -out req.tsq");
        run("ts -reply -config tsa.cnf -queryfile req.tsq -out resp.tsr");
        run("ts -reply -in resp.tsr -token_out -out token.der");
        std::fs::read(dir.join("token.der")).map_err(|e| e.to_string())
    }
}

/// A deadline far enough away not to matter: no network is involved.
fn far() -> Instant {
    Instant::now() + Duration::from_secs(60)
}

fn main() {
    let subject = Descriptor::new(
        "application/vnd.oci.image.manifest.v1+json",
        format!("sha256:{}", "ab".repeat(32)),
        1234,
    );
    let payload = serde_json::to_vec(&json!({"targetArtifact": {"mediaType": subject.media_type, "digest": subject.digest, "size": subject.size}})).unwrap();
    println!(
        "{:<22} {:>10} {:>10} {:>10}",
        "chain / envelope", "mean", "p50", "p99"
    );
    for (label, keygen) in [
        (
            "RSA-3072",
            vec!["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
        ),
        (
            "P-256",
            vec!["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (key, chain) = pki(dir.path(), &keygen);
        let stamp = tsa(dir.path());
        // The certificates start this second and the TSA's accuracy is 1 s: genTime − accuracy
        // must not fall before the signing certificate's notBefore (openssl 3.0 cannot backdate).
        std::thread::sleep(Duration::from_secs(2));
        // Without a tsa: store notation skips timestamp verification; with one (and the default
        // verifyTimestamp "always") the countersignature is required and checked.
        let configs: Vec<NotationConfig> = [vec!["ca:bench"], vec!["ca:bench", "tsa:bench"]]
            .into_iter()
            .map(|stores| {
                NotationConfig::from_value(&json!({
                    "verificationCertStores": {"ca": {"bench": [dir.path().join("root.crt")]},
                        "tsa": {"bench": [dir.path().join("tsaroot.crt")]}},
                    "trustPolicyDoc": {"version": "1.0", "trustPolicies": [{"name": "bench", "registryScopes": ["*"],
                        "signatureVerification": {"level": "strict"}, "trustStores": stores,
                        "trustedIdentities": ["x509.subject: C=US, ST=WA, O=Bench, CN=Bench Signer"]}]}
                }))
                .unwrap()
            })
            .collect();
        let signer = Signer::from_pkcs8(&key, chain).unwrap();
        let request = SignRequest::new(payload.clone(), time::OffsetDateTime::now_utc());
        for (format, media_type, timestamped) in [
            ("JWS", "application/jose+json", false),
            ("COSE", "application/cose", false),
            ("JWS+TSA", "application/jose+json", true),
            ("COSE+TSA", "application/cose", true),
        ] {
            let timestamper = timestamped.then_some(&stamp as Timestamper);
            let config = &configs[usize::from(timestamped)];
            let policy = config.policy.policy_for("example.com/app").unwrap();
            let envelope = signer
                .sign_timestamped(media_type, &request, timestamper)
                .unwrap();
            let result = verify_envelope(config, policy, &subject, media_type, &envelope, far());
            assert!(result.is_success, "{label} {format}: {result:?}");
            assert_eq!(
                result
                    .extensions
                    .as_ref()
                    .and_then(|e| e.get("timestamp"))
                    .is_some(),
                timestamped,
                "{label} {format}: {result:?}"
            );
            for _ in 0..50 {
                verify_envelope(config, policy, &subject, media_type, &envelope, far());
            }
            let mut samples: Vec<Duration> = (0..1000)
                .map(|_| {
                    let started = Instant::now();
                    std::hint::black_box(verify_envelope(
                        config,
                        policy,
                        &subject,
                        media_type,
                        &envelope,
                        far(),
                    ));
                    started.elapsed()
                })
                .collect();
            samples.sort();
            let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
            let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1e3);
            println!(
                "{:<22} {:>10} {:>10} {:>10}",
                format!("{label} / {format}"),
                ms(mean),
                ms(samples[500]),
                ms(samples[990])
            );
        }
    }
}
