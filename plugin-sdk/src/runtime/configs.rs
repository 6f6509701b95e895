//! Accepted configs, kept by id: what `configure` stores and later requests look up. Shared
//! by verifiers and stores.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde_json::Value;

use super::params;
use crate::wire::{ConfigureParams, ConfigureResult, Fault, Request, WireError, code};

/// Configs accepted so far, by `configId`.
pub(crate) struct Configs<T> {
    by_id: RwLock<HashMap<String, Arc<T>>>,
}

impl<T> Configs<T> {
    pub(crate) fn new() -> Self {
        Self {
            by_id: RwLock::new(HashMap::new()),
        }
    }

    /// Serves `configure`: validates with `parse` and keeps the result under its id.
    pub(crate) fn configure(
        &self,
        request: &Request,
        parse: impl FnOnce(&str, &Value) -> Result<T, WireError>,
    ) -> Result<Value, WireError> {
        let p: ConfigureParams = params(request)?;
        let config = parse(&p.name, &p.config)?;
        let mut by_id = self.by_id.write().unwrap_or_else(|e| e.into_inner());
        by_id.insert(p.config_id, Arc::new(config));
        to_value(&ConfigureResult {})
    }

    /// The config accepted as `config_id`.
    pub(crate) fn get(&self, config_id: &str) -> Result<Arc<T>, WireError> {
        let by_id = self.by_id.read().unwrap_or_else(|e| e.into_inner());
        by_id.get(config_id).cloned().ok_or_else(|| {
            WireError::new(
                code::UNKNOWN_CONFIG,
                Fault::Host,
                format!("config id {config_id:?} was never accepted by configure"),
            )
        })
    }
}

/// Encodes a method's result.
pub(crate) fn to_value<R: serde::Serialize>(value: &R) -> Result<Value, WireError> {
    serde_json::to_value(value)
        .map_err(|e| WireError::internal(format!("cannot encode result: {e}")))
}

/// The error for a method this kind of plugin does not have.
pub(crate) fn unknown_method(method: &str, kind: &str) -> WireError {
    WireError::new(
        code::UNKNOWN_METHOD,
        Fault::Host,
        format!("a {kind} has no method {method:?}"),
    )
}
