//! A referrer must really belong to the subject. The store says which manifests refer to the
//! subject; the host checks the manifest itself before any verifier sees it, so a lying
//! store cannot pass off one image's signed SBOM as another's.

use oci_client::manifest::OciManifest;
use ratify_plugin_sdk::wire::{Descriptor, ManifestContent, Subject};

use crate::error::{Error, Result};

/// Cosign's signatures live under a tag (`sha256-<hex>.sig`) and carry no `subject`; their
/// payload names the image digest, which the cosign verifier checks instead.
pub const COSIGN_TAG_SIGNATURE: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";

/// Checks the fetched (digest-checked) manifest against the listing: its size, its artifact
/// type, and that its `subject` is this subject. Returns the referrer's descriptor as the
/// manifest itself states it, for nested verification.
pub fn check(
    subject: &Subject,
    listed: &Descriptor,
    manifest: &ManifestContent,
) -> Result<Descriptor> {
    let digest = &listed.digest;
    let size = manifest.content.0.len() as u64;
    if size != listed.size {
        return Err(Error::store(format!(
            "referrer {digest} is listed as {} bytes but its manifest is {size}",
            listed.size
        )));
    }
    let parsed = Parsed::from(&manifest.content.0)
        .map_err(|e| Error::artifact(format!("referrer {digest} is not an OCI manifest: {e}")))?;
    let listed_type = listed.artifact_type.as_deref().unwrap_or_default();
    let exempt = listed_type == COSIGN_TAG_SIGNATURE && parsed.subject.is_none();
    if !exempt {
        if parsed.artifact_type != listed_type {
            return Err(Error::store(format!(
                "referrer {digest} is listed as {listed_type:?} but its manifest says {:?}",
                parsed.artifact_type
            )));
        }
        match parsed.subject {
            Some(named) if named == subject.descriptor.digest => {}
            Some(named) => {
                return Err(Error::store(format!(
                    "referrer {digest} was listed for {} but its manifest's subject is {named}",
                    subject.descriptor.digest
                )));
            }
            None => {
                return Err(Error::store(format!(
                    "referrer {digest} was listed for {} but its manifest has no subject",
                    subject.descriptor.digest
                )));
            }
        }
    }
    let mut checked = Descriptor::new(&manifest.media_type, digest, size);
    checked.artifact_type = Some(listed_type.to_owned());
    Ok(checked)
}

struct Parsed {
    artifact_type: String,
    subject: Option<String>,
}

impl Parsed {
    /// Reads the fields that bind a referrer, with oci-client's manifest types.
    fn from(bytes: &[u8]) -> std::result::Result<Self, serde_json::Error> {
        Ok(match serde_json::from_slice::<OciManifest>(bytes)? {
            OciManifest::Image(manifest) => Self {
                artifact_type: manifest
                    .artifact_type
                    .unwrap_or_else(|| manifest.config.media_type.clone()),
                subject: manifest.subject.map(|s| s.digest),
            },
            OciManifest::ImageIndex(index) => Self {
                artifact_type: index.artifact_type.unwrap_or_default(),
                // oci-client's index type has no `subject`; read it directly.
                subject: serde_json::from_slice::<IndexSubject>(bytes)?
                    .subject
                    .map(|s| s.digest),
            },
        })
    }
}

#[derive(serde::Deserialize)]
struct IndexSubject {
    subject: Option<Descriptor>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratify_plugin_sdk::wire::{Base64Bytes, oci};
    use serde_json::json;

    fn subject(digest: &str) -> Subject {
        Subject {
            reference: "r:v1".into(),
            descriptor: Descriptor::new("m", digest, 1),
        }
    }

    fn manifest(value: serde_json::Value) -> (ManifestContent, Descriptor) {
        let bytes = serde_json::to_vec(&value).unwrap();
        let mut listed = Descriptor::new(oci::IMAGE_MANIFEST, "sha256:r", bytes.len() as u64);
        listed.artifact_type = Some("application/spdx+json".into());
        (
            ManifestContent {
                media_type: oci::IMAGE_MANIFEST.into(),
                content: Base64Bytes(bytes),
            },
            listed,
        )
    }

    fn sbom_for(subject: Option<&str>) -> serde_json::Value {
        let mut m = json!({"schemaVersion": 2, "artifactType": "application/spdx+json",
            "config": {"mediaType": oci::EMPTY_CONFIG, "digest": "sha256:e", "size": 2}, "layers": []});
        if let Some(s) = subject {
            m["subject"] = json!({"mediaType": "m", "digest": s, "size": 1});
        }
        m
    }

    #[test]
    fn accepts_a_referrer_of_this_subject() {
        let (content, listed) = manifest(sbom_for(Some("sha256:a")));
        let checked = check(&subject("sha256:a"), &listed, &content).unwrap();
        assert_eq!(checked.size, listed.size);
    }

    #[test]
    fn refuses_what_a_lying_store_lists() {
        let (content, listed) = manifest(sbom_for(Some("sha256:other")));
        assert!(
            check(&subject("sha256:a"), &listed, &content)
                .unwrap_err()
                .message
                .contains("subject is sha256:other")
        );
        let (content, listed) = manifest(sbom_for(None));
        assert!(
            check(&subject("sha256:a"), &listed, &content)
                .unwrap_err()
                .message
                .contains("no subject")
        );
        let (content, mut listed) = manifest(sbom_for(Some("sha256:a")));
        listed.artifact_type = Some("application/vnd.cncf.notary.signature".into());
        assert!(
            check(&subject("sha256:a"), &listed, &content)
                .unwrap_err()
                .message
                .contains("manifest says")
        );
        let (content, mut listed) = manifest(sbom_for(Some("sha256:a")));
        listed.size += 1;
        assert!(
            check(&subject("sha256:a"), &listed, &content)
                .unwrap_err()
                .message
                .contains("listed as")
        );
        let (content, mut listed) = manifest(json!("not a manifest"));
        listed.size = content.content.0.len() as u64;
        assert!(check(&subject("sha256:a"), &listed, &content).is_err());
    }

    #[test]
    fn cosign_tag_signatures_need_no_subject() {
        let (content, mut listed) = manifest(json!({"schemaVersion": 2,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:c", "size": 1}, "layers": []}));
        listed.artifact_type = Some(COSIGN_TAG_SIGNATURE.into());
        assert!(check(&subject("sha256:a"), &listed, &content).is_ok());
    }
}
