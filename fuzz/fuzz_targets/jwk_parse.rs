//! JWK parsing: arbitrary JSON through `PublicJwk::from_json`, `to_verifying_key` and the
//! thumbprint, which must stay a 43-character base64url string for any accepted key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouchsafe_token::PublicJwk;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(jwk) = PublicJwk::from_json(&value) else {
        return;
    };
    assert_eq!(jwk.thumbprint().len(), 43);
    if let Ok(key) = jwk.to_verifying_key() {
        // A key that decodes re-encodes to the very same JWK (canonical encodings only).
        assert_eq!(PublicJwk::from_verifying_key(&key), jwk);
    }
});
