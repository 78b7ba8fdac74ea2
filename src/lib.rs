//! Vouchsafe core: the consumer's encrypted profile vault.
//!
//! The CLI and the desktop app are thin faces over this crate; nothing here knows about
//! terminals or windows. Start with [`Vault::create`] or [`Vault::open`].

pub mod audit;
pub mod brands;
pub mod crypto;
pub mod error;
pub mod grants;
pub mod profile;
pub mod store;
pub mod vault;

pub use brands::{Brand, BrandError, NewBrand};
pub use crypto::{KdfParams, Passphrase};
pub use error::{Result, VaultError};
pub use grants::{GrantError, GrantInfo, GrantRequest, GrantState, IssuedGrant};
pub use profile::FieldName;
pub use vault::{Field, LockedVault, Vault, default_vault_path};
