//! The referrer graph of a layout and paged, filtered referrer listings.
//!
//! Referrers are found two ways: (a) walking every manifest reachable from index.json and
//! keeping those whose `subject` is the subject, and (b) the referrers tag schema, an
//! index.json entry tagged `<alg>-<hex>` that is an image index listing the referrers of
//! `<alg>:<hex>`. Only content reachable from index.json counts: a stray blob in `blobs/`
//! with a matching subject is not a referrer (nothing published it).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use ratify_plugin_sdk::wire::oci::{
    ImageIndex, ImageManifest, is_index_media_type, is_manifest_media_type,
};
use ratify_plugin_sdk::wire::{Descriptor, Fault, ReferrersPage, WireError, code};

use crate::config::DEFAULT_MAX_MANIFEST_BYTES;
use crate::digest::Digest;
use crate::errors;
use crate::layout::{Layout, REF_NAME, media_type_of};

/// The artifact type cosign signature manifests are listed under (as Ratify's registry store
/// lists the `.sig` tag it finds).
pub const COSIGN_SIGNATURE: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";

/// Referrer descriptors by subject digest, each set keyed (and so sorted) by referrer digest.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    by_subject: HashMap<String, BTreeMap<String, Descriptor>>,
    /// Manifests tagged `<alg>-<hex>.sig` (cosign's tag scheme, which has no `subject`), by the
    /// digest the tag names; listed only for configs with `cosignEnabled`.
    cosign: HashMap<String, BTreeMap<String, Descriptor>>,
}

impl Graph {
    /// Walks the layout from index.json and collects every referrer.
    pub fn build(layout: &Layout) -> Result<Self, WireError> {
        let mut graph = Graph::default();
        graph.walk(layout)?;
        graph.add_tag_schema(layout)?;
        graph.add_cosign_tags(layout)?;
        Ok(graph)
    }

    fn walk(&mut self, layout: &Layout) -> Result<(), WireError> {
        let mut queue: VecDeque<Descriptor> = layout.index.iter().cloned().collect();
        let mut seen = HashSet::new();
        while let Some(descriptor) = queue.pop_front() {
            // Layers or configs listed by mistake are not manifests and cannot be referrers.
            if !is_manifest_media_type(&descriptor.media_type) {
                continue;
            }
            let digest = parse_listed(layout, &descriptor.digest)?;
            if !seen.insert(digest.clone()) {
                continue;
            }
            // The walk reads with the hard cap, not a config's lower one: the graph is shared
            // by every config, and an oversized referrer is still reported when fetched.
            let Some(bytes) =
                layout.read_verified(&digest, DEFAULT_MAX_MANIFEST_BYTES, "manifest")?
            else {
                // Partial layouts are normal (a manifest list whose other platforms were not
                // pulled), so an absent child is skipped, not an error.
                continue;
            };
            let media_type = media_type_of(&bytes).map_err(|r| corrupt(layout, &digest, &r))?;
            let size = bytes.len() as u64;
            let mut referrer = Descriptor::new(&media_type, digest.to_string(), size);
            let subject = if is_index_media_type(&media_type) {
                let index: ImageIndex = serde_json::from_slice(&bytes)
                    .map_err(|e| corrupt(layout, &digest, &e.to_string()))?;
                queue.extend(index.manifests);
                referrer.artifact_type = index.artifact_type;
                referrer.annotations = index.annotations;
                index.subject
            } else if is_manifest_media_type(&media_type) {
                let manifest: ImageManifest = serde_json::from_slice(&bytes)
                    .map_err(|e| corrupt(layout, &digest, &e.to_string()))?;
                referrer.artifact_type = Some(manifest.effective_artifact_type().to_string());
                referrer.annotations = manifest.annotations;
                manifest.subject
            } else {
                // The descriptor claimed a manifest but the content says otherwise; it is
                // not something this store can list.
                None
            };
            if let Some(subject) = subject {
                // A manifest read from verified bytes is authoritative: it replaces anything.
                self.by_subject
                    .entry(subject.digest)
                    .or_default()
                    .insert(referrer.digest.clone(), referrer);
            }
        }
        Ok(())
    }

    fn add_tag_schema(&mut self, layout: &Layout) -> Result<(), WireError> {
        for entry in &layout.index {
            let Some(subject) = entry
                .annotations
                .get(REF_NAME)
                .and_then(|tag| referrers_tag_subject(tag))
            else {
                continue;
            };
            if !is_index_media_type(&entry.media_type) {
                continue;
            }
            let digest = parse_listed(layout, &entry.digest)?;
            let Some(bytes) = layout.read_verified(&digest, DEFAULT_MAX_MANIFEST_BYTES, "index")?
            else {
                continue;
            };
            let index: ImageIndex = serde_json::from_slice(&bytes)
                .map_err(|e| corrupt(layout, &digest, &e.to_string()))?;
            let referrers = self.by_subject.entry(subject.to_string()).or_default();
            for listed in index.manifests {
                parse_listed(layout, &listed.digest)?;
                // Descriptors from the tag index are taken as given (they carry artifactType
                // and annotations), unless the walk already read the manifest itself.
                referrers.entry(listed.digest.clone()).or_insert(listed);
            }
        }
        Ok(())
    }

    fn add_cosign_tags(&mut self, layout: &Layout) -> Result<(), WireError> {
        for entry in &layout.index {
            let Some(subject) = entry
                .annotations
                .get(REF_NAME)
                .and_then(|tag| tag.strip_suffix(".sig"))
                .and_then(referrers_tag_subject)
            else {
                continue;
            };
            if is_index_media_type(&entry.media_type) || !is_manifest_media_type(&entry.media_type)
            {
                continue;
            }
            let digest = parse_listed(layout, &entry.digest)?;
            let mut referrer = Descriptor::new(&entry.media_type, digest.to_string(), entry.size);
            referrer.artifact_type = Some(COSIGN_SIGNATURE.to_string());
            self.cosign
                .entry(subject.to_string())
                .or_default()
                .insert(referrer.digest.clone(), referrer);
        }
        Ok(())
    }

    /// One page of the referrers of `subject`, filtered by artifact type when any are given;
    /// with `cosign`, cosign's `.sig` tag for it is listed too.
    pub fn page(
        &self,
        subject: &Digest,
        artifact_types: &[String],
        page_token: Option<&str>,
        page_size: usize,
        cosign: bool,
    ) -> Result<ReferrersPage, WireError> {
        let start = match page_token {
            None => 0,
            // Only plain digits: `+1` or ` 1` were never issued by this store.
            Some(token) => token
                .parse::<usize>()
                .ok()
                .filter(|_| token.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| {
                    WireError::new(
                        code::INVALID_PARAMS,
                        Fault::Host,
                        format!(
                            "page token {token:?} is malformed: this store issues decimal offsets"
                        ),
                    )
                })?,
        };
        let key = subject.to_string();
        let tagged = self.cosign.get(&key).filter(|_| cosign);
        let matching: Vec<&Descriptor> = self
            .by_subject
            .get(&key)
            .into_iter()
            .chain(tagged)
            .flat_map(BTreeMap::values)
            // A `.sig` manifest that also names its subject is listed once.
            .filter({
                let mut seen = HashSet::new();
                move |d| seen.insert(d.digest.as_str())
            })
            .filter(|d| {
                artifact_types.is_empty()
                    || d.artifact_type
                        .as_ref()
                        .is_some_and(|t| artifact_types.contains(t))
            })
            .collect();
        let referrers: Vec<Descriptor> = matching
            .iter()
            .skip(start)
            .take(page_size)
            .map(|d| (*d).clone())
            .collect();
        let end = start.saturating_add(referrers.len());
        let next_page_token = (end < matching.len()).then(|| end.to_string());
        Ok(ReferrersPage {
            referrers,
            next_page_token,
        })
    }
}

/// The subject digest a referrers-tag-schema tag (`sha256-<hex>`) stands for, if it is one.
fn referrers_tag_subject(tag: &str) -> Option<Digest> {
    let (alg, hex) = tag.split_once('-')?;
    Digest::parse(&format!("{alg}:{hex}")).ok()
}

/// A digest listed inside the layout must be well formed; a bad one means a corrupt layout.
fn parse_listed(layout: &Layout, text: &str) -> Result<Digest, WireError> {
    Digest::parse(text).map_err(|reason| {
        errors::unavailable(format!(
            "the OCI layout at {} lists a malformed digest {text:?}: {reason}",
            layout.path().display()
        ))
    })
}

fn corrupt(layout: &Layout, digest: &Digest, reason: &str) -> WireError {
    errors::unavailable(format!(
        "manifest {digest} in the OCI layout at {} cannot be parsed: {reason}",
        layout.path().display()
    ))
}
