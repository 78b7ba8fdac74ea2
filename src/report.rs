//! A brand's report: what one brand holds of the consumer right now, since when, for what, and
//! the signed receipts that prove it, as one printable HTML file in the consumer's language.
//!
//! The report is for the consumer's own records (or a complaint to the brand or the regulator),
//! so it names what was released but never the values: a report left in a downloads folder must
//! not become the plaintext copy of the profile the vault exists to avoid. The receipts are
//! included whole, because they are what a third party can check (signatures, dates, status).
//!
//! The file is self-contained (no script, no external style or font) so it prints and opens the
//! same everywhere, and is written private from its first byte like every file the vault makes.

use std::fmt::Write as _;
use std::path::Path;

use crate::brands::Brand;
use crate::error::Result;
use crate::grants::request::DPV_NS;
use crate::grants::{GrantInfo, GrantState, Lang};
use crate::repo::{OutboxItem, OutboxState};
use crate::vault::{Vault, write_private_file};

/// One grant of the brand, with everything the vault keeps that proves what happened to it.
#[derive(Debug, Clone)]
pub struct ReportGrant {
    pub info: GrantInfo,
    /// The consent receipt (JWT), signed now with the grant's events so far.
    pub consent_receipt: String,
    /// The brand's countersigned receipt of the grant and when it was stored, if it was
    /// delivered to the brand's inbox.
    pub brand_receipt: Option<(String, i64)>,
    /// Events sent about this grant (revocation, erasure request, reissue), oldest first.
    pub events: Vec<OutboxItem>,
}

/// A release item the brand holds now and the first time an active grant gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub item: String,
    pub since: i64,
}

/// Everything the report shows, gathered from the vault's authenticated state.
#[derive(Debug, Clone)]
pub struct BrandReport {
    pub brand: Brand,
    pub generated_at: i64,
    pub holdings: Vec<Holding>,
    /// Active grants first, then the rest, newest first within each.
    pub grants: Vec<ReportGrant>,
}

impl BrandReport {
    /// Gather the report of brand `brand_id` (its id or origin).
    pub fn gather(vault: &Vault, brand_id: &str) -> Result<Self> {
        let brand = vault.brands().get(brand_id)?;
        let mut infos = vault.grants().list(Some(&brand.id))?;
        infos.sort_by_key(|g| (g.state != GrantState::Active, -g.issued_at));
        let mut holdings: Vec<Holding> = Vec::new();
        for g in infos.iter().filter(|g| g.state == GrantState::Active) {
            for item in &g.released {
                match holdings.iter_mut().find(|h| &h.item == item) {
                    Some(h) => h.since = h.since.min(g.issued_at),
                    None => holdings.push(Holding {
                        item: item.clone(),
                        since: g.issued_at,
                    }),
                }
            }
        }
        let mut grants = Vec::with_capacity(infos.len());
        for info in infos {
            let mut events = vault.outbox().for_grant(&info.id)?;
            events.sort_by_key(|e| e.requested_at);
            grants.push(ReportGrant {
                consent_receipt: vault.grants().receipt(&info.id)?,
                brand_receipt: vault.grants().brand_receipt(&info.id)?,
                events,
                info,
            });
        }
        Ok(Self {
            brand,
            generated_at: vault.now(),
            holdings,
            grants,
        })
    }

    /// The report as a self-contained HTML document in `lang`.
    pub fn to_html(&self, lang: Lang) -> String {
        let w = Words::of(lang);
        let mut h = String::with_capacity(8 * 1024);
        let title = format!("{} — {}", w.title, self.brand.name);
        let _ = writeln!(
            h,
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>",
            w.lang_tag,
            esc(&title),
            esc(&title)
        );
        let _ = writeln!(
            h,
            "<p class=\"meta\">{} {}</p>\n<p>{}</p>\n<table class=\"facts\">",
            w.generated,
            esc(&when(self.generated_at)),
            w.intro
        );
        let b = &self.brand;
        row(&mut h, w.brand_name, &b.name);
        row(&mut h, w.brand_id, &b.id);
        if let Some(url) = &b.url {
            row(&mut h, w.website, url);
        }
        row(&mut h, w.known_since, &when(b.created_at));
        row(
            &mut h,
            w.inbox,
            b.events_uri.as_deref().unwrap_or(w.no_inbox),
        );
        row(&mut h, w.your_id, &b.issuer);
        h.push_str("</table>\n");

        let _ = writeln!(h, "<h2>{}</h2>", w.holds_now);
        if self.holdings.is_empty() {
            let _ = writeln!(h, "<p>{}</p>", w.holds_nothing);
        } else {
            let _ = writeln!(
                h,
                "<table>\n<tr><th>{}</th><th>{}</th></tr>",
                w.item, w.since
            );
            for x in &self.holdings {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td></tr>",
                    esc(&item_words(&x.item, lang)),
                    esc(&when(x.since))
                );
            }
            h.push_str("</table>\n");
        }

        let _ = writeln!(h, "<h2>{} ({})</h2>", w.grants, self.grants.len());
        for g in &self.grants {
            grant_html(&mut h, g, &w, lang, self.generated_at);
        }
        let _ = writeln!(h, "<p class=\"meta\">{}</p>\n</body>\n</html>", w.verify);
        h
    }

    /// Write the report in `lang` to `dest`, whole or not at all, private (0600) from its first
    /// byte; an existing file is refused unless `overwrite` (a save dialog that already asked).
    pub fn save(&self, lang: Lang, dest: &Path, overwrite: bool) -> Result<()> {
        write_private_file(dest, self.to_html(lang).as_bytes(), overwrite)
    }
}

fn grant_html(h: &mut String, g: &ReportGrant, w: &Words, lang: Lang, now: i64) {
    let i = &g.info;
    let state = match i.state {
        GrantState::Active => w.active,
        GrantState::Expired => w.expired,
        GrantState::Revoked => w.revoked,
    };
    let _ = writeln!(
        h,
        "<section class=\"grant\">\n<h3>{} <span class=\"state {}\">{}</span></h3>\n\
         <p>{}</p>\n<table class=\"facts\">",
        esc(&i.purpose),
        match i.state {
            GrantState::Active => "active",
            GrantState::Expired => "expired",
            GrantState::Revoked => "revoked",
        },
        state,
        esc(i.summary.get(lang))
    );
    let released: Vec<String> = i.released.iter().map(|r| item_words(r, lang)).collect();
    row(h, w.released, &released.join(", "));
    row(h, w.category, &purpose_words(&i.purpose_category, lang));
    if let Some(offer) = &i.offer {
        row(h, w.offer, offer);
    }
    row(h, w.issued, &when(i.issued_at));
    row(h, w.expires, &when(i.expires_at));
    if let Some(at) = i.revoked_at {
        row(h, w.revoked_at, &when(at));
    }
    row(h, w.grant_id, &i.id);
    h.push_str("</table>\n");
    if !g.events.is_empty() {
        let _ = writeln!(
            h,
            "<table>\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            w.event, w.requested, w.state, w.answer
        );
        for e in &g.events {
            let answer = match (&e.receipt_at, e.is_overdue(now)) {
                (Some(at), _) => format!("{} {}", w.receipt_on, when(*at)),
                (None, true) => w.overdue.to_string(),
                (None, false) => e.error.clone().unwrap_or_default(),
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td{}>{}</td></tr>",
                event_words(&e.event, lang),
                esc(&when(e.requested_at)),
                outbox_words(e.state, lang),
                if e.receipt.is_none() && e.is_overdue(now) {
                    " class=\"overdue\""
                } else {
                    ""
                },
                esc(&answer)
            );
        }
        h.push_str("</table>\n");
    }
    receipt_html(h, w.consent_receipt, &g.consent_receipt, None);
    if let Some((jwt, at)) = &g.brand_receipt {
        receipt_html(h, w.brand_receipt, jwt, Some(*at));
    }
    for e in &g.events {
        if let (Some(jwt), Some(at)) = (&e.receipt, e.receipt_at) {
            receipt_html(h, event_receipt_words(&e.event, lang), jwt, Some(at));
        }
    }
    h.push_str("</section>\n");
}

fn receipt_html(h: &mut String, label: &str, jwt: &str, at: Option<i64>) {
    let stored = at.map(|a| format!(" · {}", when(a))).unwrap_or_default();
    let _ = writeln!(
        h,
        "<div class=\"receipt\"><p>{}{}</p><pre>{}</pre></div>",
        label,
        esc(&stored),
        esc(jwt)
    );
}

fn row(h: &mut String, label: &str, value: &str) {
    let _ = writeln!(h, "<tr><th>{label}</th><td>{}</td></tr>", esc(value));
}

/// HTML-escape text for element content and double-quoted attributes.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A moment in the consumer's time zone, to the minute.
fn when(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| {
            t.to_zoned_datetime(jiff::tz::TimeZone::system())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string()
        })
        .unwrap_or_else(|_| secs.to_string())
}

fn item_words(item: &str, lang: Lang) -> String {
    crate::grants::receipt::release_words(item, lang)
}

/// The words of a W3C DPV purpose category, as the app shows them; the IRI for any other.
fn purpose_words(iri: &str, lang: Lang) -> String {
    let local = iri.strip_prefix(DPV_NS).unwrap_or(iri);
    let (en, ko) = match local {
        "ServicePersonalisation" => ("Personalising the service for me", "나에게 맞춘 서비스"),
        "ServiceProvision" => ("Providing the service", "서비스 제공"),
        "PersonalisedBenefits" => ("Personal benefits and coupons", "맞춤 혜택·쿠폰"),
        "ProvidePersonalisedRecommendations" => ("Personal recommendations", "맞춤 추천"),
        "Marketing" => ("Marketing", "마케팅"),
        "DirectMarketing" => ("Direct marketing to me", "나에게 직접 하는 마케팅"),
        "Advertising" => ("Advertising", "광고"),
        "PersonalisedAdvertising" => ("Personalised advertising", "맞춤 광고"),
        "CustomerManagement" => ("Managing me as a customer", "고객 관리"),
        "CustomerCare" => ("Customer care", "고객 지원"),
        "CustomerRelationshipManagement" => ("Customer relationship management", "고객 관계 관리"),
        "CommunicationForCustomerCare" => {
            ("Contacting me for customer care", "고객 지원을 위한 연락")
        }
        "CustomerOrderManagement" => ("Handling my orders", "주문 처리"),
        "DeliveryOfGoods" => ("Delivering goods to me", "상품 배송"),
        "IdentityVerification" => ("Checking my identity", "본인 확인"),
        "AgeVerification" => ("Checking my age", "나이 확인"),
        "RequestedServiceProvision" => ("A service I asked for", "내가 요청한 서비스"),
        _ => return iri.to_string(),
    };
    match lang {
        Lang::En => en.into(),
        Lang::Ko => ko.into(),
    }
}

fn event_words(event: &str, lang: Lang) -> &'static str {
    use vouchsafe_token::protocol::{
        CHANNEL_CONSENT_CHANGED, ERASURE_REQUESTED, GRANT_REVOKED, TOKEN_CLAIMS_CHANGE,
    };
    let (en, ko) = match event {
        GRANT_REVOKED => ("Revocation", "철회"),
        ERASURE_REQUESTED => ("Erasure request", "삭제 요청"),
        TOKEN_CLAIMS_CHANGE => ("Reissue with new values", "새 값으로 재발급"),
        CHANNEL_CONSENT_CHANGED => ("Channel consent changed", "수신 동의 변경"),
        _ => ("Event", "이벤트"),
    };
    match lang {
        Lang::En => en,
        Lang::Ko => ko,
    }
}

fn event_receipt_words(event: &str, lang: Lang) -> &'static str {
    use vouchsafe_token::protocol::TOKEN_CLAIMS_CHANGE;
    match (event == TOKEN_CLAIMS_CHANGE, lang) {
        (true, Lang::En) => "The brand's receipt of the reissued grant",
        (true, Lang::Ko) => "재발급된 제공에 대한 브랜드의 수령 확인서",
        (false, Lang::En) => "The brand's erasure receipt",
        (false, Lang::Ko) => "브랜드의 삭제 확인서",
    }
}

fn outbox_words(s: OutboxState, lang: Lang) -> &'static str {
    let (en, ko) = match s {
        OutboxState::Queued => ("waiting to be sent", "보내기 대기 중"),
        OutboxState::Sent => ("sent, waiting for the answer", "보냄, 답변 대기 중"),
        OutboxState::Acknowledged => ("acknowledged", "확인됨"),
        OutboxState::Refused => ("refused by the brand", "브랜드가 거부함"),
        OutboxState::GivenUp => ("given up after 30 days", "30일 동안 전달 실패"),
    };
    match lang {
        Lang::En => en,
        Lang::Ko => ko,
    }
}

/// The report's fixed texts in one language.
struct Words {
    lang_tag: &'static str,
    title: &'static str,
    generated: &'static str,
    intro: &'static str,
    brand_name: &'static str,
    brand_id: &'static str,
    website: &'static str,
    known_since: &'static str,
    inbox: &'static str,
    no_inbox: &'static str,
    your_id: &'static str,
    holds_now: &'static str,
    holds_nothing: &'static str,
    item: &'static str,
    since: &'static str,
    grants: &'static str,
    active: &'static str,
    expired: &'static str,
    revoked: &'static str,
    released: &'static str,
    category: &'static str,
    offer: &'static str,
    issued: &'static str,
    expires: &'static str,
    revoked_at: &'static str,
    grant_id: &'static str,
    event: &'static str,
    requested: &'static str,
    state: &'static str,
    answer: &'static str,
    receipt_on: &'static str,
    overdue: &'static str,
    consent_receipt: &'static str,
    brand_receipt: &'static str,
    verify: &'static str,
}

impl Words {
    fn of(lang: Lang) -> Self {
        match lang {
            Lang::En => Self {
                lang_tag: "en",
                title: "What a brand holds",
                generated: "Made by Vouchsafe on",
                intro: "This report lists what you have shared with this brand, for what and \
                        since when, and the signed receipts that prove it. It names the items \
                        shared but never their values.",
                brand_name: "Brand",
                brand_id: "Identifier",
                website: "Website",
                known_since: "Added on",
                inbox: "Inbox for changes",
                no_inbox: "none (added by hand; changes reach it only through its status list)",
                your_id: "Your identifier at this brand",
                holds_now: "What it holds now",
                holds_nothing: "Nothing: no grant to this brand is active.",
                item: "Item",
                since: "Since",
                grants: "Grants",
                active: "active",
                expired: "expired",
                revoked: "revoked",
                released: "Shared",
                category: "Purpose",
                offer: "Offer",
                issued: "Given on",
                expires: "Ends on",
                revoked_at: "Revoked on",
                grant_id: "Grant id",
                event: "Sent to the brand",
                requested: "Asked on",
                state: "State",
                answer: "Answer",
                receipt_on: "receipt received",
                overdue: "overdue: no answer within 10 days",
                consent_receipt: "Consent receipt (Kantara), signed by your vault",
                brand_receipt: "The brand's receipt of the grant",
                verify: "Each receipt is a signed JSON Web Token: anyone can check its \
                         signature with the keys named in it, for example with `vouchsafe-verify`.",
            },
            Lang::Ko => Self {
                lang_tag: "ko",
                title: "브랜드가 가진 내 정보",
                generated: "Vouchsafe에서 만든 날짜:",
                intro: "이 보고서는 이 브랜드에 무엇을, 어떤 목적으로, 언제부터 제공했는지와 \
                        그것을 증명하는 서명된 확인서를 담고 있습니다. 제공한 항목의 이름만 \
                        적고 값은 적지 않습니다.",
                brand_name: "브랜드",
                brand_id: "식별자",
                website: "웹사이트",
                known_since: "추가한 날",
                inbox: "변경 사항을 받는 주소",
                no_inbox: "없음 (직접 추가한 브랜드: 변경 사항은 상태 목록으로만 전달됨)",
                your_id: "이 브랜드에서의 내 식별자",
                holds_now: "지금 가지고 있는 정보",
                holds_nothing: "없음: 이 브랜드에 유효한 제공이 없습니다.",
                item: "항목",
                since: "제공 시작",
                grants: "제공 내역",
                active: "유효",
                expired: "만료",
                revoked: "철회됨",
                released: "제공 항목",
                category: "목적",
                offer: "혜택",
                issued: "제공한 날",
                expires: "끝나는 날",
                revoked_at: "철회한 날",
                grant_id: "제공 ID",
                event: "브랜드에 보낸 요청",
                requested: "요청한 날",
                state: "상태",
                answer: "답변",
                receipt_on: "확인서 받음",
                overdue: "기한 초과: 10일 안에 답이 없음",
                consent_receipt: "동의 확인서(Kantara), 내 금고가 서명",
                brand_receipt: "브랜드의 제공 수령 확인서",
                verify: "모든 확인서는 서명된 JSON 웹 토큰입니다. 안에 적힌 키로 누구나 \
                         서명을 확인할 수 있습니다(예: `vouchsafe-verify`).",
            },
        }
    }
}

/// Print-friendly, system fonts only (the file must open the same offline).
const STYLE: &str = "body{font-family:system-ui,'Noto Sans CJK KR','Malgun Gothic',sans-serif;\
max-width:52rem;margin:2rem auto;padding:0 1rem;color:#111;line-height:1.5}\
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}\
h3{font-size:1.05rem}table{border-collapse:collapse;width:100%;margin:.5rem 0}\
th,td{text-align:left;vertical-align:top;padding:.25rem .5rem;border-bottom:1px solid #eee}\
table.facts th{width:14rem;font-weight:600}.meta{color:#555;font-size:.9rem}\
.state{font-size:.85rem;padding:0 .4rem;border:1px solid #888;border-radius:.3rem}\
.revoked,.overdue{color:#a00}.grant{break-inside:avoid;margin-bottom:1.5rem}\
pre{white-space:pre-wrap;word-break:break-all;font-size:.7rem;background:#f6f6f6;padding:.4rem}\
@media print{body{margin:0;max-width:none}pre{font-size:.6rem}}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn purpose_words_cover_every_category_the_vault_accepts() {
        for p in crate::grants::request::DPV_PURPOSES {
            let iri = format!("{DPV_NS}{p}");
            for lang in Lang::ALL {
                assert_ne!(
                    purpose_words(&iri, lang),
                    iri,
                    "{p} has no words in {lang:?}"
                );
            }
        }
        assert_eq!(purpose_words("urn:x", Lang::Ko), "urn:x");
    }
}
