//! The registry side of `ratify push`: oci-client's `Client` for blobs and manifests, plus one
//! plain GET of our own to learn whether the registry serves the referrers API (oci-client's
//! `pull_referrers` falls back to the tag schema silently, so it cannot tell us).

use std::io::SeekFrom;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use ratify_plugin_sdk::wire::oci::{IMAGE_INDEX, ImageIndex};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::layout::Location;
use super::target::{is_loopback, parse_target};
use crate::error::{Error, Result};

/// Blobs are streamed from disk in chunks of this size.
const CHUNK_BYTES: usize = 256 * 1024;
/// Error bodies are quoted in messages up to this length.
const MAX_QUOTED: usize = 800;

/// How to reach the registry.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    /// Use plain HTTP even for a non-loopback registry.
    pub plain_http: bool,
    /// Basic credentials (also used to obtain a bearer token when the registry asks for one).
    pub credentials: Option<(String, String)>,
}

/// A repository in a registry, and clients for it.
pub struct Remote {
    client: Client,
    auth: RegistryAuth,
    http: reqwest::Client,
    registry: String,
    repository: String,
    scheme: &'static str,
}

impl Remote {
    /// Parses `<registry>/<repository>` and builds the clients.
    pub async fn connect(target: &str, connection: &Connection) -> Result<Self> {
        let (registry, repository) = parse_target(target)?;
        let http_only = connection.plain_http || is_loopback(&registry);
        let config = ClientConfig {
            protocol: if http_only {
                ClientProtocol::Http
            } else {
                ClientProtocol::Https
            },
            // One POST and one streamed PUT per blob: every registry accepts it, and it avoids
            // the chunk-size negotiation some registries get wrong.
            use_monolithic_push: true,
            ..ClientConfig::default()
        };
        let client = Client::try_from(config)
            .map_err(|e| Error::host(format!("cannot build the registry client: {e}")))?;
        let auth = match &connection.credentials {
            Some((user, password)) => RegistryAuth::Basic(user.clone(), password.clone()),
            None => RegistryAuth::Anonymous,
        };
        // Push and manifest calls take no auth argument: they use what is stored here.
        client.store_auth_if_needed(&registry, &auth).await;
        let http = reqwest::Client::builder()
            .build()
            .map_err(|e| Error::host(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            client,
            auth,
            http,
            registry,
            repository,
            scheme: if http_only { "http" } else { "https" },
        })
    }

    /// `<registry>/<repository>`, for messages.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// A reference to `tag` in the repository.
    pub fn by_tag(&self, tag: &str) -> Reference {
        Reference::with_tag(
            self.registry.clone(),
            self.repository.clone(),
            tag.to_owned(),
        )
    }

    /// A reference to `digest` in the repository.
    pub fn by_digest(&self, digest: &str) -> Reference {
        Reference::with_digest(
            self.registry.clone(),
            self.repository.clone(),
            digest.to_owned(),
        )
    }

    /// Whether the repository already has the blob (HEAD).
    pub async fn blob_exists(&self, digest: &str) -> Result<bool> {
        let reference = self.by_digest(digest);
        self.client
            .blob_exists(&reference, digest)
            .await
            .map_err(|e| self.error(&format!("cannot check for blob {digest}"), e))
    }

    /// Whether the repository already has the manifest (HEAD).
    pub async fn manifest_exists(&self, digest: &str) -> Result<bool> {
        match self
            .client
            .fetch_manifest_digest(&self.by_digest(digest), &self.auth)
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(self.error(&format!("cannot check for manifest {digest}"), e)),
        }
    }

    /// Streams the blob at `location` to the registry, which checks it against `digest` before
    /// committing it (the bytes were hashed already; this guards against a change since).
    pub async fn push_blob(&self, digest: &str, location: &Location) -> Result<()> {
        let read_error = |e: std::io::Error| {
            Error::artifact(format!(
                "cannot read blob {digest} from {}: {e}",
                location.path.display()
            ))
        };
        let mut file = tokio::fs::File::open(&location.path)
            .await
            .map_err(read_error)?;
        file.seek(SeekFrom::Start(location.offset))
            .await
            .map_err(read_error)?;
        let reader = file.take(location.size);
        let stream = futures::stream::try_unfold(reader, |mut reader| async move {
            let mut chunk = vec![0u8; CHUNK_BYTES];
            let n = reader.read(&mut chunk).await?;
            if n == 0 {
                return Ok(None);
            }
            chunk.truncate(n);
            Ok(Some((chunk.into(), reader)))
        });
        self.client
            .push_blob_stream(&self.by_digest(digest), stream, digest, Some(location.size))
            .await
            .map(drop)
            .map_err(|e| self.error(&format!("cannot push blob {digest}"), e))
    }

    /// Pushes a manifest's exact bytes under `reference` (a tag or its digest).
    pub async fn push_manifest(
        &self,
        reference: &Reference,
        bytes: &[u8],
        media_type: &str,
    ) -> Result<()> {
        let content_type = reqwest::header::HeaderValue::from_str(media_type).map_err(|_| {
            Error::artifact(format!(
                "media type {media_type:?} is not a valid header value"
            ))
        })?;
        self.client
            .push_manifest_raw(reference, bytes.to_vec(), content_type)
            .await
            .map(drop)
            .map_err(|e| self.error(&format!("cannot push manifest {reference}"), e))
    }

    /// The image index under `tag`, or `None` when the tag does not exist.
    pub async fn fetch_index(&self, tag: &str) -> Result<Option<Vec<u8>>> {
        match self
            .client
            .pull_manifest_raw(&self.by_tag(tag), &self.auth, &[IMAGE_INDEX])
            .await
        {
            Ok((bytes, _)) => Ok(Some(bytes.to_vec())),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(self.error(&format!("cannot read tag {tag}"), e)),
        }
    }

    /// Whether the registry serves the referrers API: `GET /v2/<repo>/referrers/<digest>`
    /// answers 200 with an image index where it does, 404 where it does not (OCI
    /// distribution spec 1.1). Anything else is an error, not a guess.
    pub async fn supports_referrers_api(&self, subject: &str) -> Result<bool> {
        let url = format!(
            "{}://{}/v2/{}/referrers/{subject}",
            self.scheme, self.registry, self.repository
        );
        let mut request = self.http.get(&url).header("Accept", IMAGE_INDEX);
        // A token registry wants a bearer token; `auth` fetches one (None for basic or open).
        let token = self
            .client
            .auth(
                &self.by_digest(subject),
                &self.auth,
                RegistryOperation::Pull,
            )
            .await
            .map_err(|e| self.error("cannot authenticate to probe the referrers API", e))?;
        if let Some(token) = token {
            request = request.bearer_auth(token);
        } else if let RegistryAuth::Basic(user, password) = &self.auth {
            request = request.basic_auth(user, Some(password));
        }
        let probe_error = |detail: String| {
            Error::store(format!(
                "cannot tell whether {} serves the referrers API: GET {url} {detail}",
                self.registry
            ))
            .with_remediation("pass --referrers-tag-schema always (or never) to decide yourself")
        };
        let response = request
            .send()
            .await
            .map_err(|e| probe_error(format!("failed: {e}")))?;
        let status = response.status().as_u16();
        match status {
            404 => Ok(false),
            200 => {
                // An index answer is small; anything huge is not a referrers list.
                if response
                    .content_length()
                    .is_some_and(|n| n > 4 * 1024 * 1024)
                {
                    return Ok(false);
                }
                let body = response
                    .bytes()
                    .await
                    .map_err(|e| probe_error(format!("failed: {e}")))?;
                if body.len() > 4 * 1024 * 1024 {
                    return Ok(false);
                }
                Ok(serde_json::from_slice::<ImageIndex>(&body).is_ok())
            }
            401 | 403 => Err(self.denied(status, &url)),
            _ => Err(probe_error(format!("answered {status}"))),
        }
    }

    fn denied(&self, status: u16, what: &str) -> Error {
        let (why, remediation) = match (&self.auth, status) {
            (RegistryAuth::Anonymous, _) => (
                "requires authentication".to_owned(),
                "pass --username and --password",
            ),
            (RegistryAuth::Basic(user, _), 401) => (
                format!("rejected the credentials of {user}"),
                "check --username and --password",
            ),
            _ => (
                "denied access".to_owned(),
                "check that the user may push to the repository",
            ),
        };
        Error::store(format!(
            "registry {} {why} (HTTP {status}): {what}",
            self.registry
        ))
        .with_remediation(remediation)
    }

    /// Maps an oci-client error, singling out authentication failures.
    fn error(&self, what: &str, error: OciDistributionError) -> Error {
        if let Some(status) = auth_status(&error) {
            return self.denied(status, what);
        }
        // reqwest's message alone ("error sending request") hides the cause: add the chain.
        let mut detail = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            let cause_text = cause.to_string();
            if !detail.contains(&cause_text) {
                detail = format!("{detail}: {cause_text}");
            }
            source = cause.source();
        }
        if detail.len() > MAX_QUOTED {
            let mut end = MAX_QUOTED;
            while !detail.is_char_boundary(end) {
                end -= 1;
            }
            detail.truncate(end);
            detail.push('…');
        }
        Error::store(format!("{}: {what}: {detail}", self.name()))
    }
}

fn is_not_found(error: &OciDistributionError) -> bool {
    match error {
        OciDistributionError::ImageManifestNotFoundError(_) => true,
        OciDistributionError::ServerError { code, .. } => *code == 404,
        OciDistributionError::RequestError(e) => e.status().is_some_and(|s| s.as_u16() == 404),
        OciDistributionError::RegistryError { envelope, .. } => envelope.errors.iter().any(|e| {
            matches!(
                e.code,
                OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown | OciErrorCode::NotFound
            )
        }),
        _ => false,
    }
}

/// The HTTP status of an authentication or authorization failure, if `error` is one.
fn auth_status(error: &OciDistributionError) -> Option<u16> {
    match error {
        OciDistributionError::UnauthorizedError { .. }
        | OciDistributionError::AuthenticationFailure(_) => Some(401),
        OciDistributionError::ServerError { code, .. } if matches!(code, 401 | 403) => Some(*code),
        OciDistributionError::RequestError(e) => e
            .status()
            .map(|s| s.as_u16())
            .filter(|s| matches!(s, 401 | 403)),
        OciDistributionError::RegistryError { envelope, .. } => {
            envelope.errors.iter().find_map(|e| match e.code {
                OciErrorCode::Unauthorized => Some(401),
                OciErrorCode::Denied => Some(403),
                _ => None,
            })
        }
        _ => None,
    }
}
