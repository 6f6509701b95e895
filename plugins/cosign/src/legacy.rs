//! cosign's simple-signing layers: the annotations each signature layer carries (signature,
//! certificate, chain, Rekor bundle) and the payload's claims. Both are Go `encoding/json`
//! documents, so keys match case-insensitively and, of repeated keys, the last one wins.

use std::collections::BTreeMap;

use crate::bundle::protojson::{Json, std_base64};
use crate::rekor::set::RekorPayload;

/// The signature annotation (base64 of the raw signature over the payload).
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// The signing certificate (PEM), for keyless and bring-your-own PKI signatures.
pub const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
/// The certificate's chain (PEM, intermediates then possibly the root).
pub const CHAIN_ANNOTATION: &str = "dev.sigstore.cosign/chain";
/// The Rekor bundle (JSON): the log entry and its signed entry timestamp.
pub const BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";

/// Certificates read from one annotation, at most: a chain longer than this is refused.
pub const MAX_CHAIN: usize = 10;

/// One signature layer, its annotations decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureLayer {
    /// The signed payload (the layer's bytes).
    pub payload: Vec<u8>,
    /// The signature annotation exactly as carried (Rekor entries are compared with it).
    pub signature_b64: String,
    /// The signing certificate (DER), if any.
    pub certificate: Option<Vec<u8>>,
    /// The chain (DER), leaf-most first.
    pub chain: Vec<Vec<u8>>,
    /// The transparency-log bundle, if any.
    pub rekor_bundle: Option<RekorBundle>,
}

/// cosign's `bundle.RekorBundle`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RekorBundle {
    /// The log's signature over [`RekorPayload`].
    pub signed_entry_timestamp: Vec<u8>,
    /// The entry.
    pub payload: RekorPayload,
}

impl SignatureLayer {
    /// Reads a layer's annotations; `payload` is the layer's content.
    pub fn from_layer(
        annotations: &BTreeMap<String, String>,
        payload: Vec<u8>,
    ) -> Result<Self, String> {
        let signature_b64 = annotations
            .get(SIGNATURE_ANNOTATION)
            .ok_or_else(|| {
                format!("signature layer is missing {SIGNATURE_ANNOTATION:?} annotation")
            })?
            .clone();
        let non_empty = |key: &str| annotations.get(key).filter(|v| !v.is_empty());
        let certificate = match non_empty(CERTIFICATE_ANNOTATION) {
            Some(pem) => Some(
                pem_certificates(pem, CERTIFICATE_ANNOTATION)?
                    .into_iter()
                    .next()
                    .ok_or_else(|| {
                        format!("{CERTIFICATE_ANNOTATION}: no certificate in the PEM")
                    })?,
            ),
            None => None,
        };
        let chain = match non_empty(CHAIN_ANNOTATION) {
            Some(pem) => pem_certificates(pem, CHAIN_ANNOTATION)?,
            None => Vec::new(),
        };
        let rekor_bundle = non_empty(BUNDLE_ANNOTATION)
            .map(|json| parse_rekor_bundle(json.as_bytes()))
            .transpose()?;
        Ok(SignatureLayer {
            payload,
            signature_b64,
            certificate,
            chain,
            rekor_bundle,
        })
    }
}

/// The `CERTIFICATE` blocks of `pem` (DER), at most [`MAX_CHAIN`].
fn pem_certificates(pem: &str, annotation: &str) -> Result<Vec<Vec<u8>>, String> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut out = Vec::new();
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        let cert = cert.map_err(|e| format!("{annotation}: invalid PEM: {e}"))?;
        if out.len() == MAX_CHAIN {
            return Err(format!("{annotation}: more than {MAX_CHAIN} certificates"));
        }
        out.push(cert.as_ref().to_vec());
    }
    Ok(out)
}

/// Go `encoding/json`'s field lookup: the last member whose key equals `name` ignoring ASCII case.
fn field<'a>(members: &'a [(String, Json)], name: &str) -> Option<&'a Json> {
    members
        .iter()
        .rev()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
        .filter(|value| **value != Json::Null)
}

fn object<'a>(value: &'a Json, what: &str) -> Result<&'a [(String, Json)], String> {
    match value {
        Json::Object(members) => Ok(members),
        other => Err(format!(
            "{what}: expected an object, got {}",
            other.type_name()
        )),
    }
}

fn int64(members: &[(String, Json)], name: &str) -> Result<i64, String> {
    match field(members, name) {
        None => Ok(0),
        Some(Json::Number(n)) => n
            .as_i64()
            .ok_or_else(|| format!("bundle Payload.{name}: {n} is not an int64")),
        Some(other) => Err(format!(
            "bundle Payload.{name}: expected a number, got {}",
            other.type_name()
        )),
    }
}

fn string<'a>(members: &'a [(String, Json)], name: &str, what: &str) -> Result<&'a str, String> {
    match field(members, name) {
        None => Ok(""),
        Some(Json::String(s)) => Ok(s),
        Some(other) => Err(format!(
            "{what}.{name}: expected a string, got {}",
            other.type_name()
        )),
    }
}

/// Reads the bundle annotation.
pub fn parse_rekor_bundle(bytes: &[u8]) -> Result<RekorBundle, String> {
    let invalid = |e: String| format!("{BUNDLE_ANNOTATION}: {e}");
    let tree = Json::parse(bytes).map_err(invalid)?;
    let top = object(&tree, "bundle").map_err(invalid)?;
    let set = std_base64(string(top, "SignedEntryTimestamp", "bundle").map_err(invalid)?)
        .map_err(|e| invalid(format!("SignedEntryTimestamp: {e}")))?;
    let payload = object(
        field(top, "Payload").unwrap_or(&Json::Object(Vec::new())),
        "bundle Payload",
    )
    .map_err(invalid)?
    .to_vec();
    let body = match field(&payload, "body") {
        Some(Json::String(s)) => s.clone(),
        _ => return Err(invalid("bundle payload body is not a string".into())),
    };
    Ok(RekorBundle {
        signed_entry_timestamp: set,
        payload: RekorPayload {
            body,
            integrated_time: int64(&payload, "integratedTime").map_err(invalid)?,
            log_index: int64(&payload, "logIndex").map_err(invalid)?,
            log_id: string(&payload, "logID", "bundle Payload")
                .map_err(invalid)?
                .to_owned(),
        },
    })
}

/// The claims of a simple-signing payload cosign checks or reports.
#[derive(Debug, Clone, PartialEq)]
pub struct SimpleSigning {
    /// `critical.image.docker-manifest-digest`: the manifest digest that was signed.
    pub docker_manifest_digest: String,
    /// `critical.identity.docker-reference` (reported, never checked: cosign ignores it).
    pub docker_reference: String,
    /// `critical.type`.
    pub kind: String,
    /// `optional` (annotations given to `cosign sign -a`).
    pub optional: serde_json::Value,
}

/// Reads a simple-signing payload as cosign's `SimpleClaimVerifier` does.
pub fn parse_simple_signing(payload: &[u8]) -> Result<SimpleSigning, String> {
    let invalid =
        |e: String| format!("the signed payload is not a cosign simple-signing document: {e}");
    let tree = Json::parse(payload).map_err(invalid)?;
    let empty = Json::Object(Vec::new());
    let top = object(&tree, "payload").map_err(invalid)?;
    let critical = object(field(top, "critical").unwrap_or(&empty), "critical").map_err(invalid)?;
    let image =
        object(field(critical, "image").unwrap_or(&empty), "critical.image").map_err(invalid)?;
    let identity = object(
        field(critical, "identity").unwrap_or(&empty),
        "critical.identity",
    )
    .map_err(invalid)?;
    Ok(SimpleSigning {
        docker_manifest_digest: string(image, "docker-manifest-digest", "critical.image")
            .map_err(invalid)?
            .to_owned(),
        docker_reference: string(identity, "docker-reference", "critical.identity")
            .map_err(invalid)?
            .to_owned(),
        kind: string(critical, "type", "critical")
            .map_err(invalid)?
            .to_owned(),
        optional: field(top, "optional")
            .map(Json::to_value)
            .unwrap_or_default(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn claims_match_keys_as_go_does() {
        let payload = br#"{"Critical":{"identity":{"docker-reference":"r"},"image":{"Docker-manifest-digest":"sha256:aa","docker-manifest-digest":"sha256:bb"},"type":"cosign container image signature"},"optional":{"a":"b"}}"#;
        let claims = parse_simple_signing(payload).unwrap();
        assert_eq!(claims.docker_manifest_digest, "sha256:bb");
        assert_eq!(claims.docker_reference, "r");
        assert_eq!(claims.optional, serde_json::json!({"a": "b"}));
        assert!(parse_simple_signing(b"[1]").is_err());
        assert!(
            parse_simple_signing(br#"{"critical":{"image":{"docker-manifest-digest":1}}}"#)
                .is_err()
        );
    }

    #[test]
    fn layers_need_a_signature_annotation_and_a_readable_bundle() {
        let mut annotations = BTreeMap::new();
        let err = SignatureLayer::from_layer(&annotations, Vec::new()).unwrap_err();
        assert!(err.contains("missing"), "{err}");
        annotations.insert(SIGNATURE_ANNOTATION.to_owned(), "c2ln".to_owned());
        annotations.insert(BUNDLE_ANNOTATION.to_owned(), r#"{"SignedEntryTimestamp":"AQ==","Payload":{"body":"e30=","integratedTime":5,"logIndex":7,"logID":"ab"}}"#.to_owned());
        let layer = SignatureLayer::from_layer(&annotations, b"p".to_vec()).unwrap();
        let bundle = layer.rekor_bundle.unwrap();
        assert_eq!(bundle.signed_entry_timestamp, vec![1]);
        assert_eq!(
            (bundle.payload.integrated_time, bundle.payload.log_index),
            (5, 7)
        );
        annotations.insert(
            BUNDLE_ANNOTATION.to_owned(),
            r#"{"Payload":{"body":{}}}"#.to_owned(),
        );
        let err = SignatureLayer::from_layer(&annotations, Vec::new()).unwrap_err();
        assert!(err.contains("not a string"), "{err}");
    }
}
