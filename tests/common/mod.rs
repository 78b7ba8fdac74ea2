//! Shared helpers for integration tests: real vault files in temporary directories.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers fail by panicking

pub mod tamper;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use vouchsafe::grants::{ChannelChoices, Derived};
use vouchsafe::{
    Clock, FieldName, FixedClock, GrantRequest, GrantRequestParts, IssuedGrant, KdfParams,
    NewBrand, Passphrase, ReviewItem, ReviewKind, Vault,
};
use vouchsafe_token::{SigningKey, jws};

pub const PASS: &str = "correct horse battery staple";

/// The minimum parameters the vault accepts: real Argon2id, just the cheapest allowed.
pub const TEST_KDF: KdfParams = KdfParams::MINIMUM;

pub struct TempVault {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

pub fn temp_vault() -> (TempVault, Vault) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vault.db");
    let vault = Vault::create(&path, &Passphrase::new(PASS), TEST_KDF).expect("create");
    (TempVault { dir, path }, vault)
}

pub fn unlock(path: &Path, pass: &str) -> vouchsafe::Result<Vault> {
    Vault::open(path)?.unlock(&Passphrase::new(pass))
}

/// A copy of the frozen vault `tests/fixtures/<name>` in its own directory: a fixture is never
/// opened in place, since unlocking migrates it.
pub fn fixture_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    tamper::copy_of(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
}

/// The file's schema version (`PRAGMA user_version`), read without the vault.
pub fn schema_version(path: &Path) -> i64 {
    rusqlite::Connection::open(path)
        .expect("raw")
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("user_version")
}

/// A migrated vault's state, as its test states it: the check is clean over `rows` rows, the
/// anchor is at `generation`, and the audit log's `entries` chain intact.
pub fn assert_migrated_intact(v: &Vault, rows: usize, generation: u64, entries: i64) {
    let report = v.check().expect("check");
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.rows, rows, "rows checked");
    assert_eq!(v.generation().expect("generation"), Some(generation));
    assert_eq!(
        v.audit().verify().expect("verify"),
        vouchsafe::audit::ChainState::Intact { entries }
    );
}

/// The raw bytes of the vault file and its WAL/SHM companions, for plaintext scans.
pub fn raw_files(path: &Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            let p = PathBuf::from(format!("{}{suffix}", path.display()));
            std::fs::read(&p).ok().map(|b| (p.display().to_string(), b))
        })
        .collect()
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Every field as `name=value`, sorted: for comparing a profile before and after an operation.
pub fn snapshot(vault: &Vault) -> Vec<String> {
    vault
        .fields()
        .list()
        .expect("list fields")
        .iter()
        .map(|f| format!("{}={}", f.name, *f.value))
        .collect()
}

/// A field name the test knows to be valid.
pub fn name(s: &str) -> FieldName {
    s.parse().expect("field name")
}

/// A valid request releasing one field to `brand` for 30 days.
pub fn request(brand: &str, field: &str) -> GrantRequest {
    let now = jiff::Timestamp::now().as_second();
    GrantRequest::new(
        GrantRequestParts {
            brand: brand.into(),
            fields: vec![name(field)],
            derived: vec![],
            purpose: "order updates".into(),
            purpose_category: None,
            channels: Default::default(),
            offer: None,
            expires_at: now + 30 * 86_400,
        },
        now,
    )
    .expect("request")
}

// --- A vault on a fixed clock, its brands and its grants (the narrowing and review tests) ---

/// 2027-01-15T08:00:00Z, where [`clocked_vault`]'s clock starts.
pub const T0: i64 = 1_800_000_000;
pub const DAY: i64 = 86_400;
/// The connected brand of [`connect_shop`]: its origin (also its id) and its events endpoint.
pub const SHOP: &str = "https://shop.example";
pub const EVENTS: &str = "https://shop.example/vouchsafe/events";

/// A vault on a fixed clock at [`T0`] with `profile` set (`(field, value)` pairs). The test
/// moves the clock, so deadlines pass without sleeping.
pub fn clocked_vault(profile: &[(&str, &str)]) -> (TempVault, Vault, FixedClock) {
    let (tv, mut v) = temp_vault();
    let clock = FixedClock::at(T0);
    v.set_clock(Arc::new(clock.clone()));
    for (f, val) in profile {
        v.fields_mut().set(&name(f), val, None).expect("set");
    }
    (tv, v, clock)
}

/// Add `acme` ("Acme") by hand: a brand with no inbox, that nothing reaches but by hand.
pub fn add_acme(v: &mut Vault) {
    v.brands_mut()
        .add(&NewBrand {
            id: "acme",
            name: "Acme",
            ..NewBrand::default()
        })
        .expect("brand");
}

/// Connect [`SHOP`] ("동네 카페"), a brand with an inbox at [`EVENTS`].
pub fn connect_shop(v: &mut Vault) {
    v.brands_mut()
        .connect(SHOP, "동네 카페", EVENTS)
        .expect("connect");
}

/// A grant to issue with [`share`]: change only what the test is about, the rest from
/// [`Share::default`] (email to `acme` for order updates, 90 days, no channels).
pub struct Share<'a> {
    pub brand: &'a str,
    pub fields: &'a [&'a str],
    pub derived: Vec<Derived>,
    pub purpose: &'a str,
    pub category: Option<&'a str>,
    pub channels: ChannelChoices,
    pub offer: Option<&'a str>,
    /// From the clock's now to the expiry.
    pub days: i64,
}

impl Default for Share<'_> {
    fn default() -> Self {
        Self {
            brand: "acme",
            fields: &["email"],
            derived: vec![],
            purpose: "order updates",
            category: None,
            channels: ChannelChoices::default(),
            offer: None,
            days: 90,
        }
    }
}

/// Issue `s` at the clock's now.
pub fn share(v: &mut Vault, clock: &FixedClock, s: Share<'_>) -> IssuedGrant {
    let now = clock.now();
    let req = GrantRequest::new(
        GrantRequestParts {
            brand: s.brand.into(),
            fields: s.fields.iter().map(|f| name(f)).collect(),
            derived: s.derived,
            purpose: s.purpose.into(),
            purpose_category: s.category.map(str::to_string),
            channels: s.channels,
            offer: s.offer.map(str::to_string),
            expires_at: now + s.days * DAY,
        },
        now,
    )
    .expect("request");
    v.grants_mut().issue(&req).expect("issue")
}

/// A brand receipt as the inbox signs it for [`SHOP`], promising to keep the data until `until`.
pub fn brand_receipt(grant: &str, until: i64) -> String {
    let key = SigningKey::from_bytes(&[7; 32]);
    let jwk = vouchsafe_token::PublicJwk::from_verifying_key(&key.verifying_key());
    let claims = serde_json::json!({
        "iss": SHOP, "aud": "urn:x", "iat": until - 30 * DAY, "jti": "r1",
        "grant": {"jti": grant, "sha256": "x"}, "received": ["email"],
        "retention": {"period": "P30D", "until": until},
        "channels": [], "events_uri": EVENTS,
    });
    jws::sign_compact(
        &jws::header_for("vnd.vouchsafe.brand-receipt+jwt", &jwk),
        &claims,
        &key,
    )
    .expect("sign")
}

/// The review's items of one kind, in the review's order.
pub fn of_kind(v: &Vault, kind: ReviewKind) -> Vec<ReviewItem> {
    v.review()
        .items()
        .expect("review")
        .into_iter()
        .filter(|i| i.kind == kind)
        .collect()
}
