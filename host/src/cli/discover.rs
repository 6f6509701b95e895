//! `ratify discover`: the tree of referrers attached to a subject.

use std::collections::BTreeSet;

use ratify_plugin_sdk::wire::{Descriptor, Subject};
use serde::Serialize;
use tokio::time::Instant;

use super::Format;
use crate::engine::Engine;
use crate::error::Result;
use crate::store::reference;

/// How deep `discover` follows referrers of referrers.
const MAX_DEPTH: usize = 8;

/// A subject or referrer and what refers to it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Node {
    descriptor: Descriptor,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    referrers: Vec<Node>,
}

/// Resolves `reference` and walks its referrers (types filter the first level only, so
/// signatures on an SBOM still show under it).
pub(super) async fn discover(
    engine: &Engine,
    reference: &str,
    types: &[String],
) -> Result<(String, Node)> {
    let deadline = Instant::now() + engine.executor.timeout();
    let descriptor = engine.content.resolve(reference, deadline).await?;
    let mut visited = BTreeSet::new();
    let subject = Subject {
        reference: reference.to_owned(),
        descriptor,
    };
    let node = walk(engine, subject, types, 0, &mut visited, deadline).await?;
    Ok((reference.to_owned(), node))
}

fn walk<'a>(
    engine: &'a Engine,
    subject: Subject,
    types: &'a [String],
    depth: usize,
    visited: &'a mut BTreeSet<String>,
    deadline: Instant,
) -> futures::future::BoxFuture<'a, Result<Node>> {
    Box::pin(async move {
        visited.insert(subject.descriptor.digest.clone());
        let mut node = Node {
            descriptor: subject.descriptor.clone(),
            referrers: Vec::new(),
        };
        if depth >= MAX_DEPTH {
            return Ok(node);
        }
        let filter = if depth == 0 { types } else { &[] };
        for referrer in engine.content.referrers(&subject, filter, deadline).await? {
            if visited.contains(&referrer.digest) {
                continue; // a cycle: shown once
            }
            let child = Subject {
                reference: reference::with_digest(&subject.reference, &referrer.digest),
                descriptor: referrer,
            };
            node.referrers
                .push(walk(engine, child, &[], depth + 1, visited, deadline).await?);
        }
        Ok(node)
    })
}

/// Text tree, flat list, or JSON.
pub(super) fn render(found: &(String, Node), flat: bool, format: Format) -> String {
    let (reference, root) = found;
    if format == Format::Json {
        return super::commands::to_pretty_json(root)
            .map(|s| s + "\n")
            .unwrap_or_default();
    }
    let mut out = format!(
        "{}@{}\n",
        reference::repository(reference),
        root.descriptor.digest
    );
    if flat {
        flat_lines(&mut out, root, 1);
    } else {
        tree_lines(&mut out, root, "");
    }
    if root.referrers.is_empty() {
        out.push_str("(no referrers)\n");
    }
    out
}

fn label(node: &Node) -> String {
    let artifact_type = node
        .descriptor
        .artifact_type
        .as_deref()
        .unwrap_or(&node.descriptor.media_type);
    format!("{} [{artifact_type}]", node.descriptor.digest)
}

fn tree_lines(out: &mut String, node: &Node, prefix: &str) {
    let count = node.referrers.len();
    for (i, child) in node.referrers.iter().enumerate() {
        let last = i + 1 == count;
        out.push_str(&format!(
            "{prefix}{}{}\n",
            if last { "└── " } else { "├── " },
            label(child)
        ));
        let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
        tree_lines(out, child, &deeper);
    }
}

fn flat_lines(out: &mut String, node: &Node, depth: usize) {
    for child in &node.referrers {
        out.push_str(&format!("{depth} {}\n", label(child)));
        flat_lines(out, child, depth + 1);
    }
}
