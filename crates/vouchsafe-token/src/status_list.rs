//! Token Status List (draft-ietf-oauth-status-list): the bit array, its `lst` encoding, and the
//! signed `statuslist+jwt` that carries it.
//!
//! A status list lets the consumer revoke a grant without the brand calling home per grant: the
//! brand fetches one small, compressed, signed list and looks up the grant's index. Many grants
//! share one list, so fetching it reveals nothing about which grant is being checked.

use std::io::{Read as _, Write as _};

use ed25519_dalek::SigningKey;
use flate2::Compression;
use flate2::bufread::ZlibDecoder;
use flate2::write::ZlibEncoder;

use crate::b64;
use crate::claims::{StatusListClaims, StatusListMember};
use crate::jwk::PublicJwk;
use crate::jws::{self, JwsError};

/// Upper bound on a decompressed list. A few hundred bytes of zlib can inflate to gigabytes, and
/// the list comes from outside, so decompression stops here instead of exhausting memory.
/// 16 MiB is 134 million one-bit entries, far beyond any real list.
pub const MAX_DECOMPRESSED_BYTES: usize = 16 * 1024 * 1024;

/// Entry widths the draft allows.
pub const SUPPORTED_BITS: [u8; 4] = [1, 2, 4, 8];

/// Status value of a valid token (draft §7.1 `VALID`).
pub const STATUS_VALID: u8 = 0x00;
/// Status value of a revoked token (draft §7.1 `INVALID`).
pub const STATUS_INVALID: u8 = 0x01;

/// Why a status list could not be built, read or changed.
#[derive(Debug, thiserror::Error)]
pub enum StatusListError {
    /// `bits` is not 1, 2, 4 or 8.
    #[error("bits {0} is not one of 1, 2, 4, 8")]
    UnsupportedBits(u64),
    /// The list would exceed [`MAX_DECOMPRESSED_BYTES`].
    #[error("list exceeds the {MAX_DECOMPRESSED_BYTES}-byte limit")]
    TooLarge,
    /// An index is not below the number of entries.
    #[error("index {idx} is out of range for a list of {len} entries")]
    IndexOutOfRange {
        /// The index asked for.
        idx: usize,
        /// The number of entries.
        len: usize,
    },
    /// A status value does not fit in `bits`.
    #[error("status value {value} does not fit in {bits} bit(s)")]
    ValueTooLarge {
        /// The value.
        value: u8,
        /// The entry width.
        bits: u8,
    },
    /// `lst` is not canonical base64url without padding.
    #[error("lst is not base64url without padding")]
    Base64,
    /// `lst` is not a complete, valid ZLIB stream.
    #[error("lst is not a valid ZLIB stream: {0}")]
    Zlib(String),
    /// Bytes follow the end of the ZLIB stream.
    #[error("lst has data after the end of the ZLIB stream")]
    TrailingData,
    /// Compression failed (only possible on internal errors of the compressor).
    #[error("compressing the list failed: {0}")]
    Compress(String),
    /// Signing the status list token failed.
    #[error("signing the status list token failed: {0}")]
    Jws(#[from] JwsError),
}

/// A status list: `len` entries of `bits` bits each, packed least significant bit first.
///
/// Entry `i` occupies bits `i*bits .. (i+1)*bits` of the byte array, counting from the least
/// significant bit of byte 0 (draft §4.1). With `bits = 1`, entry 0 is `byte[0] & 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    bits: u8,
    len: usize,
    bytes: Vec<u8>,
}

impl StatusList {
    /// A list of `len` entries, all `VALID` (0). `bits` must be 1, 2, 4 or 8.
    pub fn new(len: usize, bits: u8) -> Result<Self, StatusListError> {
        check_bits(u64::from(bits))?;
        let total_bits = len
            .checked_mul(usize::from(bits))
            .ok_or(StatusListError::TooLarge)?;
        let byte_len = total_bits.div_ceil(8);
        if byte_len > MAX_DECOMPRESSED_BYTES {
            return Err(StatusListError::TooLarge);
        }
        Ok(Self {
            bits,
            len,
            bytes: vec![0; byte_len],
        })
    }

    /// A list over already packed bytes. The wire format does not record the entry count, so
    /// every bit is an entry: `len = bytes.len() * 8 / bits`.
    pub fn from_bytes(bits: u8, bytes: Vec<u8>) -> Result<Self, StatusListError> {
        check_bits(u64::from(bits))?;
        if bytes.len() > MAX_DECOMPRESSED_BYTES {
            return Err(StatusListError::TooLarge);
        }
        // At most 16 MiB * 8, far below usize::MAX even on 32-bit targets.
        let len = bytes.len().saturating_mul(8) / usize::from(bits);
        Ok(Self { bits, len, bytes })
    }

    /// Bits per entry.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The packed bytes, as they are compressed into `lst`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The status of entry `idx`, or `None` if `idx >= len()`.
    pub fn get(&self, idx: usize) -> Option<u8> {
        if idx >= self.len {
            return None;
        }
        let (byte, shift) = self.position(idx);
        self.bytes
            .get(byte)
            .map(|b| (b >> shift) & self.value_mask())
    }

    /// Sets entry `idx` to `value`.
    pub fn set(&mut self, idx: usize, value: u8) -> Result<(), StatusListError> {
        if value > self.value_mask() {
            return Err(StatusListError::ValueTooLarge {
                value,
                bits: self.bits,
            });
        }
        let len = self.len;
        if idx >= len {
            return Err(StatusListError::IndexOutOfRange { idx, len });
        }
        let (byte, shift) = self.position(idx);
        let mask = self.value_mask() << shift;
        let slot = self
            .bytes
            .get_mut(byte)
            .ok_or(StatusListError::IndexOutOfRange { idx, len })?;
        *slot = (*slot & !mask) | (value << shift);
        Ok(())
    }

    /// The `lst` value: the bytes ZLIB-compressed (RFC 1950, best compression, as the draft's
    /// examples use) and base64url-encoded without padding.
    pub fn to_lst(&self) -> Result<String, StatusListError> {
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
        encoder
            .write_all(&self.bytes)
            .map_err(|e| StatusListError::Compress(e.to_string()))?;
        let compressed = encoder
            .finish()
            .map_err(|e| StatusListError::Compress(e.to_string()))?;
        Ok(b64::encode(compressed))
    }

    /// Reads an `lst` value produced at any compression level. Decompression is bounded by
    /// [`MAX_DECOMPRESSED_BYTES`]; truncated streams, bad checksums and trailing bytes are
    /// errors, so a list is either read completely or not at all.
    pub fn from_lst(bits: u8, lst: &str) -> Result<Self, StatusListError> {
        check_bits(u64::from(bits))?;
        let compressed = b64::decode(lst).ok_or(StatusListError::Base64)?;
        let mut decoder = ZlibDecoder::new(compressed.as_slice());
        let mut bytes = Vec::new();
        let limit = u64::try_from(MAX_DECOMPRESSED_BYTES)
            .map_err(|_| StatusListError::TooLarge)?
            .saturating_add(1);
        (&mut decoder)
            .take(limit)
            .read_to_end(&mut bytes)
            .map_err(|e| StatusListError::Zlib(e.to_string()))?;
        if bytes.len() > MAX_DECOMPRESSED_BYTES {
            return Err(StatusListError::TooLarge);
        }
        if !decoder.into_inner().is_empty() {
            return Err(StatusListError::TrailingData);
        }
        Self::from_bytes(bits, bytes)
    }

    /// The low `bits` bits set; `bits` is 1, 2, 4 or 8, so the shift is 7, 6, 4 or 0.
    fn value_mask(&self) -> u8 {
        u8::MAX >> (8 - self.bits)
    }

    /// Byte index and bit shift of entry `idx` (which is `< len`, so the product cannot
    /// overflow: `len * bits` was checked at construction).
    fn position(&self, idx: usize) -> (usize, usize) {
        let bit = idx.saturating_mul(usize::from(self.bits));
        (bit / 8, bit % 8)
    }
}

fn check_bits(bits: u64) -> Result<(), StatusListError> {
    if SUPPORTED_BITS.iter().any(|&b| u64::from(b) == bits) {
        Ok(())
    } else {
        Err(StatusListError::UnsupportedBits(bits))
    }
}

/// Builds the signed Status List Token (`typ` `statuslist+jwt`) for `list`.
///
/// `uri` becomes `sub` and must be exactly the `status.status_list.uri` the grants carry;
/// `iat`/`exp` bound how long a copy may be relied on (a stale list could hide a revocation),
/// and `ttl` tells caches how often to refetch. The header carries the same `jwk` as the grants
/// because verifiers require both to be signed by the same key.
pub fn status_list_token(
    list: &StatusList,
    uri: &str,
    iat: i64,
    exp: i64,
    ttl: i64,
    key: &SigningKey,
) -> Result<String, StatusListError> {
    let jwk = PublicJwk::from_verifying_key(&key.verifying_key());
    let claims = StatusListClaims {
        iss: None,
        sub: uri.to_owned(),
        iat,
        exp,
        ttl: Some(ttl),
        status_list: StatusListMember {
            bits: list.bits(),
            lst: list.to_lst()?,
        },
    };
    Ok(jws::sign_compact(
        &jws::header_for(crate::STATUS_LIST_TYP, &jwk),
        &claims,
        key,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn list_of(bits: u8, statuses: &[u8]) -> Result<StatusList, StatusListError> {
        let mut list = StatusList::new(statuses.len(), bits)?;
        for (idx, &value) in statuses.iter().enumerate() {
            list.set(idx, value)?;
        }
        Ok(list)
    }

    /// draft-ietf-oauth-status-list §4.1 (1-bit example).
    const ONE_BIT: [u8; 16] = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1];
    /// draft-ietf-oauth-status-list "Status List Token with 2-Bit Status Values" example.
    const TWO_BIT: [u8; 12] = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3];

    #[test]
    fn draft_one_bit_vector() -> TestResult {
        let list = list_of(1, &ONE_BIT)?;
        assert_eq!(list.as_bytes(), [0xB9, 0xA3]);
        assert_eq!(list.to_lst()?, "eNrbuRgAAhcBXQ");
        let read = StatusList::from_lst(1, "eNrbuRgAAhcBXQ")?;
        assert_eq!(read, list);
        Ok(())
    }

    #[test]
    fn draft_two_bit_vector() -> TestResult {
        let list = list_of(2, &TWO_BIT)?;
        assert_eq!(list.as_bytes(), [0xC9, 0x44, 0xF9]);
        assert_eq!(list.to_lst()?, "eNo76fITAAPfAgc");
        let read = StatusList::from_lst(2, "eNo76fITAAPfAgc")?;
        let values: Vec<u8> = (0..read.len()).filter_map(|i| read.get(i)).collect();
        assert_eq!(values, TWO_BIT);
        Ok(())
    }

    #[test]
    fn four_and_eight_bit_entries_pack_low_nibble_first() -> TestResult {
        let list = list_of(4, &[0x1, 0xF, 0x7])?;
        assert_eq!(list.as_bytes(), [0xF1, 0x07]);
        let list = list_of(8, &[0xAB, 0x00, 0xFF])?;
        assert_eq!(list.as_bytes(), [0xAB, 0x00, 0xFF]);
        Ok(())
    }

    #[test]
    fn set_overwrites_only_its_own_entry() -> TestResult {
        let mut list = list_of(2, &[3, 3, 3, 3])?;
        list.set(2, 0)?;
        assert_eq!(
            (0..4).filter_map(|i| list.get(i)).collect::<Vec<_>>(),
            [3, 3, 0, 3]
        );
        list.set(2, 1)?;
        assert_eq!(list.as_bytes(), [0b11_01_11_11]);
        Ok(())
    }

    #[test]
    fn rejects_bad_bits_values_and_indices() -> TestResult {
        assert!(matches!(
            StatusList::new(8, 3),
            Err(StatusListError::UnsupportedBits(3))
        ));
        assert!(matches!(
            StatusList::from_lst(0, "eNrbuRgAAhcBXQ"),
            Err(StatusListError::UnsupportedBits(0))
        ));
        let mut list = StatusList::new(10, 1)?;
        assert_eq!(list.get(9), Some(0));
        assert_eq!(list.get(10), None);
        assert!(matches!(
            list.set(10, 1),
            Err(StatusListError::IndexOutOfRange { idx: 10, len: 10 })
        ));
        assert!(matches!(
            list.set(0, 2),
            Err(StatusListError::ValueTooLarge { value: 2, bits: 1 })
        ));
        assert!(matches!(
            StatusList::new(usize::MAX, 8),
            Err(StatusListError::TooLarge)
        ));
        assert!(matches!(
            StatusList::new(MAX_DECOMPRESSED_BYTES * 8 + 1, 1),
            Err(StatusListError::TooLarge)
        ));
        Ok(())
    }

    #[test]
    fn length_is_whole_bytes_after_a_round_trip() -> TestResult {
        let list = StatusList::new(1000, 1)?;
        let read = StatusList::from_lst(1, &list.to_lst()?)?;
        assert_eq!(read.len(), 1000);
        let list = StatusList::new(1001, 1)?;
        assert_eq!(StatusList::from_lst(1, &list.to_lst()?)?.len(), 1008);
        Ok(())
    }

    #[test]
    fn reads_other_compression_levels() -> TestResult {
        let list = list_of(1, &ONE_BIT)?;
        for level in [0, 1, 6] {
            let mut encoder = ZlibEncoder::new(Vec::new(), Compression::new(level));
            encoder.write_all(list.as_bytes())?;
            let lst = b64::encode(encoder.finish()?);
            assert_eq!(StatusList::from_lst(1, &lst)?, list, "level {level}");
        }
        Ok(())
    }

    #[test]
    fn zip_bomb_is_cut_off() -> TestResult {
        // 64 MiB of zeros compresses to about 64 KiB.
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
        let chunk = vec![0u8; 1024 * 1024];
        for _ in 0..64 {
            encoder.write_all(&chunk)?;
        }
        let lst = b64::encode(encoder.finish()?);
        assert!(lst.len() < 200_000);
        assert!(matches!(
            StatusList::from_lst(1, &lst),
            Err(StatusListError::TooLarge)
        ));
        Ok(())
    }

    #[test]
    fn exactly_the_limit_is_accepted() -> TestResult {
        let list = StatusList::new(MAX_DECOMPRESSED_BYTES * 8, 1)?;
        let read = StatusList::from_lst(1, &list.to_lst()?)?;
        assert_eq!(read.len(), MAX_DECOMPRESSED_BYTES * 8);
        Ok(())
    }

    #[test]
    fn rejects_damaged_streams() -> TestResult {
        let good = b64::decode("eNrbuRgAAhcBXQ").ok_or("vector")?;
        let truncated = good.get(..good.len() - 2).ok_or("short")?;
        assert!(matches!(
            StatusList::from_lst(1, &b64::encode(truncated)),
            Err(StatusListError::Zlib(_))
        ));
        let mut bad_checksum = good.clone();
        if let Some(last) = bad_checksum.last_mut() {
            *last ^= 0xFF;
        }
        assert!(matches!(
            StatusList::from_lst(1, &b64::encode(&bad_checksum)),
            Err(StatusListError::Zlib(_))
        ));
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(matches!(
            StatusList::from_lst(1, &b64::encode(&trailing)),
            Err(StatusListError::TrailingData)
        ));
        assert!(matches!(
            StatusList::from_lst(1, "eNrbuRgAAhcBXQ=="),
            Err(StatusListError::Base64)
        ));
        assert!(matches!(
            StatusList::from_lst(1, &b64::encode(b"not zlib")),
            Err(StatusListError::Zlib(_))
        ));
        assert!(matches!(
            StatusList::from_lst(1, ""),
            Err(StatusListError::Zlib(_))
        ));
        Ok(())
    }

    #[test]
    fn status_list_token_has_the_draft_shape() -> TestResult {
        let key = SigningKey::from_bytes(&[3; 32]);
        let mut list = StatusList::new(1024, 1)?;
        list.set(7, STATUS_INVALID)?;
        let token = status_list_token(&list, "https://s.example/l/1", 10, 20, 5, &key)?;
        let jws = jws::CompactJws::parse(&token)?;
        jws.verify_signature(&key.verifying_key())?;
        let jwk = PublicJwk::from_verifying_key(&key.verifying_key());
        assert_eq!(
            serde_json::Value::Object(jws.header().clone()),
            serde_json::to_value(jws::header_for(crate::STATUS_LIST_TYP, &jwk))?
        );
        let claims = serde_json::Value::Object(jws.claims()?);
        assert_eq!(
            claims,
            serde_json::json!({
                "sub": "https://s.example/l/1", "iat": 10, "exp": 20, "ttl": 5,
                "status_list": {"bits": 1, "lst": list.to_lst()?},
            })
        );
        Ok(())
    }
}
