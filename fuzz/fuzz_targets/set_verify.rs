//! Security Event Tokens (RFC 8417, docs/protocol.md §4) as the inbox receives them: arbitrary
//! bytes through `verify_set` and, for a SET that verifies, its typed event. Never a panic;
//! every refusal has one of the four RFC 8935 codes; a SET whose whole claims set reads as the
//! typed `SetClaims` has a readable event of the same type.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouchsafe_verify::IssuerPolicy;
use vouchsafe_verify::event::{SetOptions, verify_set};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let opts = SetOptions {
        audience: "https://shop.example".to_owned(),
        issuer: IssuerPolicy::AnyConsumer,
    };
    match verify_set(text.trim(), &opts) {
        Ok(set) => {
            let event = set.event();
            if let Ok(claims) = set.typed_claims() {
                let event = event.expect("typed claims read, so the event reads");
                assert_eq!(event, claims.events);
                assert_eq!(event.type_uri(), set.event_type());
                assert_eq!(claims.sub_id.id, set.grant_jti());
            }
        }
        Err(err) => {
            let _ = err.code().as_str();
            let _ = err.to_string();
        }
    }
});
