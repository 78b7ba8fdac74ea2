//! Grants: a consumer's signed, scoped, time-limited and revocable release of chosen fields to
//! one brand, as a compact JWS (RFC 7515/7519, EdDSA per RFC 8037). Formats: docs/grant-token.md.
//!
//! This module holds what a grant *is*: the validated request, the released claims, the summary
//! sentence and the consent receipt, and the views a face shows. Issuing and storing them is the
//! grants repository's job ([`crate::repo::grants`]).

pub mod channels;
pub mod claims;
pub mod narrow;
pub mod receipt;
pub mod request;

use serde::Serialize;
use serde_json::{Map, Value};

pub use channels::{Channel, ChannelChoices, ChannelConsent, Choice, Kind, NightAds};
pub use narrow::{Dropped, Narrowing, Raw};
pub use receipt::{Lang, Summary};
pub use request::{Derived, GrantError, GrantRequest, GrantRequestParts};

/// Where a grant stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GrantState {
    Active,
    Expired,
    Revoked,
}

/// A grant as the consumer sees it.
#[derive(Debug, Clone, Serialize)]
pub struct GrantInfo {
    pub id: String,
    pub brand: String,
    pub brand_name: String,
    pub state: GrantState,
    /// What the brand received: field names and derived facts (`age_over_18`, `birthday`, `city`).
    pub released: Vec<String>,
    pub purpose: String,
    pub purpose_category: String,
    /// The channel consent (channel × kind, night-time ads, dates); `legacy` when read from a
    /// grant issued before advertising was asked apart.
    pub channels: ChannelChoices,
    pub offer: Option<String>,
    pub issued_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    /// The summary sentence in every language. This view's own JSON (the CLI's `--json`)
    /// keeps the members `summary_en` and `summary_ko` that scripts read.
    #[serde(flatten, serialize_with = "receipt::summary_pair")]
    pub summary: Summary,
    pub status_list_uri: String,
    pub status_idx: usize,
    /// The token itself; the consumer can hand it over again.
    pub token: String,
}

/// A freshly issued grant.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedGrant {
    pub id: String,
    pub token: String,
    /// The signed consent receipt (JWT).
    pub receipt: String,
    #[serde(flatten, serialize_with = "receipt::summary_pair")]
    pub summary: Summary,
}

/// Exactly what the brand would receive, for a preview before issuing.
#[derive(Debug, Clone, Serialize)]
pub struct GrantPreview {
    /// The released claims (without `iss`, `jti`, `status` and the time claims).
    pub claims: Map<String, Value>,
    pub datatypes: Vec<String>,
    #[serde(flatten, serialize_with = "receipt::summary_pair")]
    pub summary: Summary,
}
