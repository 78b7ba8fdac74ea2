//! The vault's only network client, and the rule for where it may go.
//!
//! Every URL the vault contacts comes from a brand's request or from the brand record, and is
//! checked here first (docs/protocol.md §1): https, or plain http to a loopback IP literal
//! (`127.0.0.0/8`, `[::1]`) only, never a host name that merely resolves to loopback. Each exchange
//! is bounded (connect and whole-exchange timeouts, answer size), and no redirect is followed,
//! since a redirect could lead off the brand's origin.
//!
//! TLS is rustls on ring (no cmake/nasm in the build) with the webpki roots, so a brand's
//! certificate is checked the same way on every machine.

use std::net::IpAddr;
use std::time::Duration;

use url::{Host, Url};

/// Longest answer body read from a brand (the inbox bounds what it accepts the same way).
pub const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// Why a URL may not be contacted, or an exchange failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    #[error("{0:?} is not a URL")]
    NotAUrl(String),
    #[error(
        "{0} is plain http to a host that is not a loopback address; the vault talks to brands over https only (http only to 127.0.0.0/8 or [::1] for local testing)"
    )]
    PlainHttp(String),
    #[error("{0} is not an https URL")]
    Scheme(String),
    #[error("{url} answered with a redirect to {to}; the vault does not follow redirects")]
    Redirect { url: String, to: String },
    #[error("{url}: the answer is larger than {MAX_ANSWER_BYTES} bytes")]
    TooLarge { url: String },
    #[error("{url}: {detail}")]
    Network { url: String, detail: String },
}

impl HttpError {
    /// A failure worth retrying later (the brand may come back), as opposed to a URL the vault
    /// will never contact.
    pub fn is_transient(&self) -> bool {
        matches!(self, HttpError::Network { .. } | HttpError::TooLarge { .. })
    }
}

/// A URL the vault may contact: https, or http to a loopback IP literal.
pub fn allowed(url: &str) -> Result<Url, HttpError> {
    let u = Url::parse(url).map_err(|_| HttpError::NotAUrl(url.to_string()))?;
    match u.scheme() {
        "https" if u.host().is_some() => Ok(u),
        "http" if is_loopback_literal(&u) => Ok(u),
        "http" => Err(HttpError::PlainHttp(url.to_string())),
        _ => Err(HttpError::Scheme(url.to_string())),
    }
}

fn is_loopback_literal(u: &Url) -> bool {
    match u.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        _ => false,
    }
}

/// The ASCII serialisation of a URL's origin (`https://shop.example`, `http://127.0.0.1:8080`):
/// how a brand is named and compared (docs/protocol.md §1).
pub fn origin_of(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// One answer: status, `Content-Type`, body (at most [`MAX_ANSWER_BYTES`]).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON, if it is a JSON object.
    pub fn json(&self) -> Option<serde_json::Map<String, serde_json::Value>> {
        match serde_json::from_slice(&self.body) {
            Ok(serde_json::Value::Object(m)) => Some(m),
            _ => None,
        }
    }

    /// A member of a JSON answer as a string.
    pub fn member(&self, name: &str) -> Option<String> {
        self.json()?.get(name)?.as_str().map(str::to_string)
    }
}

/// How long an exchange may take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub connect: Duration,
    pub total: Duration,
}

impl Limits {
    /// docs/protocol.md §1: connect 5 s, whole exchange 15 s. For what the consumer asked for
    /// (connect, `outbox retry`).
    pub const INTERACTIVE: Limits = Limits {
        connect: Duration::from_secs(5),
        total: Duration::from_secs(15),
    };
    /// Delivery on the side of another command: short, so that command never waits long.
    pub const BACKGROUND: Limits = Limits {
        connect: Duration::from_secs(2),
        total: Duration::from_secs(4),
    };
}

/// A blocking client with the limits above. Loopback goes direct; anything else honours the
/// system's proxy settings.
pub struct Client {
    direct: ureq::Agent,
    proxied: ureq::Agent,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(limits: Limits) -> Self {
        let build = |proxy: bool| -> ureq::Agent {
            let mut cfg = ureq::Agent::config_builder()
                .timeout_connect(Some(limits.connect))
                .timeout_global(Some(limits.total))
                .max_redirects(0)
                .http_status_as_error(false)
                .user_agent(concat!("vouchsafe/", env!("CARGO_PKG_VERSION")));
            if !proxy {
                cfg = cfg.proxy(None);
            }
            cfg.build().into()
        };
        Self {
            direct: build(false),
            proxied: build(true),
        }
    }

    fn agent(&self, u: &Url) -> &ureq::Agent {
        if is_loopback_literal(u) {
            &self.direct
        } else {
            &self.proxied
        }
    }

    /// `GET url` with `Accept: accept`.
    pub fn get(&self, url: &str, accept: &str) -> Result<Answer, HttpError> {
        let u = allowed(url)?;
        let answer = self
            .agent(&u)
            .get(u.as_str())
            .header("accept", accept)
            .call();
        finish(url, answer)
    }

    /// `POST url` with `body` of `content_type`.
    pub fn post(&self, url: &str, content_type: &str, body: &[u8]) -> Result<Answer, HttpError> {
        let u = allowed(url)?;
        let answer = self
            .agent(&u)
            .post(u.as_str())
            .header("content-type", content_type)
            .header("accept", "application/json")
            .send(body);
        finish(url, answer)
    }
}

fn finish(
    url: &str,
    answer: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<Answer, HttpError> {
    let network = |e: ureq::Error| HttpError::Network {
        url: url.to_string(),
        detail: e.to_string(),
    };
    let mut answer = answer.map_err(network)?;
    let status = answer.status().as_u16();
    let header = |name: &str| {
        answer
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    if (300..400).contains(&status) {
        return Err(HttpError::Redirect {
            url: url.to_string(),
            to: header("location"),
        });
    }
    let content_type = header("content-type");
    let body = answer
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_BYTES)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => HttpError::TooLarge {
                url: url.to_string(),
            },
            other => network(other),
        })?;
    Ok(Answer {
        status,
        content_type,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_to_loopback_literals() {
        for ok in [
            "https://shop.example/vouchsafe/requests/1",
            "https://shop.example:8443/x",
            "http://127.0.0.1:8080/x",
            "http://127.9.9.9/x",
            "http://[::1]:9000/x",
        ] {
            assert!(allowed(ok).is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("http://shop.example/x", "plain http"),
            ("http://localhost:8080/x", "plain http"),
            ("http://10.0.0.1/x", "plain http"),
            ("http://[::2]/x", "plain http"),
            ("ftp://shop.example/x", "not an https URL"),
            ("file:///etc/passwd", "not an https URL"),
            ("not a url", "is not a URL"),
        ] {
            let err = allowed(bad).expect_err(bad).to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn origins_are_serialised_exactly() {
        let o = |s: &str| origin_of(&Url::parse(s).expect("url"));
        assert_eq!(o("https://Shop.Example:443/a?b"), "https://shop.example");
        assert_eq!(
            o("https://shop.example:8443/a"),
            "https://shop.example:8443"
        );
        assert_eq!(o("http://127.0.0.1:8080/x"), "http://127.0.0.1:8080");
    }
}
