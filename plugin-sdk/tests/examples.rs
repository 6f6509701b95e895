//! Every example in `spec/examples/` parses into the SDK's wire types and serializes back to
//! the same JSON, so the spec and the types cannot drift apart.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use ratify_plugin_sdk::wire::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn examples() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/examples");
    let mut found: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(['h', 'p'])
        })
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_owned();
            let value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            (name, value)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        found.len() >= 20,
        "expected the full set of examples in {}",
        dir.display()
    );
    found
}

/// Parses `value` as `T` and checks that serializing it gives back the same JSON.
fn round_trip<T: DeserializeOwned + Serialize>(name: &str, value: &Value) -> T {
    let typed: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| {
        panic!(
            "{name}: does not parse as {}: {e}",
            std::any::type_name::<T>()
        )
    });
    let back = serde_json::to_value(&typed).unwrap();
    assert_eq!(&back, value, "{name}: changed in a round trip");
    typed
}

/// The typed form of a request's params, by direction and method.
fn check_params(name: &str, host_to_plugin: bool, request: &Request) {
    let p = &request.params;
    match (host_to_plugin, request.method.as_str()) {
        (true, method::CONFIGURE) => drop(round_trip::<ConfigureParams>(name, p)),
        (true, method::VERIFY) => drop(round_trip::<VerifyParams>(name, p)),
        (true, method::RESOLVE) => drop(round_trip::<ResolveParams>(name, p)),
        (true, method::LIST_REFERRERS) => drop(round_trip::<ListReferrersParams>(name, p)),
        (true, method::GET_MANIFEST) => drop(round_trip::<GetManifestParams>(name, p)),
        (true, method::GET_BLOB) => drop(round_trip::<GetBlobParams>(name, p)),
        (false, host_method::GET_MANIFEST) => drop(round_trip::<HostGetManifestParams>(name, p)),
        (false, host_method::GET_BLOB) => drop(round_trip::<HostGetBlobParams>(name, p)),
        (false, host_method::LIST_REFERRERS) => {
            drop(round_trip::<HostListReferrersParams>(name, p))
        }
        (_, other) => panic!("{name}: unknown method {other}"),
    }
}

/// The typed form of a response's result, told by the example's file name.
fn check_result(name: &str, result: &Value) {
    let kind = name.split_once('-').unwrap().1;
    match kind {
        k if k.starts_with("configure") => drop(round_trip::<ConfigureResult>(name, result)),
        k if k.starts_with("verify") => drop(round_trip::<VerifyResult>(name, result)),
        k if k.starts_with("resolve") => drop(round_trip::<ResolveResult>(name, result)),
        k if k.starts_with("list-referrers") => drop(round_trip::<ReferrersPage>(name, result)),
        k if k.starts_with("get-manifest") => drop(round_trip::<ManifestContent>(name, result)),
        "get-blob-response.json" if name.starts_with("h2p") => {
            drop(round_trip::<BlobFile>(name, result))
        }
        "get-blob-response.json" => drop(round_trip::<BlobWritten>(name, result)),
        other => panic!("{name}: no result type known for {other}"),
    }
}

#[test]
fn every_example_round_trips_through_the_wire_types() {
    for (name, value) in examples() {
        if name.starts_with("h2p-") {
            match round_trip::<HostMessage>(&name, &value) {
                HostMessage::Request(r) => check_params(&name, true, &r),
                HostMessage::Response(r) => check_result(&name, r.result.as_ref().unwrap()),
                HostMessage::Hello(_) | HostMessage::Shutdown => {}
                other => panic!("{name}: parsed as {other:?}"),
            }
        } else {
            match round_trip::<PluginMessage>(&name, &value) {
                PluginMessage::Request(r) => check_params(&name, false, &r),
                PluginMessage::Response(r) => match (&r.result, &r.error) {
                    (Some(result), None) => check_result(&name, result),
                    (None, Some(_)) => {}
                    _ => panic!("{name}: a response needs exactly one of result and error"),
                },
                PluginMessage::Hello(_) | PluginMessage::Error(_) => {}
                other => panic!("{name}: parsed as {other:?}"),
            }
        }
    }
}

#[test]
fn unknown_values_from_a_newer_peer_are_tolerated() {
    let message: HostMessage =
        serde_json::from_str(r#"{"type":"cancel","id":3,"reason":"new in 1.1"}"#).unwrap();
    assert_eq!(message, HostMessage::Unknown);
    let message: PluginMessage = serde_json::from_str(r#"{"type":"progress","pct":5}"#).unwrap();
    assert_eq!(message, PluginMessage::Unknown);

    let hello: PluginHello = serde_json::from_str(
        r#"{"protocolVersion":"1.4","name":"x","kind":"attestor","version":"9","extra":true,
            "capabilities":{"artifactTypes":["a"],"features":["streaming"],"new":1}}"#,
    )
    .unwrap();
    assert_eq!(hello.kind, PluginKind::Unknown);
    assert_eq!(hello.capabilities.features, ["streaming"]);

    let error: WireError =
        serde_json::from_str(r#"{"code":1234,"message":"m","fault":"network"}"#).unwrap();
    assert_eq!((error.code, error.fault), (1234, Fault::Unknown));
}

#[test]
fn malformed_values_are_rejected_not_guessed() {
    for bad in [
        r#"{"mediaType":"m","digest":"sha256:00","size":-1}"#,
        r#"{"mediaType":"m","digest":"sha256:00"}"#,
        r#"{"digest":"sha256:00","size":1}"#,
    ] {
        assert!(serde_json::from_str::<Descriptor>(bad).is_err(), "{bad}");
    }
    let bad_base64 = r#"{"mediaType":"m","content":"not base64!"}"#;
    let error = serde_json::from_str::<ManifestContent>(bad_base64).unwrap_err();
    assert!(error.to_string().contains("invalid base64"), "{error}");
    let neither = Response {
        id: 1,
        result: None,
        error: None,
    };
    assert_eq!(
        neither.into_result().unwrap_err().code,
        code::MALFORMED_MESSAGE
    );
}
