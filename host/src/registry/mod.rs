//! The built-in registry store: OCI distribution over HTTPS (HTTP only where configured),
//! selected by Ratify's store name `oras`.
//!
//! Every request is bounded by the verification deadline and retried on transient failures
//! ([`http`]); credentials come from the docker config and go only to the registry they are
//! for ([`credentials`], [`auth`]); every byte is checked against its digest before it is
//! cached or returned, and manifests and blobs are capped before they are read ([`http`]);
//! referrers come from the referrers API, else the tag schema, plus cosign's `.sig` tag when
//! enabled ([`referrers`]); repeated and concurrent work is shared ([`cache`]).

pub mod auth;
pub mod cache;
pub mod config;
pub mod credentials;
pub mod http;
mod reference;
mod referrers;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ratify_plugin_sdk::wire::{
    Base64Bytes, Descriptor, ManifestContent, ReferrersPage, Subject, oci,
};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use tokio::time::Instant;

use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::store::StoreBackend;
use cache::{Cached, ContentCache, Flights, TtlCache};
pub use config::RegistryConfig;
use http::{Response, Transport, header};
use reference::Reference;

/// Media types asked for when fetching a manifest.
pub(crate) const MANIFEST_TYPES: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

/// Where a reference points: the registry host, the repository, and the parsed reference.
#[derive(Debug, Clone)]
pub struct Target {
    /// The registry host (`docker.io` resolved to `index.docker.io`).
    pub registry: String,
    /// The repository.
    pub repository: String,
    reference: Reference,
}

impl Target {
    /// Parses a registry reference (`localhost:5000/app:v1`, `ghcr.io/x/y@sha256:…`).
    pub fn parse(text: &str) -> Result<Self> {
        let reference = Reference::parse(text)?;
        Ok(Self {
            registry: reference.registry.clone(),
            repository: reference.repository.clone(),
            reference,
        })
    }
}

/// The registry store.
pub struct RegistryStore {
    config: RegistryConfig,
    transport: Transport,
    auth: auth::Authenticator,
    max_manifest_bytes: u64,
    content: ContentCache,
    tags: TtlCache<Descriptor>,
    referrer_pages: TtlCache<ReferrersPage>,
    manifest_flights: Flights<Arc<Cached>>,
    blob_flights: Flights<Arc<Cached>>,
    tag_flights: Flights<Descriptor>,
    referrer_flights: Flights<ReferrersPage>,
    referrers_api: std::sync::Mutex<std::collections::HashMap<String, bool>>,
}

impl RegistryStore {
    /// A store over `config`, refusing manifests over `max_manifest_bytes`.
    pub fn new(config: RegistryConfig, max_manifest_bytes: u64) -> Result<Self> {
        let transport = Transport::new(&config)?;
        let source = credentials::CredentialSource::new(config.auth_provider.config_path.clone());
        let ttl = Duration::from_secs(config.ttl);
        Ok(Self {
            transport,
            auth: auth::Authenticator::new(source, &config),
            max_manifest_bytes,
            content: ContentCache::new(config.cache_bytes),
            tags: TtlCache::new(ttl),
            referrer_pages: TtlCache::new(ttl),
            manifest_flights: Flights::default(),
            blob_flights: Flights::default(),
            tag_flights: Flights::default(),
            referrer_flights: Flights::default(),
            referrers_api: std::sync::Mutex::new(std::collections::HashMap::new()),
            config,
        })
    }

    fn base(&self, target: &Target) -> String {
        let scheme = if self.config.plain_http_for(&target.registry) {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{}", target.registry)
    }

    /// Sends a request to `url` (on `target`'s registry), authenticating when challenged.
    async fn request(
        &self,
        target: &Target,
        method: Method,
        url: &str,
        accept: &str,
        cap: u64,
        deadline: Instant,
    ) -> Result<Response> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, header(accept));
        if let Some(value) = self.auth.cached(&target.registry, &target.repository) {
            headers.insert(AUTHORIZATION, value);
        }
        let response = self
            .transport
            .send(method.clone(), url, headers.clone(), None, cap, deadline)
            .await?;
        if response.status != StatusCode::UNAUTHORIZED {
            return Ok(response);
        }
        let challenge = response
            .headers
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok());
        let value = self
            .auth
            .authorize(
                &self.transport,
                &target.registry,
                &target.repository,
                challenge,
                deadline,
            )
            .await?;
        headers.insert(AUTHORIZATION, value);
        let response = self
            .transport
            .send(method, url, headers, None, cap, deadline)
            .await?;
        if response.status == StatusCode::UNAUTHORIZED {
            return Err(auth::unauthorized(
                &target.registry,
                "the credentials were not accepted",
            ));
        }
        Ok(response)
    }

    /// A manifest by digest, checked, shared between concurrent callers and cached.
    async fn manifest(
        &self,
        target: &Target,
        digest: &str,
        deadline: Instant,
    ) -> Result<Arc<Cached>> {
        if let Some(hit) = self.content.get(&manifest_key(digest)) {
            return Ok(hit);
        }
        let parsed = Digest::parse(digest).map_err(Error::store)?;
        self.manifest_flights
            .run(&flight_key(target, digest), async {
                let url = format!("{}/v2/{}/manifests/{digest}", self.base(target), target.repository);
                let response = self.request(target, Method::GET, &url, MANIFEST_TYPES, self.max_manifest_bytes, deadline).await?;
                let response = expect_ok(response, target, &format!("manifest {digest}"))?;
                if !parsed.matches(&response.body) {
                    return Err(Error::store(format!(
                        "registry {} returned a manifest for {digest} whose bytes do not match that digest",
                        target.registry
                    )));
                }
                // The checked body's own mediaType wins over the registry's header claim.
                let media_type = media_type_in(&response.body)
                    .or_else(|| content_type(&response.headers))
                    .unwrap_or_else(|| oci::IMAGE_MANIFEST.to_owned());
                let cached = Arc::new(Cached { media_type, bytes: response.body });
                self.content.put(&manifest_key(digest), Arc::clone(&cached));
                Ok(cached)
            })
            .await
    }

    /// Resolves a tag with HEAD (falling back to GET when the registry omits the digest).
    async fn resolve_tag(
        &self,
        target: &Target,
        tag: &str,
        deadline: Instant,
    ) -> Result<Descriptor> {
        let key = format!("{}/{}:{tag}", target.registry, target.repository);
        if let Some(hit) = self.tags.get(&key) {
            return Ok(hit);
        }
        self.tag_flights
            .run(&key, async {
                let url = format!(
                    "{}/v2/{}/manifests/{tag}",
                    self.base(target),
                    target.repository
                );
                let head = self
                    .request(target, Method::HEAD, &url, MANIFEST_TYPES, 0, deadline)
                    .await?;
                let head = expect_ok(head, target, &format!("tag {tag}"))?;
                let digest = head
                    .headers
                    .get("docker-content-digest")
                    .and_then(|v| v.to_str().ok());
                let descriptor = match digest.map(Digest::parse) {
                    Some(Ok(digest)) => {
                        let manifest = self.manifest(target, &digest.to_string(), deadline).await?;
                        let declared = head
                            .headers
                            .get(reqwest::header::CONTENT_LENGTH)
                            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
                        if let Some(declared) = declared
                            && declared != manifest.bytes.len() as u64
                        {
                            return Err(Error::store(format!(
                                "registry {} says tag {tag} is {declared} bytes, but its manifest {digest} is {}",
                                target.registry,
                                manifest.bytes.len()
                            )));
                        }
                        Descriptor::new(
                            &manifest.media_type,
                            digest.to_string(),
                            manifest.bytes.len() as u64,
                        )
                    }
                    _ => {
                        let get = self
                            .request(
                                target,
                                Method::GET,
                                &url,
                                MANIFEST_TYPES,
                                self.max_manifest_bytes,
                                deadline,
                            )
                            .await?;
                        let get = expect_ok(get, target, &format!("tag {tag}"))?;
                        let digest = crate::digest::sha256_of(&get.body);
                        let media_type = media_type_in(&get.body)
                            .or_else(|| content_type(&get.headers))
                            .unwrap_or_default();
                        let size = get.body.len() as u64;
                        self.content.put(
                            &manifest_key(&digest),
                            Arc::new(Cached {
                                media_type: media_type.clone(),
                                bytes: get.body,
                            }),
                        );
                        Descriptor::new(media_type, digest, size)
                    }
                };
                self.tags.put(key.clone(), descriptor.clone());
                Ok(descriptor)
            })
            .await
    }
}

#[async_trait]
impl StoreBackend for RegistryStore {
    fn name(&self) -> &str {
        "registry"
    }

    async fn resolve(&self, reference: &str, deadline: Instant) -> Result<Descriptor> {
        let target = Target::parse(reference)?;
        match (
            target.reference.digest.as_deref(),
            target.reference.tag.as_deref(),
        ) {
            (Some(digest), _) => {
                let manifest = self.manifest(&target, digest, deadline).await?;
                Ok(Descriptor::new(
                    &manifest.media_type,
                    digest,
                    manifest.bytes.len() as u64,
                ))
            }
            (None, tag) => {
                let tag = tag.unwrap_or("latest").to_owned();
                self.resolve_tag(&target, &tag, deadline).await
            }
        }
    }

    async fn list_referrers(
        &self,
        subject: &Subject,
        artifact_types: &[String],
        page_token: Option<String>,
        deadline: Instant,
    ) -> Result<ReferrersPage> {
        referrers::page(self, subject, artifact_types, page_token, deadline).await
    }

    async fn get_manifest(
        &self,
        reference: &str,
        digest: &str,
        deadline: Instant,
    ) -> Result<ManifestContent> {
        let target = Target::parse(reference)?;
        let manifest = self.manifest(&target, digest, deadline).await?;
        Ok(ManifestContent {
            media_type: manifest.media_type.clone(),
            content: Base64Bytes(manifest.bytes.clone()),
        })
    }

    async fn get_blob(
        &self,
        reference: &str,
        digest: &str,
        destination: &Path,
        max_bytes: u64,
        deadline: Instant,
    ) -> Result<u64> {
        let target = Target::parse(reference)?;
        let parsed = Digest::parse(digest).map_err(Error::store)?;
        let blob = match self.content.get(&blob_key(digest)) {
            Some(hit) => hit,
            None => {
                self.blob_flights
                    .run(&flight_key(&target, digest), async {
                        let url = format!("{}/v2/{}/blobs/{digest}", self.base(&target), target.repository);
                        let response = self.request(&target, Method::GET, &url, "*/*", max_bytes, deadline).await?;
                        let response = expect_ok(response, &target, &format!("blob {digest}"))?;
                        if !parsed.matches(&response.body) {
                            return Err(Error::store(format!(
                                "registry {} returned bytes for blob {digest} that do not match that digest",
                                target.registry
                            )));
                        }
                        let cached = Arc::new(Cached { media_type: String::new(), bytes: response.body });
                        self.content.put(&blob_key(digest), Arc::clone(&cached));
                        Ok(cached)
                    })
                    .await?
            }
        };
        if blob.bytes.len() as u64 > max_bytes {
            return Err(Error::store(format!(
                "blob {digest} is over the {max_bytes}-byte cap"
            )));
        }
        tokio::fs::write(destination, &blob.bytes)
            .await
            .map_err(|e| Error::host(format!("cannot write {}: {e}", destination.display())))?;
        Ok(blob.bytes.len() as u64)
    }
}

/// Cache keys keep manifests and blobs apart: the same digest fetched as a blob must never
/// answer a manifest request with a blob's (empty) media type.
fn manifest_key(digest: &str) -> String {
    format!("manifest:{digest}")
}

fn blob_key(digest: &str) -> String {
    format!("blob:{digest}")
}

/// Concurrent fetches are shared only within one repository: another registry's slow or
/// failing answer for the same digest must not become this caller's.
fn flight_key(target: &Target, digest: &str) -> String {
    format!("{}/{}@{digest}", target.registry, target.repository)
}

/// A 2xx response, or an error saying what the registry answered.
fn expect_ok(response: Response, target: &Target, what: &str) -> Result<Response> {
    if response.status.is_success() {
        return Ok(response);
    }
    let detail = String::from_utf8_lossy(&response.body[..response.body.len().min(300)])
        .trim()
        .to_owned();
    let error = match response.status {
        StatusCode::NOT_FOUND => Error::store(format!(
            "{what} not found in {}/{}",
            target.registry, target.repository
        )),
        StatusCode::FORBIDDEN => {
            auth::unauthorized(&target.registry, &format!("access to {what} is forbidden"))
        }
        status => Error::store(format!(
            "registry {} answered {status} for {what}",
            target.registry
        )),
    };
    Err(if detail.is_empty() {
        error
    } else {
        error.context(format!("({detail})"))
    })
}

fn content_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(reqwest::header::CONTENT_TYPE)?.to_str().ok()?;
    let media_type = value.split(';').next()?.trim();
    (!media_type.is_empty() && media_type != "application/octet-stream")
        .then(|| media_type.to_owned())
}

fn media_type_in(bytes: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Head {
        media_type: Option<String>,
    }
    serde_json::from_slice::<Head>(bytes).ok()?.media_type
}
