//! The hand-written fast path of the typed JSON reader against serde_json: for any bytes,
//! `read_object` (fast path first) and `read_object_with_serde_json` (the reference) keep the
//! same members with the same values, or fail with the same report. The fast path exists only
//! for speed (docs/performance.md); this is what allows it to exist at all.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::MapAccess;
use vouchsafe_token::json::{Members, read_object, read_object_with_serde_json};

/// Keeps every top-level member (a token's claims are all top-level), in order.
#[derive(Debug, Default, PartialEq)]
struct All(Vec<(String, serde_json::Value)>);

impl<'de> Members<'de> for All {
    fn read<A: MapAccess<'de>>(&mut self, name: &str, access: &mut A) -> Result<bool, A::Error> {
        self.0.push((name.to_string(), access.next_value()?));
        Ok(true)
    }
}

/// Keeps only `iss` as borrowed-or-owned text and `exp` as a number, dropping the rest the way
/// the verifier's readers do (checked by the strict reader, then discarded).
#[derive(Debug, Default, PartialEq)]
struct Some2 {
    iss: Option<String>,
    exp: Option<i64>,
}

impl<'de> Members<'de> for Some2 {
    fn read<A: MapAccess<'de>>(&mut self, name: &str, access: &mut A) -> Result<bool, A::Error> {
        match name {
            "iss" => self.iss = Some(access.next_value()?),
            "exp" => self.exp = Some(access.next_value()?),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

fn same<'de, T: Members<'de> + PartialEq + std::fmt::Debug>(data: &'de [u8]) {
    let fast = read_object::<T>(data).map_err(|e| format!("{e:?}"));
    let reference = read_object_with_serde_json::<T>(data).map_err(|e| format!("{e:?}"));
    assert_eq!(fast, reference, "the fast path disagrees with serde_json");
}

fuzz_target!(|data: &[u8]| {
    same::<All>(data);
    same::<Some2>(data);
});
