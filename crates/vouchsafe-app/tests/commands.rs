//! Every command, against real vault files in temporary directories, with no window.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // tests fail by panicking

use std::path::PathBuf;
use std::time::{Duration, Instant};

use vouchsafe::KdfParams;
use vouchsafe_app::commands as c;
use vouchsafe_app::dto::{
    ChannelChangeDto, ChannelDto, ChannelKindDto, GrantRequestDto, GrantStateDto, Locale,
    LockReason, SaveWhat, SettingsDto,
};
use vouchsafe_app::{
    AppConfig, AppState, BootInstant, ClearOutcome, Clipboard, CommandError, ErrorKind,
};

mod common;

use common::{PASS, kind, s};

struct Fixture {
    dir: tempfile::TempDir,
    state: AppState,
}

impl Fixture {
    /// A fresh state whose vault does not exist yet.
    fn empty() -> Self {
        let (dir, state) = common::empty_state();
        Self { state, dir }
    }

    /// A created and unlocked vault.
    fn unlocked() -> Self {
        let f = Self::empty();
        c::create_vault(&f.state, s(PASS), s(PASS)).expect("create");
        f
    }

    /// A vault with a profile and one brand, ready to share.
    fn sharing() -> Self {
        let f = Self::unlocked();
        for (name, value) in [
            ("given_name", "민준"),
            ("email", "minjun@example.kr"),
            ("birthdate", "1990-05-17"),
            ("address.locality", "중구"),
        ] {
            c::set_field(&f.state, name, value, None).expect(name);
        }
        c::add_brand(
            &f.state,
            "acme",
            "Acme Coffee",
            Some("https://acme.example"),
            None,
        )
        .expect("brand");
        f
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn vault_path(&self) -> PathBuf {
        self.state.vault_path().to_path_buf()
    }
}

fn request() -> GrantRequestDto {
    GrantRequestDto {
        brand: "acme".into(),
        fields: vec!["email".into()],
        derived: vec!["age_over:18".into()],
        purpose: "Birthday coupon and order updates".into(),
        purpose_category: Some("DirectMarketing".into()),
        channels: vec![
            ChannelDto {
                channel: "email".into(),
                kind: ChannelKindDto::Info,
                allowed: true,
            },
            ChannelDto {
                channel: "sms".into(),
                kind: ChannelKindDto::Ad,
                allowed: false,
            },
        ],
        night_ads: false,
        offer: Some("".into()),
        expires: "30d".into(),
    }
}

#[test]
fn first_run_create_lock_unlock() {
    let f = Fixture::empty();
    let st = c::app_status(&f.state).expect("status");
    assert!(!st.vault_exists && !st.unlocked);
    assert_eq!(st.locale, None);
    assert_eq!(st.auto_lock_minutes, 5);
    assert_eq!(st.locked_reason, None);

    assert_eq!(
        kind(c::unlock(&f.state, s(PASS), false, false)),
        ErrorKind::NotFound
    );
    assert_eq!(
        kind(c::create_vault(&f.state, s(PASS), s("something else"))),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(c::create_vault(&f.state, s("short"), s("short"))),
        ErrorKind::InvalidInput
    );
    assert!(!f.vault_path().exists(), "refused creations leave no file");

    c::create_vault(&f.state, s(PASS), s(PASS)).expect("create");
    let st = c::app_status(&f.state).expect("status");
    assert!(st.vault_exists && st.unlocked);
    assert_eq!(
        kind(c::create_vault(&f.state, s(PASS), s(PASS))),
        ErrorKind::Conflict
    );

    c::lock(&f.state).expect("lock");
    let st = c::app_status(&f.state).expect("status");
    assert!(!st.unlocked);
    assert_eq!(st.locked_reason, Some(LockReason::Manual));
    assert_eq!(kind(c::list_fields(&f.state)), ErrorKind::Locked);

    assert_eq!(
        kind(c::unlock(&f.state, s("wrong passphrase!"), false, false)),
        ErrorKind::WrongPassphrase
    );
    c::unlock(&f.state, s(PASS), false, false).expect("unlock");
    let st = c::app_status(&f.state).expect("status");
    assert!(st.unlocked);
    assert_eq!(st.locked_reason, None);
}

#[test]
fn every_vault_command_fails_with_locked_when_locked() {
    let f = Fixture::sharing();
    c::lock(&f.state).expect("lock");
    let st = &f.state;
    let p = f.path("out.txt");
    let clip = vouchsafe_app::clipboard::MemoryClipboard::default();
    let results: Vec<(&str, ErrorKind)> = vec![
        ("lock", kind(c::lock(st))),
        ("touch", kind(c::touch(st))),
        ("list_fields", kind(c::list_fields(st))),
        ("set_field", kind(c::set_field(st, "email", "a@b.kr", None))),
        ("remove_field", kind(c::remove_field(st, "email"))),
        ("list_brands", kind(c::list_brands(st))),
        ("add_brand", kind(c::add_brand(st, "b", "B", None, None))),
        ("remove_brand", kind(c::remove_brand(st, "acme", true))),
        ("preview_grant", kind(c::preview_grant(st, &request()))),
        ("issue_grant", kind(c::issue_grant(st, &request()))),
        ("list_grants", kind(c::list_grants(st, None))),
        ("revoke_grant", kind(c::revoke_grant(st, "00000000"))),
        ("revoke_brand", kind(c::revoke_brand(st, "acme"))),
        ("grant_receipt", kind(c::grant_receipt(st, "00000000"))),
        ("status_list", kind(c::status_list(st, "acme"))),
        (
            "save_text",
            kind(c::save_text(st, &p, SaveWhat::StatusList, "acme")),
        ),
        ("qr_svg", kind(c::qr_svg(st, "x"))),
        ("copy_secret", kind(c::copy_secret(st, &clip, "x"))),
        ("audit_log", kind(c::audit_log(st))),
        (
            "change_passphrase",
            kind(c::change_passphrase(
                st,
                s(PASS),
                s("new passphrase 1"),
                s("new passphrase 1"),
            )),
        ),
        ("get_settings", kind(c::get_settings(st))),
        (
            "set_settings",
            kind(c::set_settings(st, SettingsDto::default())),
        ),
        ("backup", kind(c::backup(st, &p, false))),
        (
            "export_plaintext",
            kind(c::export_plaintext(st, &p, s(PASS))),
        ),
        ("erase_vault", kind(c::erase_vault(st, "ERASE", s(PASS)))),
    ];
    for (name, k) in results {
        assert_eq!(k, ErrorKind::Locked, "{name}");
    }
    assert_eq!(clip.read_text(), None, "nothing was copied while locked");
    assert!(!std::path::Path::new(&p).exists());
    // The exempt ones work while locked.
    c::app_status(st).expect("app_status");
    c::passphrase_strength(st, &s("x")).expect("strength");
    assert!(
        c::field_catalogue(st)
            .expect("catalogue")
            .iter()
            .any(|f| f.name == "address.locality")
    );
}

#[test]
fn fields_are_normalised_validated_and_removed() {
    let f = Fixture::unlocked();
    let st = &f.state;
    let phone = c::set_field(st, "phone_number", "010-1234-5678", Some("mobile")).expect("phone");
    assert_eq!(phone.value, "+821012345678");
    assert_eq!(phone.label.as_deref(), Some("mobile"));
    // A blank label keeps the old one rather than failing.
    let again = c::set_field(st, "phone_number", "010-1234-5679", Some("  ")).expect("phone");
    assert_eq!(again.label.as_deref(), Some("mobile"));

    let err = c::set_field(st, "email", "foo@", None).expect_err("bad email");
    assert_eq!(err.kind, ErrorKind::InvalidInput);
    assert!(err.message.contains("foo@"), "{}", err.message);
    assert_eq!(
        kind(c::set_field(st, "favourite_colour", "blue", None)),
        ErrorKind::InvalidInput
    );

    c::set_field(st, "address.locality", "중구", None).expect("locality");
    let fields = c::list_fields(st).expect("list");
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["address.locality", "phone_number"]);
    assert_eq!(
        serde_json::to_value(&fields[0]).expect("json")["group"],
        "address"
    );

    c::remove_field(st, "phone_number").expect("remove");
    assert_eq!(
        kind(c::remove_field(st, "phone_number")),
        ErrorKind::NotFound
    );
    assert_eq!(c::list_fields(st).expect("list").len(), 1);
}

#[test]
fn share_verify_revoke_and_status_list() {
    let f = Fixture::sharing();
    let st = &f.state;
    assert_eq!(
        kind(c::add_brand(st, "acme", "Again", None, None)),
        ErrorKind::Conflict
    );
    assert_eq!(
        kind(c::add_brand(st, "has space", "X", None, None)),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(c::add_brand(
            st,
            "b",
            "B",
            Some("http://insecure.example"),
            None
        )),
        ErrorKind::InvalidInput
    );

    let preview = c::preview_grant(st, &request()).expect("preview");
    assert_eq!(preview.claims["email"], "minjun@example.kr");
    assert_eq!(preview.claims["age_over_18"], true);
    assert!(!preview.claims.contains_key("birthdate"));
    assert!(
        preview.summary[&Locale::En].contains("Acme Coffee"),
        "{}",
        preview.summary[&Locale::En]
    );
    assert!(
        c::list_grants(st, None).expect("grants").is_empty(),
        "a preview issues nothing"
    );

    let mut bad = request();
    bad.derived = vec!["zodiac".into()];
    assert_eq!(kind(c::preview_grant(st, &bad)), ErrorKind::InvalidInput);
    let mut bad = request();
    bad.channels.push(ChannelDto {
        channel: "fax".into(),
        kind: ChannelKindDto::Info,
        allowed: true,
    });
    assert_eq!(kind(c::preview_grant(st, &bad)), ErrorKind::InvalidInput);
    let mut bad = request();
    bad.channels = vec![ChannelDto {
        channel: "-email".into(),
        kind: ChannelKindDto::Info,
        allowed: true,
    }];
    assert_eq!(kind(c::preview_grant(st, &bad)), ErrorKind::InvalidInput);
    // Night-time ads with no advertising allowed, and one channel and kind twice.
    let mut bad = request();
    bad.night_ads = true;
    assert_eq!(kind(c::preview_grant(st, &bad)), ErrorKind::InvalidInput);
    let mut bad = request();
    bad.channels.push(bad.channels[0].clone());
    assert_eq!(kind(c::preview_grant(st, &bad)), ErrorKind::InvalidInput);
    let mut bad = request();
    bad.expires = "2001-01-01".into();
    assert_eq!(kind(c::preview_grant(st, &bad)), ErrorKind::InvalidInput);
    let mut bad = request();
    bad.brand = "nobody".into();
    assert_eq!(kind(c::preview_grant(st, &bad)), ErrorKind::NotFound);

    let issued = c::issue_grant(st, &request()).expect("issue");
    let opts = vouchsafe_verify::VerifyOptions {
        audience: "acme".into(),
        issuer: vouchsafe_verify::IssuerPolicy::AnyConsumer,
        status: vouchsafe_verify::StatusPolicy::Waived,
        now: jiff::Timestamp::now().as_second(),
    };
    let verified = vouchsafe_verify::verify_grant(&issued.token, &opts).expect("verifies");
    assert_eq!(verified.claims()["email"], "minjun@example.kr");
    assert_eq!(verified.claims()["age_over_18"], true);
    assert!(!verified.claims().contains_key("birthdate"));

    let grants = c::list_grants(st, Some("acme")).expect("grants");
    assert_eq!(grants.len(), 1);
    let g = &grants[0];
    assert_eq!(
        (g.id.as_str(), g.state, g.purpose_category.as_str()),
        (issued.id.as_str(), GrantStateDto::Active, "DirectMarketing")
    );
    let chosen: Vec<ChannelDto> = g
        .channels
        .consents
        .iter()
        .map(|x| ChannelDto {
            channel: x.channel.clone(),
            kind: x.kind,
            allowed: x.allowed,
        })
        .collect();
    assert_eq!(chosen, request().channels);
    assert!(!g.channels.night_ads && !g.channels.legacy);
    assert!(
        g.channels
            .consents
            .iter()
            .all(|x| x.given_at == g.issued_at || (x.given_at - g.issued_at).abs() <= 2),
        "dated when chosen"
    );
    assert_eq!(g.offer, None, "a blank offer is no offer");
    assert_eq!(
        c::list_grants(st, Some("")).expect("all").len(),
        1,
        "blank filter means all"
    );

    let brands = c::list_brands(st).expect("brands");
    assert_eq!(brands[0].holds, ["email", "age_over_18"]);
    assert_eq!((brands[0].live_grants, brands[0].total_grants), (1, 1));

    let receipt = c::grant_receipt(st, &issued.id).expect("receipt");
    assert!(receipt.token.split('.').count() == 3);
    assert!(!receipt.claims.is_empty());

    let token_file = f.path("grant.jwt");
    c::save_text(st, &token_file, SaveWhat::Token, &issued.id).expect("save token");
    assert_eq!(
        std::fs::read_to_string(&token_file).expect("read").trim(),
        issued.token
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_file)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(
        kind(c::save_text(
            st,
            "relative.jwt",
            SaveWhat::Token,
            &issued.id
        )),
        ErrorKind::InvalidInput
    );

    assert_eq!(
        kind(c::remove_brand(st, "acme", false)),
        ErrorKind::Conflict
    );
    let revoked = c::revoke_grant(st, &issued.id).expect("revoke");
    assert_eq!(revoked.state, GrantStateDto::Revoked);
    assert!(revoked.revoked_at.is_some());
    assert_eq!(kind(c::revoke_grant(st, &issued.id)), ErrorKind::Conflict);
    assert_eq!(
        kind(c::revoke_grant(st, "ffffffff-ffff")),
        ErrorKind::NotFound
    );

    let list = c::status_list(st, "acme").expect("status list");
    let opts = vouchsafe_verify::VerifyOptions {
        status: vouchsafe_verify::StatusPolicy::List(list),
        ..opts
    };
    let err = vouchsafe_verify::verify_grant(&issued.token, &opts).expect_err("revoked");
    assert_eq!(err.exit_code(), 8);
    let brands = c::list_brands(st).expect("brands");
    assert!(brands[0].holds.is_empty());
    assert_eq!((brands[0].live_grants, brands[0].total_grants), (0, 1));

    c::issue_grant(st, &request()).expect("issue 2");
    c::issue_grant(st, &request()).expect("issue 3");
    assert_eq!(c::revoke_brand(st, "acme").expect("revoke all"), 2);
    assert_eq!(
        c::remove_brand(st, "acme", false).expect("remove"),
        None,
        "nothing live: no final list"
    );
    assert!(c::list_brands(st).expect("brands").is_empty());
}

#[test]
fn changing_channel_consent_reissues_the_grant() {
    let f = Fixture::sharing();
    let st = &f.state;
    let issued = c::issue_grant(st, &request()).expect("issue");
    let ad = |channel: &str, allowed| ChannelDto {
        channel: channel.into(),
        kind: ChannelKindDto::Ad,
        allowed,
    };
    let no_ads = ChannelChangeDto {
        channels: vec![ad("email", false)],
        night_ads: true,
    };
    assert_eq!(
        kind(c::change_grant_channels(st, &issued.id, &no_ads)),
        ErrorKind::InvalidInput,
        "night-time ads need some advertising allowed"
    );
    let change = ChannelChangeDto {
        channels: vec![ad("email", true), ad("kakao", true)],
        night_ads: true,
    };
    let new = c::change_grant_channels(st, &issued.id, &change).expect("changed");
    assert_ne!(new.id, issued.id);
    assert!(
        new.summary[&Locale::Ko].ends_with("광고는 이메일·카카오톡으로, 야간 광고 수신 동의."),
        "{}",
        new.summary[&Locale::Ko]
    );
    let grants = c::list_grants(st, Some("acme")).expect("grants");
    let now = grants.iter().find(|g| g.id == new.id).expect("new grant");
    assert_eq!(now.state, GrantStateDto::Active);
    assert!(now.channels.night_ads);
    assert_eq!(now.channels.consents.len(), 2);
    let old = grants
        .iter()
        .find(|g| g.id == issued.id)
        .expect("old grant");
    assert_eq!(old.state, GrantStateDto::Revoked);
}

#[test]
fn remove_brand_with_revoke_returns_the_final_status_list() {
    let f = Fixture::sharing();
    c::issue_grant(&f.state, &request()).expect("issue");
    let last = c::remove_brand(&f.state, "acme", true).expect("remove");
    assert!(last.is_some_and(|t| t.split('.').count() == 3));
}

#[test]
fn audit_log_records_changes_and_the_chain_is_intact() {
    let f = Fixture::sharing();
    let audit = c::audit_log(&f.state).expect("audit");
    let actions: Vec<&str> = audit.entries.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"field.set") && actions.contains(&"brand.added"),
        "{actions:?}"
    );
    assert!(audit.entries.windows(2).all(|w| w[0].seq < w[1].seq));
    let chain = serde_json::to_value(&audit.chain).expect("json");
    assert_eq!(chain["state"], "intact");
    assert_eq!(chain["entries"], audit.entries.len());
}

#[test]
fn settings_persist_beside_the_vault() {
    let f = Fixture::unlocked();
    assert_eq!(
        c::get_settings(&f.state).expect("get"),
        SettingsDto::default()
    );
    let want = SettingsDto {
        locale: Some(Locale::Ko),
        auto_lock_minutes: 15,
        notifications: true,
    };
    assert_eq!(c::set_settings(&f.state, want).expect("set"), want);
    assert_eq!(
        kind(c::set_settings(
            &f.state,
            SettingsDto {
                locale: None,
                auto_lock_minutes: 0,
                notifications: true,
            }
        )),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(c::set_settings(
            &f.state,
            SettingsDto {
                locale: None,
                auto_lock_minutes: 241,
                notifications: true,
            }
        )),
        ErrorKind::InvalidInput
    );
    assert_eq!(c::get_settings(&f.state).expect("get"), want);

    // A new process reads them before unlocking: the unlock screen is already in Korean.
    let again = AppState::new(f.state.config().clone());
    let st = c::app_status(&again).expect("status");
    assert_eq!((st.locale, st.auto_lock_minutes), (Some(Locale::Ko), 15));
    assert!(f.vault_path().with_file_name("settings.json").is_file());
}

#[test]
fn auto_lock_fires_only_after_the_idle_timeout() {
    let f = Fixture::unlocked();
    let t0 = BootInstant::now();
    f.state.session().set_last_activity(t0);
    assert!(
        !f.state
            .auto_lock_if_idle(t0 + Duration::from_secs(4 * 60 + 59))
    );
    assert!(c::app_status(&f.state).expect("status").unlocked);
    // The status call was activity: the clock starts again from now.
    let t1 = BootInstant::now();
    assert!(!f.state.auto_lock_if_idle(t1 + Duration::from_secs(4 * 60)));
    assert!(f.state.auto_lock_if_idle(t1 + Duration::from_secs(5 * 60)));
    assert!(
        !f.state.auto_lock_if_idle(t1 + Duration::from_secs(60 * 60)),
        "locks once"
    );
    let st = c::app_status(&f.state).expect("status");
    assert!(!st.unlocked);
    assert_eq!(st.locked_reason, Some(LockReason::Auto));

    // The timeout follows the settings.
    c::unlock(&f.state, s(PASS), false, false).expect("unlock");
    c::set_settings(
        &f.state,
        SettingsDto {
            locale: None,
            auto_lock_minutes: 1,
            notifications: true,
        },
    )
    .expect("set");
    let t2 = BootInstant::now();
    assert!(f.state.auto_lock_if_idle(t2 + Duration::from_secs(60)));
}

#[test]
fn a_command_after_the_timeout_finds_the_vault_locked() {
    let f = Fixture::unlocked();
    // The background check has not run yet, but the idle time has passed.
    if let Some(long_ago) = BootInstant::now().checked_sub(Duration::from_secs(6 * 60)) {
        f.state.session().set_last_activity(long_ago);
        assert_eq!(kind(c::list_fields(&f.state)), ErrorKind::Locked);
        assert_eq!(
            c::app_status(&f.state).expect("status").locked_reason,
            Some(LockReason::Auto)
        );
    }
}

#[test]
fn change_passphrase_needs_the_current_one() {
    let f = Fixture::unlocked();
    let st = &f.state;
    let new = "a brand new passphrase";
    assert_eq!(
        kind(c::change_passphrase(st, s("not it at all"), s(new), s(new))),
        ErrorKind::WrongPassphrase
    );
    assert_eq!(
        kind(c::change_passphrase(
            st,
            s(PASS),
            s(new),
            s("different one!")
        )),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        kind(c::change_passphrase(st, s(PASS), s("short"), s("short"))),
        ErrorKind::InvalidInput
    );
    c::change_passphrase(st, s(PASS), s(new), s(new)).expect("change");
    c::lock(st).expect("lock");
    assert_eq!(
        kind(c::unlock(st, s(PASS), false, false)),
        ErrorKind::WrongPassphrase
    );
    c::unlock(st, s(new), false, false).expect("unlock with the new one");
}

#[test]
fn backup_erase_restore_and_export() {
    let f = Fixture::sharing();
    let st = &f.state;
    let backup = f.path("backup.vault");
    c::backup(st, &backup, false).expect("backup");
    assert_eq!(kind(c::backup(st, &backup, false)), ErrorKind::Conflict);
    c::backup(st, &backup, true).expect("overwrite");
    assert_eq!(
        kind(c::backup(st, "backup.vault", false)),
        ErrorKind::InvalidInput
    );

    let export = f.path("profile.json");
    c::export_plaintext(st, &export, s(PASS)).expect("export");
    assert!(
        std::fs::read_to_string(&export)
            .expect("read")
            .contains("minjun@example.kr")
    );
    assert_eq!(
        kind(c::export_plaintext(st, &export, s(PASS))),
        ErrorKind::Conflict
    );

    assert_eq!(
        kind(c::erase_vault(st, "erase please", s(PASS))),
        ErrorKind::InvalidInput
    );
    assert!(
        c::app_status(st).expect("status").unlocked,
        "a wrong word erases nothing"
    );
    c::set_settings(
        st,
        SettingsDto {
            locale: Some(Locale::En),
            auto_lock_minutes: 10,
            notifications: true,
        },
    )
    .expect("settings");
    c::erase_vault(st, "삭제", s(PASS)).expect("erase");
    let status = c::app_status(st).expect("status");
    assert!(!status.vault_exists && !status.unlocked);
    assert!(!f.vault_path().exists());
    assert!(!f.vault_path().with_file_name("settings.json").exists());

    assert_eq!(
        kind(c::restore_backup(
            st,
            &backup,
            s("wrong passphrase!"),
            s(""),
            false,
            false,
            true
        )),
        ErrorKind::WrongPassphrase
    );
    assert_eq!(
        kind(c::restore_backup(
            st,
            &f.path("nothing-here"),
            s(PASS),
            s(""),
            false,
            false,
            true
        )),
        ErrorKind::NotFound
    );
    c::restore_backup(st, &backup, s(PASS), s(""), false, false, true).expect("restore");
    assert!(c::app_status(st).expect("status").unlocked);
    assert_eq!(c::list_fields(st).expect("fields").len(), 4);
    // Restoring over the open vault needs overwrite, and then replaces it.
    assert_eq!(
        kind(c::restore_backup(
            st,
            &backup,
            s(PASS),
            s(PASS),
            false,
            false,
            true
        )),
        ErrorKind::Conflict
    );
    c::set_field(st, "nickname", "준이", None).expect("nickname");
    c::restore_backup(st, &backup, s(PASS), s(PASS), true, false, true).expect("restore over");
    assert_eq!(c::list_fields(st).expect("fields").len(), 4);
}

#[test]
fn qr_codes_and_strength() {
    let f = Fixture::unlocked();
    let svg = c::qr_svg(&f.state, "eyJhbGciOiJFZERTQSJ9.e30.sig").expect("qr");
    assert!(svg.contains("<svg") && svg.contains("</svg>"), "{svg}");
    // A grant-sized token still fits.
    assert!(c::qr_svg(&f.state, &"A".repeat(2500)).is_ok());
    assert_eq!(
        kind(c::qr_svg(&f.state, &"x".repeat(5000))),
        ErrorKind::InvalidInput
    );

    let weak = c::passphrase_strength(&f.state, &s("password")).expect("weak");
    assert!(weak.score <= 1, "{weak:?}");
    assert!(weak.warning.is_some() || !weak.suggestions.is_empty());
    let strong =
        c::passphrase_strength(&f.state, &s("violet tractor 93 unwise lagoon")).expect("strong");
    assert_eq!(strong.score, 4);
    assert!(strong.crack_time_seconds > weak.crack_time_seconds);
    // Very long input is scored quickly (only a prefix counts).
    let t = Instant::now();
    c::passphrase_strength(&f.state, &s(&"ab1!".repeat(10_000))).expect("long");
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[test]
fn copied_tokens_are_cleared_unless_replaced() {
    let f = Fixture::unlocked();
    let clip = vouchsafe_app::clipboard::MemoryClipboard::default();
    let pending = c::copy_secret(&f.state, &clip, "eyJ.token.sig").expect("copy");
    assert_eq!(clip.read_text().as_deref(), Some("eyJ.token.sig"));
    assert_eq!(pending.clear_if_unchanged(&clip), ClearOutcome::Cleared);
    assert_eq!(clip.read_text(), None);

    let pending = c::copy_secret(&f.state, &clip, "eyJ.token.sig").expect("copy");
    clip.write_text("my own note").expect("write");
    assert_eq!(pending.clear_if_unchanged(&clip), ClearOutcome::LeftAlone);
    assert_eq!(clip.read_text().as_deref(), Some("my own note"));
}

#[test]
fn wire_shapes_match_the_contract() {
    let f = Fixture::unlocked();
    let status = serde_json::to_value(c::app_status(&f.state).expect("status")).expect("json");
    for key in [
        "vaultExists",
        "unlocked",
        "vaultPath",
        "locale",
        "autoLockMinutes",
        "lockedReason",
    ] {
        assert!(status.get(key).is_some(), "{key} in {status}");
    }
    let err = serde_json::to_value(CommandError::locked()).expect("json");
    assert_eq!(err["kind"], "locked");
    assert!(err["message"].is_string());
    let err = c::set_field(&f.state, "email", "foo@", None).expect_err("bad");
    assert_eq!(
        serde_json::to_value(&err).expect("json")["kind"],
        "invalid_input"
    );
    // Requests arrive in camelCase.
    let req: GrantRequestDto = serde_json::from_value(serde_json::json!({
        "brand": "acme", "fields": ["email"], "derived": [], "purpose": "p", "purposeCategory": null,
        "channels": [{"channel": "email", "kind": "ad", "allowed": true}], "offer": null, "expires": "30d"
    }))
    .expect("request");
    assert_eq!(req.channels[0].channel, "email");
    assert_eq!(req.channels[0].kind, ChannelKindDto::Ad);
    assert!(!req.night_ads, "night-time ads absent means no");
    let settings: SettingsDto =
        serde_json::from_str(r#"{"locale":"ko","autoLockMinutes":3}"#).expect("settings");
    assert_eq!(settings.locale, Some(Locale::Ko));
}

/// The safety copies beside the vault, sorted.
fn safety_copies(f: &Fixture) -> Vec<PathBuf> {
    let dir = f.vault_path().parent().expect("dir").to_path_buf();
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.to_string_lossy();
            name.contains(".replaced-") && !name.ends_with("-wal")
        })
        .collect();
    out.sort();
    out
}

#[cfg(unix)]
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
}

#[test]
fn restore_over_a_vault_needs_its_passphrase_and_keeps_a_safety_copy() {
    let f = Fixture::sharing();
    let st = &f.state;
    let backup = f.path("backup.vault");
    c::backup(st, &backup, false).expect("backup");
    // Since the backup: a new value (still in the -wal) and a new passphrase, so the backup's
    // passphrase no longer opens the vault it would replace.
    let now_pass = "the passphrase of today";
    c::change_passphrase(st, s(PASS), s(now_pass), s(now_pass)).expect("change");
    c::set_field(st, "nickname", "준이", None).expect("nickname");

    for (current, why) in [
        ("", "no current passphrase"),
        ("not it at all", "a wrong one"),
        (PASS, "the backup's, not the vault's"),
    ] {
        let r = c::restore_backup(st, &backup, s(PASS), s(current), true, false, true);
        let err = r.expect_err(why);
        assert_eq!(err.kind, ErrorKind::WrongPassphrase, "{why}");
        assert!(err.message.contains("replaces"), "{why}: {}", err.message);
    }
    assert!(safety_copies(&f).is_empty(), "refusals copy nothing");
    assert_eq!(
        c::list_fields(st).expect("still open").len(),
        5,
        "refusals change nothing"
    );
    assert_eq!(
        kind(c::restore_backup(
            st,
            &backup,
            s(PASS),
            s(now_pass),
            false,
            false,
            true
        )),
        ErrorKind::Conflict,
        "over a vault only with overwrite"
    );

    let done = c::restore_backup(st, &backup, s(PASS), s(now_pass), true, false, true)
        .expect("restore with the current passphrase");
    let copy = PathBuf::from(done.safety_copy.expect("a safety copy"));
    assert_eq!(copy.parent(), f.vault_path().parent(), "beside the vault");
    assert_eq!(safety_copies(&f), vec![copy.clone()]);
    #[cfg(unix)]
    assert_eq!(mode(&copy), 0o600, "owner-only");
    assert_eq!(c::list_fields(st).expect("restored").len(), 4);
    // The copy is the replaced vault, up to its last write, under its own passphrase.
    let old = vouchsafe::Vault::open(&copy)
        .expect("open copy")
        .unlock(&vouchsafe::Passphrase::new(now_pass))
        .expect("the copy opens with the old passphrase");
    assert!(
        old.fields()
            .list()
            .expect("fields")
            .iter()
            .any(|fd| fd.name.to_string() == "nickname")
    );
    drop(old);

    // From the lock screen: the vault there is now the restored one, under the backup's
    // passphrase; the backup's passphrase alone is not enough when they differ.
    c::change_passphrase(st, s(PASS), s(now_pass), s(now_pass)).expect("change again");
    c::lock(st).expect("lock");
    assert_eq!(
        kind(c::restore_backup(
            st,
            &backup,
            s(PASS),
            s(PASS),
            true,
            false,
            true
        )),
        ErrorKind::WrongPassphrase
    );
    assert!(!c::app_status(st).expect("status").unlocked, "still locked");
    assert_eq!(safety_copies(&f).len(), 1);
    let done = c::restore_backup(st, &backup, s(PASS), s(now_pass), true, false, true)
        .expect("restore from the lock screen");
    assert!(c::app_status(st).expect("status").unlocked);
    let second = PathBuf::from(done.safety_copy.expect("a second safety copy"));
    assert_ne!(second, copy, "never over an earlier copy");
    assert_eq!(safety_copies(&f).len(), 2);

    // No vault to replace: no copy, and `current` is not asked for.
    c::erase_vault(st, "ERASE", s(PASS)).expect("erase");
    let done = c::restore_backup(st, &backup, s(PASS), s(""), false, false, true).expect("restore");
    assert_eq!(done.safety_copy, None);
}

#[test]
fn export_and_erase_need_the_current_passphrase() {
    let f = Fixture::sharing();
    let st = &f.state;
    let export = f.path("profile.json");
    for wrong in ["", "not it at all"] {
        assert_eq!(
            kind(c::export_plaintext(st, &export, s(wrong))),
            ErrorKind::WrongPassphrase
        );
        assert!(!std::path::Path::new(&export).exists(), "nothing written");
        assert_eq!(
            kind(c::erase_vault(st, "ERASE", s(wrong))),
            ErrorKind::WrongPassphrase
        );
        assert!(f.vault_path().is_file(), "nothing erased");
        assert!(c::app_status(st).expect("status").unlocked);
    }
    c::export_plaintext(st, &export, s(PASS)).expect("export");
    #[cfg(unix)]
    assert_eq!(mode(std::path::Path::new(&export)), 0o600);
    // The word is checked before the passphrase is (no derivation for a slip).
    assert_eq!(
        kind(c::erase_vault(st, "erase please", s(PASS))),
        ErrorKind::InvalidInput
    );
    c::erase_vault(st, "ERASE", s(PASS)).expect("erase");
    assert!(!f.vault_path().exists());
}

/// A vault whose file asks for more than the default KDF cost (more passes), and within the
/// ceiling; each derivation takes long enough to watch other commands run meanwhile.
fn costly_fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let costly = KdfParams {
        m_kib: 128 * 1024,
        t: 10,
        p: 1,
    };
    assert!(costly.exceeds_default());
    let config = AppConfig::new(dir.path().join("vault.db"))
        .with_kdf(costly)
        .with_anchor_dir(Some(dir.path().join("anchors")));
    let f = Fixture {
        state: AppState::new(config),
        dir,
    };
    c::create_vault(&f.state, s(PASS), s(PASS)).expect("create");
    c::lock(&f.state).expect("lock");
    f
}

#[test]
fn a_costly_kdf_is_asked_for_and_derived_without_the_session_lock() {
    let f = costly_fixture();
    let st = &f.state;
    let err = c::unlock(st, s(PASS), false, false).expect_err("asks first");
    assert_eq!(err.kind, ErrorKind::CostlyKdf);
    assert!(err.message.contains("m=128 MiB t=10"), "{}", err.message);
    assert_eq!(
        serde_json::to_value(&err).expect("json")["kind"],
        "costly_kdf"
    );
    // Asked before any derivation: even a wrong passphrase gets the question, not an answer.
    assert_eq!(
        kind(c::unlock(st, s("wrong passphrase!"), false, false)),
        ErrorKind::CostlyKdf
    );

    std::thread::scope(|scope| {
        let unlocking = scope.spawn(|| c::unlock(st, s(PASS), true, false));
        // Well into the derivation (about a second on these machines)…
        std::thread::sleep(Duration::from_millis(250));
        // …other commands still answer, and see the vault as it is: not yet unlocked.
        let status = c::app_status(st).expect("status");
        assert!(
            !unlocking.is_finished(),
            "the derivation should still be running"
        );
        assert!(!status.unlocked, "app_status waited for the derivation");
        assert_eq!(kind(c::list_fields(st)), ErrorKind::Locked);
        unlocking.join().expect("thread").expect("confirmed unlock");
    });
    assert!(c::app_status(st).expect("status").unlocked);
    assert!(c::list_fields(st).expect("fields").is_empty());
}

#[test]
fn a_passphrase_change_leaves_other_commands_answering_and_the_vault_usable() {
    let f = costly_fixture();
    let st = &f.state;
    c::unlock(st, s(PASS), true, false).expect("unlock");
    c::set_field(st, "email", "minjun@example.kr", None).expect("set");
    let new = "a brand new passphrase";
    std::thread::scope(|scope| {
        let changing = scope.spawn(|| c::change_passphrase(st, s(PASS), s(new), s(new)));
        // First the current passphrase is proven on a second connection (writes still go on),
        // then the change holds the vault: nothing is written meanwhile, and the session
        // answers without waiting for the derivation.
        let mut answered_while_held = false;
        while !changing.is_finished() {
            match c::set_field(st, "nickname", "준이", None) {
                Ok(_) => std::thread::sleep(Duration::from_millis(10)),
                Err(e) => {
                    assert_eq!(e.kind, ErrorKind::Conflict, "{e:?}");
                    let status = c::app_status(st).expect("status during the change");
                    assert!(status.unlocked);
                    c::touch(st).expect("touch during the change");
                    answered_while_held = !changing.is_finished();
                    break;
                }
            }
        }
        assert!(
            answered_while_held,
            "app_status should answer while the change derives"
        );
        changing.join().expect("thread").expect("change");
    });
    // The session now uses the changed vault; writes and reads go on.
    c::set_field(st, "nickname", "준이", None).expect("set after the change");
    assert_eq!(c::list_fields(st).expect("fields").len(), 2);
    c::lock(st).expect("lock");
    assert_eq!(
        kind(c::unlock(st, s(PASS), true, false)),
        ErrorKind::WrongPassphrase
    );
    c::unlock(st, s(new), true, false).expect("unlock with the new one");
}

/// A boot-time clock the test moves by hand.
#[derive(Clone, Default)]
struct HandClock(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl HandClock {
    fn advance(&self, d: Duration) {
        let ms = u64::try_from(d.as_millis()).expect("ms");
        self.0.fetch_add(ms, std::sync::atomic::Ordering::SeqCst);
    }
    fn clock(&self) -> vouchsafe_app::IdleClock {
        let t = self.0.clone();
        std::sync::Arc::new(move || {
            let ms = t.load(std::sync::atomic::Ordering::SeqCst);
            BootInstant::from_since_boot(Duration::from_secs(1000) + Duration::from_millis(ms))
        })
    }
}

#[test]
fn time_asleep_counts_as_idle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hand = HandClock::default();
    let config = AppConfig::new(dir.path().join("vault.db"))
        .with_kdf(KdfParams::MINIMUM)
        .with_anchor_dir(Some(dir.path().join("anchors")));
    let state = AppState::with_clock(config, hand.clock());
    c::create_vault(&state, s(PASS), s(PASS)).expect("create");
    hand.advance(Duration::from_secs(4 * 60));
    assert!(!state.auto_lock_if_idle(state.now()), "4 of 5 minutes");
    c::list_fields(&state).expect("still unlocked; this is activity");
    // The lid closes for an hour: boot time jumps (the monotonic clock would not have).
    hand.advance(Duration::from_secs(60 * 60));
    // The first command after waking finds it locked, before the ticker has looked.
    assert_eq!(kind(c::list_fields(&state)), ErrorKind::Locked);
    assert_eq!(
        c::app_status(&state).expect("status").locked_reason,
        Some(LockReason::Auto)
    );

    // The ticker's path, too.
    c::unlock(&state, s(PASS), false, false).expect("unlock");
    hand.advance(Duration::from_secs(5 * 60));
    assert!(state.auto_lock_if_idle(state.now()));
}

#[test]
fn suspend_and_screen_lock_lock_at_once() {
    let f = Fixture::unlocked();
    let st = &f.state;
    assert!(st.lock_now(LockReason::Suspend));
    assert!(!st.lock_now(LockReason::ScreenLock), "already locked");
    let status = c::app_status(st).expect("status");
    assert!(!status.unlocked);
    assert_eq!(status.locked_reason, Some(LockReason::Suspend));
    assert_eq!(
        serde_json::to_value(status.locked_reason).expect("json"),
        "suspend"
    );
    c::unlock(st, s(PASS), false, false).expect("unlock");
    assert!(st.lock_now(LockReason::ScreenLock));
    assert_eq!(
        serde_json::to_value(c::app_status(st).expect("status").locked_reason).expect("json"),
        "screen_lock"
    );
}

#[test]
fn after_a_restore_over_the_vault_locks_and_unlocks() {
    let f = Fixture::sharing();
    let st = &f.state;
    let issued = c::issue_grant(st, &request()).expect("issue");
    c::revoke_grant(st, &issued.id).expect("revoke");
    let backup = f.path("backup.vault");
    c::backup(st, &backup, false).expect("backup");
    c::restore_backup(st, &backup, s(PASS), s(PASS), true, false, true).expect("restore over");
    c::export_plaintext(st, &f.path("profile.json"), s(PASS)).expect("export");
    c::lock(st).expect("lock");
    assert_eq!(
        kind(c::unlock(st, s("not my passphrase"), false, false)),
        ErrorKind::WrongPassphrase
    );
    c::unlock(st, s(PASS), false, false).expect("unlock after a restore");
    assert_eq!(c::list_fields(st).expect("fields").len(), 4);
}
