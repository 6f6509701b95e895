//! The OCI distribution spec 1.1 referrers tag schema, for registries without the referrers
//! API: the tag `<alg>-<hex>` of a subject holds an image index listing its referrers. This
//! merges what a push adds into whatever the tag already lists.

use ratify_plugin_sdk::wire::Descriptor;
use ratify_plugin_sdk::wire::oci::{IMAGE_INDEX, ImageIndex};

/// The index to store under a subject's referrers tag, or `None` when `existing` already lists
/// exactly these referrers. Entries for other referrers are kept (someone else pushed them);
/// an entry for one of `ours` is replaced, since ours comes from the manifest itself.
/// `existing` that is not an image index is an error: the tag is not ours to overwrite.
pub fn merge(existing: Option<&[u8]>, ours: &[Descriptor]) -> Result<Option<Vec<u8>>, String> {
    let mut manifests = match existing {
        None => Vec::new(),
        Some(bytes) => {
            let index: ImageIndex = serde_json::from_slice(bytes)
                .map_err(|e| format!("it holds something other than an image index ({e})"))?;
            if index
                .media_type
                .as_deref()
                .is_some_and(|t| t != IMAGE_INDEX)
            {
                return Err(format!(
                    "it holds a {} rather than an image index",
                    index.media_type.unwrap_or_default()
                ));
            }
            index.manifests
        }
    };
    let before = manifests.clone();
    for descriptor in ours {
        match manifests.iter_mut().find(|d| d.digest == descriptor.digest) {
            Some(slot) => *slot = descriptor.clone(),
            None => manifests.push(descriptor.clone()),
        }
    }
    if existing.is_some() && manifests == before {
        return Ok(None);
    }
    let index = ImageIndex {
        schema_version: 2,
        media_type: Some(IMAGE_INDEX.to_owned()),
        artifact_type: None,
        manifests,
        subject: None,
        annotations: Default::default(),
    };
    serde_json::to_vec(&index)
        .map(Some)
        .map_err(|e| format!("cannot encode the referrers index: {e}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn referrer(n: char, artifact_type: &str) -> Descriptor {
        let mut d = Descriptor::new(
            "application/vnd.oci.image.manifest.v1+json",
            format!("sha256:{}", n.to_string().repeat(64)),
            10,
        );
        d.artifact_type = Some(artifact_type.to_owned());
        d
    }

    fn digests(bytes: &[u8]) -> Vec<String> {
        let index: ImageIndex = serde_json::from_slice(bytes).unwrap();
        assert_eq!(index.media_type.as_deref(), Some(IMAGE_INDEX));
        index.manifests.into_iter().map(|d| d.digest).collect()
    }

    #[test]
    fn creates_merges_and_leaves_alone() {
        let (a, b) = (referrer('a', "x/a"), referrer('b', "x/b"));
        let fresh = merge(None, std::slice::from_ref(&a)).unwrap().unwrap();
        assert_eq!(digests(&fresh), std::slice::from_ref(&a.digest));
        let merged = merge(Some(&fresh), &[b.clone(), a.clone()])
            .unwrap()
            .unwrap();
        assert_eq!(digests(&merged), [a.digest.clone(), b.digest.clone()]);
        assert_eq!(merge(Some(&merged), &[b, a]).unwrap(), None);
    }

    #[test]
    fn refuses_to_overwrite_a_non_index() {
        let manifest = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"a","digest":"sha256:00","size":1}}"#;
        assert!(merge(Some(manifest), &[referrer('a', "x")]).is_err());
        assert!(merge(Some(b"not json"), &[referrer('a', "x")]).is_err());
    }
}
