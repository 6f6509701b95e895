//! The process pool against the real `ratify-misbehave` binary, in-process so the test can
//! see its own children: restarts with replayed configs, backoff, kills on deadline, reaping.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use ratify::plugin::{PluginPool, ProcessSettings};
use ratify_plugin_sdk::wire::{ConfigureParams, PluginKind};
use serde_json::{Value, json};
use tokio::time::Instant;

fn pool(max_processes: usize) -> PluginPool {
    let settings = ProcessSettings {
        max_line: 1 << 20,
        max_log_bytes: 1 << 20,
        env_passthrough: Vec::new(),
        log_level: None,
    };
    let path = support::bin_dir().join("ratify-misbehave");
    PluginPool::new(
        "misbehave",
        &path,
        PluginKind::Verifier,
        settings,
        Duration::from_secs(5),
        max_processes,
    )
}

async fn configure(pool: &PluginPool, id: &str, config: Value) {
    let params = ConfigureParams {
        config_id: id.into(),
        name: id.into(),
        config,
    };
    pool.configure(params, soon()).await.unwrap();
}

fn soon() -> Instant {
    Instant::now() + Duration::from_secs(5)
}

fn verify(config_id: &str) -> Value {
    json!({"configId": config_id,
        "subject": {"reference": "r:v1", "descriptor": {"mediaType": "m", "digest": "sha256:aa", "size": 1}},
        "referrer": {"mediaType": "m", "digest": "sha256:bb", "size": 1}})
}

/// Gone from /proc: a zombie (exited, not reaped) still has an entry there.
fn reaped(pid: u32) -> bool {
    !Path::new(&format!("/proc/{pid}")).exists()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crashed_plugin_is_reaped_and_restarted_with_every_accepted_config() {
    let pool = pool(1);
    configure(&pool, "ok", json!({"mode": "success"})).await;
    configure(&pool, "die", json!({"mode": "die-mid-request"})).await;
    let first = pool.pids().await;
    assert_eq!(first.len(), 1);

    let error = pool
        .call("verify", verify("die"), None, soon())
        .await
        .unwrap_err();
    assert!(error.message.contains("exited with status 7"), "{error}");
    assert!(
        support::eventually(Duration::from_secs(2), || reaped(first[0])),
        "crashed plugin not reaped"
    );

    // The next call starts a new process, which must know both configs again.
    pool.call("verify", verify("ok"), None, soon())
        .await
        .unwrap();
    let second = pool.pids().await;
    assert_eq!(second.len(), 1);
    assert_ne!(second, first);
    pool.shutdown(Duration::from_secs(2)).await;
    assert!(support::eventually(Duration::from_secs(2), || reaped(
        second[0]
    )));
}

#[tokio::test(flavor = "multi_thread")]
async fn restarts_back_off_and_never_past_the_deadline() {
    let pool = pool(1);
    configure(&pool, "die", json!({"mode": "die-mid-request"})).await;
    for _ in 0..3 {
        let _ = pool
            .call("verify", verify("die"), None, soon())
            .await
            .unwrap_err();
    }
    // Three failures in a row: the next start waits out a backoff longer than 20 ms.
    let tight = Instant::now() + Duration::from_millis(20);
    let error = pool
        .call("verify", verify("die"), None, tight)
        .await
        .unwrap_err();
    assert!(error.message.contains("past the deadline"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_past_its_deadline_kills_and_reaps_the_process() {
    let pool = pool(1);
    configure(&pool, "hang", json!({"mode": "never-answer"})).await;
    let pid = pool.pids().await[0];
    let deadline = Instant::now() + Duration::from_millis(300);
    let error = pool
        .call("verify", verify("hang"), None, deadline)
        .await
        .unwrap_err();
    assert!(
        error.message.contains("did not answer verify within"),
        "{error}"
    );
    assert!(
        reaped(pid),
        "the killed plugin was not reaped by the time the call returned"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_calls_share_processes_up_to_the_pool_size() {
    let pool = std::sync::Arc::new(pool(2));
    configure(&pool, "slow", json!({"mode": "slow", "delayMs": 200})).await;
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let pool = std::sync::Arc::clone(&pool);
            tokio::spawn(async move { pool.call("verify", verify("slow"), None, soon()).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let pids = pool.pids().await;
    assert!(!pids.is_empty() && pids.len() <= 2, "{pids:?}");
    pool.shutdown(Duration::from_secs(2)).await;
    for pid in pids {
        assert!(support::eventually(Duration::from_secs(2), || reaped(pid)));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_caller_never_waits_past_its_deadline_for_another_callers_start() {
    let plugins = support::plugin_dir(&[("misbehave-slow-handshake", "ratify-misbehave")]);
    let settings = ProcessSettings {
        max_line: 1 << 20,
        max_log_bytes: 1 << 20,
        env_passthrough: Vec::new(),
        log_level: None,
    };
    let path = plugins.path().join("ratify-misbehave-slow-handshake");
    let pool = std::sync::Arc::new(PluginPool::new(
        "slow",
        &path,
        PluginKind::Verifier,
        settings,
        Duration::from_secs(5),
        1,
    ));
    let starter = {
        let pool = std::sync::Arc::clone(&pool);
        tokio::spawn(async move {
            pool.call(
                "verify",
                verify("any"),
                None,
                Instant::now() + Duration::from_secs(6),
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let hurried = pool
        .call(
            "verify",
            verify("any"),
            None,
            Instant::now() + Duration::from_millis(300),
        )
        .await;
    let error = hurried.unwrap_err();
    assert!(
        error
            .message
            .contains("no process became available before the deadline"),
        "{error}"
    );
    // The hurried caller must not have harmed the process the first caller is starting.
    starter.await.unwrap().unwrap();
    pool.shutdown(Duration::from_secs(2)).await;
}
