//! The profile model: which fields exist, how their names are spelled, how a
//! typed value becomes a stored value, and how a profile is exported.
//!
//! Pure functions only — no storage, no crypto, no clock (today's date is
//! passed in). The vault stores `(FieldName, normalised value, optional label)`
//! and calls into this module at the edges.
//!
//! Built for Korean users first (family-name-first names, `010-1234-5678`
//! phones, road-name addresses, full-width IME input, decomposed Hangul)
//! without refusing anyone else: every rule accepts the international form.
//!
//! Field names (canonical spellings, used by the CLI, tokens and tests):
//! OpenID Connect Core §5.1 claims `given_name`, `family_name`, `middle_name`,
//! `nickname`, `name`, `email`, `phone_number`, `birthdate`, `gender`,
//! `locale`, `zoneinfo`, `address.{street_address,locality,region,
//! postal_code,country,formatted}`; the Korean address members
//! `address.{detail,jibun,formatted_en}` (rules for `country` = KR in
//! `address_kr`); brand fields `interests`, `clothing_size`,
//! `shoe_size`, `dietary_preferences`, `contact_channels`; and the open
//! families `membership.NAME` and `custom.NAME`.

mod address_kr;
mod catalogue;
mod country;
mod email;
mod error;
mod export;
mod field;
mod locale;
mod normalize;
mod phone;
mod text;

pub(crate) use address_kr::city_only as korean_city_only;
pub use catalogue::{FieldSpec, catalogue};
pub use country::{COUNTRY_CODES, EXTRA_COUNTRY_CODES};
pub use error::ProfileError;
pub use export::export_json;
pub use field::{AddressPart, FieldGroup, FieldName, MAX_DYNAMIC_NAME, StdField};
pub use normalize::{
    CONTACT_CHANNELS, MAX_ADDRESS, MAX_CUSTOM, MAX_GENDER, MAX_ITEM, MAX_ITEMS, MAX_LABEL,
    MAX_MEMBERSHIP, MAX_SIZE, MAX_TEXT, list_items, normalize_value, normalize_value_in,
    validate_label,
};
