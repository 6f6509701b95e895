//! The host's protocol layer against the SDK runtime, in one process over OS pipes: nothing is
//! spawned, so these run fast and deterministic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::BufReader;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ratify::error::Error;
use ratify::plugin::{CallError, Connection, HostServices};
use ratify_plugin_sdk::PluginInfo;
use ratify_plugin_sdk::verifier::{self, Verifier, VerifyRequest};
use ratify_plugin_sdk::wire::{
    Base64Bytes, BlobFile, ManifestContent, PluginKind, ReferrersPage, VerifyResult, WireError,
};
use serde_json::{Value, json};
use tokio::net::unix::pipe;
use tokio::time::Instant;

/// Reads the referrer's manifest and the blob it names through the host; sleeps on request.
struct Echo;

impl Verifier for Echo {
    type Config = ();

    fn info(&self) -> PluginInfo {
        PluginInfo::new("echo", "1.0.0").artifact_types(["*"])
    }

    fn configure(&self, _: &str, _: &Value) -> Result<(), WireError> {
        Ok(())
    }

    fn verify(&self, _: &(), request: VerifyRequest<'_>) -> Result<VerifyResult, WireError> {
        if request.referrer.media_type == "sleep" {
            std::thread::sleep(Duration::from_secs(5));
        }
        let manifest = request.host.get_manifest(&request.referrer.digest)?;
        let blob_digest = String::from_utf8(manifest.content.0).unwrap();
        let blob = request.host.read_blob(&blob_digest, 1024)?;
        Ok(VerifyResult::success(String::from_utf8(blob).unwrap()))
    }
}

/// Serves "manifests" whose content is a blob digest, and blobs from a temp dir.
struct Content {
    dir: tempfile::TempDir,
}

#[async_trait]
impl HostServices for Content {
    async fn get_manifest(&self, digest: &str) -> Result<ManifestContent, Error> {
        if digest == "sha256:missing" {
            return Err(Error::store("manifest sha256:missing is not in the store"));
        }
        Ok(ManifestContent {
            media_type: "m".into(),
            content: Base64Bytes(format!("blob-{digest}").into_bytes()),
        })
    }

    async fn get_blob(&self, digest: &str) -> Result<BlobFile, Error> {
        let path = self.dir.path().join(digest.replace(':', "_"));
        let body = format!("content of {digest}");
        std::fs::write(&path, &body).unwrap();
        Ok(BlobFile {
            digest: digest.into(),
            size: body.len() as u64,
            path: path.display().to_string(),
        })
    }

    async fn list_referrers(&self, _: &str, _: &[String]) -> Result<ReferrersPage, Error> {
        Ok(ReferrersPage::default())
    }
}

async fn connect() -> Arc<Connection> {
    let (plugin_in, host_out) = std::io::pipe().unwrap();
    let (host_in, plugin_out) = std::io::pipe().unwrap();
    std::thread::spawn(move || {
        let mut input = BufReader::new(plugin_in);
        verifier::run_with_io(
            Echo,
            &mut input,
            Box::new(plugin_out),
            Box::new(std::io::sink()),
        )
    });
    let writer = pipe::Sender::from_owned_fd(host_out.into()).unwrap();
    let reader = pipe::Receiver::from_owned_fd(host_in.into()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    let (connection, hello) = Connection::open("echo", reader, writer, 1 << 20, deadline)
        .await
        .unwrap();
    assert_eq!(
        (hello.name.as_str(), hello.kind),
        ("echo", PluginKind::Verifier)
    );
    let configure = json!({"configId": "c", "name": "echo", "config": {}});
    connection
        .call("configure", configure, None, deadline)
        .await
        .unwrap();
    connection
}

fn verify_params(digest: &str, media_type: &str) -> Value {
    json!({"configId": "c",
        "subject": {"reference": "r:v1", "descriptor": {"mediaType": "m", "digest": "sha256:aa", "size": 1}},
        "referrer": {"mediaType": media_type, "digest": digest, "size": 1}})
}

fn services() -> Arc<dyn HostServices> {
    Arc::new(Content {
        dir: tempfile::tempdir().unwrap(),
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verifier_fetches_content_through_the_host() {
    let connection = connect().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let value = connection
        .call(
            "verify",
            verify_params("sha256:01", "m"),
            Some(services()),
            deadline,
        )
        .await
        .unwrap();
    let result: VerifyResult = serde_json::from_value(value).unwrap();
    assert_eq!(result.message, "content of blob-sha256:01");
}

#[tokio::test(flavor = "multi_thread")]
async fn many_requests_share_one_connection_and_each_gets_its_own_answer() {
    let connection = connect().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let calls = (0..64).map(|i| {
        let connection = Arc::clone(&connection);
        tokio::spawn(async move {
            let digest = format!("sha256:{i:02}");
            let value = connection
                .call(
                    "verify",
                    verify_params(&digest, "m"),
                    Some(services()),
                    deadline,
                )
                .await
                .unwrap();
            (
                digest,
                serde_json::from_value::<VerifyResult>(value)
                    .unwrap()
                    .message,
            )
        })
    });
    for call in calls {
        let (digest, message) = call.await.unwrap();
        assert_eq!(message, format!("content of blob-{digest}"));
    }
    assert_eq!(connection.in_flight(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn host_errors_reach_the_plugin_and_come_back_with_their_fault() {
    let connection = connect().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let error = connection
        .call(
            "verify",
            verify_params("sha256:missing", "m"),
            Some(services()),
            deadline,
        )
        .await
        .unwrap_err();
    let CallError::Remote(error) = error else {
        panic!("expected a remote error, got {error:?}")
    };
    assert!(
        error
            .message
            .contains("manifest sha256:missing is not in the store"),
        "{error}"
    );
    assert_eq!(error.fault, ratify_plugin_sdk::wire::Fault::Store);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plugin_request_without_a_live_context_is_refused() {
    let connection = connect().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    // No services registered: the plugin's getManifest names a context the host doesn't know.
    let error = connection
        .call("verify", verify_params("sha256:01", "m"), None, deadline)
        .await
        .unwrap_err();
    let CallError::Remote(error) = error else {
        panic!("{error:?}")
    };
    assert!(
        error.message.contains("is not a verify request in flight"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deadline_closes_the_connection_and_later_calls_fail_fast() {
    let connection = connect().await;
    let deadline = Instant::now() + Duration::from_millis(200);
    let error = connection
        .call(
            "verify",
            verify_params("sha256:01", "sleep"),
            Some(services()),
            deadline,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, CallError::Timeout { .. }), "{error:?}");
    assert!(!connection.is_open());
    let later = Instant::now() + Duration::from_secs(5);
    let error = connection
        .call(
            "verify",
            verify_params("sha256:01", "m"),
            Some(services()),
            later,
        )
        .await
        .unwrap_err();
    let CallError::Closed(reason) = error else {
        panic!("{error:?}")
    };
    assert!(
        reason.contains("plugin echo: did not answer verify"),
        "{reason}"
    );
}
