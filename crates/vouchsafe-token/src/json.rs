//! Strict JSON object parsing for token headers and payloads.
//!
//! serde_json silently keeps the last of duplicate member names. RFC 7515 §4 allows that, but a
//! token whose header says `"alg":"EdDSA"` to one parser and `"alg":"none"` to another is the
//! classic parser-differential attack, so duplicates are rejected at every nesting level.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

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
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

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
                return Err(de::Error::custom(format_args!(
                    "duplicate member name {key:?}"
                )));
            }
            let StrictValue(value) = access.next_value()?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
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
}
