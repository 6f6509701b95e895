//! Listing a subject's referrers on a registry: the OCI 1.1 referrers API
//! (`GET /v2/<name>/referrers/<digest>`, `artifactType` filter, `Link` pagination, filtering
//! client-side when the registry did not), else the referrers tag schema (`<alg>-<hex>` tag
//! holding an index), plus cosign's `<alg>-<hex>.sig` tag when `cosignEnabled`, presented as
//! a referrer of type `application/vnd.dev.cosign.artifact.sig.v1+json` as Ratify does.
//!
//! Pages are handed to the caller one at a time (the page token is the next URL), so the
//! caller's referrer cap stops the listing early; a registry's answer to "is there a
//! referrers API" is remembered per registry.

use ratify_plugin_sdk::wire::{Descriptor, ReferrersPage, Subject, oci};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use tokio::time::Instant;

use super::{RegistryStore, Target, expect_ok};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::executor::COSIGN_TAG_SIGNATURE;

/// Largest referrers index accepted per page.
const MAX_INDEX_BYTES: u64 = 4 * 1024 * 1024;
/// Page token meaning "the tag schema, after the API said 404".
const TAG_SCHEMA: &str = "tag-schema";

pub(super) async fn page(
    store: &RegistryStore,
    subject: &Subject,
    types: &[String],
    token: Option<String>,
    deadline: Instant,
) -> Result<ReferrersPage> {
    let target = Target::parse(&subject.reference)?;
    let digest = Digest::parse(&subject.descriptor.digest).map_err(Error::store)?;
    let key = format!(
        "{}/{}@{digest}|{}|{}",
        target.registry,
        target.repository,
        serde_json::to_string(types).unwrap_or_default(),
        token.as_deref().unwrap_or("")
    );
    if let Some(hit) = store.referrer_pages.get(&key) {
        return Ok(hit);
    }
    store
        .referrer_flights
        .run(&key, async {
            let page = fetch(store, &target, &digest, types, token.as_deref(), deadline).await?;
            store.referrer_pages.put(key.clone(), page.clone());
            Ok(page)
        })
        .await
}

/// One page, computed (shared by concurrent callers through the flight above).
async fn fetch(
    store: &RegistryStore,
    target: &Target,
    digest: &Digest,
    types: &[String],
    token: Option<&str>,
    deadline: Instant,
) -> Result<ReferrersPage> {
    let api_known = store
        .referrers_api
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&format!("{}/{}", target.registry, target.repository))
        .copied();
    let mut page = match token {
        Some(TAG_SCHEMA) => tag_schema(store, target, digest, deadline).await?,
        // Only the first request may say "no referrers API": a later page that 404s means the
        // listing broke off, and a partial list must never be evaluated as the whole.
        Some(next) => api_page(store, target, next, types, deadline)
            .await?
            .ok_or_else(|| {
                Error::store(format!(
                    "registry {} answered 404 for a next page of referrers ({next})",
                    target.registry
                ))
            })?,
        None if api_known == Some(false) => tag_schema(store, target, digest, deadline).await?,
        None => {
            let url = first_url(store, target, digest, types);
            match api_page(store, target, &url, types, deadline).await? {
                Some(page) => {
                    remember(store, target, true);
                    page
                }
                None => {
                    remember(store, target, false);
                    tag_schema(store, target, digest, deadline).await?
                }
            }
        }
    };
    if token.is_none()
        && store.config.cosign_enabled
        && let Some(signature) = cosign_tag(store, target, digest, deadline).await?
        && !page.referrers.iter().any(|r| r.digest == signature.digest)
    {
        page.referrers.push(signature);
    }
    page.referrers.retain(|r| {
        types.is_empty() || r.artifact_type.as_ref().is_some_and(|t| types.contains(t))
    });
    Ok(page)
}

fn remember(store: &RegistryStore, target: &Target, supported: bool) {
    store
        .referrers_api
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(
            format!("{}/{}", target.registry, target.repository),
            supported,
        );
}

fn first_url(store: &RegistryStore, target: &Target, digest: &Digest, types: &[String]) -> String {
    let mut url = format!(
        "{}/v2/{}/referrers/{digest}",
        store.base(target),
        target.repository
    );
    // The API filters by one type; with several, list all and filter here.
    if let [only] = types {
        url.push_str(&format!("?artifactType={}", encode(only)));
    }
    url
}

/// One page from the referrers API, or `None` when the registry has no such API (404).
async fn api_page(
    store: &RegistryStore,
    target: &Target,
    url: &str,
    types: &[String],
    deadline: Instant,
) -> Result<Option<ReferrersPage>> {
    let base = store.base(target);
    same_origin(&base, url).map_err(|why| {
        Error::store(format!(
            "registry {} sent an unusable next-page link {url:?}: {why}",
            target.registry
        ))
    })?;
    let response = store
        .request(
            target,
            Method::GET,
            url,
            oci::IMAGE_INDEX,
            MAX_INDEX_BYTES,
            deadline,
        )
        .await?;
    if response.status == StatusCode::NOT_FOUND {
        return Ok(None);
    }
    let response = expect_ok(response, target, "the referrers list")?;
    let index: oci::ImageIndex = serde_json::from_slice(&response.body).map_err(|e| {
        Error::store(format!(
            "registry {} answered the referrers API with something that is not an image index: {e}",
            target.registry
        ))
    })?;
    let filtered = response
        .headers
        .get("oci-filters-applied")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|f| f.trim() == "artifactType"));
    let mut referrers = index.manifests;
    if !filtered && !types.is_empty() {
        referrers.retain(|r| r.artifact_type.as_ref().is_some_and(|t| types.contains(t)));
    }
    let next_page_token = next_link(&response.headers).map(|link| absolute(&base, &link));
    Ok(Some(ReferrersPage {
        referrers,
        next_page_token,
    }))
}

/// The referrers tag schema: the index under tag `<alg>-<hex>`, if any.
async fn tag_schema(
    store: &RegistryStore,
    target: &Target,
    digest: &Digest,
    deadline: Instant,
) -> Result<ReferrersPage> {
    let tag = format!("{}-{}", digest.algorithm(), digest.hex());
    let Some(bytes) = tagged(store, target, &tag, deadline).await? else {
        return Ok(ReferrersPage::default());
    };
    let index: oci::ImageIndex = serde_json::from_slice(&bytes).map_err(|e| {
        Error::store(format!(
            "tag {tag} in {}/{} is not a referrers index: {e}",
            target.registry, target.repository
        ))
    })?;
    Ok(ReferrersPage {
        referrers: index.manifests,
        next_page_token: None,
    })
}

/// Cosign's signature tag `<alg>-<hex>.sig`, as a referrer descriptor.
async fn cosign_tag(
    store: &RegistryStore,
    target: &Target,
    digest: &Digest,
    deadline: Instant,
) -> Result<Option<Descriptor>> {
    let tag = format!("{}-{}.sig", digest.algorithm(), digest.hex());
    // Only a 404 for the tag itself means "no signature"; any other failure is an error, so a
    // failing signature can never drop out of the set.
    let url = format!(
        "{}/v2/{}/manifests/{tag}",
        store.base(target),
        target.repository
    );
    let head = store
        .request(
            target,
            Method::HEAD,
            &url,
            super::MANIFEST_TYPES,
            0,
            deadline,
        )
        .await?;
    if head.status == StatusCode::NOT_FOUND {
        return Ok(None);
    }
    let tag_target = Target::parse(&format!("{}/{}:{tag}", target.registry, target.repository))?;
    let descriptor = store.resolve_tag(&tag_target, &tag, deadline).await?;
    let mut signature = descriptor;
    signature.artifact_type = Some(COSIGN_TAG_SIGNATURE.to_owned());
    Ok(Some(signature))
}

/// The manifest under `tag`, or `None` if the tag does not exist.
async fn tagged(
    store: &RegistryStore,
    target: &Target,
    tag: &str,
    deadline: Instant,
) -> Result<Option<Vec<u8>>> {
    let url = format!(
        "{}/v2/{}/manifests/{tag}",
        store.base(target),
        target.repository
    );
    let response = store
        .request(
            target,
            Method::GET,
            &url,
            oci::IMAGE_INDEX,
            MAX_INDEX_BYTES,
            deadline,
        )
        .await?;
    if response.status == StatusCode::NOT_FOUND {
        return Ok(None);
    }
    Ok(Some(
        expect_ok(response, target, &format!("tag {tag}"))?.body,
    ))
}

/// The `rel="next"` target of a `Link` header.
fn next_link(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all("link") {
        for link in value.to_str().ok()?.split(',') {
            let (target, params) = link.split_once(';').unwrap_or((link, ""));
            let is_next = params.split(';').any(|p| {
                let p = p.trim().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            });
            if is_next {
                return Some(
                    target
                        .trim()
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_owned(),
                );
            }
        }
    }
    None
}

/// A next-page URL must be on the registry itself: same scheme, host and port, no user info.
/// Credentials for the registry are attached to it.
fn same_origin(base: &str, url: &str) -> std::result::Result<(), &'static str> {
    let (base, url) = match (reqwest::Url::parse(base), reqwest::Url::parse(url)) {
        (Ok(base), Ok(url)) => (base, url),
        _ => return Err("not a URL"),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err("it carries user info");
    }
    let origin = |u: &reqwest::Url| {
        (
            u.scheme().to_owned(),
            u.host_str().map(str::to_owned),
            u.port_or_known_default(),
        )
    };
    if origin(&base) != origin(&url) {
        return Err("it points at another origin");
    }
    Ok(())
}

fn absolute(base: &str, link: &str) -> String {
    if link.starts_with("http://") || link.starts_with("https://") {
        link.to_owned()
    } else {
        format!(
            "{base}{}{link}",
            if link.starts_with('/') { "" } else { "/" }
        )
    }
}

/// Percent-encodes a query value (media types contain `+` and `/`).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn reads_next_links_as_registries_write_them() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "link",
            HeaderValue::from_static(r#"</v2/app/referrers/sha256:ab?n=2&last=x>; rel="next""#),
        );
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("/v2/app/referrers/sha256:ab?n=2&last=x")
        );
        assert_eq!(absolute("http://r:5000", "/v2/a"), "http://r:5000/v2/a");
        headers.insert(
            "link",
            HeaderValue::from_static(r#"<https://r/v2/a?last=y>; rel=prev"#),
        );
        assert_eq!(next_link(&headers), None);
        assert_eq!(encode("application/spdx+json"), "application%2Fspdx%2Bjson");
    }

    #[test]
    fn next_page_links_must_stay_on_the_registry() {
        let base = "https://ghcr.io";
        assert!(same_origin(base, "https://ghcr.io/v2/a/referrers/x?last=1").is_ok());
        assert!(
            same_origin(base, "https://ghcr.io:443/v2/a").is_ok(),
            "the default port is the same origin"
        );
        for other in [
            "https://ghcr.io.evil.com/v2/a",
            "https://ghcr.io@evil.com/v2/a",
            "https://ghcr.io:8443/v2/a",
            "http://ghcr.io/v2/a",
            "https://user:pw@ghcr.io/v2/a",
            "not a url",
        ] {
            assert!(same_origin(base, other).is_err(), "{other}");
        }
        assert!(same_origin("http://localhost:5000", "http://localhost:5000@evil/v2").is_err());
    }
}
