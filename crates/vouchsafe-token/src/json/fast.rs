//! The fast path of [`super::read_object`]: one pass over the bytes that checks a plain subset
//! of JSON by hand and hands each top-level member to the typed reader as a span of text.
//!
//! The subset is what token issuers write: valid UTF-8, member names without escapes, integers of
//! up to 18 digits (with an optional fraction, no exponent), strings whose escapes are not
//! surrogates, at most [`MAX_DEPTH`] levels and [`MAX_NAMES`] open member names. Everything in it
//! is JSON serde_json accepts, read to the same values; anything outside it, and every fault,
//! makes [`read`] answer `None`, and the caller reads the bytes again with serde_json, which then
//! accepts or refuses them with its own message. So this path can only make reading faster,
//! never change what is accepted or what a refusal says
//! (`tests::the_fast_path_agrees_with_serde_json_on_every_mutation`).
//!
//! Why by hand: serde_json's generic reader, monomorphised for every member type, runs at a low
//! rate of instructions per cycle (branchy, a large code footprint that evicts the signature
//! code from the instruction cache), and a grant verification reads one payload of about a
//! kilobyte next to one Ed25519 check (docs/performance.md).

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Error;
use std::sync::OnceLock;

use super::Members;

/// Deepest nesting the fast path reads; serde_json allows 128, so deeper texts are its call.
const MAX_DEPTH: usize = 64;
/// Member names tracked at once (the open objects' together), for the duplicate check.
const MAX_NAMES: usize = 48;
/// Most digits in an integer part or a fraction: well inside `u64` and `f64` range.
const MAX_DIGITS: usize = 18;

/// Reads `bytes` as an object with members `T`, or `None` when the text is outside the subset
/// this path handles or is not valid JSON (the caller then asks serde_json).
pub(super) fn read<'de, T: Members<'de>>(bytes: &'de [u8]) -> Option<T> {
    if !serde_json_visits_plainly() {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let mut scan = Scan {
        text,
        bytes,
        pos: 0,
        names: [(0, ""); MAX_NAMES],
        names_len: 0,
        depth: 1,
    };
    scan.whitespace();
    scan.expect(b'{')?;
    let mut members = T::default();
    scan.whitespace();
    if scan.peek() == Some(b'}') {
        scan.pos += 1;
    } else {
        loop {
            let name = scan.name(0)?;
            scan.whitespace();
            scan.expect(b':')?;
            scan.whitespace();
            let value = scan.value()?;
            // Whether the reader kept it or not, the value has been checked in full already.
            members.read(name, &mut OneValue(Some(value))).ok()?;
            scan.whitespace();
            match scan.next()? {
                b',' => scan.whitespace(),
                b'}' => break,
                _ => return None,
            }
        }
    }
    scan.whitespace();
    (scan.pos == bytes.len()).then_some(members)
}

/// Whether serde_json hands a plain integer to `visit_u64`, as it does unless a crate in the
/// build enabled its `arbitrary_precision` feature (numbers then arrive as maps). The spans
/// below visit as default serde_json does, so with any other behaviour the fast path stays off.
fn serde_json_visits_plainly() -> bool {
    static PLAIN: OnceLock<bool> = OnceLock::new();
    *PLAIN.get_or_init(|| {
        struct Probe;
        impl<'de> Visitor<'de> for Probe {
            type Value = bool;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number")
            }
            fn visit_u64<E>(self, v: u64) -> Result<bool, E> {
                Ok(v == 1)
            }
            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<bool, A::Error> {
                Ok(false)
            }
        }
        let mut de = serde_json::Deserializer::from_str("1");
        de.deserialize_any(Probe).unwrap_or(false)
    })
}

struct Scan<'de> {
    text: &'de str,
    bytes: &'de [u8],
    pos: usize,
    /// Names (with their [`name_tag`]) of the members of every open object, innermost last.
    names: [(u64, &'de str); MAX_NAMES],
    names_len: usize,
    depth: usize,
}

impl<'de> Scan<'de> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.pos += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// JSON whitespace, the four bytes serde_json skips too.
    fn whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// A member name of the object whose names start at `first`: a string without escapes,
    /// not already a name of that object.
    fn name(&mut self, first: usize) -> Option<&'de str> {
        let start = self.pos + 1;
        if self.string()? {
            return None;
        }
        let name = self.text.get(start..self.pos - 1)?;
        let tag = name_tag(name);
        let seen = self.names.get(first..self.names_len)?;
        // Tags first: equal tags are rare, and for names of up to seven bytes they are proof.
        if seen
            .iter()
            .any(|&(other_tag, other)| other_tag == tag && (name.len() < 8 || other == name))
        {
            return None;
        }
        *self.names.get_mut(self.names_len)? = (tag, name);
        self.names_len += 1;
        Some(name)
    }

    /// One value, checked in full; its text and whether it is a string with escapes.
    fn value(&mut self) -> Option<Span<'de>> {
        let start = self.pos;
        let escaped = match self.peek()? {
            b'"' => self.string()?,
            b'{' => self.object().map(|()| false)?,
            b'[' => self.array().map(|()| false)?,
            b't' => self.literal(b"true").map(|()| false)?,
            b'f' => self.literal(b"false").map(|()| false)?,
            b'n' => self.literal(b"null").map(|()| false)?,
            b'-' | b'0'..=b'9' => self.number().map(|()| false)?,
            _ => return None,
        };
        Some(Span {
            text: self.text.get(start..self.pos)?,
            escaped,
        })
    }

    /// A string from its opening quote; says whether it had escapes. Bytes below 0x20 are
    /// refused, as are `\u` escapes of surrogates (serde_json's rules for those are its own).
    fn string(&mut self) -> Option<bool> {
        self.expect(b'"')?;
        let mut escaped = false;
        loop {
            self.skip_plain();
            match self.next()? {
                b'"' => return Some(escaped),
                b'\\' => {
                    escaped = true;
                    match self.next()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            let hex = self.text.get(self.pos..self.pos + 4)?;
                            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                                return None;
                            }
                            let unit = u16::from_str_radix(hex, 16).ok()?;
                            if (0xD800..=0xDFFF).contains(&unit) {
                                return None;
                            }
                            self.pos += 4;
                        }
                        _ => return None,
                    }
                }
                // Only a byte below 0x20 is left: refused inside a string.
                _ => return None,
            }
        }
    }

    /// Moves to the next quote, backslash or control byte (or the end), eight bytes at a time.
    fn skip_plain(&mut self) {
        while let Some(word) = self.bytes.get(self.pos..self.pos + 8) {
            let mut eight = [0; 8];
            eight.copy_from_slice(word);
            let special = special_bytes(u64::from_le_bytes(eight));
            if special != 0 {
                // The lowest flagged byte is exact (a borrow only runs upwards from it).
                self.pos += (special.trailing_zeros() / 8) as usize;
                return;
            }
            self.pos += 8;
        }
        while let Some(&byte) = self.bytes.get(self.pos) {
            if byte == b'"' || byte == b'\\' || byte < 0x20 {
                return;
            }
            self.pos += 1;
        }
    }

    fn object(&mut self) -> Option<()> {
        self.enter()?;
        let first = self.names_len;
        self.expect(b'{')?;
        self.whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                self.name(first)?;
                self.whitespace();
                self.expect(b':')?;
                self.whitespace();
                self.value()?;
                self.whitespace();
                match self.next()? {
                    b',' => self.whitespace(),
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        self.names_len = first;
        self.depth -= 1;
        Some(())
    }

    fn array(&mut self) -> Option<()> {
        self.enter()?;
        self.expect(b'[')?;
        self.whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                self.value()?;
                self.whitespace();
                match self.next()? {
                    b',' => self.whitespace(),
                    b']' => break,
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        Some(())
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let found = self.bytes.get(self.pos..self.pos + word.len())?;
        (found == word).then(|| self.pos += word.len())
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?` with at most [`MAX_DIGITS`] digits on either side of the
    /// point; an exponent or a longer number is left to serde_json (it may be out of range).
    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => self.digits()?,
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !self.peek()?.is_ascii_digit() {
                return None;
            }
            self.digits()?;
        }
        match self.peek() {
            Some(b'e' | b'E') => None,
            _ => Some(()),
        }
    }

    fn digits(&mut self) -> Option<()> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        (self.pos - start <= MAX_DIGITS).then_some(())
    }
}

/// A name's length and first seven bytes in one word: equal names have equal tags, and names
/// of up to seven bytes with equal tags are equal.
fn name_tag(name: &str) -> u64 {
    let mut head = [0; 8];
    for (slot, byte) in head.iter_mut().zip(name.bytes().take(7)) {
        *slot = byte;
    }
    u64::from_le_bytes(head) | ((name.len() as u64) << 56)
}

/// The high bit of every byte of `word` that is a quote, a backslash or below 0x20 (bytes
/// above the lowest such byte may be flagged wrongly; the lowest is always right).
fn special_bytes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |w: u64| w.wrapping_sub(ONES) & !w & HIGH;
    let quote = zero_byte(word ^ (ONES * u64::from(b'"')));
    let backslash = zero_byte(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    quote | backslash | control
}

/// The text of one value of a document [`read`] checked: the value as a `Deserializer`.
#[derive(Clone, Copy)]
struct Span<'de> {
    text: &'de str,
    /// A string with escapes: left to serde_json, which unescapes it.
    escaped: bool,
}

impl<'de> Span<'de> {
    /// serde_json on this value alone, for what the fast visits below do not cover.
    fn serde_json<V>(
        self,
        visit: impl FnOnce(
            &mut serde_json::Deserializer<serde_json::de::StrRead<'de>>,
        ) -> Result<V, Error>,
    ) -> Result<V, Error> {
        let mut de = serde_json::Deserializer::from_str(self.text);
        let value = visit(&mut de)?;
        de.end()?;
        Ok(value)
    }

    /// A plain non-negative integer (no sign, no fraction), which serde_json visits as `u64`.
    fn unsigned(self) -> Option<u64> {
        // At most MAX_DIGITS digits in checked text, so this cannot overflow.
        self.text.bytes().try_fold(0u64, |n, b| {
            b.is_ascii_digit()
                .then(|| n.wrapping_mul(10).wrapping_add(u64::from(b - b'0')))
        })
    }
}

/// Every method but `deserialize_any` (and `option`, for its `null`) goes to serde_json, so a
/// type that asks for something specific gets serde_json's own answer.
macro_rules! to_serde_json {
    ($($method:ident),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                self.serde_json(|de| de.$method(visitor))
            }
        )*
    };
}

impl<'de> Deserializer<'de> for Span<'de> {
    type Error = Error;

    /// As serde_json's `deserialize_any` visits the same text: a string without escapes
    /// borrowed, a plain integer as `u64`, objects and arrays member by member, literals as
    /// themselves; everything else (escaped strings, negative or fractional numbers) by
    /// serde_json itself.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let bytes = self.text.as_bytes();
        match bytes.first() {
            Some(b'"') if !self.escaped => match self.text.get(1..self.text.len() - 1) {
                Some(text) => visitor.visit_borrowed_str(text),
                None => self.serde_json(|de| de.deserialize_any(visitor)),
            },
            Some(b'{') => visitor.visit_map(Items::new(self.text)),
            Some(b'[') => visitor.visit_seq(Items::new(self.text)),
            Some(b't') => visitor.visit_bool(true),
            Some(b'f') => visitor.visit_bool(false),
            Some(b'n') => visitor.visit_unit(),
            Some(b'0'..=b'9') => match self.unsigned() {
                Some(n) => visitor.visit_u64(n),
                None => self.serde_json(|de| de.deserialize_any(visitor)),
            },
            _ => self.serde_json(|de| de.deserialize_any(visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.text == "null" {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    to_serde_json!(
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.serde_json(|de| de.deserialize_unit_struct(name, visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.serde_json(|de| de.deserialize_newtype_struct(name, visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, Error> {
        self.serde_json(|de| de.deserialize_tuple(len, visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.serde_json(|de| de.deserialize_tuple_struct(name, len, visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.serde_json(|de| de.deserialize_struct(name, fields, visitor))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.serde_json(|de| de.deserialize_enum(name, variants, visitor))
    }
}

/// The one value of a top-level member, for [`Members::read`].
struct OneValue<'de>(Option<Span<'de>>);

impl<'de> MapAccess<'de> for OneValue<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, _: K) -> Result<Option<K::Value>, Error> {
        Ok(None)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        match self.0.take() {
            Some(span) => seed.deserialize(span),
            None => Err(serde::de::Error::custom("value read twice")),
        }
    }
}

/// The members of an object, or the items of an array, inside checked text: walked without
/// checking again, since [`read`] checked every byte of it.
struct Items<'de> {
    text: &'de str,
    pos: usize,
}

impl<'de> Items<'de> {
    /// Just inside the opening bracket of `text`.
    fn new(text: &'de str) -> Self {
        Self { text, pos: 1 }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Moves to the next member or item; `false` at the closing bracket.
    fn advance(&mut self) -> bool {
        self.whitespace();
        if self.peek() == Some(b',') {
            self.pos += 1;
            self.whitespace();
        }
        !matches!(self.peek(), Some(b'}' | b']') | None)
    }

    /// The next value's text, its end found by walking strings and brackets.
    fn value(&mut self) -> Option<Span<'de>> {
        let bytes = self.text.as_bytes();
        let start = self.pos;
        let mut escaped = false;
        match *bytes.get(start)? {
            b'"' => escaped = self.skip_string()?,
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match *bytes.get(self.pos)? {
                        b'"' => {
                            self.skip_string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth = depth.checked_sub(1)?;
                            if depth == 0 {
                                self.pos += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
            }
            // A number or a literal ends at the next delimiter.
            _ => {
                while !matches!(
                    bytes.get(self.pos),
                    None | Some(b',' | b'}' | b']' | b' ' | b'\n' | b'\t' | b'\r')
                ) {
                    self.pos += 1;
                }
            }
        }
        Some(Span {
            text: self.text.get(start..self.pos)?,
            escaped,
        })
    }

    /// From an opening quote to just past the closing one; says whether there were escapes.
    fn skip_string(&mut self) -> Option<bool> {
        let bytes = self.text.as_bytes();
        let mut escaped = false;
        self.pos += 1;
        loop {
            match *bytes.get(self.pos)? {
                b'"' => {
                    self.pos += 1;
                    return Some(escaped);
                }
                b'\\' => {
                    escaped = true;
                    self.pos += 2;
                }
                _ => self.pos += 1,
            }
        }
    }
}

impl<'de> MapAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if !self.advance() {
            return Ok(None);
        }
        // Names have no escapes in checked text: from after the quote to the next quote.
        let start = self.pos + 1;
        let bytes = self.text.as_bytes();
        self.pos = start;
        while bytes.get(self.pos).is_some_and(|&b| b != b'"') {
            self.pos += 1;
        }
        let name = self.text.get(start..self.pos).unwrap_or_default();
        self.pos += 1;
        self.whitespace();
        self.pos += 1; // the colon
        self.whitespace();
        seed.deserialize(BorrowedStrDeserializer::new(name))
            .map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        match self.value() {
            Some(span) => seed.deserialize(span),
            None => Err(serde::de::Error::custom("walked past checked text")),
        }
    }
}

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        if !self.advance() {
            return Ok(None);
        }
        match self.value() {
            Some(span) => seed.deserialize(span).map(Some),
            None => Err(serde::de::Error::custom("walked past checked text")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::Kept;
    use super::super::{read_object, read_object_with_serde_json};
    use crate::claims::GrantEnvelope;
    use crate::jws::HeaderFields;

    /// A grant payload as Vouchsafe writes it, with every kind of value a released field can
    /// hold: nested objects and arrays, escapes, non-ASCII text, negative and fractional
    /// numbers, literals.
    const GRANT: &str = concat!(
        r#"{"iss":"urn:ietf:params:oauth:jwk-thumbprint:sha-256:5YLO-fo-rwDlh0eTguMONTMSJHZuErsFsd7jt8Z4ke0","#,
        r#""sub":"urn:ietf:params:oauth:jwk-thumbprint:sha-256:5YLO-fo-rwDlh0eTguMONTMSJHZuErsFsd7jt8Z4ke0","#,
        r#""aud":"https://brand.example","iat":1795492600,"nbf":1795492600,"exp":1798084600,"#,
        r#""jti":"0b8f3c1e-2d4a-4f7e-9c61-5a0d7e3b2f14","#,
        r#""status":{"status_list":{"idx":31337,"uri":"https://consumer.example/status/1"}},"#,
        r#""authorization_details":[{"type":"vouchsafe_profile_release","fields":["email","given_name"],"channels":{"email":true,"sms":false},"offer":null}],"#,
        r#""email":"ada@example.com","given_name":"길동","note":"say \"hi\"\\\n\u00e9\/","#,
        r#""height":-1.75,"zero":0,"neg":-12,"list":[[],{},[1,[2,{"k":"v"}]]] , "t" : true }"#
    );

    const HEADER: &str = r#"{"alg":"EdDSA","typ":"vnd.vouchsafe.grant+jwt","kid":"kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k","jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}"#;

    /// Bytes worth putting anywhere in a JSON text: structure, string and number syntax,
    /// control bytes, invalid and partial UTF-8.
    const INTERESTING: &[u8] = b"\"\\{}[],: 01-.eEatnu/\x01\x1f\xff\xc3\x80";

    /// Every text made from `base` by deleting one byte, or by replacing or preceding one byte
    /// with an interesting byte.
    fn mutations(base: &[u8]) -> Vec<Vec<u8>> {
        let mut out = vec![base.to_vec()];
        for i in 0..=base.len() {
            if i < base.len() {
                let mut deleted = base.to_vec();
                deleted.remove(i);
                out.push(deleted);
            }
            for &byte in INTERESTING {
                if i < base.len() {
                    let mut replaced = base.to_vec();
                    replaced[i] = byte;
                    out.push(replaced);
                }
                let mut inserted = base.to_vec();
                inserted.insert(i, byte);
                out.push(inserted);
            }
        }
        out
    }

    fn agree<'de, T>(text: &'de [u8]) -> bool
    where
        T: super::Members<'de> + PartialEq + std::fmt::Debug,
    {
        let fast = super::read::<T>(text);
        let reference = read_object_with_serde_json::<T>(text);
        if let Some(fast) = &fast {
            assert_eq!(
                Some(fast),
                reference.as_ref().ok(),
                "the fast path read {} differently",
                String::from_utf8_lossy(text)
            );
        }
        // And the public reader always answers as serde_json does, message included.
        assert_eq!(
            format!("{:?}", read_object::<T>(text)),
            format!("{reference:?}"),
            "{}",
            String::from_utf8_lossy(text)
        );
        fast.is_some()
    }

    #[test]
    fn the_fast_path_reads_plain_tokens() {
        assert!(agree::<GrantEnvelope<'_>>(GRANT.as_bytes()));
        assert!(agree::<HeaderFields<'_>>(HEADER.as_bytes()));
        assert!(agree::<Kept<'_>>(
            br#"{"a":"x","d":1,"i":2,"z":{"y":[1,{"k":null}]}}"#
        ));
        assert!(agree::<Kept<'_>>(b" {\t} \r\n"));
    }

    #[test]
    fn the_fast_path_agrees_with_serde_json_on_every_mutation() {
        let mut fast = 0;
        let mut total = 0;
        for base in [GRANT, HEADER] {
            for text in mutations(base.as_bytes()) {
                fast += usize::from(agree::<GrantEnvelope<'_>>(&text));
                agree::<HeaderFields<'_>>(&text);
                agree::<Kept<'_>>(&text);
                total += 1;
            }
        }
        // Most mutations break the text; the fast path must still have taken the valid ones.
        assert!(fast > 1_000, "{fast} of {total} read on the fast path");
    }

    #[test]
    fn texts_outside_the_plain_subset_are_left_to_serde_json() {
        for text in [
            &br#"{"a":1e3}"#[..],
            br#"{"a":1234567890123456789}"#,
            br#"{"a":"\ud83d\ude00"}"#,
            br#"{"\u0061":1}"#,
            br#"{"a":1,"a":2}"#,
            br#"{"a":{"k":1,"k":2}}"#,
            b"{\"a\":\"\x01\"}",
            b"{\"a\":\"\xff\"}",
            br#"[1]"#,
        ] {
            assert!(
                !agree::<Kept<'_>>(text),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(70), "]".repeat(70));
        assert!(!agree::<Kept<'_>>(deep.as_bytes()));
        let shallow = format!("{{\"a\":{}{}}}", "[".repeat(60), "]".repeat(60));
        assert!(agree::<Kept<'_>>(shallow.as_bytes()));
    }
}
