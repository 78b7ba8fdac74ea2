//! The strict JSON object reader: never panics (deep nesting included), and whatever it accepts
//! serde_json reads as the same object, duplicate member names excepted (which it refuses).
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouchsafe_token::json::parse_object;

fuzz_target!(|data: &[u8]| {
    if let Ok(map) = parse_object(data) {
        let plain: serde_json::Value = match serde_json::from_slice(data) {
            Ok(value) => value,
            Err(err) => panic!("strict reader accepted what serde_json refuses: {err}"),
        };
        assert_eq!(serde_json::Value::Object(map), plain);
    }
});
