//! Vouchsafe core: the consumer's encrypted profile vault.
//!
//! The CLI and the desktop app are thin faces over this crate; nothing here knows about
//! terminals or windows. Start with [`Vault::create`] or [`Vault::open`], then use the
//! repositories the vault hands out: `vault.fields()`, `vault.brands()`, `vault.grants()`,
//! `vault.audit()` to read, and the `_mut` forms to write.
//!
//! # Layers
//!
//! Each module imports only modules listed before it (`tests/layers.rs` checks this):
//!
//! | module | holds | imports (`crate::…`) |
//! |---|---|---|
//! | [`clock`] | the injected time source | — |
//! | [`crypto`] | AEAD, Argon2id, keys, sealed records | — |
//! | [`profile`] | field names and value rules | — |
//! | [`store`] | the SQLite file, schema, transactions | — |
//! | [`brands`] | what a brand is; id/name/URL rules | — |
//! | [`grants`] | the validated request, claims, summary, receipt | `profile` |
//! | [`records`] | one type with the connection, data key and clock: seal, open, open all, write, audit append | `clock`, `crypto`, `store` |
//! | [`error`] | [`VaultError`] wrapping each layer's error; [`ErrorClass`] | `brands`, `crypto`, `grants`, `profile`, `store` |
//! | [`repo`] | one repository per concern: `fields` → `outbox` → `brands` → `grants`; `audit` | `records`, `error`, `clock`, `crypto`, `profile`, `brands`, `grants` |
//! | [`review`] | what deserves attention: overdue erasures, retention past its end, expiring grants, old ad consents, raw values, silent brands | `repo`, `records`, `error`, `clock`, `grants`, `profile` |
//! | [`vault`] | the front: create, open, unlock, lock, passphrase, backup, restore, erase, verify | `repo`, `records`, `error`, `clock`, `crypto`, `store` |
//! | [`connect`] | the brand protocol over the network: request, delivery, outbox delivery, the origin policy | `vault`, `repo`, `grants`, `brands`, `profile`, `error` |
//! | [`report`] | a brand's report: what it holds, since when, for what, with the receipts, as HTML | `vault`, `repo`, `grants`, `brands`, `error` |

pub mod brands;
pub mod clock;
pub mod connect;
pub mod crypto;
pub mod error;
pub mod grants;
pub mod korean;
pub mod profile;
pub mod records;
pub mod repo;
pub mod report;
pub mod review;
pub mod store;
pub mod vault;

/// The audit log: the event type (appended by the records layer) and the repository's views.
pub mod audit {
    pub use crate::records::AuditEvent;
    pub use crate::repo::audit::{AuditEntry, AuditRepo, ChainState};
}

pub use brands::{Brand, BrandError, NewBrand};
pub use clock::{Clock, FixedClock, SystemClock};
pub use crypto::{KdfParams, Passphrase};
pub use error::{ErrorClass, Result, VaultError};
pub use grants::{
    GrantError, GrantInfo, GrantPreview, GrantRequest, GrantRequestParts, GrantState, IssuedGrant,
    Lang, Summary,
};
pub use profile::FieldName;
pub use records::integrity::{IntegrityReport, Problem, ProblemKind};
pub use records::{AnchorStore, FileAnchorStore, Freshness};
pub use repo::{
    AuditRepo, BrandRepo, Field, FieldRepo, GrantRepo, OutboxItem, OutboxRepo, OutboxState,
};
pub use review::{Review, ReviewAction, ReviewItem, ReviewKind};
pub use vault::{
    LockedVault, RestorePreview, UnrevokedGrant, Vault, default_anchor_dir, default_vault_path,
};
