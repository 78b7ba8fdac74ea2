//! Sealing records: everything a user typed is stored as AES-256-GCM ciphertext whose
//! associated data names its place (format version, table, record id). A ciphertext copied
//! into another row, table or format version therefore fails to open.

use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use super::hazmat;
use super::keys::DataKey;

/// Version of the sealed-record format, bound into every record's associated data.
pub const RECORD_FORMAT: u32 = 1;

/// Where a sealed record lives; becomes its associated data.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub table: &'static str,
    pub id: &'a str,
}

impl Place<'_> {
    fn aad(&self) -> Vec<u8> {
        format!("vouchsafe/v{RECORD_FORMAT}/{}/{}", self.table, self.id).into_bytes()
    }
}

impl std::fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.table, self.id)
    }
}

/// Sealing failed: the system RNG is gone, the cipher refused, or the value did not serialise.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    #[error(transparent)]
    Rng(#[from] super::RngError),
    #[error(transparent)]
    Encrypt(super::hazmat::SealFailure),
    #[error("could not encode a record")]
    Encode(#[source] serde_json::Error),
}

impl From<super::hazmat::SealFailure> for SealError {
    fn from(e: super::hazmat::SealFailure) -> Self {
        match e {
            super::hazmat::SealFailure::Rng(r) => SealError::Rng(r),
            other => SealError::Encrypt(other),
        }
    }
}

/// A record that did not open: altered, truncated, moved to another place, or another key.
#[derive(Debug, thiserror::Error)]
#[error("record {0} failed its integrity check (altered, moved or corrupted)")]
pub struct OpenError(pub String);

/// Serialize `value` as JSON and seal it for `place`. The JSON buffer is wiped after sealing.
pub fn seal_json<T: Serialize>(
    key: &DataKey,
    place: Place<'_>,
    value: &T,
) -> Result<Vec<u8>, SealError> {
    let plain = Zeroizing::new(serde_json::to_vec(value).map_err(SealError::Encode)?);
    Ok(hazmat::seal(key.bytes(), &place.aad(), &plain)?)
}

/// Open a sealed record for `place` and parse its JSON.
pub fn open_json<T: DeserializeOwned>(
    key: &DataKey,
    place: Place<'_>,
    sealed: &[u8],
) -> Result<T, OpenError> {
    let plain = hazmat::open(key.bytes(), &place.aad(), sealed)
        .map_err(|_| OpenError(place.to_string()))?;
    serde_json::from_slice(&plain).map_err(|_| OpenError(place.to_string()))
}

/// Open a sealed record for `place` without parsing it: the plaintext, wiped when dropped.
/// For re-keying, which moves every record to a new key without needing to know its type.
pub fn open_raw(
    key: &DataKey,
    place: Place<'_>,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, OpenError> {
    hazmat::open(key.bytes(), &place.aad(), sealed).map_err(|_| OpenError(place.to_string()))
}

/// Seal plaintext bytes (as returned by [`open_raw`]) for `place`.
pub fn seal_raw(key: &DataKey, place: Place<'_>, plain: &[u8]) -> Result<Vec<u8>, SealError> {
    Ok(hazmat::seal(key.bytes(), &place.aad(), plain)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, serde::Deserialize, Debug, PartialEq)]
    struct R {
        v: String,
    }

    #[test]
    fn a_record_opens_only_in_its_place() {
        let key = DataKey::generate().expect("rng");
        let here = Place {
            table: "fields",
            id: "a1",
        };
        let there = Place {
            table: "fields",
            id: "b2",
        };
        let other_table = Place {
            table: "brands",
            id: "a1",
        };
        let sealed = seal_json(
            &key,
            here,
            &R {
                v: "홍길동".into()
            },
        )
        .expect("seal");
        let back: R = open_json(&key, here, &sealed).expect("open");
        assert_eq!(back.v, "홍길동");
        let err = open_json::<R>(&key, there, &sealed).expect_err("moved");
        assert_eq!(
            err.to_string(),
            "record fields/b2 failed its integrity check (altered, moved or corrupted)"
        );
        assert!(open_json::<R>(&key, other_table, &sealed).is_err());
    }

    /// Pins the associated-data layout: changing it would make every existing vault unreadable.
    #[test]
    fn aad_layout_is_stable() {
        assert_eq!(
            Place {
                table: "fields",
                id: "x"
            }
            .aad(),
            b"vouchsafe/v1/fields/x"
        );
    }
}
