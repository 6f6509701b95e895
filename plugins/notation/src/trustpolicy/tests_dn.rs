//! Unit tests for distinguished names: go-ldap `ParseDN` behaviour, notation's
//! `ParseDistinguishedName` rules (cases from notation-go `internal/pkix/pkix_test.go`) and
//! `IsSubsetDN`.

use super::dn::{DistinguishedName, ldap_rdns_for_test};

fn dn(text: &str) -> DistinguishedName {
    DistinguishedName::parse(text).unwrap()
}

fn err(text: &str) -> String {
    DistinguishedName::parse(text).unwrap_err().message
}

fn pairs(text: &str) -> Vec<Vec<(String, String)>> {
    let rdns = ldap_rdns_for_test(text).unwrap();
    rdns.into_iter()
        .map(|rdn| {
            rdn.into_iter()
                .map(|(k, v)| (String::from_utf8(k).unwrap(), String::from_utf8(v).unwrap()))
                .collect()
        })
        .collect()
}

fn one(kind: &str, value: &str) -> Vec<(String, String)> {
    vec![(kind.to_owned(), value.to_owned())]
}

#[test]
fn pkix_test_cases() {
    assert!(DistinguishedName::parse("C=US,ST=California,O=Notary Project").is_ok());
    assert_eq!(
        dn("C=US,S=California,O=Notary Project").get("ST"),
        Some(&b"California"[..])
    );
    assert!(DistinguishedName::parse("C=US,ST=California").is_err());
    assert!(DistinguishedName::parse("C=US,O=Notary Project").is_err());
    assert!(DistinguishedName::parse("invalid").is_err());
    assert!(DistinguishedName::parse("C=US,ST=California,O=Notary Project,S=California").is_err());
    assert!(DistinguishedName::parse("C=US,ST=California,O=Notary Project=#").is_err());
    assert!(DistinguishedName::parse("OU=Sales+CN=J.  Smith,DC=example,DC=net").is_err());
}

#[test]
fn error_messages_are_notations() {
    assert_eq!(
        err(",,,"),
        "parsing distinguished name (DN) \",,,\" failed with err: incomplete type, value pair. A valid DN must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum, and follow RFC 4514 standard"
    );
    assert_eq!(
        err("C=US,C=IN"),
        "distinguished name (DN) \"C=US,C=IN\" has duplicate RDN attribute for \"C\", DN can only have unique RDN attributes"
    );
    assert_eq!(
        err("C=US,ST=WA"),
        "distinguished name (DN) \"C=US,ST=WA\" has no mandatory RDN attribute for \"O\", it must contain 'C', 'ST' or 'S', and 'O' RDN attributes at a minimum"
    );
    assert_eq!(
        err("C=US+ST=WA,O=MyOrg"),
        "distinguished name (DN) \"C=US+ST=WA,O=MyOrg\" has multi-valued RDN attributes, remove multi-valued RDN attributes as they are not supported"
    );
    assert_eq!(
        err("C=bad=#identity,O=LOL,ST=LOL"),
        "unsupported distinguished name (DN) \"C=bad=#identity,O=LOL,ST=LOL\": notation does not support x509.subject identities containing \"=#\""
    );
    assert!(
        err("C=US,ST=WA,O").contains("failed with err: DN ended with incomplete type, value pair.")
    );
    // Only blanks: go-ldap returns an empty DN, then C is missing.
    assert!(err(" \t").contains("has no mandatory RDN attribute for \"C\""));
}

#[test]
fn ldap_splitting_and_trimming() {
    assert_eq!(
        pairs(" CN=e2e,O=Notary"),
        vec![one("CN", "e2e"), one("O", "Notary")]
    );
    assert_eq!(
        pairs("C=US, ST=WA ; O = x"),
        vec![one("C", "US"), one("ST", "WA"), one("O", "x")]
    );
    assert_eq!(pairs("O=  My.  Org"), vec![one("O", "My.  Org")]);
    // Only the first `=` ends the type.
    assert_eq!(pairs("CN=a=b"), vec![one("CN", "a=b")]);
    // A type that trims to nothing leaves the pair open for the next `=`.
    assert_eq!(pairs(" =a=b"), vec![one("a", "b")]);
    assert_eq!(pairs("O=a+OU=b,C=c").len(), 2);
    assert!(ldap_rdns_for_test("=a,b").is_err());
}

#[test]
fn ldap_escapes() {
    assert_eq!(
        pairs(r#"O=My "special" Org \, \; \\ others"#),
        vec![one("O", r#"My "special" Org , ; \ others"#)]
    );
    assert_eq!(pairs(r"CN=\41\42"), vec![one("CN", "AB")]);
    assert_eq!(pairs(r"CN=caf\c3\a9"), vec![one("CN", "café")]);
    assert_eq!(pairs(r"CN=\ lead\ "), vec![one("CN", " lead ")]);
    assert_eq!(pairs(r"CN=\#x\+\="), vec![one("CN", "#x+=")]);
    // go-ldap keeps an unescaped trailing space after an escaped backslash.
    assert_eq!(pairs("CN=a\\\\ "), vec![one("CN", "a\\ ")]);
    assert_eq!(
        ldap_rdns_for_test(r"CN=a\").unwrap_err(),
        r"got corrupted escaped character: 'a\'"
    );
    assert_eq!(
        ldap_rdns_for_test(r"CN=\4").unwrap_err(),
        "failed to decode escaped character: encoding/hex: invalid byte: 4"
    );
    assert_eq!(
        ldap_rdns_for_test(r"CN=\4g").unwrap_err(),
        "failed to decode escaped character: encoding/hex: invalid byte: U+0067 'g'"
    );
    assert_eq!(
        ldap_rdns_for_test(r"CN=\é1").unwrap_err(),
        "failed to decode escaped character: invalid byte: é1"
    );
}

#[test]
fn escaped_bytes_need_not_be_utf8() {
    let parsed = dn(r"C=US,ST=WA,O=\ff");
    assert_eq!(parsed.get("O"), Some(&[0xff][..]));
    assert_eq!(
        parsed.go_map_string(),
        r#"map["C":"US" "O":"\xff" "ST":"WA"]"#
    );
    assert!(!dn(r"C=US,ST=WA,O=\fe").is_subset_of(&parsed));
}

#[test]
fn attribute_types_are_case_sensitive() {
    assert!(err("c=US,ST=WA,O=x").contains("no mandatory RDN attribute for \"C\""));
    assert!(err("C=US,s=WA,O=x").contains("no mandatory RDN attribute for \"ST\""));
}

#[test]
fn empty_values_follow_go_maps() {
    // An empty value counts as absent for the mandatory check...
    assert!(err("C=,ST=WA,O=x").contains("no mandatory RDN attribute for \"C\""));
    // ...may be repeated (Go only refuses to overwrite a non-empty value)...
    assert_eq!(dn("C=,C=US,ST=WA,O=x").get("C"), Some(&b"US"[..]));
    // ...and matches a subject without that attribute.
    let subject = dn("C=US,ST=WA,O=x");
    assert!(dn("C=US,ST=WA,O=x,OU=").is_subset_of(&subject));
}

#[test]
fn subset_semantics() {
    let subject = dn("CN=SomeCN,OU=SomeOU,O=SomeOrg,L=Seattle,ST=WA,C=US");
    assert!(dn("C=US,O=SomeOrg,ST=WA").is_subset_of(&subject));
    assert!(dn("C=US,O=SomeOrg,S=WA").is_subset_of(&subject));
    assert!(!dn("C=IND,O=SomeOrg,ST=TS").is_subset_of(&subject));
    assert!(!dn("C=US,O=SomeOrg,ST=WA,CN=Other").is_subset_of(&subject));
    // Values compare exactly: no case folding, no whitespace normalisation inside values.
    assert!(!dn("C=us,O=SomeOrg,ST=WA").is_subset_of(&subject));
    assert!(subject.is_subset_of(&subject));
}

#[test]
fn go_map_string_sorts_keys() {
    assert_eq!(
        dn("CN=LOL,O=DummyOrg,L=Hyderabad,ST=TG,C=IN").go_map_string(),
        r#"map["C":"IN" "CN":"LOL" "L":"Hyderabad" "O":"DummyOrg" "ST":"TG"]"#
    );
    assert_eq!(
        dn(" CN=e2e,O=Notary,ST=WA,C=US").to_string(),
        " CN=e2e,O=Notary,ST=WA,C=US"
    );
}
