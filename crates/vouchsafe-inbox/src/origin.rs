//! The brand's identity: an origin (docs/protocol.md §1).
//!
//! https, or http for loopback IP literals only: a name like `localhost` can be re-pointed by
//! whoever controls the resolver, a literal `127.0.0.1` cannot.

use std::fmt;
use std::net::IpAddr;

use url::{Host, Url};

/// A validated origin, kept in its ASCII serialisation (`https://shop.example`,
/// `http://127.0.0.1:8080`): lower-case scheme and host, default port omitted, no path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin(String);

/// Why a string is not an acceptable brand origin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    /// Not a URL at all.
    #[error("not a URL: {0}")]
    NotUrl(String),
    /// A scheme other than https (or http for loopback).
    #[error("scheme {0:?} is not https")]
    Scheme(String),
    /// http to a host that is not a loopback IP literal.
    #[error("plain http is accepted only for loopback IP literals (127.0.0.0/8, [::1]), not {0:?}")]
    HttpNotLoopback(String),
    /// A path, query, fragment or user name: an origin is scheme, host and port only.
    #[error("an origin has no path, query, fragment or credentials: {0:?}")]
    NotBare(String),
}

impl Origin {
    /// Parses and validates `text`. A single trailing `/` is tolerated and dropped.
    pub fn parse(text: &str) -> Result<Self, OriginError> {
        let url = Url::parse(text).map_err(|e| OriginError::NotUrl(e.to_string()))?;
        if (url.path() != "/" && !url.path().is_empty())
            || url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(OriginError::NotBare(text.to_owned()));
        }
        match url.scheme() {
            "https" => {}
            "http" => {
                let loopback = match url.host() {
                    Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
                    Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
                    _ => false,
                };
                if !loopback {
                    return Err(OriginError::HttpNotLoopback(text.to_owned()));
                }
            }
            other => return Err(OriginError::Scheme(other.to_owned())),
        }
        Ok(Self(url.origin().ascii_serialization()))
    }

    /// The ASCII serialisation, as it appears in `client_id`, `iss` and `aud`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `origin + path`; `path` starts with `/`.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_https_and_loopback_http() {
        for (text, expected) in [
            ("https://shop.example", "https://shop.example"),
            ("https://Shop.Example:443/", "https://shop.example"),
            ("https://shop.example:8443", "https://shop.example:8443"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://127.1.2.3", "http://127.1.2.3"),
            ("http://[::1]:9", "http://[::1]:9"),
        ] {
            assert_eq!(Origin::parse(text).map(|o| o.0), Ok(expected.to_owned()));
        }
    }

    #[test]
    fn refuses_everything_else() {
        for text in [
            "http://shop.example",
            "http://localhost:8080",
            "http://10.0.0.1",
            "http://[::2]",
        ] {
            assert!(
                matches!(Origin::parse(text), Err(OriginError::HttpNotLoopback(_))),
                "{text}"
            );
        }
        assert!(matches!(
            Origin::parse("ftp://shop.example"),
            Err(OriginError::Scheme(_))
        ));
        for text in [
            "https://shop.example/inbox",
            "https://shop.example/?a=1",
            "https://u@shop.example",
            "https://shop.example/#x",
        ] {
            assert!(
                matches!(Origin::parse(text), Err(OriginError::NotBare(_))),
                "{text}"
            );
        }
        assert!(matches!(
            Origin::parse("shop.example"),
            Err(OriginError::NotUrl(_))
        ));
    }
}
