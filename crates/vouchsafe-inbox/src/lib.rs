//! The reference brand inbox: the service a brand runs to ask consumers for data, receive their
//! Vouchsafe grants, and honour what they do afterwards (revocation, updates, erasure, channel
//! consent). It implements docs/protocol.md and nothing beyond it, so a brand with its own stack
//! can read this crate as a worked example of that document.
//!
//! * [`origin`]: the brand's identity, an https origin (http only for loopback IP literals).
//! * [`keys`]: the brand's Ed25519 signing key, its JWKS, and the tokens the brand signs.
//! * [`request`]: what the brand asks for, and the signed `oauth-authz-req+jwt` request object.
//! * [`delivery`]: checking a delivered grant against the request and countersigning it.
//! * [`events`]: Security Event Tokens (RFC 8417) pushed per RFC 8935, and erasure receipts.
//! * [`store`]: SQLite (embedded, default) or PostgreSQL behind one interface.
//! * [`http`]: the axum router, body limits, rate limit and error shapes.
//! * [`admin`]: what the brand's staff read: consumers, their claims, CSV export.
//! * [`webhook`]: the optional outbound webhook to the brand's CRM, with its durable outbox.

pub mod admin;
pub mod delivery;
pub mod events;
pub mod http;
pub mod keys;
pub mod origin;
pub mod ratelimit;
pub mod request;
pub mod store;
pub mod util;
pub mod webhook;

pub use origin::{Origin, OriginError};
pub use store::{Store, StoreError};

/// Largest request body any endpoint reads (docs/protocol.md §3, §4). A grant with every profile
/// field is a few KiB; anything near this bound is hostile or broken.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Path of the request objects, under the origin: `<origin>/vouchsafe/requests/<id>`.
pub const REQUESTS_PATH: &str = "/vouchsafe/requests";
/// Path the vault posts grants to (`response_uri`).
pub const RESPONSE_PATH: &str = "/vouchsafe/response";
/// Path the vault posts events to (`events_uri`).
pub const EVENTS_PATH: &str = "/vouchsafe/events";
