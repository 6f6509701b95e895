//! Real Notation envelopes (shared/interop, PROVENANCE.md cases NOT-01/03/06/07/09,
//! NGO-01/02/06/07/09/14): each parses with exactly the attributes the case lists and its
//! signature verifies, for JWS and COSE alike.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod envelope_support;

use std::path::Path;

use envelope_support::{at, interop_dir, layout_signatures, read, sha256_hex};
use ratify_notation::crypto::SignatureAlgorithm::{self, RsaPssSha256, RsaPssSha384};
use ratify_notation::envelope::{self, MEDIA_TYPE_COSE, MEDIA_TYPE_JWS, SigningScheme};

/// What a case says about one envelope.
struct Expect {
    media_type: &'static str,
    alg: SignatureAlgorithm,
    scheme: SigningScheme,
    /// `io.cncf.notary.signingTime` or, under signingAuthority, the authentic signing time.
    time: &'static str,
    expiry: Option<&'static str>,
    agent: Option<&'static str>,
    timestamp_len: Option<usize>,
    chain_len: usize,
    leaf_sha256: &'static str,
    target: (&'static str, u64, &'static str),
    annotations: &'static [(&'static str, &'static str)],
}

const DOCKER_V2: &str = "application/vnd.docker.distribution.manifest.v2+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const NOTATION_TEST_LEAF: &str = "e0d3d5b6361fb0f75a89d09b92f80a7ac5bce19c811c57d78ff1efa26e610a72";
const E2E_LEAF: &str = "e38aea13f2b051f7183cca64a51ee676f4d4456f41d9fecf15eb367efc7343b9";
const TESTCERT7: &str = "1717fa9d18f7e9c0f609499474adfe2b8e44172454f1d6e2183d5d04f79af475";
const ALPINE_LEAF: &str = "9f5f5aecee24b5cfdc7a91f6d5ac5c3a5348feb17c934d403f59ac251549ea0d";
const TS_LEAF: &str = "01937612e3e24e6496b325fb899fdb3b7045350ab2d91141c6310a917d5cebe2";
const NGO_TARGET: (&str, u64, &str) = (
    "sha256:60043cf45eaebc4c0867fea485a039b598f52fd09fd5b07b0b2d2f88fad9d74e",
    528,
    DOCKER_V2,
);
const TS_TARGET: (&str, u64, &str) = (
    "sha256:c0669ef34cdc14332c0f1ab0c2c01acb91d96014b172f1a76f3a39e63d1f0bda",
    528,
    DOCKER_V2,
);

fn base(media_type: &'static str, alg: SignatureAlgorithm, time: &'static str) -> Expect {
    Expect {
        media_type,
        alg,
        scheme: SigningScheme::X509,
        time,
        expiry: None,
        agent: Some("Notation/1.0.0"),
        timestamp_len: None,
        chain_len: 1,
        leaf_sha256: "",
        target: ("", 0, ""),
        annotations: &[],
    }
}

/// Parses, checks every listed attribute, and verifies (notation's order, and on the parsed
/// envelope).
fn check(name: &str, bytes: &[u8], want: &Expect) -> envelope::Envelope {
    let env = envelope::parse(want.media_type, bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(env.media_type, want.media_type, "{name}");
    assert_eq!(env.algorithm, want.alg, "{name}");
    assert_eq!(env.signing_scheme, want.scheme, "{name}");
    let (claimed, other) = match want.scheme {
        SigningScheme::X509 => (env.signing_time, env.authentic_signing_time),
        SigningScheme::X509SigningAuthority => (env.authentic_signing_time, env.signing_time),
    };
    assert_eq!(claimed, Some(at(want.time)), "{name}: signing time");
    assert_eq!(other, None, "{name}");
    assert_eq!(env.expiry, want.expiry.map(at), "{name}: expiry");
    assert_eq!(env.signing_agent.as_deref(), want.agent, "{name}: agent");
    assert_eq!(
        env.timestamp_token.as_ref().map(Vec::len),
        want.timestamp_len,
        "{name}: tsa"
    );
    assert_eq!(env.certificate_chain.len(), want.chain_len, "{name}: chain");
    assert_eq!(
        sha256_hex(&env.certificate_chain[0]),
        want.leaf_sha256,
        "{name}: leaf"
    );
    assert_eq!(
        env.payload_content_type,
        envelope::MEDIA_TYPE_PAYLOAD_V1,
        "{name}"
    );
    assert!(
        env.extended_attributes.is_empty(),
        "{name}: {:?}",
        env.extended_attributes
    );
    assert!(env.verification_plugin.is_none(), "{name}");
    let target = env.payload().unwrap().target_artifact;
    assert_eq!(
        (
            target.digest.as_str(),
            target.size,
            target.media_type.as_str()
        ),
        want.target
    );
    let annotations: Vec<_> = target
        .annotations
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(annotations, want.annotations, "{name}: annotations");
    env.verify_integrity()
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let verified = envelope::verify(want.media_type, bytes, |chain| {
        assert_eq!(chain.certificate_chain.len(), want.chain_len);
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(verified.signature, env.signature);
    env
}

/// The one signature layer of an OCI layout from the notation e2e data.
fn layout_envelope(dir: &Path, layout: &str) -> (Vec<u8>, Option<Vec<String>>) {
    let mut found = layout_signatures(&dir.join("notation/oci_layout").join(layout));
    assert_eq!(found.len(), 1, "{layout}");
    let sig = found.remove(0);
    assert_eq!(sig.media_type, MEDIA_TYPE_JWS, "{layout}");
    (sig.blob, sig.thumbprints)
}

#[test]
fn notation_e2e_layouts() {
    let Some(dir) = interop_dir() else { return };
    let v1 = (
        "sha256:b8479de3f88fb259a0a9ea82a5b2a052a1ef3c4ebbcfc61482d5ae4c831f8af9",
        517,
        OCI_MANIFEST,
    );
    // NOT-01: valid signature, +08:00 signing time kept as written.
    let (blob, thumbs) = layout_envelope(&dir, "e2e-valid-signature");
    let want = Expect {
        leaf_sha256: E2E_LEAF,
        target: v1,
        ..base(MEDIA_TYPE_JWS, RsaPssSha256, "2023-06-27T05:30:33Z")
    };
    let env = check("NOT-01", &blob, &want);
    assert_eq!(env.signing_time.unwrap().offset().whole_hours(), 8);
    assert_eq!(thumbs.unwrap(), [E2E_LEAF]);
    // NOT-03: expired, but integrity holds.
    let (blob, _) = layout_envelope(&dir, "e2e-expired-signature");
    let want = Expect {
        expiry: Some("2023-06-27T05:21:21Z"),
        leaf_sha256: E2E_LEAF,
        target: v1,
        ..base(MEDIA_TYPE_JWS, RsaPssSha256, "2023-06-27T05:20:21Z")
    };
    check("NOT-03", &blob, &want);
    // NOT-06: timestamped (Microsoft TSA), user metadata in the payload.
    let (blob, thumbs) = layout_envelope(&dir, "e2e-with-timestamped-signature");
    let want = Expect {
        expiry: Some("2025-01-21T12:39:46Z"),
        agent: Some("notation-go/1.3.0+unreleased"),
        timestamp_len: Some(6031),
        leaf_sha256: TESTCERT7,
        target: (
            "sha256:53b0191218aed9a3c1f7c661736ac40cfc8eb928642348fd843ba3f0483c0c20",
            582,
            OCI_MANIFEST,
        ),
        annotations: &[("purpose", "e2e")],
        ..base(MEDIA_TYPE_JWS, RsaPssSha256, "2025-01-21T09:17:46Z")
    };
    check("NOT-06", &blob, &want);
    assert_eq!(thumbs.unwrap(), [TESTCERT7]);
    // NOT-07: an 8-byte "timestamp"; the envelope itself is sound.
    let (blob, _) = layout_envelope(&dir, "e2e-with-invalid-timestamped-signature");
    let want = Expect {
        agent: Some("notation-go/1.3.0+unreleased"),
        timestamp_len: Some(8),
        leaf_sha256: TESTCERT7,
        target: (
            "sha256:f1da8cd70d6d851fa2313c8d6618f79508cf1e86877edf1c0bfe49a1b0a6467a",
            582,
            OCI_MANIFEST,
        ),
        annotations: &[("purpose", "e2e")],
        ..base(MEDIA_TYPE_JWS, RsaPssSha256, "2025-01-21T08:41:17Z")
    };
    check("NOT-07", &blob, &want);
}

#[test]
fn notation_blob_signatures() {
    let Some(dir) = interop_dir() else { return };
    let license = read(&dir, "notation/blob/signed-blob-notation-LICENSE");
    let digest = format!("sha256:{}", sha256_hex(&license));
    let target = (
        "sha256:c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4",
        11357,
        "application/octet-stream",
    );
    assert_eq!(digest, target.0);
    assert_eq!(license.len() as u64, target.1);
    let jws = Expect {
        agent: Some("notation-go/1.3.0+unreleased"),
        timestamp_len: Some(6163),
        leaf_sha256: "dadee19c843e94b94daae9854d0de7ad93642b6075e2d1523b860b1770b64a03",
        target,
        ..base(MEDIA_TYPE_JWS, RsaPssSha256, "2024-12-31T08:05:29Z")
    };
    check(
        "NOT-09 jws",
        &read(&dir, "notation/blob/blob.jws.sig"),
        &jws,
    );
    let cose = Expect {
        agent: Some("notation-go/1.3.0+unreleased"),
        timestamp_len: Some(6031),
        leaf_sha256: "3678adce9daa3a82f4f55fd65e0c87c398b3d9bcd5338c06bbf8850df8c6641d",
        target,
        ..base(MEDIA_TYPE_COSE, RsaPssSha256, "2025-01-07T08:42:43Z")
    };
    check(
        "NOT-09 cose",
        &read(&dir, "notation/blob/blob.cose.sig"),
        &cose,
    );
}

#[test]
fn notation_go_envelopes() {
    let Some(dir) = interop_dir() else { return };
    let env = |f: &str| read(&dir, &format!("notation-go/envelopes/{f}"));
    let ca = |time, expiry| Expect {
        expiry: Some(expiry),
        chain_len: 2,
        leaf_sha256: NOTATION_TEST_LEAF,
        target: NGO_TARGET,
        ..base(MEDIA_TYPE_JWS, RsaPssSha384, time)
    };
    // NGO-01: the agent sits under "io.cncf.notary.SigningAgent"; Go's JSON decoding matches
    // keys case-insensitively, so notation reads it.
    let parsed = check(
        "NGO-01",
        &env("ca_valid_sig_env.json"),
        &ca("2020-11-09T07:00:00Z", "2120-11-09T07:00:00Z"),
    );
    let root = envelope_support::pem_certificates(&read(
        &dir,
        "notation-go/truststore/x509/ca/valid-trust-store/NotationTestRoot.pem",
    ));
    assert_eq!(parsed.certificate_chain[1], root[0]);
    assert!(sha256_hex(&root[0]).starts_with("86df8041"));
    // NGO-02: signingAuthority scheme.
    let sa = |time, expiry| Expect {
        scheme: SigningScheme::X509SigningAuthority,
        ..ca(time, expiry)
    };
    check(
        "NGO-02",
        &env("sa_valid_sig_env.json"),
        &sa("2020-11-09T07:00:00Z", "2120-11-09T07:00:00Z"),
    );
    // NGO-06: expired (integrity still holds).
    check(
        "NGO-06 ca",
        &env("ca_expired_sig_env.json"),
        &ca("2022-07-29T00:00:00Z", "2022-07-29T23:59:00Z"),
    );
    check(
        "NGO-06 sa",
        &env("sa_expired_sig_env.json"),
        &sa("2022-07-29T00:00:00Z", "2022-07-29T23:59:00Z"),
    );
    // NGO-07: user metadata.
    let metadata = Expect {
        leaf_sha256: "074394bc2532db1ddfd082670f02949edb86c1cbb5273e1d4f16bdba95f4499d",
        target: (
            "sha256:5a07385af4e6b6af81b0ebfd435aedccdfa3507f0609c658209e1aba57159b2b",
            942,
            DOCKER_V2,
        ),
        annotations: &[
            ("io.wabbit-networks.buildId", "123"),
            ("io.wabbit-networks.buildTime", "1672944615"),
        ],
        ..base(MEDIA_TYPE_JWS, RsaPssSha256, "2023-01-11T18:02:54Z")
    };
    check("NGO-07", &env("sig_env_with_metadata.json"), &metadata);
}

#[test]
fn notation_go_timestamped_envelopes() {
    let Some(dir) = interop_dir() else { return };
    let sig = |f: &str| read(&dir, &format!("notation-go/timestamp/sigEnv/{f}"));
    let ts = |media_type, time, leaf, tsa| Expect {
        timestamp_len: tsa,
        leaf_sha256: leaf,
        target: TS_TARGET,
        ..base(media_type, RsaPssSha256, time)
    };
    // NGO-09.
    check(
        "jwsWithTimestamp",
        &sig("jwsWithTimestamp.sig"),
        &ts(MEDIA_TYPE_JWS, "2024-06-18T06:29:33Z", TS_LEAF, Some(5835)),
    );
    check(
        "coseWithTimestamp",
        &sig("coseWithTimestamp.sig"),
        &ts(MEDIA_TYPE_COSE, "2024-06-18T06:27:11Z", TS_LEAF, Some(5835)),
    );
    let expired_leaf = "6381e2ac01a6d9396ad0c99cd7da2fa53206e0c26daba512420b95f4f0479137";
    check(
        "jwsExpiredWithTimestamp",
        &sig("jwsExpiredWithTimestamp.sig"),
        &ts(
            MEDIA_TYPE_JWS,
            "2024-06-18T07:21:38Z",
            expired_leaf,
            Some(5835),
        ),
    );
    // NGO-10 / NGO-11 inputs: integrity holds; their failures are about timestamps.
    check(
        "withoutTimestamp",
        &sig("withoutTimestamp.sig"),
        &ts(MEDIA_TYPE_JWS, "2024-06-18T09:08:35Z", TS_LEAF, None),
    );
    let before = "6572ece2675f0a36116c03d0dbc14922a12418630bbe41b26f9c95ebf016cd01";
    check(
        "timestampBeforeNotBefore",
        &sig("timestampBeforeNotBefore.sig"),
        &ts(MEDIA_TYPE_JWS, "2024-06-19T09:30:11Z", before, Some(5835)),
    );
    let after = "92ef4ca811f317205b82dd1d2aba7efc54e2d5ccc6a5fef608a40179d3dbe699";
    check(
        "timestampAfterNotAfter",
        &sig("timestampAfterNotAfter.sig"),
        &ts(MEDIA_TYPE_COSE, "2024-06-19T09:35:54Z", after, Some(5835)),
    );
}

#[test]
fn notation_go_layout_signatures() {
    let Some(dir) = interop_dir() else { return };
    // NGO-14: both envelopes sign the layout's v2 manifest.
    let index: serde_json::Value =
        serde_json::from_slice(&read(&dir, "notation-go/oci-layout/index.json")).unwrap();
    let manifest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let target: (&str, u64, &str) = (
        "sha256:19dbd2e48e921426ee8ace4dc892edfb2ecdc1d1a72d5416c83670c30acecef0",
        481,
        OCI_MANIFEST,
    );
    assert_eq!(manifest, target.0);
    let dir_sig = |f: &str| read(&dir, &format!("notation-go/oci-layout-signatures/{f}"));
    let jws = Expect {
        leaf_sha256: ALPINE_LEAF,
        target,
        ..base(MEDIA_TYPE_JWS, RsaPssSha256, "2023-03-14T08:10:02Z")
    };
    check("NGO-14 jws", &dir_sig("jws_signature.sig"), &jws);
    let cose = Expect {
        leaf_sha256: ALPINE_LEAF,
        target,
        ..base(MEDIA_TYPE_COSE, RsaPssSha256, "2023-03-14T04:45:22Z")
    };
    check("NGO-14 cose", &dir_sig("cose_signature.sig"), &cose);
    assert!(layout_signatures(&dir.join("notation-go/oci-layout")).is_empty());
}
