//! base64url without padding, the only encoding JOSE uses for binary data.
//!
//! Decoding is strict (no padding, no non-zero trailing bits) so that each value has exactly one
//! textual form; otherwise two different strings could name the same key or signature and
//! string comparisons such as `kid` against the thumbprint would become unreliable.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Encodes bytes as base64url without padding.
pub fn encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes canonical base64url without padding; `None` for anything else.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Decodes `text` as [`decode`] does, into an array, when it holds exactly `N` bytes: no
/// allocation for a value of known size, such as a 64-byte signature. `None` for any other
/// length as well as for text [`decode`] refuses.
pub fn decode_array<const N: usize>(text: &str) -> Option<[u8; N]> {
    let mut bytes = [0; N];
    match URL_SAFE_NO_PAD.decode_slice(text, &mut bytes) {
        Ok(len) if len == N => Some(bytes),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_uses_the_url_alphabet() {
        // 0xfb 0xff encodes to characters that differ between the standard and URL alphabets.
        let bytes = [0xfb_u8, 0xff, 0x00];
        let text = encode(bytes);
        assert_eq!(text, "-_8A");
        assert_eq!(decode(&text), Some(bytes.to_vec()));
    }

    #[test]
    fn rejects_padding_standard_alphabet_and_non_canonical_tails() {
        assert_eq!(decode("AQ=="), None, "padding");
        assert_eq!(decode("+/8A"), None, "standard alphabet");
        // "AR" decodes to 0x01 only if the trailing bits are ignored; canonical form is "AQ".
        assert_eq!(decode("AQ"), Some(vec![1]));
        assert_eq!(decode("AR"), None, "non-zero trailing bits");
        assert_eq!(decode("A"), None, "impossible length");
    }

    #[test]
    fn decoding_into_an_array_takes_exactly_that_length() {
        let text = encode([7u8; 64]);
        assert_eq!(decode_array::<64>(&text), Some([7u8; 64]));
        assert_eq!(decode_array::<63>(&text), None, "too long");
        assert_eq!(decode_array::<65>(&text), None, "too short");
        assert_eq!(decode_array::<1>("AQ"), Some([1]));
        for bad in ["AR", "AQ==", "+/8A", "A"] {
            assert_eq!(decode_array::<1>(bad), None, "{bad}");
            assert_eq!(decode_array::<3>(bad), None, "{bad}");
        }
    }
}
