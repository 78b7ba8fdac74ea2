//! `vouchsafe review`: what in your sharing deserves attention, most important first, each item
//! with the command that settles it. Sentences in the locale's language ([`crate::output::lang`]);
//! `--json` prints the core's items as they are (docs/review.md), whatever the locale.

use anyhow::Result;
use vouchsafe::grants::receipt::release_words;
use vouchsafe::grants::{ChannelChoices, Kind};
use vouchsafe::korean::{instrumental_particle, object_particle, topic_particle};
use vouchsafe::review::{channels_without_ads, reconfirmed_channels};
use vouchsafe::{Lang, ReviewAction, ReviewItem, ReviewKind, Vault};

/// Print the review. Exits 0 whether or not there is anything to look at.
pub fn review(vault: &Vault, json: bool) -> Result<()> {
    let items = vault.review().items()?;
    if json {
        outln!("{}", serde_json::to_string(&items)?);
        return Ok(());
    }
    let lang = crate::output::lang();
    if items.is_empty() {
        outln!(
            "{}",
            pick(
                lang,
                "Nothing to review: your sharing is tidy.",
                "검토할 항목이 없습니다. 공유 상태가 깔끔합니다."
            )
        );
        return Ok(());
    }
    outln!(
        "{}",
        match lang {
            Lang::Ko => format!("검토할 항목 {}개 (중요한 순서):", items.len()),
            _ => format!(
                "{} item{} to review, most important first:",
                items.len(),
                if items.len() == 1 { "" } else { "s" }
            ),
        }
    );
    for (n, item) in items.iter().enumerate() {
        outln!();
        outln!("{}. {}", n + 1, sentence(item, lang));
        for a in &item.actions {
            let line = match a {
                ReviewAction::Reconfirm { grant }
                | ReviewAction::Restate { grant }
                | ReviewAction::StopAds { grant } => channels_action(vault, grant, a, lang)?,
                _ => action(a, lang),
            };
            outln!("   - {line}");
        }
    }
    Ok(())
}

/// `--channels` and `--night-ads` as `grant issue` and `grant channels` read them.
fn channels_args(c: &ChannelChoices) -> String {
    let list: Vec<String> = c
        .consents()
        .iter()
        .map(|x| {
            let no = if x.allowed { "" } else { "-" };
            let kind = match x.kind {
                Kind::Info => "info",
                Kind::Ad => "ad",
            };
            format!("{no}{}:{kind}", x.channel)
        })
        .collect();
    let night = if c.night_ads().allowed { "yes" } else { "no" };
    format!("--channels '{}' --night-ads {night}", list.join(","))
}

/// Reconfirming advertising consent, or confirming an old grant's choices as they read now, is
/// `grant channels` with the same choices restated (which dates them now); withdrawing it, the
/// same with advertising refused.
fn channels_action(vault: &Vault, grant: &str, a: &ReviewAction, lang: Lang) -> Result<String> {
    let info = vault.grants().get(grant)?;
    let now = vault.now();
    let (choices, en, ko) = match a {
        ReviewAction::StopAds { .. } => (
            channels_without_ads(&info.channels, now)?,
            "stop the advertising",
            "광고 수신 철회",
        ),
        ReviewAction::Restate { .. } => (
            reconfirmed_channels(&info.channels, now)?,
            "confirm as it reads now",
            "지금 읽히는 대로 확인",
        ),
        _ => (
            reconfirmed_channels(&info.channels, now)?,
            "keep the advertising consent",
            "광고 수신 동의 유지",
        ),
    };
    Ok(format!(
        "{}: vouchsafe grant channels {} {}",
        pick(lang, en, ko),
        short(grant),
        channels_args(&choices)
    ))
}

fn pick(lang: Lang, en: &'static str, ko: &'static str) -> &'static str {
    match lang {
        Lang::Ko => ko,
        _ => en,
    }
}

/// The item's message in `lang`, from its kind and parameters.
/// Released items (`birthdate`, `age_over_19`, …, comma-separated) in words of `lang`.
fn item_words(items: &str, lang: Lang) -> String {
    items
        .split(',')
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .map(|i| release_words(i, lang))
        .collect::<Vec<_>>()
        .join(", ")
}

fn sentence(item: &ReviewItem, lang: Lang) -> String {
    let p = |k: &str| item.params.get(k).map_or("", String::as_str);
    let w = |k: &str| item_words(p(k), lang);
    let (brand, date, days) = (p("brand"), p("date"), p("days"));
    let ko = lang == Lang::Ko;
    match item.kind {
        ReviewKind::ErasureOverdue if ko => format!(
            "{brand}: {}에 요청한 삭제의 확인이 없습니다. 기한 {date}에서 {days}일 지났습니다.",
            p("sent")
        ),
        ReviewKind::ErasureOverdue => format!(
            "{brand} has not confirmed erasing your data: asked on {}, due {date}, {days} day(s) late.",
            p("sent")
        ),
        ReviewKind::PastRetention if ko => {
            let released = w("released");
            let particle = object_particle(&released);
            format!(
                "{brand}: {released}{particle} {date}까지만 보관한다고 했고, {days}일 지났습니다."
            )
        }
        ReviewKind::PastRetention => format!(
            "{brand} said it would keep your {} until {date}, {days} day(s) ago.",
            w("released")
        ),
        ReviewKind::Expiring if ko => {
            format!("{brand}에 대한 동의가 {date}에 만료됩니다 ({days}일 남음).")
        }
        ReviewKind::Expiring => {
            format!("Your grant to {brand} expires on {date}, in {days} day(s).")
        }
        ReviewKind::OldAdConsent if ko => format!(
            "{brand}: {}의 광고 수신 동의를 {date}에 한 뒤 {days}일이 지났습니다. 2년마다 다시 확인해야 합니다.",
            p("channels")
        ),
        ReviewKind::OldAdConsent => format!(
            "{brand} may send you advertising by {} under a consent you gave on {date}, {days} days ago; it must be reconfirmed every two years.",
            p("channels")
        ),
        ReviewKind::LegacyChannels if ko => {
            let channels = p("channels");
            let particle = topic_particle(channels);
            format!(
                "{brand}: 광고를 따로 묻기 전에 준 동의라 {channels}{particle} 이제 정보성 연락만으로 읽힙니다. 그대로 확인하거나 다시 고르세요."
            )
        }
        ReviewKind::LegacyChannels => format!(
            "{brand} got your contact consent ({}) before advertising was asked apart; it now reads as informational only. Confirm it or choose again.",
            p("channels")
        ),
        ReviewKind::RawValue if ko => {
            let derived = w("derived");
            let particle = instrumental_particle(&derived);
            format!(
                "{brand}: {} 원래 값을 받고 있지만 {derived}{particle} 충분합니다.",
                w("fields")
            )
        }
        ReviewKind::RawValue => format!(
            "{brand} gets your {} where {} would do.",
            w("fields"),
            w("derived")
        ),
        ReviewKind::SilentBrand if ko => format!(
            "{brand}: {date} 이후 {days}일 동안 응답이 없지만 유효한 동의 {}건을 갖고 있습니다.",
            p("live")
        ),
        ReviewKind::SilentBrand => format!(
            "{brand} has not answered anything for {days} days (since {date}) but holds {} live grant(s).",
            p("live")
        ),
    }
}

/// The first 8 characters of a grant id: what `grant` commands accept as a prefix.
fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// `--replace` for a review's narrow action: `address=city` when every replaced name is an
/// address part (the command then replaces every part the grant releases), else one
/// `FIELD=FACT` per name.
fn narrow_args(replace: &[String], with: &str) -> String {
    if !replace.is_empty() && replace.iter().all(|r| r.starts_with("address.")) {
        return format!("--replace address={with}");
    }
    let pairs: Vec<String> = replace.iter().map(|r| format!("{r}={with}")).collect();
    format!("--replace {}", pairs.join(","))
}

/// The action and the command that performs it, where one exists.
fn action(a: &ReviewAction, lang: Lang) -> String {
    let ko = lang == Lang::Ko;
    match a {
        ReviewAction::Reissue {
            grant,
            period_days,
            until,
        } if ko => format!(
            "{period_days}일 더 연장: vouchsafe grant reissue {} --expires {}",
            short(grant),
            vouchsafe::clock::local_date(*until)
        ),
        ReviewAction::Reissue {
            grant,
            period_days,
            until,
        } => format!(
            "reissue for another {period_days} days: vouchsafe grant reissue {} --expires {}",
            short(grant),
            vouchsafe::clock::local_date(*until)
        ),
        ReviewAction::Narrow {
            grant,
            replace,
            with,
        } if ko => format!(
            "좁히기: {} 대신 {}만 공유: vouchsafe grant narrow {} {}",
            item_words(&replace.join(","), lang),
            release_words(with, lang),
            short(grant),
            narrow_args(replace, with)
        ),
        ReviewAction::Narrow {
            grant,
            replace,
            with,
        } => format!(
            "narrow: share {} instead of {}: vouchsafe grant narrow {} {}",
            release_words(with, lang),
            item_words(&replace.join(","), lang),
            short(grant),
            narrow_args(replace, with)
        ),
        // Printed by `channels_action`, which reads the grant's choices.
        ReviewAction::Reconfirm { grant }
        | ReviewAction::Restate { grant }
        | ReviewAction::StopAds { grant } => {
            format!("vouchsafe grant channels {}", short(grant))
        }
        ReviewAction::Revoke { grant } if ko => {
            format!("철회: vouchsafe grant revoke {}", short(grant))
        }
        ReviewAction::Revoke { grant } => {
            format!("revoke: vouchsafe grant revoke {}", short(grant))
        }
        ReviewAction::Erase { grant } if ko => {
            format!("삭제 요청: vouchsafe grant erase {}", short(grant))
        }
        ReviewAction::Erase { grant } => {
            format!("ask to erase: vouchsafe grant erase {}", short(grant))
        }
        ReviewAction::Retry { .. } if ko => "다시 보내기: vouchsafe outbox retry".to_string(),
        ReviewAction::Retry { .. } => "retry: vouchsafe outbox retry".to_string(),
        ReviewAction::RevokeBrand { brand } if ko => {
            format!("모두 철회: vouchsafe grant revoke --brand {brand} --all")
        }
        ReviewAction::RevokeBrand { brand } => {
            format!("revoke all: vouchsafe grant revoke --brand {brand} --all")
        }
    }
}
