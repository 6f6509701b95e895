//! What the registry store remembers, so repeated and concurrent verifications cost the
//! registry as little as possible:
//!
//! - [`ContentCache`]: manifests and small blobs by digest, bounded in bytes, least recently
//!   used evicted first. Content is only ever stored after its digest was checked.
//! - [`TtlCache`]: tag resolutions and referrer lists for a few seconds (Ratify's `ttl`).
//! - [`Flights`]: concurrent requests for the same key share one registry fetch.
//!
//! Caching is an optimisation: nothing here can fail a verification.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::OnceCell;
use tokio::time::Instant;

use crate::error::Result;

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Checked content: its media type (for manifests) and bytes.
#[derive(Debug)]
pub struct Cached {
    /// The media type the registry served it with.
    pub media_type: String,
    /// The exact bytes.
    pub bytes: Vec<u8>,
}

/// A byte-bounded LRU of checked content keyed by digest.
pub struct ContentCache {
    state: Mutex<Lru>,
}

#[derive(Default)]
struct Lru {
    entries: HashMap<String, (Arc<Cached>, u64)>,
    by_use: BTreeMap<u64, String>,
    bytes: u64,
    cap: u64,
    clock: u64,
}

impl ContentCache {
    /// A cache holding at most `cap` bytes.
    pub fn new(cap: u64) -> Self {
        Self {
            state: Mutex::new(Lru {
                cap,
                ..Lru::default()
            }),
        }
    }

    /// The content for `digest`, marking it used.
    pub fn get(&self, digest: &str) -> Option<Arc<Cached>> {
        let mut lru = lock(&self.state);
        lru.clock += 1;
        let clock = lru.clock;
        let (entry, used) = lru.entries.get_mut(digest)?;
        let entry = Arc::clone(entry);
        let previous = std::mem::replace(used, clock);
        lru.by_use.remove(&previous);
        lru.by_use.insert(clock, digest.to_owned());
        Some(entry)
    }

    /// Stores checked content; content larger than a quarter of the cache is not kept.
    pub fn put(&self, digest: &str, content: Arc<Cached>) {
        let size = content.bytes.len() as u64;
        let mut lru = lock(&self.state);
        if size > lru.cap / 4 || lru.entries.contains_key(digest) {
            return;
        }
        while lru.bytes + size > lru.cap {
            let Some((_, oldest)) = lru.by_use.pop_first() else {
                break;
            };
            if let Some((evicted, _)) = lru.entries.remove(&oldest) {
                lru.bytes -= evicted.bytes.len() as u64;
            }
        }
        lru.clock += 1;
        let clock = lru.clock;
        lru.by_use.insert(clock, digest.to_owned());
        lru.entries.insert(digest.to_owned(), (content, clock));
        lru.bytes += size;
    }

    /// Bytes held (for tests).
    pub fn bytes(&self) -> u64 {
        lock(&self.state).bytes
    }
}

/// Values that expire after a fixed time.
pub struct TtlCache<V> {
    entries: Mutex<HashMap<String, (V, Instant)>>,
    ttl: Duration,
}

/// Entries kept before expired ones are swept.
const SWEEP_AT: usize = 4096;

impl<V: Clone> TtlCache<V> {
    /// A cache whose entries live `ttl`; a zero `ttl` caches nothing.
    pub fn new(ttl: Duration) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            ttl,
        }
    }

    /// The live value under `key`.
    pub fn get(&self, key: &str) -> Option<V> {
        let entries = lock(&self.entries);
        let (value, expires) = entries.get(key)?;
        (Instant::now() < *expires).then(|| value.clone())
    }

    /// Stores `value` under `key`.
    pub fn put(&self, key: String, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut entries = lock(&self.entries);
        if entries.len() >= SWEEP_AT {
            entries.retain(|_, (_, expires)| *expires > now);
        }
        entries.insert(key, (value, now + self.ttl));
    }
}

/// Single-flight: the first caller for a key runs the fetch; callers arriving while it runs
/// wait for and share its result. If the first caller goes away (its task is cancelled), a
/// waiting caller runs the fetch itself.
pub struct Flights<V> {
    running: Mutex<HashMap<String, Arc<OnceCell<Result<V>>>>>,
}

impl<V: Clone> Default for Flights<V> {
    fn default() -> Self {
        Self {
            running: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> Flights<V> {
    /// Runs `fetch` for `key` unless a fetch for it is already running.
    pub async fn run<F: Future<Output = Result<V>>>(&self, key: &str, fetch: F) -> Result<V> {
        let cell = Arc::clone(lock(&self.running).entry(key.to_owned()).or_default());
        let result = cell.get_or_init(|| fetch).await.clone();
        let mut running = lock(&self.running);
        if running
            .get(key)
            .is_some_and(|current| Arc::ptr_eq(current, &cell))
        {
            running.remove(key);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn content(n: usize) -> Arc<Cached> {
        Arc::new(Cached {
            media_type: "m".into(),
            bytes: vec![0; n],
        })
    }

    #[test]
    fn the_content_cache_stays_within_its_bytes_and_evicts_the_least_recently_used() {
        let cache = ContentCache::new(100);
        cache.put("a", content(20));
        cache.put("b", content(20));
        cache.put("c", content(20));
        assert!(cache.get("a").is_some()); // a is now the most recent
        cache.put("d", content(25));
        cache.put("e", content(25));
        assert!(cache.bytes() <= 100);
        assert!(cache.get("a").is_some(), "recently used survives");
        assert!(cache.get("b").is_none(), "least recently used went first");
        cache.put("huge", content(26));
        assert!(
            cache.get("huge").is_none(),
            "over a quarter of the cache is not kept"
        );
    }

    #[tokio::test]
    async fn concurrent_fetches_of_one_key_run_once() {
        let flights: Arc<Flights<usize>> = Arc::new(Flights::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (flights, calls) = (Arc::clone(&flights), Arc::clone(&calls));
                tokio::spawn(async move {
                    flights
                        .run("k", async {
                            calls.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            Ok(7)
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), 7);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Finished flights are forgotten: a later call fetches again.
        flights
            .run("k", async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(8)
            })
            .await
            .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn ttl_entries_expire() {
        let cache = TtlCache::new(Duration::from_millis(0));
        cache.put("k".into(), 1);
        assert_eq!(cache.get("k"), None, "a zero ttl caches nothing");
        let cache = TtlCache::new(Duration::from_secs(60));
        cache.put("k".into(), 1);
        assert_eq!(cache.get("k"), Some(1));
    }
}
