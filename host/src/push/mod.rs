//! `ratify push`: copies an OCI image layout (a directory or a `.tar`), with its referrers,
//! into a registry repository. For tests and for mirroring into air-gapped registries.
//!
//! Phases, so a corrupt layout pushes nothing: [`plan`] reads and digest-checks every
//! manifest reachable from index.json and picks what to push; blobs the registry lacks are
//! hashed before any is sent; then blobs go up, then manifests (children before the indexes
//! listing them, subjects before their referrers), each with its exact bytes. Last, for
//! registries without the referrers API, each subject's referrers tag is created or merged
//! ([`referrers`]). A manifest that cannot be pushed (an index listing manifests neither the
//! layout nor the registry has) is reported after everything else is pushed.
//!
//! The layout is read with blocking file I/O on the runtime's thread: the command does
//! nothing else meanwhile, and the reads are local.

mod layout;
mod plan;
mod referrers;
mod remote;
mod tar;
mod target;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use futures::StreamExt;
use ratify_plugin_sdk::wire::Descriptor;
use ratify_plugin_sdk::wire::oci::IMAGE_INDEX;

pub use remote::Connection;

use crate::digest::Digest;
use crate::error::{Error, Result};
use layout::{Layout, Location};
use plan::Graph;

/// Registry requests in flight at once for blobs.
const PARALLEL_BLOBS: usize = 4;

/// When to maintain the referrers tag schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TagSchema {
    /// Only when the registry does not serve the referrers API (probed once).
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// What to push where.
#[derive(Debug, Clone)]
pub struct Options {
    /// `<layout>[:<tag>|@<digest>]`.
    pub source: String,
    /// `<registry>/<repository>`.
    pub target: String,
    /// How to reach the registry.
    pub connection: Connection,
    /// When to maintain referrers tags.
    pub tag_schema: TagSchema,
}

/// What a push did.
#[derive(Debug, Default)]
pub struct Report {
    /// `<registry>/<repository>`.
    pub target: String,
    /// Manifests pushed (referrers indexes included).
    pub manifests: usize,
    /// Tags set (referrers tags included).
    pub tags: usize,
    /// Blobs uploaded.
    pub blobs_pushed: usize,
    /// Blobs the registry already had.
    pub blobs_present: usize,
    /// Manifests that could not be pushed, and why.
    pub problems: Vec<String>,
}

impl Report {
    /// The closing line.
    pub fn summary(&self) -> String {
        format!(
            "pushed {} manifests ({} tags) and {} blobs ({} already present) to {}{}",
            self.manifests,
            self.tags,
            self.blobs_pushed,
            self.blobs_present,
            self.target,
            match self.problems.len() {
                0 => String::new(),
                n => format!("; {n} manifests not pushed"),
            }
        )
    }
}

/// Pushes per `options`, calling `out` with one line per manifest pushed.
pub async fn push(options: &Options, out: &mut dyn FnMut(String)) -> Result<Report> {
    let (path, tag, digest) = parse_source(&options.source)?;
    let layout = Layout::open(&path)?;
    let graph = Graph::build(&layout, digest.as_ref())?;
    let roots = plan::roots(&layout, &graph, tag.as_deref(), digest.as_ref())?;
    let root_digests: Vec<Digest> = roots.iter().map(|(d, _)| d.clone()).collect();
    let tags: HashMap<Digest, Vec<String>> = roots.into_iter().collect();
    let selected = graph.select(&root_digests);
    let order = graph.order(&selected);

    let remote = remote::Remote::connect(&options.target, &options.connection).await?;
    let mut report = Report {
        target: remote.name(),
        ..Report::default()
    };
    let unavailable = push_blobs(&layout, &graph, &order, &remote, &mut report).await?;

    let mut failed: HashSet<Digest> = HashSet::new();
    let mut referrers: BTreeMap<String, (Digest, Vec<Descriptor>)> = BTreeMap::new();
    for digest in &order {
        let Some(node) = graph.nodes.get(digest) else {
            continue;
        };
        if let Some(problem) =
            blocker(&graph, digest, &unavailable, &failed, &remote, &layout).await?
        {
            report.problems.push(problem);
            failed.insert(digest.clone());
            continue;
        }
        let tags = tags.get(digest).map(Vec::as_slice).unwrap_or_default();
        let references = if tags.is_empty() {
            vec![remote.by_digest(&digest.to_string())]
        } else {
            tags.iter().map(|t| remote.by_tag(t)).collect()
        };
        for reference in &references {
            remote
                .push_manifest(reference, &node.bytes, &node.media_type)
                .await?;
        }
        report.manifests += 1;
        report.tags += tags.len();
        out(
            format!("pushed {digest} {} {}", node.media_type, tags.join(" "))
                .trim_end()
                .to_owned(),
        );
        if let Some(subject) = &node.subject {
            let entry = referrers
                .entry(subject.to_string())
                .or_insert_with(|| (subject.clone(), Vec::new()));
            entry.1.push(node.referrer.clone());
        }
    }

    if !referrers.is_empty() && use_tag_schema(options.tag_schema, &remote, &referrers).await? {
        for (subject, descriptors) in referrers.values() {
            let tag = plan::referrers_tag(subject);
            let existing = remote.fetch_index(&tag).await?;
            let merged = referrers::merge(existing.as_deref(), descriptors).map_err(|why| {
                Error::store(format!(
                    "cannot update the referrers tag {tag} in {}: {why}",
                    remote.name()
                ))
            })?;
            let Some(bytes) = merged else {
                continue;
            };
            remote
                .push_manifest(&remote.by_tag(&tag), &bytes, IMAGE_INDEX)
                .await?;
            report.manifests += 1;
            report.tags += 1;
            out(format!(
                "pushed {} {IMAGE_INDEX} {tag}",
                crate::digest::sha256_of(&bytes)
            ));
        }
    }
    Ok(report)
}

/// Uploads the blobs of the manifests in `order` that the registry lacks, after hashing them
/// all. Returns the blobs that neither the layout nor the registry has.
async fn push_blobs(
    layout: &Layout,
    graph: &Graph,
    order: &[Digest],
    remote: &remote::Remote,
    report: &mut Report,
) -> Result<HashSet<Digest>> {
    let mut blobs: Vec<(Digest, u64)> = Vec::new();
    let mut seen = HashSet::new();
    for node in order.iter().filter_map(|d| graph.nodes.get(d)) {
        for blob in &node.blobs {
            let digest = Digest::parse(&blob.digest).map_err(|why| layout.corrupt(why))?;
            if seen.insert(digest.clone()) {
                blobs.push((digest, blob.size));
            }
        }
    }
    let names: Vec<String> = blobs.iter().map(|(d, _)| d.to_string()).collect();
    let present: Vec<Result<bool>> = futures::stream::iter(&names)
        .map(|digest| remote.blob_exists(digest))
        .buffered(PARALLEL_BLOBS)
        .collect()
        .await;
    let mut to_push: Vec<(String, Location)> = Vec::new();
    let mut unavailable = HashSet::new();
    for ((digest, size), present) in blobs.iter().zip(present) {
        if present? {
            report.blobs_present += 1;
            continue;
        }
        match layout.blob(digest)? {
            Some(location) => {
                // Hash everything before sending anything: a corrupt layout pushes nothing.
                layout.verify_blob(digest, &location, *size)?;
                to_push.push((digest.to_string(), location));
            }
            None => {
                unavailable.insert(digest.clone());
            }
        }
    }
    let pushed: Vec<Result<()>> = futures::stream::iter(&to_push)
        .map(|(digest, location)| remote.push_blob(digest, location))
        .buffer_unordered(PARALLEL_BLOBS)
        .collect()
        .await;
    for result in pushed {
        result?;
        report.blobs_pushed += 1;
    }
    Ok(unavailable)
}

/// Why the manifest `digest` cannot be pushed, if it cannot: the registry would refuse it.
async fn blocker(
    graph: &Graph,
    digest: &Digest,
    unavailable: &HashSet<Digest>,
    failed: &HashSet<Digest>,
    remote: &remote::Remote,
    layout: &Layout,
) -> Result<Option<String>> {
    let Some(node) = graph.nodes.get(digest) else {
        return Ok(None);
    };
    let not_pushed = format!("manifest {digest} ({}) was not pushed", node.media_type);
    for blob in &node.blobs {
        if unavailable.iter().any(|d| d.to_string() == blob.digest) {
            return Ok(Some(format!(
                "{not_pushed}: its blob {} is neither in the OCI layout at {} nor in {}",
                blob.digest,
                layout.path().display(),
                remote.name()
            )));
        }
    }
    let mut absent = Vec::new();
    for child in &node.children {
        if failed.contains(child) {
            return Ok(Some(format!(
                "{not_pushed}: it lists {child}, which was not pushed"
            )));
        }
        // A partial index (other platforms not pulled) can only go where they already are.
        if !graph.nodes.contains_key(child) && !remote.manifest_exists(&child.to_string()).await? {
            absent.push(child);
        }
    }
    if let Some(first) = absent.first() {
        let others = match absent.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        return Ok(Some(format!(
            "{not_pushed}: it lists manifest {first}{others}, which the OCI layout at {} lacks \
             (a partial index) and {} does not have, and registries refuse an index whose \
             manifests they lack",
            layout.path().display(),
            remote.name()
        )));
    }
    if let Some(subject) = node.subject.as_ref().filter(|s| failed.contains(*s)) {
        return Ok(Some(format!(
            "{not_pushed}: its subject {subject} was not pushed"
        )));
    }
    Ok(None)
}

/// Whether to write referrers tags: per `mode`, probing the registry for `Auto`.
async fn use_tag_schema(
    mode: TagSchema,
    remote: &remote::Remote,
    referrers: &BTreeMap<String, (Digest, Vec<Descriptor>)>,
) -> Result<bool> {
    Ok(match mode {
        TagSchema::Always => true,
        TagSchema::Never => false,
        TagSchema::Auto => match referrers.keys().next() {
            Some(subject) => !remote.supports_referrers_api(subject).await?,
            None => false,
        },
    })
}

/// `<layout>[:<tag>|@<digest>]` → path, tag, digest. A `:` followed by `/` belongs to the
/// path; when both readings are possible, an existing path wins.
fn parse_source(source: &str) -> Result<(PathBuf, Option<String>, Option<Digest>)> {
    let split = if let Some((path, digest)) = source.rsplit_once('@') {
        Some((path, None, Some(digest)))
    } else {
        source
            .rsplit_once(':')
            .filter(|(_, tag)| !tag.contains('/'))
            .map(|(path, tag)| (path, Some(tag), None))
    };
    let Some((path, tag, digest)) = split else {
        return Ok((PathBuf::from(source), None, None));
    };
    if !Path::new(path).exists() && Path::new(source).exists() {
        return Ok((PathBuf::from(source), None, None));
    }
    if path.is_empty() || tag.is_some_and(str::is_empty) || digest.is_some_and(str::is_empty) {
        return Err(Error::usage(format!(
            "{source:?} is not <layout>, <layout>:<tag> or <layout>@<digest>"
        )));
    }
    let digest = digest
        .map(Digest::parse)
        .transpose()
        .map_err(|why| Error::usage(format!("{source:?}: {why}")))?;
    Ok((PathBuf::from(path), tag.map(str::to_owned), digest))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn parses_sources() {
        let hex = "b".repeat(64);
        let (path, tag, digest) = parse_source("/l/x:v1").unwrap();
        assert_eq!(
            (path, tag, digest),
            (PathBuf::from("/l/x"), Some("v1".into()), None)
        );
        let (path, tag, digest) = parse_source(&format!("a.tar@sha256:{hex}")).unwrap();
        assert_eq!(path, PathBuf::from("a.tar"));
        assert!(tag.is_none() && digest.is_some());
        assert_eq!(parse_source("/a:b/l").unwrap().0, PathBuf::from("/a:b/l"));
        assert_eq!(parse_source("l").unwrap().0, PathBuf::from("l"));
        for bad in ["l@sha256:00", "l:", ":v1"] {
            assert!(parse_source(bad).is_err(), "{bad}");
        }
    }
}
