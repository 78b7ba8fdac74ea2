//! Brands the consumer shares with, each with its own Ed25519 key pair: what a brand is and
//! which ids, names and URLs are accepted. Storage is in [`crate::repo::brands`].
//!
//! A separate key per brand relationship is what makes identifiers pairwise: the token's
//! `iss`/`sub` is that key's thumbprint, and the brand's status list has its own random URI,
//! so two brands comparing notes find no value in common.

use std::fmt;

use serde::Serialize;
use vouchsafe_token::PublicJwk;

/// Smallest status list: the draft recommends enough entries that an index says nothing.
pub const MIN_STATUS_LIST_LEN: usize = 1024;

/// How long a published status list stays valid, and how often brands should refresh it.
/// Short, so a revocation reaches every brand within a day even if they cache.
pub const STATUS_LIST_VALIDITY_SECS: i64 = 24 * 3600;
pub const STATUS_LIST_TTL_SECS: i64 = 3600;

/// Why a brand request was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum BrandError {
    #[error(
        "brand id {0:?} is not valid: use a short id (letters, digits, '.', '_', '-'; up to 64) or an https:// URL"
    )]
    BadId(String),
    #[error("brand name must not be empty and at most 100 characters")]
    BadName,
    #[error("brand notes must be at most 1000 characters")]
    NotesTooLong,
    #[error("{what} {value:?} is not an https:// URL")]
    NotHttps { what: &'static str, value: String },
    #[error("brand {0} is not known; add it with `vouchsafe brand add`")]
    Unknown(String),
    #[error("brand {0} already exists")]
    Exists(String),
    #[error("brand {id} holds {live} live grant(s); revoke them first or pass --revoke")]
    HasLiveGrants { id: String, live: usize },
}

/// Check a brand's audience identifier: a short id or an https URL.
pub fn check_brand_id(id: &str) -> Result<(), BrandError> {
    let ok_short = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    if ok_short || is_https_url(id) || is_loopback_http_origin(id) {
        Ok(())
    } else {
        Err(BrandError::BadId(id.to_string()))
    }
}

/// `https://host[/path]` with no spaces or control characters; enough to refuse typos
/// without pulling in a URL parser for a check this small.
fn is_https_url(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("https://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    s.len() <= 256
        && !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// `http://127.x.x.x[:port]` or `http://[::1][:port]`, no path: a brand's origin on this
/// machine, which the brand protocol allows over plain http (docs/protocol.md §1) so a brand can
/// develop and test against a real vault. Names such as `localhost` are not accepted: a name can
/// be re-pointed, a literal cannot.
pub fn is_loopback_http_origin(s: &str) -> bool {
    let Ok(u) = url::Url::parse(s) else {
        return false;
    };
    let loopback = match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    // The exact serialisation of an origin: no path, no user, lower case, default port omitted.
    u.scheme() == "http" && loopback && u.port() != Some(0) && u.origin().ascii_serialization() == s
}

fn check_url(what: &'static str, value: &str) -> Result<(), BrandError> {
    if is_https_url(value) {
        Ok(())
    } else {
        Err(BrandError::NotHttps {
            what,
            value: value.into(),
        })
    }
}

/// A brand as shown to the consumer. No key material.
#[derive(Clone, Serialize)]
pub struct Brand {
    /// The audience identifier that becomes the token's `aud`.
    pub id: String,
    pub name: String,
    pub url: Option<String>,
    pub notes: Option<String>,
    /// The consumer's pairwise identifier at this brand (`iss`/`sub` of its tokens).
    pub issuer: String,
    /// The public key of this relationship, for a brand that wants to pin it.
    pub jwk: PublicJwk,
    pub status_list_uri: String,
    pub created_at: i64,
    /// Where events about this brand's grants go, for a brand connected through its inbox
    /// (`vouchsafe connect`); `None` for a brand added by hand.
    pub events_uri: Option<String>,
}

impl fmt::Debug for Brand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Brand")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Options for a new brand.
#[derive(Debug, Default, Clone)]
pub struct NewBrand<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub url: Option<&'a str>,
    pub notes: Option<&'a str>,
    /// Where the consumer will publish this brand's status list; else a `urn:uuid:`.
    pub status_url: Option<&'a str>,
}

/// A [`NewBrand`] whose every part passed its check: trimmed name, notes if any.
pub(crate) struct CheckedBrand<'a> {
    pub(crate) name: &'a str,
    pub(crate) notes: Option<&'a str>,
}

impl<'a> NewBrand<'a> {
    /// Check the id, name, URLs and notes; nothing is stored when this fails.
    pub(crate) fn check(&self) -> Result<CheckedBrand<'a>, BrandError> {
        check_brand_id(self.id)?;
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(BrandError::BadName);
        }
        if let Some(u) = self.url {
            check_url("brand URL", u)?;
        }
        let notes = self.notes.map(str::trim).filter(|n| !n.is_empty());
        if notes.is_some_and(|n| n.chars().count() > 1000) {
            return Err(BrandError::NotesTooLong);
        }
        if let Some(u) = self.status_url {
            check_url("status list URL", u)?;
        }
        Ok(CheckedBrand { name, notes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brand_ids() {
        for ok in [
            "acme",
            "acme-coffee.kr",
            "A1_b",
            "https://brand.example",
            "https://brand.example/consumer",
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://[::1]:9000",
        ] {
            assert!(check_brand_id(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-acme",
            "has space",
            "http://brand.example",
            "http://localhost:8080",
            "http://127.0.0.1:8080/path",
            "http://10.0.0.1",
            "http://127.0.0.1:0",
            "https://",
            "https:// x",
            "ürün",
            &"a".repeat(65),
        ] {
            assert!(check_brand_id(bad).is_err(), "{bad}");
        }
    }
}
