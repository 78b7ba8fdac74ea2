//! `connect` and `outbox`, and the delivery that follows every change a connected brand must
//! hear about. The protocol itself is in the core (`vouchsafe::connect`); this file shows the
//! request, asks, and reports.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use anyhow::{Result, bail};
use serde_json::json;
use vouchsafe::connect::request::{self, BrandRequest, Choices, Source, text};
use vouchsafe::connect::{Client, ConnectError, Limits, delivery, outbox};
use vouchsafe::{Lang, OutboxItem, Vault};

use crate::exit::Usage;

fn t(lang: Lang, en: &str, ko: &str) -> String {
    match lang {
        Lang::Ko => ko.to_string(),
        _ => en.to_string(),
    }
}

pub fn when(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| {
            t.to_zoned_datetime(jiff::tz::TimeZone::system())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| secs.to_string())
}

fn day(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| {
            t.to_zoned_datetime(jiff::tz::TimeZone::system())
                .strftime("%Y-%m-%d")
                .to_string()
        })
        .unwrap_or_else(|_| secs.to_string())
}

/// How much an item is allowed to wait for, on the side of another command.
const BACKGROUND_ITEMS: usize = 5;
const BACKGROUND_BUDGET: Duration = Duration::from_secs(5);
/// After a change, or on `outbox retry`: everything due, within a minute.
const NOW_ITEMS: usize = 10_000;
const NOW_BUDGET: Duration = Duration::from_secs(60);

/// Deliver what is due, a few items with short timeouts, on the side of any command that opened
/// the vault. Says something on stderr only if something was sent or failed; never fails the
/// command (the outbox keeps what was not delivered).
pub fn background(vault: &mut Vault) {
    match vault.outbox().due(1) {
        Ok(d) if !d.is_empty() => {}
        _ => return,
    }
    let client = Client::new(Limits::BACKGROUND);
    if let Ok(r) = outbox::deliver(vault, &client, BACKGROUND_ITEMS, BACKGROUND_BUDGET) {
        report(&r);
    }
}

/// Deliver everything due now (after a revocation, reissue or erasure request), and say how
/// it went.
pub fn deliver_now(vault: &mut Vault) -> Result<outbox::Report> {
    if vault.outbox().due(1)?.is_empty() {
        return Ok(outbox::Report::default());
    }
    let client = Client::new(Limits::INTERACTIVE);
    let r = outbox::deliver(vault, &client, NOW_ITEMS, NOW_BUDGET)?;
    report(&r);
    Ok(r)
}

fn report(r: &outbox::Report) {
    if !r.is_noteworthy() {
        return;
    }
    let mut parts = Vec::new();
    if r.sent > 0 {
        parts.push(format!("{} sent", r.sent));
    }
    if r.acknowledged > 0 {
        parts.push(format!("{} acknowledged", r.acknowledged));
    }
    if r.refused > 0 {
        parts.push(format!("{} refused by the brand", r.refused));
    }
    if r.failed > 0 {
        parts.push(format!(
            "{} not delivered (kept; retried later, or now with `vouchsafe outbox retry`)",
            r.failed
        ));
    }
    eprintln!("outbox: {}", parts.join(", "));
}

fn event_name(uri: &str) -> &'static str {
    use vouchsafe_token::protocol::*;
    match uri {
        GRANT_REVOKED => "revoked",
        ERASURE_REQUESTED => "erasure-requested",
        TOKEN_CLAIMS_CHANGE => "claims-changed",
        CHANNEL_CONSENT_CHANGED => "channels-changed",
        vouchsafe::repo::outbox::GRANT_DELIVERY => "grant",
        _ => "event",
    }
}

fn item_json(i: &OutboxItem, now: i64) -> serde_json::Value {
    let mut v = serde_json::to_value(i).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("kind".into(), json!(event_name(&i.event)));
        o.insert("overdue".into(), json!(i.is_overdue(now)));
    }
    v
}

fn item_line(i: &OutboxItem, now: i64) -> String {
    let mut line = format!(
        "{}  {:<12} {:<17} {}  grant {}  attempts {}",
        &i.id[..8.min(i.id.len())],
        i.state.as_str(),
        event_name(&i.event),
        i.brand,
        &i.grant_id[..8.min(i.grant_id.len())],
        i.attempts
    );
    if i.state.is_pending()
        && let Some(n) = i.next_at
    {
        line.push_str(&format!("  next {}", when(n)));
    }
    if i.receipt.is_some() {
        line.push_str("  receipt stored");
    }
    if i.is_overdue(now) {
        line.push_str(&format!(
            "  OVERDUE: no receipt 10 days after {}",
            day(i.requested_at)
        ));
    }
    if let Some(e) = &i.error {
        line.push_str(&format!("  ({e})"));
    }
    line
}

/// `vouchsafe outbox [--json]`.
pub fn list(vault: &Vault, json: bool) -> Result<()> {
    let now = jiff::Timestamp::now().as_second();
    let items = vault.outbox().list()?;
    if json {
        let v: Vec<_> = items.iter().map(|i| item_json(i, now)).collect();
        outln!("{}", serde_json::Value::Array(v));
    } else if items.is_empty() {
        outln!("The outbox is empty: nothing waits for delivery.");
    } else {
        for i in &items {
            outln!("{}", item_line(i, now));
        }
    }
    Ok(())
}

/// `vouchsafe outbox retry`.
pub fn retry(vault: &mut Vault, json: bool) -> Result<()> {
    vault.outbox_mut().retry_now()?;
    let client = Client::new(Limits::INTERACTIVE);
    let r = outbox::deliver(vault, &client, NOW_ITEMS, NOW_BUDGET)?;
    let pending = vault.outbox().pending()?;
    if json {
        outln!(
            "{}",
            json!({"tried": r.tried, "sent": r.sent, "acknowledged": r.acknowledged,
                   "failed": r.failed, "refused": r.refused, "pending": pending})
        );
    } else {
        outln!(
            "Tried {}: {} sent, {} acknowledged, {} failed, {} refused; {pending} still waiting.",
            r.tried,
            r.sent,
            r.acknowledged,
            r.failed,
            r.refused
        );
    }
    Ok(())
}

/// What `grant show` adds for a connected grant: the brand's receipt, the events and their
/// receipts, an overdue erasure.
pub fn grant_lines(vault: &Vault, id: &str) -> Result<Vec<String>> {
    let now = jiff::Timestamp::now().as_second();
    let mut out = Vec::new();
    if let Some((r, at)) = vault.grants().brand_receipt(id)? {
        let received = vouchsafe_token::CompactJws::parse(&r)
            .and_then(|c| c.claims())
            .ok()
            .and_then(|c| c.get("received").cloned())
            .and_then(|v| v.as_array().cloned())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        out.push(format!(
            "  brand receipt: verified, stored {} (the brand received: {received})",
            when(at)
        ));
        out.push(format!("  receipt:   {r}"));
    }
    for i in vault.outbox().for_grant(id)? {
        let mut line = format!(
            "  event:     {} {} ({})",
            event_name(&i.event),
            i.state.as_str(),
            when(i.created_at)
        );
        if let Some(at) = i.receipt_at {
            line.push_str(&format!(
                "; the brand's signed receipt verified and stored {}",
                when(at)
            ));
        }
        if i.is_overdue(now) {
            line.push_str(&format!(
                "; OVERDUE: sent {}, no receipt after 10 days",
                day(i.requested_at)
            ));
        }
        if let Some(e) = &i.error {
            line.push_str(&format!("; {e}"));
        }
        out.push(line);
        if let Some(r) = &i.receipt {
            match i.kind {
                vouchsafe::repo::outbox::OutboxKind::Grant => {}
                vouchsafe::repo::outbox::OutboxKind::Event
                    if i.event == vouchsafe_token::protocol::TOKEN_CLAIMS_CHANGE =>
                {
                    out.push(format!("  new grant's receipt: {r}"));
                }
                vouchsafe::repo::outbox::OutboxKind::Event => {
                    out.push(format!("  erasure receipt: {r}"));
                }
            }
        }
    }
    Ok(out)
}

pub struct ConnectArgs<'a> {
    pub link: &'a str,
    pub accept: &'a [String],
    pub decline: &'a [String],
    pub derived: &'a [String],
    pub allow_ads: &'a [String],
    /// `--night-ads yes|no`.
    pub night_ads: &'a str,
    pub yes: bool,
    pub json: bool,
}

fn shown_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k}: {}", shown_value(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// Print the request the way a careful person would read it.
fn show(
    req: &BrandRequest,
    sending: &[(request::Asked, bool)],
    preview: &vouchsafe::GrantPreview,
    choices: &Choices,
    lang: Lang,
) -> Result<()> {
    let consent = &req.claims.vouchsafe_consent;
    outln!(
        "{} ({}) {}",
        req.name(lang),
        req.origin,
        t(lang, "asks for:", "님이 다음을 요청합니다:")
    );
    for a in &req.asked {
        let kind = if a.required {
            t(lang, "required", "필수")
        } else {
            t(lang, "optional", "선택")
        };
        outln!("  [{kind}] {}: {}", a.path, text(&a.purpose, lang));
        let send = sending.iter().find(|(s, _)| s.id == a.id);
        let what = match send {
            Some((_, derive)) => {
                let path = match (derive, a.suggestion) {
                    (true, Some(vouchsafe::grants::Derived::City)) => "address".to_string(),
                    (true, Some(vouchsafe::grants::Derived::Birthday)) => "birthdate".to_string(),
                    _ => a.path.clone(),
                };
                let value = request::at_path(&preview.claims, &path)
                    .map(shown_value)
                    .unwrap_or_default();
                format!("{} {value}", t(lang, "you would send:", "보낼 값:"))
            }
            None if !a.available => t(
                lang,
                "not in your profile: nothing is sent",
                "프로필에 없음: 보내지 않습니다",
            ),
            None => t(
                lang,
                &format!("kept in your vault (send it with --accept {})", a.path),
                &format!("보내지 않습니다 (보내려면 --accept {})", a.path),
            ),
        };
        outln!("      {what}");
        if let Some(d) = a.suggestion {
            let used = send.is_some_and(|(_, derive)| *derive);
            if !used {
                outln!(
                    "      {} {d} (--derived {})",
                    t(
                        lang,
                        "a derived fact would do:",
                        "파생 정보로 충분할 수 있습니다:"
                    ),
                    a.path
                );
            }
        }
        if let Source::Derived(d) = &a.source {
            outln!(
                "      {} {d}",
                t(
                    lang,
                    "only a yes/no fact from your birth date:",
                    "생년월일에서 계산한 예/아니오만:"
                )
            );
        }
    }
    let category = consent
        .purpose_category
        .rsplit('#')
        .next()
        .unwrap_or(&consent.purpose_category);
    outln!("{} {category}", t(lang, "Purpose category:", "목적 분류:"));
    let until = req
        .retention_secs()
        .map(|s| format!(" ({})", day(jiff::Timestamp::now().as_second() + s)))
        .unwrap_or_default();
    outln!(
        "{} {}{until}",
        t(lang, "Kept for:", "보유 기간:"),
        consent.retention
    );
    if !consent.channels.is_empty() {
        let list: Vec<String> = consent
            .channels
            .iter()
            .map(|c| match c.kind {
                vouchsafe_token::protocol::ChannelKind::Info => {
                    format!("{} ({})", c.channel, t(lang, "information", "정보성"))
                }
                vouchsafe_token::protocol::ChannelKind::Ad => {
                    let allowed = choices
                        .ad_channels
                        .iter()
                        .any(|n| n == "all" || n.eq_ignore_ascii_case(&c.channel));
                    format!(
                        "{} ({}: {})",
                        c.channel,
                        t(lang, "advertising", "광고성"),
                        if allowed {
                            t(lang, "allowed", "허용")
                        } else {
                            t(
                                lang,
                                "refused unless --allow-ads",
                                "거부 (--allow-ads로 허용)",
                            )
                        }
                    )
                }
            })
            .collect();
        outln!("{} {}", t(lang, "Channels:", "연락 수단:"), list.join(", "));
    }
    let offer = text(&consent.offer, lang);
    if !offer.is_empty() {
        outln!("{} {offer}", t(lang, "Offer:", "혜택:"));
    }
    let refusal = text(&consent.refusal, lang);
    if !refusal.is_empty() {
        outln!("{} {refusal}", t(lang, "If you refuse:", "거부할 경우:"));
    }
    outln!("{}", preview.summary.get(lang));
    Ok(())
}

fn ask(question: &str) -> Result<bool> {
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "예" | "네"))
}

/// Map a connect failure to the CLI's error: usage mistakes exit 2, refusals 6, the rest
/// as the core classifies them.
fn fail(e: ConnectError) -> anyhow::Error {
    match e {
        ConnectError::Usage(m) => Usage(m).into(),
        ConnectError::Vault(v) => v.into(),
        // Not refused: issued, and its delivery queued for the outbox to retry (exit 1).
        ConnectError::Queued(m) => anyhow::anyhow!(m),
        other => crate::exit::Refused(other.to_string()).into(),
    }
}

/// `vouchsafe connect LINK …`.
pub fn connect(vault: &mut Vault, args: &ConnectArgs<'_>) -> Result<()> {
    let lang = crate::output::lang();
    let now = jiff::Timestamp::now().as_second();
    let link = request::parse_link(args.link).map_err(fail)?;
    let client = Client::new(Limits::INTERACTIVE);
    let req = request::fetch(&client, &link, vault, now).map_err(fail)?;
    let choices = Choices {
        accept: args.accept.to_vec(),
        decline: args.decline.to_vec(),
        derived: args.derived.to_vec(),
        ad_channels: args.allow_ads.to_vec(),
        night_ads: vouchsafe::grants::channels::parse_yes_no(args.night_ads)
            .map_err(vouchsafe::VaultError::from)?,
    };
    let sending = request::decide(&req, &choices).map_err(fail)?;
    let grant_req = request::grant_request(&req, &sending, &choices, now).map_err(fail)?;
    let preview = request::preview(vault, &req, &grant_req).map_err(fail)?;
    if !args.json {
        show(&req, &sending, &preview, &choices, lang)?;
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            bail!(Usage(
                "not sending without your answer: run it on a terminal, or pass --yes".into()
            ));
        }
        let q = t(
            lang,
            &format!("Send this to {}?", req.name(lang)),
            &format!("{}에 보낼까요?", req.name(lang)),
        );
        if !ask(&q)? {
            return Err(fail(ConnectError::Declined));
        }
    }
    let done = delivery::connect(vault, &client, &req, &grant_req).map_err(fail)?;
    if args.json {
        outln!(
            "{}",
            json!({
                "grant": done.grant.id,
                "brand": done.brand.id,
                "brand_name": done.brand.name,
                "sent": preview.claims,
                "received": done.receipt.received,
                "retention": done.receipt.retention,
                "channels": done.receipt.channels,
                "events_uri": done.receipt.events_uri,
                "receipt": vault.grants().brand_receipt(&done.grant.id)?.map(|(r, _)| r),
            })
        );
    } else {
        outln!(
            "{} {} ({}): {}. {} {}",
            t(lang, "Delivered grant", "전달한 권한"),
            &done.grant.id[..8],
            done.brand.name,
            done.receipt.received.join(", "),
            t(
                lang,
                "The brand's signed receipt is verified and kept; it holds it until",
                "브랜드의 서명된 확인서를 검증해 보관했습니다. 보유 기한:"
            ),
            day(done.receipt.retention.until)
        );
    }
    Ok(())
}
