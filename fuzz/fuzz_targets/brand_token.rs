//! What a vault checks of a brand (docs/protocol.md §1–3, §5) on arbitrary bytes: the brand's
//! JWK Set (`BrandJwks`) and the tokens it signs (request object, brand receipt, erasure
//! receipt) verified against it. Every input must end in `Ok` or a `BrandError`, never a panic;
//! a token that verifies as a request object must also pass the generic brand-token check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouchsafe_token::protocol::{BRAND_RECEIPT_TYP, ERASURE_RECEIPT_TYP, REQUEST_TYP};
use vouchsafe_verify::brand::{
    BrandJwks, verify_brand_receipt, verify_brand_token, verify_erasure_receipt,
    verify_request_object,
};

/// tests/vectors/protocol/brand-jwks.json: valid vector tokens reach every claim check.
const VECTOR_JWKS: &[u8] = include_bytes!("../../tests/vectors/protocol/brand-jwks.json");
const ORIGIN: &str = "https://shop.example";
/// Inside the vector request's life.
const NOW: i64 = 1_767_225_630;

fuzz_target!(|data: &[u8]| {
    // `<jwks>\n\n<token>` fuzzes the JWKS too; anything else is a token under the vector JWKS.
    let text = String::from_utf8_lossy(data);
    let (jwks, token) = match text.split_once("\n\n") {
        Some((jwks, token)) => (BrandJwks::from_slice(jwks.as_bytes()), token),
        None => (BrandJwks::from_slice(VECTOR_JWKS), text.as_ref()),
    };
    let Ok(jwks) = jwks else { return };
    let token = token.trim();
    if verify_request_object(token, &jwks, ORIGIN, NOW).is_ok() {
        assert!(verify_brand_token(token, &jwks, REQUEST_TYP, ORIGIN).is_ok());
    }
    let _ = verify_brand_receipt(token, &jwks, ORIGIN);
    let _ = verify_erasure_receipt(token, &jwks, ORIGIN);
    let _ = verify_brand_token(token, &jwks, BRAND_RECEIPT_TYP, ORIGIN);
    let _ = verify_brand_token(token, &jwks, ERASURE_RECEIPT_TYP, ORIGIN);
});
