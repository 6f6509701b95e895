//! Opened layouts, kept by canonical path and reopened when index.json (or the tarball) changes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ratify_plugin_sdk::wire::WireError;

use crate::layout::{self, Layout};
use crate::source::Source;

/// The layouts this process has opened.
#[derive(Debug, Default)]
pub(crate) struct LayoutCache {
    layouts: Mutex<HashMap<PathBuf, Arc<Layout>>>,
}

impl LayoutCache {
    /// The current state of the layout at `path`, opening (or reopening) it when needed.
    pub fn get(&self, path: &Path) -> Result<Arc<Layout>, WireError> {
        let canonical = layout::canonical(path)?;
        let stamp = Source::stamp(&canonical)?;
        if let Some(cached) = self.lock().get(&canonical)
            && cached.stamp == stamp
        {
            return Ok(Arc::clone(cached));
        }
        // Opened outside the lock so one slow layout does not stall requests for others; two
        // racing openers both succeed and the later insert wins, which is harmless.
        let opened = Arc::new(Layout::open(&canonical, stamp)?);
        self.lock().insert(canonical, Arc::clone(&opened));
        Ok(opened)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Arc<Layout>>> {
        // A panic elsewhere cannot leave the map half-updated (inserts are single calls).
        self.layouts.lock().unwrap_or_else(|e| e.into_inner())
    }
}
