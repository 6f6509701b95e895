//! Unit tests for certificate subjects rendered as Go's `pkix.Name.String()`, on hand-built
//! DER names covering the cases the interop certificates do not (unknown attributes, repeated
//! types, multi-valued RDNs, legacy string types).

use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

use super::DistinguishedName;
use super::x509name::go_name_string;

const C: &[u8] = &[0x55, 4, 6];
const ST: &[u8] = &[0x55, 4, 8];
const O: &[u8] = &[0x55, 4, 10];
const OU: &[u8] = &[0x55, 4, 11];
const CN: &[u8] = &[0x55, 4, 3];
const EMAIL: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 9, 1];

const PRINTABLE: u8 = 0x13;
const UTF8: u8 = 0x0c;
const IA5: u8 = 0x16;
const T61: u8 = 0x14;

/// One attribute: (type OID body, string tag, value).
type Atv = (&'static [u8], u8, &'static [u8]);

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    assert!(content.len() < 0x80);
    let mut out = vec![tag, content.len() as u8];
    out.extend_from_slice(content);
    out
}

fn atv(oid: &[u8], tag: u8, value: &[u8]) -> Vec<u8> {
    tlv(0x30, &[tlv(0x06, oid), tlv(tag, value)].concat())
}

/// A Name from RDNs, each a list of (type, string tag, value).
fn name(rdns: &[&[Atv]]) -> Vec<u8> {
    let sets: Vec<u8> = rdns
        .iter()
        .flat_map(|rdn| {
            let atvs: Vec<u8> = rdn
                .iter()
                .flat_map(|(oid, tag, value)| atv(oid, *tag, value))
                .collect();
            tlv(0x31, &atvs)
        })
        .collect();
    tlv(0x30, &sets)
}

fn render(der: &[u8]) -> (String, Result<DistinguishedName, String>) {
    let (_, parsed) = X509Name::from_der(der).unwrap();
    let text = go_name_string(&parsed).unwrap();
    (
        text,
        DistinguishedName::from_x509_name(&parsed).map_err(|e| e.message),
    )
}

const BASE: [&[Atv]; 3] = [
    &[(C, PRINTABLE, b"US")],
    &[(ST, PRINTABLE, b"WA")],
    &[(O, UTF8, b"Org")],
];

#[test]
fn named_attributes_print_in_go_order() {
    let der = name(&[BASE[2], &[(CN, UTF8, b"leaf, \"one\"")], BASE[0], BASE[1]]);
    let (text, dn) = render(&der);
    assert_eq!(text, "CN=leaf\\, \\\"one\\\",O=Org,ST=WA,C=US");
    assert_eq!(dn.unwrap().get("CN"), Some(&b"leaf, \"one\""[..]));
}

#[test]
fn unknown_attributes_are_hex_and_refused() {
    let der = name(&[BASE[0], BASE[1], BASE[2], &[(EMAIL, IA5, b"a@b")]]);
    let (text, dn) = render(&der);
    assert_eq!(text, "O=Org,ST=WA,C=US,1.2.840.113549.1.9.1=#0c03614062");
    assert!(
        dn.unwrap_err()
            .contains("notation does not support x509.subject identities containing \"=#\"")
    );
}

#[test]
fn repeated_types_become_multi_valued() {
    let der = name(&[
        BASE[0],
        BASE[1],
        BASE[2],
        &[(OU, UTF8, b"x")],
        &[(OU, UTF8, b"y")],
    ]);
    let (text, dn) = render(&der);
    assert_eq!(text, "OU=x+OU=y,O=Org,ST=WA,C=US");
    assert!(dn.unwrap_err().contains("has multi-valued RDN attributes"));
}

#[test]
fn certificate_multi_valued_rdns_are_flattened() {
    let der = name(&[&[
        (C, PRINTABLE, b"US"),
        (ST, PRINTABLE, b"WA"),
        (O, UTF8, b"Org"),
    ]]);
    let (text, dn) = render(&der);
    assert_eq!(text, "O=Org,ST=WA,C=US");
    assert!(dn.is_ok());
}

#[test]
fn last_common_name_wins_and_empty_is_dropped() {
    let two = name(&[
        BASE[0],
        BASE[1],
        BASE[2],
        &[(CN, UTF8, b"first")],
        &[(CN, UTF8, b"second")],
    ]);
    assert_eq!(render(&two).0, "CN=second,O=Org,ST=WA,C=US");
    let empty = name(&[
        BASE[0],
        BASE[1],
        BASE[2],
        &[(CN, UTF8, b"first")],
        &[(CN, UTF8, b"")],
    ]);
    assert_eq!(render(&empty).0, "O=Org,ST=WA,C=US");
}

#[test]
fn legacy_string_types() {
    let der = name(&[BASE[0], BASE[1], &[(O, T61, b"caf\xe9")]]);
    assert_eq!(render(&der).1.unwrap().get("O"), Some("café".as_bytes()));
    let bad = name(&[BASE[0], BASE[1], &[(O, PRINTABLE, b"a@b")]]);
    let (_, parsed) = X509Name::from_der(&bad).unwrap();
    assert_eq!(
        go_name_string(&parsed).unwrap_err().message,
        "x509: invalid RDN value: invalid PrintableString"
    );
}
