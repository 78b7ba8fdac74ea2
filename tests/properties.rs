//! Properties that must hold for every input, not just the examples the other tests chose:
//! normalisation is idempotent, field names parse what they print, expiry parsing round-trips,
//! and a sealed record opens only unchanged and in its own place.
//!
//! Generators mix what people really type (Korean phone numbers, dates in several spellings,
//! e-mail addresses, Hangul names, full-width digits) with arbitrary text, so both the accepting
//! and the refusing paths are exercised. Case counts stay moderate to keep the suite quick; a
//! failure prints the shrunk input.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

mod common;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rusqlite::Connection;
use vouchsafe::grants::request::parse_expiry;
use vouchsafe::profile::{AddressPart, FieldName, StdField, normalize_value};

use common::temp_vault;

const CASES: u32 = 256;

/// "Today" for birth-date checks: fixed, so a run does not depend on the calendar.
const TODAY: Date = Date::constant(2026, 5, 20);

fn config() -> Config {
    Config {
        cases: CASES,
        ..Config::default()
    }
}

/// Every field kind: each standard field, each address part, and both open families.
fn field_names() -> Vec<FieldName> {
    let mut names: Vec<FieldName> = StdField::ALL.into_iter().map(FieldName::Std).collect();
    names.extend(AddressPart::ALL.into_iter().map(FieldName::Address));
    names.push(FieldName::membership("cj_one").expect("valid name"));
    names.push(FieldName::custom("혈액형").expect("valid name"));
    names
}

/// ASCII digits as a full-width IME types them (`０１０`).
fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' | '-' | '+' | '.' | '@' => {
                char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c)
            }
            _ => c,
        })
        .collect()
}

const KOREAN_PHONE: &str = "(\\+82[ -]?|0)1[016789][ -]?[0-9]{3,4}[ -]?[0-9]{4}";

/// A calendar date as people write it: `1990-03-14`, `1990.3.14`, `19900314`, `1990년 3월 14일`.
fn typed_date() -> impl Strategy<Value = String> {
    (1900..=2026i32, 1..=12u8, 1..=31u8, 0..5usize).prop_map(|(y, m, d, style)| match style {
        0 => format!("{y}-{m:02}-{d:02}"),
        1 => format!("{y}.{m}.{d}"),
        2 => format!("{y}{m:02}{d:02}"),
        3 => format!("{y}년 {m}월 {d}일"),
        _ => full_width(&format!("{y}-{m:02}-{d:02}")),
    })
}

/// Values shaped for `name`'s kind, so its accepting path is reached.
fn shaped_for(name: &FieldName) -> BoxedStrategy<String> {
    let free_text = prop_oneof!["[가-힣]{1,6}( [가-힣]{1,4})?", "[A-Za-z0-9 ,.'-]{1,30}"];
    match name {
        FieldName::Std(StdField::PhoneNumber) => prop_oneof![
            KOREAN_PHONE,
            KOREAN_PHONE.prop_map(|s| full_width(&s)),
            "\\+?[0-9 ()-]{4,20}",
        ]
        .boxed(),
        FieldName::Std(StdField::Birthdate) => typed_date().boxed(),
        FieldName::Std(StdField::Email) => prop_oneof![
            "[a-z0-9._+-]{1,16}@[a-z0-9-]{1,12}\\.(com|kr|co\\.kr|net)",
            "[A-Za-z0-9._%+-]{1,16}@[A-Za-z0-9-]{1,12}(\\.[A-Za-z]{2,6}){1,2}",
        ]
        .boxed(),
        FieldName::Std(StdField::Locale) => "(ko|en|ja|zh|KO|En)([-_](KR|kr|US|us|JP|Hans))?".boxed(),
        FieldName::Std(StdField::Zoneinfo) => proptest::sample::select(vec![
            "Asia/Seoul",
            "asia/seoul",
            "UTC",
            "Europe/Berlin",
            "America/New_York",
            "Asia/Tokyo",
        ])
        .prop_map(str::to_owned)
        .boxed(),
        FieldName::Std(StdField::ContactChannels) => {
            "(email|sms|phone|post|push|messenger|이메일|문자|전화|우편|카카오톡|e-mail)([,，、\n] ?(email|sms|phone|post|push|문자|메일)){0,4}"
                .boxed()
        }
        FieldName::Std(StdField::Interests | StdField::DietaryPreferences) => {
            "[a-z가-힣]{1,8}([,，、\n] ?[a-z가-힣]{1,8}){0,4}".boxed()
        }
        FieldName::Address(AddressPart::Country) => proptest::sample::select(vec![
            "KR", "kr", "대한민국", "한국", "US", "JP", "Korea", "ＫＲ",
        ])
        .prop_map(str::to_owned)
        .boxed(),
        FieldName::Address(AddressPart::PostalCode) => {
            prop_oneof!["[0-9]{5}", "[0-9]{5}".prop_map(|s| full_width(&s)), "[0-9]{3}-[0-9]{3}"]
                .boxed()
        }
        FieldName::Address(AddressPart::StreetAddress | AddressPart::Formatted) => {
            "[가-힣0-9 ]{1,20}(\n[가-힣0-9 -]{1,20}){0,2}".boxed()
        }
        _ => free_text.boxed(),
    }
}

/// What people type for `name`, or arbitrary text, with stray padding either side.
fn typed_value(name: &FieldName) -> impl Strategy<Value = String> + use<> {
    let shaped = prop_oneof![
        3 => shaped_for(name),
        // Conjoining jamo: decomposed Hangul as some macOS inputs produce it.
        1 => "[\u{1100}-\u{1112}][\u{1161}-\u{1175}][\u{11A8}-\u{11C2}]?",
        1 => any::<String>(),
        1 => "\\PC{0,40}",
    ];
    let pad = "[ \t\u{3000}\u{200B}\u{FEFF}]{0,2}";
    (pad, shaped, pad).prop_map(|(a, s, b)| format!("{a}{s}{b}"))
}

#[test]
fn normalisation_is_idempotent_and_accepts_its_own_output() {
    for name in field_names() {
        let mut runner = TestRunner::new(config());
        let accepted = std::cell::Cell::new(0u32);
        runner
            .run(&typed_value(&name), |raw| {
                let Ok(first) = normalize_value(&name, &raw, TODAY) else {
                    return Ok(());
                };
                accepted.set(accepted.get() + 1);
                let again = normalize_value(&name, &first, TODAY).map_err(|e| {
                    TestCaseError::fail(format!(
                        "{name}: {raw:?} normalised to {first:?}, which is then refused: {e}"
                    ))
                })?;
                prop_assert_eq!(&again, &first, "{}: not idempotent for {:?}", name, raw);
                Ok(())
            })
            .unwrap();
        // Each kind's accepting path must be reached often, or the property says little.
        assert!(
            accepted.get() >= CASES / 8,
            "{name}: only {} of {CASES} generated values were accepted",
            accepted.get()
        );
    }
}

/// NAMEs for `membership.NAME` / `custom.NAME`: valid-looking ones and arbitrary text.
fn dynamic_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9_-]{1,64}",
        "[가-힣ㄱ-ㅎ]{1,12}",
        "[\u{1100}-\u{1112}][\u{1161}-\u{1175}]{1}",
        "[a-zé가-힣ポイント0-9_]{1,70}",
        "\\PC{0,20}",
    ]
}

fn field_name_text() -> impl Strategy<Value = String> {
    let fixed: Vec<String> = field_names()
        .iter()
        .filter(|n| matches!(n, FieldName::Std(_) | FieldName::Address(_)))
        .map(ToString::to_string)
        .collect();
    prop_oneof![
        proptest::sample::select(fixed),
        dynamic_name().prop_map(|n| format!("custom.{n}")),
        dynamic_name().prop_map(|n| format!("membership.{n}")),
        "(address|custom|membership)?\\.?\\PC{0,12}",
    ]
}

#[test]
fn a_field_name_parses_what_it_prints() {
    let mut runner = TestRunner::new(config());
    let parsed = std::cell::Cell::new(0u32);
    runner
        .run(&field_name_text(), |text| {
            let Ok(name) = text.parse::<FieldName>() else {
                return Ok(());
            };
            parsed.set(parsed.get() + 1);
            let printed = name.to_string();
            let back: FieldName = printed.parse().map_err(|e| {
                TestCaseError::fail(format!("{text:?} printed as {printed:?}, refused: {e}"))
            })?;
            prop_assert_eq!(&back, &name);
            prop_assert_eq!(back.to_string(), printed);
            Ok(())
        })
        .unwrap();
    assert!(
        parsed.get() >= CASES / 4,
        "only {} of {CASES} generated names parsed",
        parsed.get()
    );
    // And the constructors agree with the parser for every NAME they accept.
    let mut runner = TestRunner::new(config());
    runner
        .run(&dynamic_name(), |n| {
            for name in [FieldName::custom(&n), FieldName::membership(&n)]
                .into_iter()
                .flatten()
            {
                prop_assert_eq!(name.to_string().parse::<FieldName>().ok(), Some(name));
            }
            Ok(())
        })
        .unwrap();
}

fn zones() -> Vec<TimeZone> {
    [
        "UTC",
        "Asia/Seoul",
        "America/New_York",
        "Australia/Lord_Howe",
    ]
    .into_iter()
    .map(|z| TimeZone::get(z).expect("bundled zone"))
    .collect()
}

/// Ten years, the longest a grant may run (the parser allows up to 10 × 366 days).
const TEN_YEARS: i64 = 10 * 365 * 86_400;

#[test]
fn expiry_parsing_round_trips() {
    // "now" anywhere from 2001 to 2099.
    let now_s = 1_000_000_000i64..4_000_000_000i64;
    let mut runner = TestRunner::new(config());
    runner
        .run(
            &(
                now_s.clone(),
                1..=3650i64,
                proptest::sample::select(zones()),
            ),
            |(now_s, days, tz)| {
                let now = jiff::Timestamp::from_second(now_s).expect("in range");
                // A relative expiry is exactly that many seconds away ...
                let at = parse_expiry(&format!("{days}d"), now, &tz).expect("days");
                prop_assert_eq!(at, now_s + days * 86_400);
                let weeks = (days / 7).max(1);
                let at_w = parse_expiry(&format!("{weeks}w"), now, &tz).expect("weeks");
                prop_assert_eq!(at_w, now_s + weeks * 7 * 86_400);
                // ... and printing the result as a timestamp parses back to the same second.
                let printed = jiff::Timestamp::from_second(at).expect("ts").to_string();
                prop_assert_eq!(parse_expiry(&printed, now, &tz).expect("rfc3339"), at);
                Ok(())
            },
        )
        .unwrap();

    // A last day: valid through the end of that day in the consumer's zone, not a second more.
    let mut runner = TestRunner::new(config());
    runner
        .run(
            &(
                now_s,
                1..TEN_YEARS / 86_400,
                proptest::sample::select(zones()),
            ),
            |(now_s, ahead, tz)| {
                let now = jiff::Timestamp::from_second(now_s).expect("in range");
                let today = now.to_zoned_datetime(tz.clone()).date();
                let day = today
                    .checked_add(jiff::Span::new().days(ahead))
                    .expect("date");
                let at = parse_expiry(&day.to_string(), now, &tz).expect("date");
                let last = jiff::Timestamp::from_second(at)
                    .expect("ts")
                    .to_zoned_datetime(tz.clone());
                prop_assert_eq!(last.date(), day, "expires on the day named");
                let after = jiff::Timestamp::from_second(at + 1)
                    .expect("ts")
                    .to_zoned_datetime(tz.clone());
                prop_assert_eq!(after.date(), day.tomorrow().expect("date"), "and no later");
                // The date printed from the result names the same expiry.
                prop_assert_eq!(
                    parse_expiry(&last.date().to_string(), now, &tz).expect("again"),
                    at
                );
                Ok(())
            },
        )
        .unwrap();
}

/// The one `fields` row of a vault holding a single field: its id and sealed bytes.
fn sealed_row(c: &Connection) -> (String, Vec<u8>) {
    c.query_row("SELECT id, sealed FROM fields", [], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .expect("one fields row")
}

fn put_sealed(c: &Connection, id: &str, sealed: &[u8]) {
    let n = c
        .execute(
            "UPDATE fields SET sealed = ?1 WHERE id = ?2",
            rusqlite::params![sealed, id],
        )
        .expect("update");
    assert_eq!(n, 1, "row {id} exists");
}

/// Seal/open through the vault's own storage: a value comes back exactly as stored; flipping
/// any single bit of the sealed bytes, or moving them under another row (another place, so
/// other associated data), makes the record refuse to open instead of yielding anything.
#[test]
fn a_sealed_record_opens_only_unchanged_and_in_its_place() {
    let (tv, vault) = temp_vault();
    // The runner takes a `Fn`; the vault is written inside it.
    let vault = std::cell::RefCell::new(vault);
    let raw = Connection::open(&tv.path).expect("raw sqlite");
    raw.pragma_update(None, "synchronous", "OFF")
        .expect("pragma");
    let name = FieldName::custom("secret").expect("name");
    let other = FieldName::custom("other").expect("name");

    let value = prop_oneof!["\\PC{1,300}", "[가-힣 ]{1,100}", any::<String>(),];
    let mut runner = TestRunner::new(config());
    runner
        .run(&(value, any::<prop::sample::Index>()), |(value, bit)| {
            vault
                .borrow_mut()
                .fields_mut()
                .remove(&other)
                .expect("remove");
            let Ok(set) = vault.borrow_mut().fields_mut().set(&name, &value, None) else {
                // Not a storable value (control characters, only spaces, too long).
                return Err(TestCaseError::reject("refused by normalisation"));
            };
            let stored = set.value.to_string();
            let got = vault
                .borrow()
                .fields()
                .get(&name)
                .expect("opens")
                .expect("present");
            prop_assert_eq!(got.value.as_str(), stored.as_str());

            let (id, sealed) = sealed_row(&raw);
            let bit = bit.index(sealed.len() * 8);
            let mut flipped = sealed.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            put_sealed(&raw, &id, &flipped);
            let opened = vault.borrow().fields().get(&name);
            prop_assert!(opened.is_err(), "bit {} flipped, still opened", bit);
            put_sealed(&raw, &id, &sealed);
            prop_assert!(
                vault.borrow().fields().get(&name).is_ok(),
                "restored record opens"
            );

            // The same sealed bytes under another row id: another place, another AAD.
            vault
                .borrow_mut()
                .fields_mut()
                .set(&other, "placeholder", None)
                .expect("set other");
            let rows: Vec<String> = raw
                .prepare("SELECT id FROM fields WHERE id <> ?1")
                .expect("prep")
                .query_map([&id], |r| r.get(0))
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows");
            prop_assert_eq!(rows.len(), 1);
            put_sealed(&raw, &rows[0], &sealed);
            prop_assert!(
                vault.borrow().fields().get(&other).is_err(),
                "moved record opened"
            );
            Ok(())
        })
        .unwrap();
}

/// Every single-bit change, not a sample: one short record, each of its bits flipped in turn.
#[test]
fn every_single_bit_flip_of_a_record_is_refused() {
    let (tv, mut vault) = temp_vault();
    let raw = Connection::open(&tv.path).expect("raw sqlite");
    raw.pragma_update(None, "synchronous", "OFF")
        .expect("pragma");
    let name = FieldName::Std(StdField::Email);
    vault
        .fields_mut()
        .set(&name, "gildong@example.com", None)
        .expect("set");
    let (id, sealed) = sealed_row(&raw);
    for bit in 0..sealed.len() * 8 {
        let mut flipped = sealed.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        put_sealed(&raw, &id, &flipped);
        assert!(
            vault.fields().get(&name).is_err(),
            "bit {bit} of {} flipped, still opened",
            sealed.len() * 8
        );
    }
    put_sealed(&raw, &id, &sealed);
    assert_eq!(
        vault
            .fields()
            .get(&name)
            .expect("opens")
            .expect("set")
            .value
            .as_str(),
        "gildong@example.com"
    );
}
