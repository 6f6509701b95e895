//! Timestamp tokens `openssl ts` will not make (it refuses to sign with a certificate lacking
//! the critical timeStamping usage), assembled here as DER around an `openssl dgst` signature
//! over the signed attributes: a TSA certificate without that usage, with another usage, with
//! it non-critical, and tampered attributes. Each must fail where tspclient-go fails, with its
//! message. Without openssl the tests print SKIP and pass.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod x509_support;

use ratify_notation::timestamp::verify_countersignature;
use sha2::{Digest, Sha256};
use x509_support::{CA, Pki, SHA256, TSA};

const SIGNATURE: &[u8] = b"the envelope's signature bytes";
const VERIFY: &str =
    "failed to verify the timestamp countersignature with error: failed to verify signed token: ";

// OBJECT IDENTIFIER contents.
const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const TST_INFO: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04,
];
const CONTENT_TYPE: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03];
const MESSAGE_DIGEST: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04];
const SIGNING_CERT_V2: &[u8] = &[
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x2f,
];
const SHA256_OID: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

fn tlv(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let content: Vec<u8> = parts.concat();
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend(content);
    out
}

fn oid(content: &[u8]) -> Vec<u8> {
    tlv(0x06, &[content])
}

fn algorithm(content: &[u8]) -> Vec<u8> {
    tlv(0x30, &[&oid(content), &[0x05, 0x00]])
}

fn attribute(kind: &[u8], value: &[u8]) -> Vec<u8> {
    tlv(0x30, &[&oid(kind), &tlv(0x31, &[value])])
}

/// What to change in an otherwise correct token.
#[derive(Default, Clone, Copy)]
struct Tweak {
    wrong_message_digest: bool,
    no_signing_certificate: bool,
    no_signed_attributes: bool,
}

/// A token over `SIGNATURE` signed by the certificate `signer` (`<signer>.pem`/`.key` in the
/// PKI directory), carrying it and the root.
fn craft(pki: &Pki, signer: &str, tweak: Tweak) -> Vec<u8> {
    let cert = pki.der(signer);
    let root = pki.der("root");
    let gen_time = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day][hour][minute][second]Z"
        ))
        .unwrap();
    let imprint = tlv(
        0x30,
        &[
            &algorithm(SHA256_OID),
            &tlv(0x04, &[&Sha256::digest(SIGNATURE)]),
        ],
    );
    let tst_info = tlv(
        0x30,
        &[
            &[0x02, 0x01, 0x01],
            &oid(&[0x2a, 0x03, 0x04, 0x01]),
            &imprint,
            &[0x02, 0x01, 0x2a],
            &tlv(0x18, &[gen_time.as_bytes()]),
            &tlv(0x30, &[&[0x02, 0x01, 0x01]]),
        ],
    );
    let mut digest = Sha256::digest(&tst_info).to_vec();
    if tweak.wrong_message_digest {
        digest[0] ^= 1;
    }
    // ESSCertIDv2 with the default hash (SHA-256) and no IssuerSerial: the signer identifier
    // names the certificate.
    let ess = tlv(
        0x30,
        &[&tlv(
            0x30,
            &[&tlv(0x30, &[&tlv(0x04, &[&Sha256::digest(&cert)])])],
        )],
    );
    let mut attributes = vec![
        attribute(CONTENT_TYPE, &oid(TST_INFO)),
        attribute(MESSAGE_DIGEST, &tlv(0x04, &[&digest])),
    ];
    if !tweak.no_signing_certificate {
        attributes.push(attribute(SIGNING_CERT_V2, &ess));
    }
    attributes.sort();
    let attribute_refs: Vec<&[u8]> = attributes.iter().map(Vec::as_slice).collect();
    let set = tlv(0x31, &attribute_refs);
    let signed = if tweak.no_signed_attributes {
        &tst_info
    } else {
        &set
    };
    std::fs::write(pki.path().join("tbs.der"), signed).unwrap();
    let key = format!("{signer}.key");
    pki.run(&[
        "dgst", "-sha256", "-sign", &key, "-out", "tbs.sig", "tbs.der",
    ]);
    let signature = std::fs::read(pki.path().join("tbs.sig")).unwrap();
    let (_, parsed) = x509_parser::parse_x509_certificate(&cert).unwrap();
    let tbs = &parsed.tbs_certificate;
    let sid = tlv(
        0x30,
        &[tbs.issuer.as_raw(), &tlv(0x02, &[tbs.raw_serial()])],
    );
    // [0] IMPLICIT SET OF Attribute: the SET's contents under the context tag.
    let implicit = tlv(0xa0, &attribute_refs);
    let signed_attrs: &[u8] = if tweak.no_signed_attributes {
        &[]
    } else {
        &implicit
    };
    let signer_info = tlv(
        0x30,
        &[
            &[0x02, 0x01, 0x01],
            &sid,
            &algorithm(SHA256_OID),
            signed_attrs,
            &algorithm(RSA),
            &tlv(0x04, &[&signature]),
        ],
    );
    let encap = tlv(
        0x30,
        &[&oid(TST_INFO), &tlv(0xa0, &[&tlv(0x04, &[&tst_info])])],
    );
    let signed_data = tlv(
        0x30,
        &[
            &[0x02, 0x01, 0x03],
            &tlv(0x31, &[&algorithm(SHA256_OID)]),
            &encap,
            &tlv(0xa0, &[&cert, &root]),
            &tlv(0x31, &[&signer_info]),
        ],
    );
    tlv(0x30, &[&oid(SIGNED_DATA), &tlv(0xa0, &[&signed_data])])
}

/// A root and TSA certificates `name` with each of the given extension sets.
fn pki(tsas: &[(&str, &str)]) -> Option<(Pki, Vec<u8>)> {
    let pki = Pki::new()?;
    let root = pki.root("root", "rsa:2048", CA, SHA256);
    for (name, ext) in tsas {
        pki.issue(name, "rsa:2048", "root", ext, 30, SHA256);
    }
    Some((pki, root))
}

fn err(token: &[u8], root: &[u8]) -> String {
    verify_countersignature(token, SIGNATURE, &[root.to_vec()])
        .unwrap_err()
        .message
}

#[test]
fn crafted_token_with_a_proper_tsa_certificate_verifies() {
    let Some((pki, root)) = pki(&[("tsa", TSA)]) else {
        return;
    };
    let ts =
        verify_countersignature(&craft(&pki, "tsa", Tweak::default()), SIGNATURE, &[root]).unwrap();
    assert_eq!(ts.accuracy, std::time::Duration::from_secs(1));
}

#[test]
fn tsa_certificate_without_the_timestamping_usage_fails() {
    let ku = "keyUsage=critical,digitalSignature";
    let Some((pki, root)) = pki(&[
        ("none", ku),
        (
            "codesign",
            &format!("{ku}\nextendedKeyUsage=critical,codeSigning"),
        ),
        (
            "noncritical",
            &format!("{ku}\nextendedKeyUsage=timeStamping"),
        ),
        (
            "two",
            &format!("{ku}\nextendedKeyUsage=critical,timeStamping,codeSigning"),
        ),
    ]) else {
        return;
    };
    let only =
        "signing certificate must have and only have ExtKeyUsageTimeStamping as extended key usage";
    // No extended key usage: Go's path check allows any usage, tspclient's own rule does not.
    assert_eq!(
        err(&craft(&pki, "none", Tweak::default()), &root),
        format!("{VERIFY}{only}")
    );
    // Another usage: refused while building the path.
    assert_eq!(
        err(&craft(&pki, "codesign", Tweak::default()), &root),
        format!(
            "{VERIFY}cms verification failure: x509: certificate specifies an incompatible key usage"
        )
    );
    assert_eq!(
        err(&craft(&pki, "noncritical", Tweak::default()), &root),
        format!("{VERIFY}signing certificate extended key usage extension must be set as critical")
    );
    assert_eq!(
        err(&craft(&pki, "two", Tweak::default()), &root),
        format!("{VERIFY}{only}")
    );
}

#[test]
fn tampered_signed_attributes_fail() {
    let Some((pki, root)) = pki(&[("tsa", TSA)]) else {
        return;
    };
    let tweak = |t: Tweak| err(&craft(&pki, "tsa", t), &root);
    assert_eq!(
        tweak(Tweak {
            wrong_message_digest: true,
            ..Tweak::default()
        }),
        format!("{VERIFY}cms verification failure: mismatch message digest")
    );
    assert_eq!(
        tweak(Tweak {
            no_signing_certificate: true,
            ..Tweak::default()
        }),
        format!(
            "{VERIFY}failed to get SigningCertificateV2 from signed attributes: attribute not found"
        )
    );
    assert_eq!(
        tweak(Tweak {
            no_signed_attributes: true,
            ..Tweak::default()
        }),
        format!(
            "{VERIFY}failed to get SigningCertificateV2 from signed attributes: attribute not found"
        )
    );
    // A signature over other bytes than the attributes.
    let mut token = craft(&pki, "tsa", Tweak::default());
    let last = token.len() - 1;
    token[last] ^= 1;
    assert_eq!(
        err(&token, &root),
        format!("{VERIFY}cms verification failure: crypto/rsa: verification error")
    );
}
