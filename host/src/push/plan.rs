//! What to push and in which order: the manifest graph of the layout (every manifest
//! reachable from index.json, digest-checked), the selection (roots, their children, and
//! referrers of anything selected, transitively) and a push order in which children precede
//! the indexes listing them and subjects precede their referrers.

use std::collections::{HashMap, HashSet, VecDeque};

use ratify_plugin_sdk::wire::Descriptor;
use ratify_plugin_sdk::wire::oci::{
    IMAGE_INDEX, IMAGE_MANIFEST, ImageIndex, ImageManifest, is_index_media_type,
    is_manifest_media_type,
};

use super::layout::Layout;
use crate::digest::Digest;
use crate::error::{Error, Result};

/// The annotation that carries a tag in index.json.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// One manifest of the layout, read and verified.
#[derive(Debug)]
pub struct Node {
    /// The manifest's exact bytes.
    pub bytes: Vec<u8>,
    /// Its media type (its own `mediaType`, else its descriptor's).
    pub media_type: String,
    /// For an index: the manifests it lists.
    pub children: Vec<Digest>,
    /// For an image manifest: its config and layers.
    pub blobs: Vec<Descriptor>,
    /// The manifest it refers to.
    pub subject: Option<Digest>,
    /// Its entry in a referrers index: media type, digest, size, artifact type, annotations.
    pub referrer: Descriptor,
}

/// The layout's manifests by digest, and which referenced manifests it lacks.
#[derive(Debug, Default)]
pub struct Graph {
    /// Manifests present in the layout.
    pub nodes: HashMap<Digest, Node>,
    /// Referrer digests by subject digest.
    referrers: HashMap<Digest, Vec<Digest>>,
}

impl Graph {
    /// Walks every manifest reachable from index.json (and from `extra`, a root given by
    /// digest). Stray blobs are not walked: nothing in the layout published them.
    pub fn build(layout: &Layout, extra: Option<&Digest>) -> Result<Self> {
        let mut graph = Graph::default();
        let mut queue: VecDeque<(Digest, String)> = VecDeque::new();
        for descriptor in &layout.index {
            if is_manifest_media_type(&descriptor.media_type) {
                queue.push_back((
                    parse(layout, &descriptor.digest)?,
                    descriptor.media_type.clone(),
                ));
            }
        }
        if let Some(digest) = extra {
            queue.push_back((digest.clone(), IMAGE_MANIFEST.to_owned()));
        }
        let mut seen = HashSet::new();
        while let Some((digest, listed_type)) = queue.pop_front() {
            if !seen.insert(digest.clone()) {
                continue;
            }
            // Absent manifests are normal in partial layouts; the push reports them if needed.
            let Some(bytes) = layout.manifest(&digest)? else {
                continue;
            };
            let (node, child_types) = read_node(layout, &digest, bytes, &listed_type)?;
            for (child, media_type) in node.children.iter().zip(child_types) {
                queue.push_back((child.clone(), media_type));
            }
            if let Some(subject) = &node.subject {
                graph
                    .referrers
                    .entry(subject.clone())
                    .or_default()
                    .push(digest.clone());
            }
            graph.nodes.insert(digest, node);
        }
        Ok(graph)
    }

    /// `roots`, everything they list, and every referrer of anything selected, transitively.
    pub fn select(&self, roots: &[Digest]) -> HashSet<Digest> {
        let mut selected = HashSet::new();
        let mut work: Vec<Digest> = roots.to_vec();
        while let Some(digest) = work.pop() {
            if !selected.insert(digest.clone()) {
                continue;
            }
            if let Some(node) = self.nodes.get(&digest) {
                work.extend(node.children.iter().cloned());
            }
            if let Some(referrers) = self.referrers.get(&digest) {
                work.extend(referrers.iter().cloned());
            }
        }
        selected
    }

    /// The selected manifests present in the layout, children and subjects first.
    pub fn order(&self, selected: &HashSet<Digest>) -> Vec<Digest> {
        // Sorted start points make the order, and so the output, deterministic.
        let mut starts: Vec<&Digest> = selected.iter().collect();
        starts.sort_by_key(|d| d.to_string());
        let mut order = Vec::new();
        let mut state: HashMap<Digest, bool> = HashMap::new();
        for start in starts {
            self.visit(start, selected, &mut state, &mut order);
        }
        order
    }

    /// Depth-first, post-order. `state` is false while visiting (a cycle, which content
    /// addressing cannot produce, is cut there) and true once emitted.
    fn visit(
        &self,
        digest: &Digest,
        selected: &HashSet<Digest>,
        state: &mut HashMap<Digest, bool>,
        order: &mut Vec<Digest>,
    ) {
        let Some(node) = self.nodes.get(digest) else {
            return;
        };
        if state.contains_key(digest) {
            return;
        }
        state.insert(digest.clone(), false);
        for before in node.children.iter().chain(node.subject.as_ref()) {
            if selected.contains(before) {
                self.visit(before, selected, state, order);
            }
        }
        state.insert(digest.clone(), true);
        order.push(digest.clone());
    }
}

/// The index.json entries to push, each with its tags. `tag`/`digest` pick one entry;
/// without either, every entry is a root and keeps its tags (a tag shaped like a referrers
/// tag is left out: the push regenerates those).
pub fn roots(
    layout: &Layout,
    graph: &Graph,
    tag: Option<&str>,
    digest: Option<&Digest>,
) -> Result<Vec<(Digest, Vec<String>)>> {
    let mut roots: Vec<(Digest, Vec<String>)> = Vec::new();
    let mut position: HashMap<Digest, usize> = HashMap::new();
    if let Some(digest) = digest {
        if !graph.nodes.contains_key(digest) {
            return Err(Error::usage(format!(
                "manifest {digest} is not in the OCI layout at {}",
                layout.path().display()
            )));
        }
        return Ok(vec![(digest.clone(), Vec::new())]);
    }
    for descriptor in &layout.index {
        if !is_manifest_media_type(&descriptor.media_type) {
            continue;
        }
        let name = descriptor.annotations.get(REF_NAME).map(String::as_str);
        if tag.is_some() && name != tag {
            continue;
        }
        if name.is_some_and(is_referrers_tag) {
            if tag.is_some() {
                return Err(Error::usage(format!(
                    "{} is a referrers tag, which the push regenerates; push its subject instead",
                    name.unwrap_or_default()
                )));
            }
            continue;
        }
        let digest = parse(layout, &descriptor.digest)?;
        // One root per manifest, however many index.json entries (tags) it has.
        let at = *position.entry(digest.clone()).or_insert_with(|| {
            roots.push((digest, Vec::new()));
            roots.len() - 1
        });
        let tags = &mut roots[at].1;
        match name {
            Some(name) if !is_valid_tag(name) => tracing::warn!(
                "index.json name {name:?} is not a valid tag; pushing its manifest by digest"
            ),
            // The same tag twice in index.json is one tag.
            Some(name) if !tags.iter().any(|t| t == name) => tags.push(name.to_owned()),
            _ => {}
        }
    }
    if let Some(tag) = tag {
        match roots.len() {
            0 => {
                return Err(Error::usage(format!(
                    "tag {tag} is not in the OCI layout at {} (no index.json entry has {REF_NAME}={tag})",
                    layout.path().display()
                )));
            }
            1 => {}
            _ => {
                return Err(layout.corrupt(format!(
                    "tag {tag} names more than one manifest in index.json"
                )));
            }
        }
    }
    Ok(roots)
}

/// `<alg>-<hex>` of a digest: the referrers tag schema's tag for that subject.
pub fn referrers_tag(subject: &Digest) -> String {
    format!("{}-{}", subject.algorithm(), subject.hex())
}

/// Whether `tag` is shaped like a referrers tag (`sha256-<64 hex>`, `sha512-<128 hex>`).
pub fn is_referrers_tag(tag: &str) -> bool {
    tag.split_once('-')
        .is_some_and(|(alg, hex)| Digest::parse(&format!("{alg}:{hex}")).is_ok())
}

/// The distribution spec's tag grammar: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
pub fn is_valid_tag(tag: &str) -> bool {
    let mut bytes = tag.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        && tag.len() <= 128
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Parses a verified manifest; also returns the media types its children are listed under.
fn read_node(
    layout: &Layout,
    digest: &Digest,
    bytes: Vec<u8>,
    listed: &str,
) -> Result<(Node, Vec<String>)> {
    let bad = |e: serde_json::Error| layout.corrupt(format!("manifest {digest} is malformed: {e}"));
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(bad)?;
    let media_type = match value.get("mediaType").and_then(|v| v.as_str()) {
        Some(own) => own.to_owned(),
        // An index child or index.json entry says what it is; `manifests` settles the rest.
        None if value.get("manifests").is_some() && !is_index_media_type(listed) => {
            IMAGE_INDEX.to_owned()
        }
        None => listed.to_owned(),
    };
    let mut referrer = Descriptor::new(&media_type, digest.to_string(), bytes.len() as u64);
    let mut child_types = Vec::new();
    let (children, blobs, subject) = if is_index_media_type(&media_type) {
        let index: ImageIndex = serde_json::from_value(value).map_err(bad)?;
        referrer.artifact_type = index.artifact_type;
        referrer.annotations = index.annotations;
        // Layers or configs listed by mistake are not manifests; the registry judges those.
        let mut children = Vec::new();
        for child in index
            .manifests
            .iter()
            .filter(|d| is_manifest_media_type(&d.media_type))
        {
            children.push(parse(layout, &child.digest)?);
            child_types.push(child.media_type.clone());
        }
        (children, Vec::new(), index.subject)
    } else {
        let manifest: ImageManifest = serde_json::from_value(value).map_err(bad)?;
        referrer.artifact_type = Some(manifest.effective_artifact_type().to_owned());
        let mut blobs = vec![manifest.config.clone()];
        blobs.extend(manifest.layers.iter().cloned());
        referrer.annotations = manifest.annotations;
        (Vec::new(), blobs, manifest.subject)
    };
    for blob in &blobs {
        parse(layout, &blob.digest)?;
    }
    let subject = subject.map(|s| parse(layout, &s.digest)).transpose()?;
    let node = Node {
        bytes,
        media_type,
        children,
        blobs,
        subject,
        referrer,
    };
    Ok((node, child_types))
}

fn parse(layout: &Layout, digest: &str) -> Result<Digest> {
    Digest::parse(digest).map_err(|reason| layout.corrupt(reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_tags() {
        let hex = "a".repeat(64);
        assert!(is_referrers_tag(&format!("sha256-{hex}")));
        assert!(!is_referrers_tag(&format!("sha256-{}", &hex[1..])));
        assert!(!is_referrers_tag("v1"));
        assert!(is_valid_tag("v1.0_rc-1") && is_valid_tag("_x"));
        assert!(!is_valid_tag("") && !is_valid_tag(".x") && !is_valid_tag("a/b"));
        assert!(!is_valid_tag(&"a".repeat(129)));
    }
}
