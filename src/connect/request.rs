//! The brand's request: from the link the consumer was given to a verified request and a plan
//! of what this vault would send for each claim asked (docs/protocol.md §2).
//!
//! Order matters: the request is fetched from its own origin, the origin's JWKS is fetched, the
//! signature is checked against it, and only then is any claim read (`verify_request_object`).
//! A claim path the vault does not know refuses the whole request: the consumer could not see
//! what they would be agreeing to.

use std::collections::BTreeSet;

use url::Url;
use vouchsafe_token::protocol::{self, REQUEST_TYP, RequestObjectClaims, Texts};
use vouchsafe_verify::brand::{BrandError, BrandJwks, verify_request_object};

use super::ConnectError;
use super::http::{Client, allowed, origin_of};
use crate::grants::request::{
    Channel, ChannelChoices, Choice, Derived, GrantRequest, GrantRequestParts, Kind,
};
use crate::grants::{GrantPreview, Lang};
use crate::profile::{AddressPart, FieldName, StdField};
use crate::vault::Vault;

/// Longest request file read from disk.
const MAX_REQUEST_FILE: u64 = 64 * 1024;
/// Longest grant life a request's retention can ask for: the vault's own ceiling.
const MAX_RETENTION_SECS: i64 = 10 * 365 * 86_400;

/// Where the request comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// A `request_uri` to fetch.
    Uri(String),
    /// The request JWT itself (from a file); verified against the JWKS of the origin its `iss`
    /// names.
    Jwt(String),
}

/// Read what the consumer gave: a `vouchsafe://connect?request_uri=…` link, the URI itself, or
/// the path of a file holding either or the request JWT.
pub fn parse_link(link: &str) -> Result<Link, ConnectError> {
    let t = link.trim();
    if let Some(query) = t.strip_prefix("vouchsafe://connect?") {
        let uri = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "request_uri")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| ConnectError::BadLink("the link has no request_uri".into()))?;
        return Ok(Link::Uri(uri));
    }
    if t.starts_with("https://") || t.starts_with("http://") {
        return Ok(Link::Uri(t.to_string()));
    }
    if t.starts_with("vouchsafe:") {
        return Err(ConnectError::BadLink(format!(
            "{t:?} is not a vouchsafe://connect?request_uri=… link"
        )));
    }
    let path = std::path::Path::new(t);
    let len = std::fs::metadata(path)
        .map_err(|e| ConnectError::BadLink(format!("{t}: {e}")))?
        .len();
    if len > MAX_REQUEST_FILE {
        return Err(ConnectError::BadLink(format!(
            "{t} is larger than a request"
        )));
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| ConnectError::BadLink(format!("{t}: {e}")))?;
    let text = text.trim();
    if text.starts_with("vouchsafe://")
        || text.starts_with("https://")
        || text.starts_with("http://")
    {
        return match parse_link(text)? {
            Link::Uri(u) => Ok(Link::Uri(u)),
            Link::Jwt(_) => Err(ConnectError::BadLink(format!("{t}: not a request"))),
        };
    }
    if text.split('.').count() == 3 && !text.contains(char::is_whitespace) {
        return Ok(Link::Jwt(text.to_string()));
    }
    Err(ConnectError::BadLink(format!(
        "{t} holds neither a vouchsafe:// link, a request URI nor a request JWT"
    )))
}

/// How the vault would answer one claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// One profile field, as asked.
    Field(FieldName),
    /// Every address part set in the profile (`["address"]` asked as a whole).
    Address(Vec<FieldName>),
    /// A derived fact asked for directly (`["age_over_19"]`).
    Derived(Derived),
}

/// One claim the brand asks for, and what this vault has for it.
#[derive(Debug, Clone)]
pub struct Asked {
    /// The DCQL claim id (`address-locality`).
    pub id: String,
    /// The path, dotted (`address.locality`).
    pub path: String,
    pub required: bool,
    /// The item's purpose, by language.
    pub purpose: Texts,
    pub source: Source,
    /// Whether the profile has what the claim needs.
    pub available: bool,
    /// A derived fact that would serve the same purpose with less: a birthday without the
    /// year for a birth date, the city for a full address. Sent only if the consumer says so.
    pub suggestion: Option<Derived>,
}

/// A verified request and the vault's plan for it.
#[derive(Debug, Clone)]
pub struct BrandRequest {
    /// The brand's origin: where the request came from and whose keys signed it.
    pub origin: String,
    pub jwks: BrandJwks,
    pub claims: RequestObjectClaims,
    pub asked: Vec<Asked>,
}

impl BrandRequest {
    /// The brand's name in `lang` (`client_name#ko`, else `client_name`, else the origin).
    pub fn name(&self, lang: Lang) -> String {
        let meta = &self.claims.client_metadata;
        let tagged = format!("client_name#{}", lang_tag(lang));
        meta.get(&tagged)
            .or_else(|| meta.get("client_name"))
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.origin)
            .to_string()
    }

    /// The brand's retention as seconds, if the vault can read the ISO 8601 duration.
    pub fn retention_secs(&self) -> Option<i64> {
        iso_duration_secs(&self.claims.vouchsafe_consent.retention)
    }

    /// A claim by its DCQL id or dotted path.
    pub fn find(&self, name: &str) -> Option<&Asked> {
        let n = name.trim();
        self.asked.iter().find(|a| a.id == n || a.path == n)
    }
}

/// `en` / `ko`.
pub fn lang_tag(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::Ko => "ko",
    }
}

/// A text in `lang`, else English, else any.
pub fn text(texts: &Texts, lang: Lang) -> String {
    texts
        .get(lang_tag(lang))
        .or_else(|| texts.get("en"))
        .or_else(|| texts.values().next())
        .cloned()
        .unwrap_or_default()
}

/// `P1Y`, `P6M`, `P30D`, `P2W`, `P1Y6M` (a year counted as 365 days, a month as 30, as the
/// brand's receipt counts them); `None` for what the vault does not read (times, fractions).
pub fn iso_duration_secs(s: &str) -> Option<i64> {
    let rest = s.trim().strip_prefix('P')?;
    if rest.is_empty() || rest.contains('T') {
        return None;
    }
    let mut total: i64 = 0;
    let mut num = String::new();
    for c in rest.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        let unit = match c {
            'Y' => 365 * 86_400,
            'M' => 30 * 86_400,
            'W' => 7 * 86_400,
            'D' => 86_400,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    (num.is_empty() && total > 0).then_some(total)
}

/// Fetch the request (if given by URI) and the JWKS of its origin, verify, and plan.
pub fn fetch(
    client: &Client,
    link: &Link,
    vault: &Vault,
    now: i64,
) -> Result<BrandRequest, ConnectError> {
    fetch_verified(client, link, now)?.plan(vault)
}

/// A request fetched and verified against its origin's keys, not yet read against the
/// vault's profile: what [`fetch_verified`] gets with no vault at hand (the app fetches with
/// its session lock free).
#[derive(Debug, Clone)]
pub struct Verified {
    origin: String,
    jwks: BrandJwks,
    claims: RequestObjectClaims,
}

impl Verified {
    /// What the vault would send for each claim asked; refuses a path it does not know.
    pub fn plan(self, vault: &Vault) -> Result<BrandRequest, ConnectError> {
        let asked = plan(&self.claims, vault)?;
        Ok(BrandRequest {
            origin: self.origin,
            jwks: self.jwks,
            claims: self.claims,
            asked,
        })
    }
}

/// The network half of [`fetch`]: the request and its origin's keys, every check that needs
/// no vault.
pub fn fetch_verified(client: &Client, link: &Link, now: i64) -> Result<Verified, ConnectError> {
    let (origin, jwt) = match link {
        Link::Uri(uri) => {
            let u = allowed(uri)?;
            let answer = client.get(u.as_str(), &format!("application/{REQUEST_TYP}"))?;
            match answer.status {
                200 => {}
                410 => {
                    return Err(ConnectError::Refused(
                        "the brand says this request expired or was already answered; ask it for a new link".into(),
                    ));
                }
                404 => {
                    return Err(ConnectError::Refused(
                        "the brand does not know this request (404)".into(),
                    ));
                }
                s => {
                    return Err(ConnectError::Brand(format!(
                        "fetching the request: the brand answered {s}"
                    )));
                }
            }
            let jwt = String::from_utf8(answer.body).map_err(|_| {
                ConnectError::Refused("refusing the request: it is not text".into())
            })?;
            (origin_of(&u), jwt.trim().to_string())
        }
        Link::Jwt(jwt) => (claimed_origin(jwt)?, jwt.clone()),
    };
    let jwks_uri = format!("{origin}/.well-known/jwks.json");
    let answer = client.get(&jwks_uri, "application/json")?;
    if answer.status != 200 {
        return Err(ConnectError::Brand(format!(
            "fetching {jwks_uri}: the brand answered {}",
            answer.status
        )));
    }
    let jwks = BrandJwks::from_slice(&answer.body).map_err(|e| {
        ConnectError::Refused(format!(
            "refusing the request: the brand's keys at {jwks_uri}: {e}"
        ))
    })?;
    let claims = verify_request_object(&jwt, &jwks, &origin, now).map_err(|e| match e {
        BrandError::Expired { exp, .. } => ConnectError::Refused(format!(
            "refusing the request from {origin}: it expired at {}; ask the brand for a new link",
            jiff::Timestamp::from_second(exp).map_or_else(|_| exp.to_string(), |t| t.to_string())
        )),
        other => ConnectError::Refused(format!("refusing the request from {origin}: {other}")),
    })?;
    // The endpoints were checked against the origin; their scheme must be one the vault uses.
    allowed(&claims.response_uri)?;
    allowed(&claims.vouchsafe_consent.events_uri)?;
    Ok(Verified {
        origin,
        jwks,
        claims,
    })
}

/// The origin a request file's `iss` names (read before verification only to know whose keys
/// to fetch; verification then requires `iss` to be exactly that origin).
fn claimed_origin(jwt: &str) -> Result<String, ConnectError> {
    let iss = vouchsafe_token::CompactJws::parse(jwt)
        .and_then(|c| c.claims())
        .ok()
        .and_then(|c| c.get("iss").and_then(|v| v.as_str()).map(str::to_string))
        .ok_or_else(|| {
            ConnectError::Refused("refusing the request file: it holds no readable request".into())
        })?;
    let u = allowed(&iss)?;
    Ok(origin_of(&u))
}

/// What the vault would send for each claim asked; refuses a path it does not know.
fn plan(claims: &RequestObjectClaims, vault: &Vault) -> Result<Vec<Asked>, ConnectError> {
    let fields = vault.fields();
    let has = |name: &FieldName| -> Result<bool, ConnectError> { Ok(fields.get(name)?.is_some()) };
    let birthdate = FieldName::Std(StdField::Birthdate);
    let mut out = Vec::new();
    let credential =
        claims.dcql_query.credentials.first().ok_or_else(|| {
            ConnectError::Refused("refusing the request: it asks for nothing".into())
        })?;
    for q in &credential.claims {
        let dotted = q.path.join(".");
        let unknown = || {
            ConnectError::Refused(format!(
                "refusing the request: it asks for claim {dotted:?}, which this vault does not know, so it cannot show what you would agree to"
            ))
        };
        let source = match q.path.as_slice() {
            [one] if one == "address" => {
                let mut set = Vec::new();
                for p in AddressPart::ALL {
                    if has(&FieldName::Address(p))? {
                        set.push(FieldName::Address(p));
                    }
                }
                Source::Address(set)
            }
            // The canonical claim name only (`age_over_19`, not `age_over_019` or
            // `AGE_OVER_19`): the name the token carries and a brand's inbox checks it against
            // (`DerivedFact::from_datatype`), so what the vault agrees to is what the brand reads.
            [one] if one.starts_with("age_over_") => {
                Source::Derived(Derived::from_datatype(one).ok_or_else(unknown)?)
            }
            [one] => match one.parse::<FieldName>() {
                Ok(f @ FieldName::Std(_)) => Source::Field(f),
                _ => return Err(unknown()),
            },
            [group, member] => {
                let name = match group.as_str() {
                    "address" => format!("address.{member}"),
                    "memberships" => format!("membership.{member}"),
                    "custom" => format!("custom.{member}"),
                    _ => return Err(unknown()),
                };
                Source::Field(name.parse::<FieldName>().map_err(|_| unknown())?)
            }
            _ => return Err(unknown()),
        };
        let item = claims
            .vouchsafe_consent
            .items
            .iter()
            .find(|i| i.claims.contains(&q.id))
            .ok_or_else(unknown)?;
        let (available, suggestion) = match &source {
            Source::Field(f) if *f == birthdate => (has(f)?, Some(Derived::Birthday)),
            Source::Field(f) => (has(f)?, None),
            Source::Address(set) => {
                let any = !set.is_empty();
                let street = has(&FieldName::Address(AddressPart::StreetAddress))?
                    || has(&FieldName::Address(AddressPart::Formatted))?;
                (any, street.then_some(Derived::City))
            }
            Source::Derived(_) => (has(&birthdate)?, None),
        };
        out.push(Asked {
            id: q.id.clone(),
            path: dotted,
            required: item.required,
            purpose: item.purpose.clone(),
            source,
            available,
            suggestion,
        });
    }
    Ok(out)
}

/// What the consumer decided.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// Optional claims to send (ids or dotted paths; `all` for every optional one).
    pub accept: Vec<String>,
    /// Optional claims to keep.
    pub decline: Vec<String>,
    /// Claims for which the suggested derived fact is sent instead of the raw value.
    pub derived: Vec<String>,
    /// Advertising channels the consumer allows (informational ones are allowed as asked).
    pub ad_channels: Vec<String>,
    /// Advertising at night (21:00–08:00) too: its own yes or no (정보통신망법 Art. 50(3)),
    /// default no; yes needs some advertising channel allowed.
    pub night_ads: bool,
}

/// The claims that will be sent, after the choices: every required claim, each accepted
/// optional one the profile can answer.
pub fn decide(req: &BrandRequest, choices: &Choices) -> Result<Vec<(Asked, bool)>, ConnectError> {
    for name in choices
        .accept
        .iter()
        .chain(&choices.decline)
        .chain(&choices.derived)
        .filter(|n| *n != "all")
    {
        if req.find(name).is_none() {
            return Err(ConnectError::Usage(format!(
                "{name:?} is not a claim of this request; it asks for: {}",
                req.asked
                    .iter()
                    .map(|a| a.path.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let named = |list: &[String], a: &Asked| {
        list.iter()
            .any(|n| n == "all" || n == &a.id || n == &a.path)
    };
    let mut out = Vec::new();
    for a in &req.asked {
        if a.required && named(&choices.decline, a) && !choices.decline.iter().any(|n| n == "all") {
            return Err(ConnectError::Usage(format!(
                "{} is required by the brand; without it the brand refuses the grant (decline the whole request by answering no)",
                a.path
            )));
        }
        let send = a.required || (named(&choices.accept, a) && !named(&choices.decline, a));
        if !send {
            continue;
        }
        if !a.available {
            if a.required {
                return Err(ConnectError::Missing(a.path.clone()));
            }
            continue;
        }
        let derive = a.suggestion.is_some() && named(&choices.derived, a);
        out.push((a.clone(), derive));
    }
    Ok(out)
}

/// The typed grant request for what will be sent: the brand's purposes, category, channels and
/// retention, and its nonce.
pub fn grant_request(
    req: &BrandRequest,
    sending: &[(Asked, bool)],
    choices: &Choices,
    now: i64,
) -> Result<GrantRequest, ConnectError> {
    let mut fields = Vec::new();
    let mut derived = Vec::new();
    for (a, derive) in sending {
        match (&a.source, derive, a.suggestion) {
            (_, true, Some(d)) => derived.push(d),
            (Source::Field(f), _, _) => fields.push(f.clone()),
            (Source::Derived(d), _, _) => derived.push(*d),
            (Source::Address(set), _, _) => fields.extend(set.iter().cloned()),
        }
    }
    if fields.is_empty() && derived.is_empty() {
        return Err(ConnectError::Usage(
            "nothing would be sent; accept at least one claim".into(),
        ));
    }
    let mut purposes: Vec<String> = Vec::new();
    for (a, _) in sending {
        let p = text(&a.purpose, Lang::En);
        if !p.trim().is_empty() && !purposes.contains(&p) {
            purposes.push(p);
        }
    }
    let mut purpose: String = purposes.join("; ");
    if purpose.chars().count() > crate::grants::request::MAX_PURPOSE {
        purpose = purpose
            .chars()
            .take(crate::grants::request::MAX_PURPOSE - 1)
            .collect::<String>()
            + "…";
    }
    let consent = &req.claims.vouchsafe_consent;
    let channels = channel_choices(
        &consent.channels,
        &choices.ad_channels,
        choices.night_ads,
        now,
    )?;
    let life = req
        .retention_secs()
        .unwrap_or(365 * 86_400)
        .min(MAX_RETENTION_SECS);
    let offer = Some(text(&consent.offer, Lang::En)).filter(|o| !o.trim().is_empty());
    let parts = GrantRequestParts {
        brand: req.origin.clone(),
        fields: dedup(fields),
        derived: dedup(derived),
        purpose,
        purpose_category: Some(consent.purpose_category.clone()),
        channels,
        offer: offer.map(|o| o.chars().take(crate::grants::request::MAX_OFFER).collect()),
        expires_at: now + life,
    };
    let request = GrantRequest::new(parts, now).map_err(crate::error::VaultError::from)?;
    Ok(request
        .with_nonce(&req.claims.nonce)
        .map_err(crate::error::VaultError::from)?)
}

/// What the brand asks for one channel and kind, and what the consumer answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AskedChannel {
    pub channel: Channel,
    pub kind: Kind,
    /// Informational messages are allowed as asked; advertising only where the consumer said
    /// yes (`--allow-ads`, the consent screen's choices).
    pub allowed: bool,
}

/// The brand's channel list on the consumer's channel model: each channel × kind it asks, once,
/// with the consumer's answer. A channel name this vault does not know is left out: the
/// consumer cannot be asked about what it cannot name, and what is not allowed is refused.
pub fn asked_channels(asked: &[protocol::Channel], ad_channels: &[String]) -> Vec<AskedChannel> {
    let mut out: Vec<AskedChannel> = Vec::new();
    for c in asked {
        let Ok(channel) = c.channel.parse::<Channel>() else {
            continue;
        };
        let kind = Kind::from(c.kind);
        if out.iter().any(|o| o.channel == channel && o.kind == kind) {
            continue;
        }
        let allowed = match kind {
            Kind::Info => true,
            Kind::Ad => ad_channels
                .iter()
                .any(|n| n == "all" || n.eq_ignore_ascii_case(channel.as_str())),
        };
        out.push(AskedChannel {
            channel,
            kind,
            allowed,
        });
    }
    out
}

/// The grant's channel consent for a brand's request, dated `now`: what [`asked_channels`]
/// answers, and advertising at night only if the consumer said yes to it (`night_ads`; a
/// brand's request does not ask it, the consumer answers it apart). Night-time ads with no
/// advertising channel allowed are refused, as for any grant.
pub fn channel_choices(
    asked: &[protocol::Channel],
    ad_channels: &[String],
    night_ads: bool,
    now: i64,
) -> Result<ChannelChoices, ConnectError> {
    let choices = asked_channels(asked, ad_channels)
        .into_iter()
        .map(|a| Choice::new(a.channel, a.kind, a.allowed))
        .collect();
    Ok(ChannelChoices::new(choices, night_ads, now).map_err(crate::error::VaultError::from)?)
}

fn dedup<T: PartialEq>(v: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for x in v {
        if !out.contains(&x) {
            out.push(x);
        }
    }
    out
}

/// Exactly what the brand would receive, from the vault's own preview (nothing is stored).
pub fn preview(
    vault: &Vault,
    req: &BrandRequest,
    request: &GrantRequest,
) -> Result<GrantPreview, ConnectError> {
    Ok(vault.grants().preview_as(request, &req.name(Lang::En))?)
}

/// The value at a claim path in released claims.
pub fn at_path<'a>(
    claims: &'a serde_json::Map<String, serde_json::Value>,
    path: &str,
) -> Option<&'a serde_json::Value> {
    let mut parts = path.split('.');
    let first = claims.get(parts.next()?)?;
    match parts.next() {
        None => Some(first),
        Some(member) => first.get(member),
    }
}

/// The dotted names of the claims of a released object, sorted (the brand receipt's
/// `received` lists them the same way).
pub fn dotted_claims(claims: &serde_json::Map<String, serde_json::Value>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (k, v) in claims {
        match v {
            serde_json::Value::Object(m)
                if k == "address" || k == "custom" || k == "memberships" =>
            {
                for inner in m.keys() {
                    out.insert(format!("{k}.{inner}"));
                }
            }
            _ => {
                out.insert(k.clone());
            }
        }
    }
    out
}

/// Keep `Url` in this module's vocabulary for callers that build endpoint URLs.
pub fn receipts_uri(events_uri: &str, set_jti: &str) -> Result<String, ConnectError> {
    let base = allowed(events_uri)?;
    let mut u: Url = base;
    u.path_segments_mut()
        .map_err(|_| ConnectError::Brand(format!("{events_uri} cannot have a path")))?
        .pop_if_empty()
        .push("receipts")
        .push(set_jti);
    Ok(u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_in_each_form() {
        assert_eq!(
            parse_link("vouchsafe://connect?request_uri=https%3A%2F%2Fshop.example%2Fvouchsafe%2Frequests%2F8f3c")
                .expect("link"),
            Link::Uri("https://shop.example/vouchsafe/requests/8f3c".into())
        );
        assert_eq!(
            parse_link(" https://shop.example/vouchsafe/requests/1 ").expect("uri"),
            Link::Uri("https://shop.example/vouchsafe/requests/1".into())
        );
        assert!(parse_link("vouchsafe://connect?x=1").is_err());
        assert!(parse_link("vouchsafe://other").is_err());
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("req.jwt");
        std::fs::write(&f, "eyJh.eyJp.c2ln\n").expect("write");
        assert_eq!(
            parse_link(f.to_str().expect("path")).expect("file"),
            Link::Jwt("eyJh.eyJp.c2ln".into())
        );
        std::fs::write(&f, "hello").expect("write");
        assert!(parse_link(f.to_str().expect("path")).is_err());
    }

    #[test]
    fn a_brands_channels_map_onto_the_consumers_model() {
        use vouchsafe_token::protocol::ChannelKind;
        let ask = |channel: &str, kind| protocol::Channel {
            channel: channel.into(),
            kind,
        };
        let asked = [
            ask("email", ChannelKind::Info),
            ask("email", ChannelKind::Ad),
            ask("kakao", ChannelKind::Ad),
            ask("sms", ChannelKind::Ad),
            ask("email", ChannelKind::Info),
            ask("fax", ChannelKind::Info),
        ];
        let got: Vec<(String, Kind, bool)> = asked_channels(&asked, &["KAKAO".into()])
            .into_iter()
            .map(|a| (a.channel.to_string(), a.kind, a.allowed))
            .collect();
        assert_eq!(
            got,
            [
                ("email".to_string(), Kind::Info, true),
                ("email".to_string(), Kind::Ad, false),
                ("kakao".to_string(), Kind::Ad, true),
                ("sms".to_string(), Kind::Ad, false),
            ],
            "informational as asked, ads only where allowed, each once, unknown names left out"
        );
        let c = channel_choices(&asked, &["all".into()], false, 5).expect("valid");
        assert!(c.allows(&Channel::Sms, Kind::Ad) && c.allows(&Channel::Email, Kind::Ad));
        assert!(
            !c.night_ads().allowed,
            "a request never turns on night-time ads"
        );
        assert!(c.consents().iter().all(|x| x.given_at == 5));
    }

    #[test]
    fn night_ads_and_custom_channels_from_a_request() {
        use vouchsafe_token::protocol::ChannelKind;
        let ask = |channel: &str, kind| protocol::Channel {
            channel: channel.into(),
            kind,
        };
        let asked = [
            ask("email", ChannelKind::Ad),
            ask("custom.line", ChannelKind::Info),
            ask("custom.line", ChannelKind::Ad),
            ask("custom.Bad-Name", ChannelKind::Info),
        ];
        // Night-time ads are the consumer's own yes, with some advertising allowed.
        let c = channel_choices(&asked, &["custom.line".into()], true, 5).expect("valid");
        assert!(c.night_ads().allowed);
        let line = Channel::Custom("custom.line".into());
        assert!(c.allows(&line, Kind::Info) && c.allows(&line, Kind::Ad));
        assert!(!c.allows(&Channel::Email, Kind::Ad));
        assert_eq!(
            c.consents().len(),
            3,
            "a name outside the documented form is left out"
        );
        assert!(matches!(
            channel_choices(&asked, &[], true, 5),
            Err(ConnectError::Vault(crate::error::VaultError::Grant(
                crate::grants::GrantError::NightAdsWithoutAds
            )))
        ));
    }

    /// A request's `age_over_NN` claim is read in its canonical spelling only, as the token and
    /// the brand's inbox spell it; the CLI's `--derive` stays lenient for people.
    #[test]
    fn age_claims_in_their_canonical_spelling_only() {
        let (_dir, vault) = crate::vault::temp_vault();
        let with_age_claim = |name: &str| -> RequestObjectClaims {
            let mut v: serde_json::Value = serde_json::from_str(include_str!(
                "../../tests/vectors/protocol/request.claims.json"
            ))
            .expect("vector");
            v["dcql_query"]["credentials"][0]["claims"] =
                serde_json::json!([{ "id": "age_over_19", "path": [name] }]);
            serde_json::from_value(v).expect("request claims")
        };
        let asked = plan(&with_age_claim("age_over_19"), &vault).expect("canonical name");
        assert_eq!(asked.len(), 1);
        for odd in [
            "age_over_019",
            "AGE_OVER_19",
            "age_over_0",
            "age_over_100",
            "age_over_",
        ] {
            assert!(
                matches!(plan(&with_age_claim(odd), &vault), Err(ConnectError::Refused(m)) if m.contains(odd)),
                "{odd}"
            );
        }
    }

    #[test]
    fn iso_durations() {
        assert_eq!(iso_duration_secs("P1Y"), Some(365 * 86_400));
        assert_eq!(iso_duration_secs("P30D"), Some(30 * 86_400));
        assert_eq!(iso_duration_secs("P1Y6M"), Some(545 * 86_400));
        assert_eq!(iso_duration_secs("P2W"), Some(14 * 86_400));
        for bad in ["", "P", "1Y", "PT1H", "P1.5Y", "P1X", "P0D"] {
            assert_eq!(iso_duration_secs(bad), None, "{bad}");
        }
    }

    #[test]
    fn receipts_live_under_the_events_uri() {
        assert_eq!(
            receipts_uri("http://127.0.0.1:9/vouchsafe/events", "abc").expect("uri"),
            "http://127.0.0.1:9/vouchsafe/events/receipts/abc"
        );
        assert_eq!(
            receipts_uri("https://shop.example/ev/", "abc").expect("uri"),
            "https://shop.example/ev/receipts/abc"
        );
    }
}
