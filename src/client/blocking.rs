//! The client for applications without an async runtime.

use crate::model::{Operatie, Verzoek};

use super::{Outcome, SendError};

/// A blocking [`Client`](super::Client): it owns a small single-threaded tokio runtime and
/// runs each [`send`](Self::send) on it. Build it from an async client's builder:
/// `blocking::Client::new(ClientBuilder::build()?)`.
///
/// It must **not** be called from inside an async runtime (a tokio task would block its worker
/// thread): [`send`](Self::send) then returns [`SendError::InsideRuntime`] instead of blocking.
/// Use the async client there.
#[derive(Debug)]
pub struct Client {
    client: super::Client,
    runtime: tokio::runtime::Runtime,
}

impl Client {
    /// Wraps `client` with a runtime of its own.
    pub fn new(client: super::Client) -> Result<Self, SendError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| SendError::Config { reason: format!("cannot start the runtime: {e}") })?;
        Ok(Client { client, runtime })
    }

    /// [`Client::send`](super::Client::send), blocking the calling thread until it is done.
    pub fn send(&self, operatie: &Operatie, verzoek: &Verzoek) -> Result<Outcome, SendError> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(SendError::InsideRuntime);
        }
        self.runtime.block_on(self.client.send(operatie, verzoek))
    }

    /// The async client inside.
    pub fn client(&self) -> &super::Client {
        &self.client
    }
}

/// [`request_token`](super::request_token) on a runtime of its own, blocking the calling
/// thread (not from inside an async runtime: [`SendError::InsideRuntime`]).
#[cfg(feature = "oauth")]
pub fn request_token(
    url: &str,
    request: &crate::oauth::TokenRequest,
    trust: crate::tls::ServerTrust,
    timeout: std::time::Duration,
) -> Result<crate::oauth::TokenResponse, super::TokenRequestError> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(SendError::InsideRuntime.into());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| SendError::Config { reason: format!("cannot start the runtime: {e}") })?;
    runtime.block_on(super::request_token(url, request, trust, timeout))
}
