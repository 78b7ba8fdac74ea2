//! Strict JSON object parsing for token headers and payloads.
//!
//! serde_json silently keeps the last of duplicate member names. RFC 7515 §4 allows that, but a
//! token whose header says `"alg":"EdDSA"` to one parser and `"alg":"none"` to another is the
//! classic parser-differential attack, so duplicates are rejected at every nesting level.
//!
//! Two ways to read such an object, with the same strictness:
//! * [`parse_object`] builds the whole `serde_json::Map`;
//! * typed readers (such as the verifier's) read the members they know with their own
//!   `Visitor`, pass every other value to [`StrictIgnored`], which checks it without keeping it,
//!   and track names with [`MemberNames`]. That skips the map's allocations, which cost about as
//!   much as every claim check together, and still refuses what [`parse_object`] refuses.
//!
//! [`read_object`] first tries `fast.rs`, a one-pass reader for plain token JSON that leaves
//! everything else, every fault included, to serde_json: the same answers, with less of
//! serde_json's generic code run per token.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

mod fast;

/// Why bytes are not a JSON object.
#[derive(Debug)]
pub enum ObjectError {
    /// Not JSON at all (or a duplicate member name); the detail is serde_json's message.
    NotJson(String),
    /// Valid JSON, but an array, string, number, boolean or null.
    NotObject,
}

/// Parses `bytes` as one JSON object, rejecting duplicate member names and trailing data.
pub fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, ObjectError> {
    match serde_json::from_slice::<StrictValue>(bytes) {
        Ok(StrictValue(Value::Object(map))) => Ok(map),
        Ok(StrictValue(_)) => Err(ObjectError::NotObject),
        Err(err) => Err(ObjectError::NotJson(err.to_string())),
    }
}

/// A `serde_json::Value` that refuses duplicate object members while deserializing.
#[derive(Debug, Clone, PartialEq)]
pub struct StrictValue(pub Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

/// Builds a `serde_json::Value`, refusing duplicate member names at every depth. Public so that
/// a typed reader can keep a member of an unexpected type as a `Value` (for its error message)
/// by handing the visit over to this visitor.
#[derive(Debug, Clone, Copy)]
pub struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        // JSON text cannot express NaN or infinities, so this only guards the type conversion.
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                return Err(duplicate(&key));
            }
            let StrictValue(value) = access.next_value()?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

/// The name of the message refusing a repeated member; shared so both readers say the same.
fn duplicate<E: de::Error>(name: &str) -> E {
    E::custom(format_args!("duplicate member name {name:?}"))
}

/// An object member name, borrowed from the input when it has no escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberName<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for MemberName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = MemberName<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(MemberName(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

/// How many member names [`MemberNames`] keeps inline.
const NAMES_INLINE: usize = 16;

/// Names already seen in one JSON object, to refuse a repeated one without building a map.
///
/// Objects in tokens have a dozen members, for which a linear scan over names kept inline (no
/// allocation, nothing to drop) is cheapest; names past [`Self::LINEAR_MAX`], and names with
/// escapes (which own their text), go to a set, so that a hostile object with many members
/// costs `n log n` comparisons, not `n²`.
#[derive(Debug)]
pub struct MemberNames<'de> {
    // Names borrowed from the input; `few_len` of them are in use.
    few: [&'de str; NAMES_INLINE],
    few_len: usize,
    many: BTreeSet<Cow<'de, str>>,
}

impl Default for MemberNames<'_> {
    fn default() -> Self {
        Self {
            few: [""; NAMES_INLINE],
            few_len: 0,
            many: BTreeSet::new(),
        }
    }
}

impl<'de> MemberNames<'de> {
    /// Members checked by a linear scan before switching to a set.
    pub const LINEAR_MAX: usize = NAMES_INLINE;

    /// An empty set of names.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `name`, or fails with the same message as [`parse_object`] if it was seen.
    /// A name borrowed from the input costs nothing to keep; only names with escapes own
    /// their text.
    pub fn insert<E: de::Error>(&mut self, name: Cow<'de, str>) -> Result<(), E> {
        let seen = self.few.get(..self.few_len).unwrap_or_default();
        if seen.contains(&name.as_ref()) || self.many.contains(name.as_ref()) {
            return Err(duplicate(&name));
        }
        match (name, self.few.get_mut(self.few_len)) {
            (Cow::Borrowed(name), Some(slot)) => {
                *slot = name;
                self.few_len += 1;
            }
            (name, _) => {
                self.many.insert(name);
            }
        }
        Ok(())
    }
}

/// Any JSON value, checked as strictly as [`parse_object`] checks it (valid UTF-8 strings,
/// no repeated member name at any depth, serde_json's nesting limit) and then dropped.
///
/// Unlike `serde::de::IgnoredAny`, which lets serde_json skip strings without validating them,
/// this parses every string and number, so a typed reader accepts exactly the texts
/// [`parse_object`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrictIgnored;

impl<'de> Deserialize<'de> for StrictIgnored {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IgnoreVisitor)
    }
}

/// The visitor of [`StrictIgnored`]; public so that a typed reader can hand it a sequence or
/// an object it does not want to keep.
#[derive(Debug, Clone, Copy)]
pub struct IgnoreVisitor;

impl<'de> Visitor<'de> for IgnoreVisitor {
    type Value = StrictIgnored;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<StrictIgnored, E> {
        Ok(StrictIgnored)
    }

    fn visit_i64<E>(self, _: i64) -> Result<StrictIgnored, E> {
        Ok(StrictIgnored)
    }

    fn visit_u64<E>(self, _: u64) -> Result<StrictIgnored, E> {
        Ok(StrictIgnored)
    }

    fn visit_f64<E>(self, _: f64) -> Result<StrictIgnored, E> {
        Ok(StrictIgnored)
    }

    fn visit_str<E>(self, _: &str) -> Result<StrictIgnored, E> {
        Ok(StrictIgnored)
    }

    fn visit_unit<E>(self) -> Result<StrictIgnored, E> {
        Ok(StrictIgnored)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrictIgnored, A::Error> {
        while seq.next_element::<StrictIgnored>()?.is_some() {}
        Ok(StrictIgnored)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<StrictIgnored, A::Error> {
        let mut names = MemberNames::new();
        while let Some(MemberName(name)) = access.next_key()? {
            names.insert(name)?;
            access.next_value::<StrictIgnored>()?;
        }
        Ok(StrictIgnored)
    }
}

/// A member read with the JSON type its reader expects, or any other value, kept whole so that
/// an error message can show it.
#[derive(Debug, Clone, PartialEq)]
pub enum Read<T> {
    /// The expected type.
    Expected(T),
    /// Any other JSON value.
    Other(Value),
}

/// A string member (`alg`, `iss`, `jti`, …), borrowed from the input when it has no escapes.
pub type Text<'de> = Read<Cow<'de, str>>;

/// A NumericDate member (RFC 7519 §2) as whole seconds, see [`numeric_date`].
pub type NumericDate = Read<i64>;

/// A non-negative integer member, such as a status list index.
pub type Unsigned = Read<u64>;

impl Text<'_> {
    /// The string, if the member is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Read::Expected(text) => Some(text),
            Read::Other(_) => None,
        }
    }

    /// The member as a `Value`, as a map would hold it.
    pub fn to_value(&self) -> Value {
        match self {
            Read::Expected(text) => Value::String(text.as_ref().to_owned()),
            Read::Other(value) => value.clone(),
        }
    }
}

/// A JSON number as whole seconds: integers as they are, integers beyond `i64` saturated,
/// fractions floored (RFC 7519 allows fractional NumericDates; `as` saturates out-of-range
/// floats, and JSON numbers are always finite). `None` for anything but a number.
pub fn numeric_date(value: &Value) -> Option<i64> {
    let number = value.as_number()?;
    if let Some(n) = number.as_i64() {
        return Some(n);
    }
    if number.as_u64().is_some() {
        return Some(i64::MAX);
    }
    number.as_f64().map(|f| f.floor() as i64)
}

/// Implements the listed `visit_*` methods by building the `Value` and returning
/// [`Read::Other`]: the member had an unexpected type and is kept whole.
macro_rules! keep_other {
    ($($kind:ident),* $(,)?) => { $( keep_other!(@ $kind); )* };
    (@ bool) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            StrictVisitor.visit_bool(v).map(Read::Other)
        }
    };
    (@ i64) => {
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            StrictVisitor.visit_i64(v).map(Read::Other)
        }
    };
    (@ f64) => {
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            StrictVisitor.visit_f64(v).map(Read::Other)
        }
    };
    (@ u64) => {
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            StrictVisitor.visit_u64(v).map(Read::Other)
        }
    };
    (@ str) => {
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            StrictVisitor.visit_str(v).map(Read::Other)
        }
    };
    (@ unit) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            StrictVisitor.visit_unit().map(Read::Other)
        }
    };
    (@ seq) => {
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            StrictVisitor.visit_seq(seq).map(Read::Other)
        }
    };
    (@ map) => {
        fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<Self::Value, A::Error> {
            StrictVisitor.visit_map(access).map(Read::Other)
        }
    };
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Read::Expected(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Read::Expected(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Read::Expected(Cow::Owned(v)))
            }

            keep_other!(bool, i64, u64, f64, unit, seq, map);
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DateVisitor;
        impl<'de> Visitor<'de> for DateVisitor {
            type Value = NumericDate;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            // Each number goes through the very `Value` a map would hold, so that the seconds
            // come from one rule, [`numeric_date`], whichever reader read them.
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(seconds(StrictVisitor.visit_i64(v)?))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(seconds(StrictVisitor.visit_u64(v)?))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(seconds(StrictVisitor.visit_f64(v)?))
            }

            keep_other!(bool, str, unit, seq, map);
        }
        fn seconds(value: Value) -> NumericDate {
            match numeric_date(&value) {
                Some(seconds) => Read::Expected(seconds),
                None => Read::Other(value),
            }
        }
        deserializer.deserialize_any(DateVisitor)
    }
}

impl<'de> Deserialize<'de> for Unsigned {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct UnsignedVisitor;
        impl<'de> Visitor<'de> for UnsignedVisitor {
            type Value = Unsigned;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            // serde_json calls `visit_u64` exactly for the numbers `Value::as_u64` accepts.
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Read::Expected(v))
            }

            keep_other!(bool, i64, f64, str, unit, seq, map);
        }
        deserializer.deserialize_any(UnsignedVisitor)
    }
}

/// The members of one JSON object that a typed reader keeps.
pub trait Members<'de>: Default {
    /// Reads the value of member `name` (with `access.next_value()`) if this reader keeps it,
    /// and says whether it did; a member it does not keep is then checked and dropped by
    /// [`StrictIgnored`]. Repeated names never get here: [`Object`] refuses them first.
    fn read<A: MapAccess<'de>>(&mut self, name: &str, access: &mut A) -> Result<bool, A::Error>;
}

/// A JSON value read as an object with members `T`, or `None` for any other JSON value (which
/// is still checked as strictly, then dropped).
#[derive(Debug, Clone, PartialEq)]
pub struct Object<T>(pub Option<T>);

impl<'de, T: Members<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ObjectVisitor(PhantomData))
    }
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Members<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = Object<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut members = T::default();
        let mut names = MemberNames::new();
        while let Some(MemberName(name)) = access.next_key()? {
            names.insert(name.clone())?;
            if !members.read(&name, &mut access)? {
                access.next_value::<StrictIgnored>()?;
            }
        }
        Ok(Object(Some(members)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        IgnoreVisitor.visit_seq(seq).map(|_| Object(None))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Object(None))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Object(None))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Object(None))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Object(None))
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Object(None))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Object(None))
    }
}

/// Reads `bytes` as one JSON object with members `T`, failing exactly where and as
/// [`parse_object`] fails: `NotJson` (with serde_json's message) for text that is not JSON,
/// repeats a member name or has trailing data, `NotObject` for JSON that is not an object.
///
/// Plain texts take a fast path ([`fast`]) that accepts nothing this function would refuse and
/// reads the same members; any other text, every fault included, is read by serde_json.
pub fn read_object<'de, T: Members<'de>>(bytes: &'de [u8]) -> Result<T, ObjectError> {
    match fast::read(bytes) {
        Some(members) => Ok(members),
        None => read_object_with_serde_json(bytes),
    }
}

/// [`read_object`] without the fast path: the reference it must agree with. Public for the
/// differential fuzz target (fuzz/fuzz_targets/json_fast_path.rs); callers want [`read_object`].
pub fn read_object_with_serde_json<'de, T: Members<'de>>(
    bytes: &'de [u8],
) -> Result<T, ObjectError> {
    match serde_json::from_slice::<Object<T>>(bytes) {
        Ok(Object(Some(members))) => Ok(members),
        Ok(Object(None)) => Err(ObjectError::NotObject),
        Err(err) => Err(ObjectError::NotJson(err.to_string())),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn parses_nested_objects_like_serde_json() -> Result<(), Box<dyn std::error::Error>> {
        let text = br#"{"a":1,"b":[true,null,-2,1.5,"s"],"c":{"d":{}}}"#;
        let map = parse_object(text).map_err(|e| format!("{e:?}"))?;
        let expected: Value = serde_json::from_slice(text)?;
        assert_eq!(Value::Object(map), expected);
        Ok(())
    }

    #[test]
    fn rejects_duplicate_members_at_any_depth() {
        for text in [
            &br#"{"alg":"EdDSA","alg":"none"}"#[..],
            br#"{"jwk":{"x":"a","x":"b"}}"#,
            br#"{"l":[{"k":1,"k":1}]}"#,
        ] {
            let result = parse_object(text);
            assert!(
                matches!(&result, Err(ObjectError::NotJson(msg)) if msg.contains("duplicate")),
                "{result:?}"
            );
        }
    }

    #[test]
    fn distinguishes_non_json_from_non_objects() {
        assert!(matches!(parse_object(b"[1]"), Err(ObjectError::NotObject)));
        assert!(matches!(
            parse_object(b"\"x\""),
            Err(ObjectError::NotObject)
        ));
        assert!(matches!(parse_object(b"{"), Err(ObjectError::NotJson(_))));
        assert!(matches!(
            parse_object(b"{} x"),
            Err(ObjectError::NotJson(_))
        ));
        assert!(matches!(parse_object(b""), Err(ObjectError::NotJson(_))));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let wrapped = format!("{{\"a\":{text}}}");
        assert!(matches!(
            parse_object(wrapped.as_bytes()),
            Err(ObjectError::NotJson(_))
        ));
    }

    fn as_value(bytes: &[u8]) -> Result<(), String> {
        serde_json::from_slice::<StrictValue>(bytes)
            .map(drop)
            .map_err(|e| e.to_string())
    }

    fn ignored(bytes: &[u8]) -> Result<(), String> {
        serde_json::from_slice::<StrictIgnored>(bytes)
            .map(drop)
            .map_err(|e| e.to_string())
    }

    fn members(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("\"m{i}\":{i}")).collect()
    }

    /// The typed readers rely on this: whatever `parse_object` refuses, ignoring refuses too,
    /// with the very same message and position.
    #[test]
    fn ignoring_is_exactly_as_strict_as_building_a_value() {
        let many = members(40).join(",");
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let texts: Vec<Vec<u8>> = vec![
            br#"{"a":1,"b":[true,null,-2,1.5,"s"],"c":{"d":{}}}"#.to_vec(),
            br#"{"alg":"EdDSA","alg":"none"}"#.to_vec(),
            br#"{"a":1,"\u0061":2}"#.to_vec(),
            br#"{"jwk":{"x":"a","x":"b"}}"#.to_vec(),
            br#"{"l":[{"k":1,"k":1}]}"#.to_vec(),
            b"{\"a\":\"\xff\"}".to_vec(),
            b"{\"\xc3\":1}".to_vec(),
            br#"{"a":"\ud800"}"#.to_vec(),
            br#"{"a":"\q"}"#.to_vec(),
            b"{\"a\":\"\x01\"}".to_vec(),
            br#"{"a":1e999}"#.to_vec(),
            br#"{"a":-0,"b":18446744073709551616,"c":-9223372036854775809}"#.to_vec(),
            br#"{"a":01}"#.to_vec(),
            br#"{} x"#.to_vec(),
            br#"{"a":1,}"#.to_vec(),
            b"".to_vec(),
            b"[1,{\"k\":1,\"k\":2}]".to_vec(),
            format!("{{{many}}}").into_bytes(),
            format!("{{{many},\"m39\":0}}").into_bytes(),
            format!("{{{many},\"m0\":0}}").into_bytes(),
            format!("{{\"a\":{deep}}}").into_bytes(),
        ];
        for text in &texts {
            assert_eq!(
                ignored(text),
                as_value(text),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
        assert!(ignored(&texts[0]).is_ok());
        assert!(ignored(&texts[1]).is_err_and(|e| e.contains("duplicate")));
        assert!(ignored(&texts[2]).is_err_and(|e| e.contains("duplicate")));
    }

    #[test]
    fn member_names_refuse_repeats_before_and_after_switching_to_a_set() {
        for n in [1, MemberNames::LINEAR_MAX, MemberNames::LINEAR_MAX + 1, 100] {
            for repeat in [0, n / 2, n - 1] {
                let mut names = MemberNames::new();
                for i in 0..n {
                    let name: Cow<'_, str> = Cow::Owned(format!("m{i}"));
                    assert!(names.insert::<serde_json::Error>(name).is_ok(), "{n} {i}");
                }
                let again: Cow<'_, str> = Cow::Owned(format!("m{repeat}"));
                assert!(
                    names.insert::<serde_json::Error>(again).is_err(),
                    "{n} members, repeat of {repeat}"
                );
                let fresh: Cow<'_, str> = Cow::Borrowed("fresh");
                assert!(names.insert::<serde_json::Error>(fresh).is_ok());
            }
        }
    }

    /// A typed reader of three members, also used by the fast path's tests (`fast.rs`).
    #[derive(Debug, Default, PartialEq)]
    pub(super) struct Kept<'de> {
        a: Option<Text<'de>>,
        d: Option<NumericDate>,
        i: Option<Unsigned>,
    }

    impl<'de> Members<'de> for Kept<'de> {
        fn read<A: MapAccess<'de>>(
            &mut self,
            name: &str,
            access: &mut A,
        ) -> Result<bool, A::Error> {
            match name {
                "a" => self.a = Some(access.next_value()?),
                "d" => self.d = Some(access.next_value()?),
                "i" => self.i = Some(access.next_value()?),
                _ => return Ok(false),
            }
            Ok(true)
        }
    }

    /// A typed reader fails exactly where `parse_object` fails, with the same report, also
    /// when the fault is inside a member it keeps.
    #[test]
    fn typed_reading_fails_exactly_like_the_map_reader() {
        for text in [
            &br#"{"a":"x","d":1,"i":2,"z":{"y":[1,{"k":null}]}}"#[..],
            br#"{"a":"x","a":"y"}"#,
            br#"{"a":1,"\u0061":2}"#,
            br#"{"z":{"k":1,"k":2}}"#,
            br#"{"a":{"k":1,"k":2}}"#,
            br#"{"d":[{"k":1,"k":2}]}"#,
            b"{\"z\":\"\xff\"}",
            b"{\"a\":\"\xff\"}",
            br#"[1,{"k":1}]"#,
            br#"[{"k":1,"k":1}]"#,
            br#""text""#,
            br#"{} x"#,
            br#"{"a":"\ud800"}"#,
            br#"{"i":1e999}"#,
            b"",
        ] {
            let typed = read_object::<Kept<'_>>(text).map(drop);
            let map = parse_object(text).map(drop);
            assert_eq!(
                format!("{typed:?}"),
                format!("{map:?}"),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn members_keep_the_expected_type_or_the_whole_value() -> Result<(), ObjectError> {
        let kept: Kept<'_> = read_object(br#"{"a":"x\"y","d":10.9,"i":3}"#)?;
        assert_eq!(kept.a, Some(Read::Expected(Cow::Owned("x\"y".to_owned()))));
        assert_eq!(kept.d, Some(Read::Expected(10)));
        assert_eq!(kept.i, Some(Read::Expected(3)));
        let kept: Kept<'_> = read_object(br#"{"a":["x",{"k":1}],"d":"10","i":-1}"#)?;
        assert_eq!(
            kept.a,
            Some(Read::Other(serde_json::json!(["x", {"k": 1}])))
        );
        assert_eq!(kept.d, Some(Read::Other(Value::from("10"))));
        assert_eq!(kept.i, Some(Read::Other(Value::from(-1))));
        let kept: Kept<'_> = read_object(br#"{"d":18446744073709551615,"i":1.0,"a":null}"#)?;
        assert_eq!(kept.d, Some(Read::Expected(i64::MAX)));
        assert_eq!(kept.i, Some(Read::Other(Value::from(1.0))));
        assert_eq!(kept.a, Some(Read::Other(Value::Null)));
        let kept: Kept<'_> = read_object(br#"{"d":-1.5,"z":[]}"#)?;
        assert_eq!(
            (kept.a, kept.d, kept.i),
            (None, Some(Read::Expected(-2)), None)
        );
        Ok(())
    }
}
