//! Connect: the consumer answers a brand's request, the grant is delivered to the brand's
//! inbox, and every later revocation, reissue and erasure request reaches the brand
//! (docs/protocol.md, docs/connect.md).
//!
//! This is the only part of the core that talks to the network, and it does so only when the
//! consumer acts: [`request::fetch`] and [`delivery::connect`] when they connect,
//! [`outbox::deliver`] when an event they caused is waiting (right after the change, on the
//! next command, or on `outbox retry`). Every URL passes [`http::allowed`] first. The storage
//! (the brand's endpoints, the brand's receipts, the outbox) is in the repositories below.

pub mod delivery;
pub mod http;
pub mod outbox;
pub mod request;

use crate::error::VaultError;
pub use http::{Client, HttpError, Limits};

/// Why connecting or a delivery step failed. Each message is one line naming the reason.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// What the consumer gave is not a link, a request URI or a request file.
    #[error("{0}")]
    BadLink(String),
    /// The request (or a brand's answer) failed a check: the reason names which.
    #[error("{0}")]
    Refused(String),
    /// A choice does not fit the request.
    #[error("{0}")]
    Usage(String),
    /// A required claim the profile does not have.
    #[error(
        "the brand requires {0}, which is not in your profile; set it with `vouchsafe field set {0} …` or decline the request"
    )]
    Missing(String),
    /// The brand answered something the protocol does not allow.
    #[error("the brand answered unexpectedly: {0}")]
    Brand(String),
    /// The grant is issued and its delivery queued: the brand could not be reached, failed,
    /// or its receipt is still missing. The outbox retries.
    #[error("{0}")]
    Queued(String),
    /// The consumer said no.
    #[error("declined: nothing was sent")]
    Declined,
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error(transparent)]
    Vault(#[from] VaultError),
}
