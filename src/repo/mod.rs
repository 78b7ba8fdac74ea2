//! One repository per concern, each a handle over the records layer that a [`crate::Vault`]
//! hands out: `R = &Records` reads, `R = &mut Records` also writes. Repositories import the
//! records layer and the rules of their concern, and never the vault.
//!
//! Order (each imports only those before it): [`fields`] → [`outbox`] → [`brands`] →
//! [`grants`]; [`audit`] stands alone. The outbox sits below brands and grants because their
//! revocations enqueue events inside their own transactions.

pub mod audit;
pub mod brands;
pub mod fields;
pub mod grants;
pub mod outbox;

pub use audit::{AuditEntry, AuditRepo, ChainState};
pub use brands::BrandRepo;
pub use fields::{Field, FieldRepo};
pub use grants::GrantRepo;
pub use outbox::{OutboxItem, OutboxRepo, OutboxState};
