//! Compact JWS (RFC 7515) with Ed25519 (RFC 8037): building, splitting and signature checks.
//!
//! Only what Vouchsafe needs: one signature, the compact serialization, a JSON payload and the
//! Ed25519 algorithm. Policy (which `typ`, which key, which claims) lives in `vouchsafe-verify`;
//! this module only guarantees that the bytes are what the header and signature say.

use std::fmt;
use std::sync::Arc;

use ed25519_dalek::{SIGNATURE_LENGTH, Signature, Signer as _, SigningKey, VerifyingKey};
use serde::de::MapAccess;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::b64;
use crate::json::{self, Members, Object, ObjectError, StrictValue, Text};
use crate::jwk::PublicJwk;

/// The RFC 8037 algorithm name Vouchsafe issues.
pub const ALG_EDDSA: &str = "EdDSA";
/// The fully-specified RFC 9864 name for the same algorithm, accepted on verification.
pub const ALG_ED25519: &str = "Ed25519";

/// Whether `alg` names Ed25519 signatures (`EdDSA` or `Ed25519`). Exact, case-sensitive match:
/// JOSE algorithm names are case-sensitive and anything looser invites confusion attacks.
pub fn is_ed25519_alg(alg: &str) -> bool {
    alg == ALG_EDDSA || alg == ALG_ED25519
}

/// A protected header as this crate produces it. Members serialize in declaration order and
/// absent options are omitted, so `{"alg":"EdDSA"}` is representable exactly (RFC 8037 A.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Signature algorithm; must satisfy [`is_ed25519_alg`] to be signed by this crate.
    pub alg: String,
    /// Explicit token type (RFC 8725 §3.11), e.g. [`crate::GRANT_TYP`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    /// Key identifier; Vouchsafe sets it to the RFC 7638 thumbprint of `jwk`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// The signer's public key, which makes the token self-certifying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwk: Option<PublicJwk>,
}

/// The header Vouchsafe puts on every token it signs:
/// `{"alg":"EdDSA","typ":typ,"kid":<thumbprint>,"jwk":{…}}`.
pub fn header_for(typ: &str, jwk: &PublicJwk) -> Header {
    Header {
        alg: ALG_EDDSA.to_owned(),
        typ: Some(typ.to_owned()),
        kid: Some(jwk.thumbprint()),
        jwk: Some(jwk.clone()),
    }
}

/// Which of the three compact-serialization parts an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The protected header.
    Header,
    /// The payload (claims set).
    Payload,
    /// The signature.
    Signature,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Header => "header",
            Part::Payload => "payload",
            Part::Signature => "signature",
        })
    }
}

/// Errors from building, splitting or checking a compact JWS.
#[derive(Debug, thiserror::Error)]
pub enum JwsError {
    /// The token does not have exactly three dot-separated parts.
    #[error("expected 3 dot-separated parts (header.payload.signature), found {0}")]
    PartCount(usize),
    /// A part is not canonical base64url without padding.
    #[error("{0} is not base64url without padding")]
    Base64(Part),
    /// A part is not JSON (or repeats a member name).
    #[error("{part} is not valid JSON: {detail}")]
    NotJson {
        /// The offending part.
        part: Part,
        /// The parser's message.
        detail: String,
    },
    /// A part is JSON but not an object.
    #[error("{0} is not a JSON object")]
    NotObject(Part),
    /// The signature is not 64 bytes long.
    #[error("signature is {0} bytes; Ed25519 signatures are 64")]
    SignatureLength(usize),
    /// The signature does not verify under the key (strict RFC 8032 verification).
    #[error("Ed25519 signature does not verify with the key")]
    BadSignature,
    /// Signing was asked for an `alg` an Ed25519 key cannot produce.
    #[error("alg {0:?} cannot be produced with an Ed25519 key")]
    UnsupportedAlgorithm(String),
    /// Signing was asked with a header `jwk` that is not the signing key's public key.
    #[error("header jwk is not the public key of the signing key")]
    KeyMismatch,
    /// Claims did not serialize to a JSON object, which a JWT claims set must be.
    #[error("claims must serialize to a JSON object")]
    ClaimsNotObject,
    /// Header or claims could not be serialized.
    #[error("could not serialize: {0}")]
    Serialize(#[from] serde_json::Error),
}

/// Signs `claims` (serialized as a JSON object) under `header` and returns the compact JWS.
pub fn sign_compact<C: Serialize + ?Sized>(
    header: &Header,
    claims: &C,
    key: &SigningKey,
) -> Result<String, JwsError> {
    let payload = serde_json::to_vec(claims)?;
    if payload.first() != Some(&b'{') {
        return Err(JwsError::ClaimsNotObject);
    }
    sign_compact_payload(header, &payload, key)
}

/// Signs arbitrary payload bytes under `header` and returns the compact JWS.
///
/// Refuses a header whose `alg` is not Ed25519 or whose `jwk` is not `key`'s public key: either
/// would produce a token no verifier accepts, and such bugs are cheaper to catch at signing.
pub fn sign_compact_payload(
    header: &Header,
    payload: &[u8],
    key: &SigningKey,
) -> Result<String, JwsError> {
    if !is_ed25519_alg(&header.alg) {
        return Err(JwsError::UnsupportedAlgorithm(header.alg.clone()));
    }
    if let Some(jwk) = &header.jwk
        && *jwk != PublicJwk::from_verifying_key(&key.verifying_key())
    {
        return Err(JwsError::KeyMismatch);
    }
    let mut token = b64::encode(serde_json::to_vec(header)?);
    token.push('.');
    token.push_str(&b64::encode(payload));
    let signature = key.sign(token.as_bytes());
    token.push('.');
    token.push_str(&b64::encode(signature.to_bytes()));
    Ok(token)
}

/// A protected header known in advance, as this crate encodes it ([`sign_compact_payload`]).
/// A signer puts the same header on every token, so a verifier that pinned the signer can
/// recognise that header by its encoded text ([`SplitJws::split_known`]) and skip decoding,
/// reading and checking it again; it must have checked this header once itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownHeader {
    encoded: String,
    /// Shared with every token split against it, rather than copied into each.
    decoded: Arc<[u8]>,
}

impl KnownHeader {
    /// `header` as a token carries it; `None` only if it cannot be serialized.
    pub fn new(header: &Header) -> Option<Self> {
        let decoded = serde_json::to_vec(header).ok()?;
        Some(Self {
            encoded: b64::encode(&decoded),
            decoded: decoded.into(),
        })
    }

    /// The header's JSON bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.decoded
    }
}

/// A compact JWS split into its three parts, each base64url-decoded, and nothing else: no part
/// is parsed as JSON. For readers that parse the header and the claims their own way (the
/// verifier reads only the members it checks); [`CompactJws`] adds the header as a JSON object.
#[derive(Debug, Clone)]
pub struct SplitJws<'a> {
    header: HeaderBytes,
    payload: Vec<u8>,
    signing_input: &'a str,
    signature: SignatureBytes,
}

/// The decoded bytes of a protected header: decoded from the token, or, for a header equal
/// to a [`KnownHeader`], shared with it (no copy per token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderBytes {
    /// Decoded from the token.
    Decoded(Vec<u8>),
    /// The bytes of the known header the token's header segment equals.
    Known(Arc<[u8]>),
}

impl std::ops::Deref for HeaderBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            HeaderBytes::Decoded(bytes) => bytes,
            HeaderBytes::Known(bytes) => bytes,
        }
    }
}

/// A decoded signature: an Ed25519-sized one without allocating, any other length as it came.
#[derive(Debug, Clone)]
enum SignatureBytes {
    Ed25519([u8; SIGNATURE_LENGTH]),
    Other(Vec<u8>),
}

impl SignatureBytes {
    fn decode(text: &str) -> Option<Self> {
        match b64::decode_array(text) {
            Some(bytes) => Some(SignatureBytes::Ed25519(bytes)),
            None => b64::decode(text).map(SignatureBytes::Other),
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            SignatureBytes::Ed25519(bytes) => bytes,
            SignatureBytes::Other(bytes) => bytes,
        }
    }
}

impl<'a> SplitJws<'a> {
    /// Splits `token` into its three parts and decodes them, reporting the first fault in this
    /// order: the number of parts, then the base64url of the header, payload and signature.
    pub fn split(token: &'a str) -> Result<Self, JwsError> {
        Self::split_known(token, None).map(|(split, _)| split)
    }

    /// As [`Self::split`], except that a header segment equal to `known`'s encoding is not
    /// decoded again; says whether it was. Faults are reported in the same order.
    pub fn split_known(
        token: &'a str,
        known: Option<&KnownHeader>,
    ) -> Result<(Self, bool), JwsError> {
        let count = token.split('.').count();
        let parts = token
            .rsplit_once('.')
            .and_then(|(input, sig)| Some((input, input.split_once('.')?, sig)));
        let (signing_input, (header, payload), signature) = match parts {
            Some(parts) if count == 3 => parts,
            _ => return Err(JwsError::PartCount(count)),
        };
        let (header, is_known) = match known {
            Some(known) if known.encoded == header => {
                (HeaderBytes::Known(Arc::clone(&known.decoded)), true)
            }
            _ => (
                HeaderBytes::Decoded(b64::decode(header).ok_or(JwsError::Base64(Part::Header))?),
                false,
            ),
        };
        let split = Self {
            header,
            payload: b64::decode(payload).ok_or(JwsError::Base64(Part::Payload))?,
            signing_input,
            signature: SignatureBytes::decode(signature)
                .ok_or(JwsError::Base64(Part::Signature))?,
        };
        Ok((split, is_known))
    }

    /// The decoded protected header bytes, not yet known to be JSON.
    pub fn header_bytes(&self) -> &[u8] {
        &self.header
    }

    /// The header parsed as a JSON object without duplicate members.
    pub fn header_object(&self) -> Result<Map<String, Value>, JwsError> {
        object(&self.header, Part::Header)
    }

    /// The header read as a JSON object with members `T` (such as [`HeaderFields`]), as
    /// strictly as [`Self::header_object`] and failing the same way, without building a map.
    pub fn read_header<'s, T: Members<'s>>(&'s self) -> Result<T, JwsError> {
        json::read_object(&self.header).map_err(|err| object_error(err, Part::Header))
    }

    /// The decoded payload bytes.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The payload parsed as a JWT claims set (a JSON object without duplicate members).
    pub fn claims(&self) -> Result<Map<String, Value>, JwsError> {
        object(&self.payload, Part::Payload)
    }

    /// The payload read as a JSON object with members `T` (such as
    /// [`crate::claims::GrantEnvelope`]), as strictly as [`Self::claims`] and failing the same
    /// way, without building a map.
    pub fn read_claims<'s, T: Members<'s>>(&'s self) -> Result<T, JwsError> {
        json::read_object(&self.payload).map_err(|err| object_error(err, Part::Payload))
    }

    /// The decoded signature bytes (64 for a well-formed Ed25519 signature).
    pub fn signature(&self) -> &[u8] {
        self.signature.as_slice()
    }

    /// The ASCII bytes the signature covers: `base64url(header) "." base64url(payload)`.
    pub fn signing_input(&self) -> &'a str {
        self.signing_input
    }

    /// Checks the signature with Ed25519 `verify_strict`, which also rejects non-canonical and
    /// small-order encodings so that no second valid signature can be derived from a first.
    pub fn verify_signature(&self, key: &VerifyingKey) -> Result<(), JwsError> {
        let signature = self.signature.as_slice();
        let bytes: &[u8; SIGNATURE_LENGTH] = signature
            .try_into()
            .map_err(|_| JwsError::SignatureLength(signature.len()))?;
        key.verify_strict(self.signing_input.as_bytes(), &Signature::from_bytes(bytes))
            .map_err(|_| JwsError::BadSignature)
    }

    /// The decoded header and payload bytes, for keeping after the signature checked.
    pub fn into_header_and_payload(self) -> (HeaderBytes, Vec<u8>) {
        (self.header, self.payload)
    }
}

/// The protected header members a verifier checks, read without building a map
/// ([`SplitJws::read_header`]). Each is `None` when absent; a member of an unexpected JSON type
/// is kept whole ([`json::Read::Other`]) so that a refusal can show it. Other members are
/// checked as JSON and dropped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeaderFields<'a> {
    /// `alg`.
    pub alg: Option<Text<'a>>,
    /// `typ`.
    pub typ: Option<Text<'a>>,
    /// `crit`, whatever its value (a verifier that understands no extension refuses any).
    pub crit: Option<Value>,
    /// `jwk`: its members if it is an object.
    pub jwk: Option<Object<JwkFields<'a>>>,
    /// `kid`.
    pub kid: Option<Text<'a>>,
}

impl<'de> Members<'de> for HeaderFields<'de> {
    fn read<A: MapAccess<'de>>(&mut self, name: &str, access: &mut A) -> Result<bool, A::Error> {
        match name {
            "alg" => self.alg = Some(access.next_value()?),
            "typ" => self.typ = Some(access.next_value()?),
            "crit" => self.crit = Some(access.next_value::<StrictValue>()?.0),
            "jwk" => self.jwk = Some(access.next_value()?),
            "kid" => self.kid = Some(access.next_value()?),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The members of a header `jwk` that [`PublicJwk::from_json`] looks at, read without building
/// a map: `kty`, `crv`, `x`, and whether a private `d` is present.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JwkFields<'a> {
    /// `kty`.
    pub kty: Option<Text<'a>>,
    /// `crv`.
    pub crv: Option<Text<'a>>,
    /// `x`.
    pub x: Option<Text<'a>>,
    /// Whether a `d` member is present, whatever its value.
    pub has_d: bool,
}

impl<'de> Members<'de> for JwkFields<'de> {
    fn read<A: MapAccess<'de>>(&mut self, name: &str, access: &mut A) -> Result<bool, A::Error> {
        match name {
            "kty" => self.kty = Some(access.next_value()?),
            "crv" => self.crv = Some(access.next_value()?),
            "x" => self.x = Some(access.next_value()?),
            "d" => {
                self.has_d = true;
                return Ok(false);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A compact JWS split and decoded, not yet trusted.
///
/// The header is already known to be a JSON object; the payload is kept as bytes so that
/// non-JSON payloads (such as the RFC 8037 example) can still be checked, and [`Self::claims`]
/// parses it as a JWT claims set.
#[derive(Debug, Clone)]
pub struct CompactJws<'a> {
    split: SplitJws<'a>,
    header: Map<String, Value>,
}

impl<'a> CompactJws<'a> {
    /// Splits `token` into its three parts and decodes them. Fails on the wrong number of parts,
    /// non-base64url text, or a header that is not a JSON object.
    pub fn parse(token: &'a str) -> Result<Self, JwsError> {
        let split = SplitJws::split(token)?;
        let header = split.header_object()?;
        Ok(Self { split, header })
    }

    /// The decoded protected header.
    pub fn header(&self) -> &Map<String, Value> {
        &self.header
    }

    /// The decoded payload bytes.
    pub fn payload(&self) -> &[u8] {
        self.split.payload()
    }

    /// The payload parsed as a JWT claims set (a JSON object without duplicate members).
    pub fn claims(&self) -> Result<Map<String, Value>, JwsError> {
        self.split.claims()
    }

    /// The decoded signature bytes (64 for a well-formed Ed25519 signature), for callers that
    /// check many signatures at once; [`Self::verify_signature`] is the one-token check.
    pub fn signature(&self) -> &[u8] {
        self.split.signature()
    }

    /// The ASCII bytes the signature covers: `base64url(header) "." base64url(payload)`.
    pub fn signing_input(&self) -> &'a str {
        self.split.signing_input()
    }

    /// Checks the signature with Ed25519 `verify_strict`, which also rejects non-canonical and
    /// small-order encodings so that no second valid signature can be derived from a first.
    pub fn verify_signature(&self, key: &VerifyingKey) -> Result<(), JwsError> {
        self.split.verify_signature(key)
    }
}

fn object(bytes: &[u8], part: Part) -> Result<Map<String, Value>, JwsError> {
    json::parse_object(bytes).map_err(|err| object_error(err, part))
}

fn object_error(err: ObjectError, part: Part) -> JwsError {
    match err {
        ObjectError::NotJson(detail) => JwsError::NotJson { part, detail },
        ObjectError::NotObject => JwsError::NotObject(part),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// RFC 8037 Appendix A.1 key and A.4 signed JWS.
    const RFC8037_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const RFC8037_JWS: &str = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn rfc8037_key() -> Result<SigningKey, Box<dyn std::error::Error>> {
        let d: [u8; 32] = b64::decode(RFC8037_D)
            .ok_or("bad d")?
            .try_into()
            .map_err(|_| "d length")?;
        Ok(SigningKey::from_bytes(&d))
    }

    fn bare_header() -> Header {
        Header {
            alg: ALG_EDDSA.into(),
            typ: None,
            kid: None,
            jwk: None,
        }
    }

    #[test]
    fn rfc8037_a4_signing_is_reproduced_exactly() -> TestResult {
        let token = sign_compact_payload(
            &bare_header(),
            b"Example of Ed25519 signing",
            &rfc8037_key()?,
        )?;
        assert_eq!(token, RFC8037_JWS);
        Ok(())
    }

    #[test]
    fn rfc8037_a5_verification() -> TestResult {
        let key = rfc8037_key()?.verifying_key();
        let jws = CompactJws::parse(RFC8037_JWS)?;
        assert_eq!(Value::Object(jws.header().clone()), json!({"alg": "EdDSA"}));
        assert_eq!(jws.payload(), b"Example of Ed25519 signing");
        jws.verify_signature(&key)?;
        // The payload is text, not a claims set.
        assert!(matches!(
            jws.claims(),
            Err(JwsError::NotJson {
                part: Part::Payload,
                ..
            })
        ));
        Ok(())
    }

    #[test]
    fn every_single_bit_flip_of_the_signature_is_rejected() -> TestResult {
        let key = rfc8037_key()?.verifying_key();
        let (input, sig) = RFC8037_JWS.rsplit_once('.').ok_or("no dot")?;
        let sig = b64::decode(sig).ok_or("sig")?;
        for bit in 0..sig.len() * 8 {
            let mut flipped = sig.clone();
            if let Some(byte) = flipped.get_mut(bit / 8) {
                *byte ^= 1 << (bit % 8);
            }
            let token = format!("{input}.{}", b64::encode(&flipped));
            let jws = CompactJws::parse(&token)?;
            assert!(
                matches!(jws.verify_signature(&key), Err(JwsError::BadSignature)),
                "bit {bit}"
            );
        }
        Ok(())
    }

    #[test]
    fn header_for_produces_the_vouchsafe_shape() -> TestResult {
        let key = rfc8037_key()?;
        let jwk = PublicJwk::from_verifying_key(&key.verifying_key());
        let header = serde_json::to_string(&header_for("x+jwt", &jwk))?;
        assert_eq!(
            header,
            r#"{"alg":"EdDSA","typ":"x+jwt","kid":"kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k","jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}"#
        );
        Ok(())
    }

    #[test]
    fn sign_compact_round_trips_claims() -> TestResult {
        let key = rfc8037_key()?;
        let jwk = PublicJwk::from_verifying_key(&key.verifying_key());
        let claims = json!({"sub": "s", "n": 1});
        let token = sign_compact(&header_for("x+jwt", &jwk), &claims, &key)?;
        let jws = CompactJws::parse(&token)?;
        jws.verify_signature(&key.verifying_key())?;
        assert_eq!(Value::Object(jws.claims()?), claims);
        assert_eq!(jws.header().get("typ"), Some(&json!("x+jwt")));
        Ok(())
    }

    #[test]
    fn signing_refuses_headers_it_cannot_honour() -> TestResult {
        let key = rfc8037_key()?;
        let other = SigningKey::from_bytes(&[9; 32]);
        let hs = Header {
            alg: "HS256".into(),
            ..bare_header()
        };
        assert!(matches!(
            sign_compact(&hs, &json!({}), &key),
            Err(JwsError::UnsupportedAlgorithm(alg)) if alg == "HS256"
        ));
        let wrong_jwk = header_for("t", &PublicJwk::from_verifying_key(&other.verifying_key()));
        assert!(matches!(
            sign_compact(&wrong_jwk, &json!({}), &key),
            Err(JwsError::KeyMismatch)
        ));
        assert!(matches!(
            sign_compact(&bare_header(), &json!([1]), &key),
            Err(JwsError::ClaimsNotObject)
        ));
        Ok(())
    }

    #[test]
    fn parse_reports_each_structural_fault() {
        let h = b64::encode(br#"{"alg":"EdDSA"}"#);
        let p = b64::encode(br#"{"a":1}"#);
        type Check = fn(&JwsError) -> bool;
        let cases: [(String, Check); 8] = [
            (format!("{h}.{p}"), |e| matches!(e, JwsError::PartCount(2))),
            (format!("{h}.{p}.AA.AA"), |e| {
                matches!(e, JwsError::PartCount(4))
            }),
            (String::new(), |e| matches!(e, JwsError::PartCount(1))),
            (format!("{h}!.{p}.AA"), |e| {
                matches!(e, JwsError::Base64(Part::Header))
            }),
            (format!("{h}.{p}=.AA"), |e| {
                matches!(e, JwsError::Base64(Part::Payload))
            }),
            (format!("{h}.{p}.A"), |e| {
                matches!(e, JwsError::Base64(Part::Signature))
            }),
            (format!("{}.{p}.AA", b64::encode("{\"alg\"")), |e| {
                matches!(
                    e,
                    JwsError::NotJson {
                        part: Part::Header,
                        ..
                    }
                )
            }),
            (format!("{}.{p}.AA", b64::encode("[]")), |e| {
                matches!(e, JwsError::NotObject(Part::Header))
            }),
        ];
        for (token, check) in cases {
            let result = CompactJws::parse(&token);
            assert!(
                result.as_ref().err().is_some_and(check),
                "{token}: {result:?}"
            );
        }
    }

    #[test]
    fn wrong_signature_length_is_reported() -> TestResult {
        let key = rfc8037_key()?.verifying_key();
        let (input, _) = RFC8037_JWS.rsplit_once('.').ok_or("no dot")?;
        let token = format!("{input}.{}", b64::encode([0u8; 63]));
        assert!(matches!(
            CompactJws::parse(&token)?.verify_signature(&key),
            Err(JwsError::SignatureLength(63))
        ));
        Ok(())
    }
}
