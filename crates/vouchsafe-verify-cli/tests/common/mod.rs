//! Shared fixtures: deterministic keys, a typical grant, and a raw token forger for headers the
//! library refuses to sign.

use ed25519_dalek::Signer as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use vouchsafe_verify::jws::{header_for, sign_compact};
use vouchsafe_verify::{
    AUTHORIZATION_DETAILS_TYPE, GRANT_TYP, IssuerPolicy, PublicJwk, SigningKey, StatusList,
    StatusPolicy, VerifyOptions, status_list_token,
};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;
pub type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

/// Verification time used throughout.
pub const NOW: i64 = 1_750_000_000;
/// Lifetime of the fixture grant.
pub const LIFETIME: i64 = 3600;
/// The brand the fixture grant is for.
pub const BRAND: &str = "https://brand.example";
/// Where the fixture status list lives.
pub const STATUS_URI: &str = "https://vault.example/status/brand-example";
/// The fixture grant's status list index.
pub const IDX: usize = 42;

/// A fixed test key derived from a label, so failures are reproducible.
pub fn key(label: &str) -> SigningKey {
    let seed: [u8; 32] = Sha256::digest(label.as_bytes()).into();
    SigningKey::from_bytes(&seed)
}

pub fn jwk(key: &SigningKey) -> PublicJwk {
    PublicJwk::from_verifying_key(&key.verifying_key())
}

pub fn urn(key: &SigningKey) -> String {
    jwk(key).thumbprint_urn()
}

/// A typical grant: registered claims, a status reference and a few released fields.
pub fn claims(key: &SigningKey) -> Value {
    let iss = urn(key);
    json!({
        "iss": iss,
        "sub": iss,
        "aud": BRAND,
        "iat": NOW - 10,
        "nbf": NOW - 10,
        "exp": NOW + LIFETIME,
        "jti": "grant-0001",
        "status": {"status_list": {"idx": IDX, "uri": STATUS_URI}},
        "authorization_details": [{
            "type": AUTHORIZATION_DETAILS_TYPE,
            "fields": ["email", "given_name", "postal_code"],
        }],
        "email": "ada@example.com",
        "given_name": "Ada",
        "postal_code": "10115",
    })
}

/// The header the library puts on grants, as JSON.
pub fn grant_header(key: &SigningKey) -> Fallible<Value> {
    Ok(serde_json::to_value(header_for(GRANT_TYP, &jwk(key)))?)
}

/// Signs claims as a grant through the public API.
pub fn sign(key: &SigningKey, claims: &Value) -> Fallible<String> {
    Ok(sign_compact(
        &header_for(GRANT_TYP, &jwk(key)),
        claims,
        key,
    )?)
}

/// A valid grant for `key`.
pub fn grant(key: &SigningKey) -> Fallible<String> {
    sign(key, &claims(key))
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(text: &str) -> Fallible<Vec<u8>> {
    use base64::Engine as _;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text)?)
}

/// Ed25519-signs any header and claims, bypassing the library's signing checks.
pub fn forge(header: &Value, claims: &Value, key: &SigningKey) -> Fallible<String> {
    let input = format!(
        "{}.{}",
        b64(serde_json::to_vec(header)?),
        b64(serde_json::to_vec(claims)?)
    );
    let signature = key.sign(input.as_bytes());
    Ok(format!("{input}.{}", b64(signature.to_bytes())))
}

/// Ed25519-signs any header and raw payload bytes, so that a payload that is not JSON still
/// carries a valid signature and reaches the payload check.
pub fn forge_raw(header: &Value, payload: &[u8], key: &SigningKey) -> Fallible<String> {
    let input = format!("{}.{}", b64(serde_json::to_vec(header)?), b64(payload));
    let signature = key.sign(input.as_bytes());
    Ok(format!("{input}.{}", b64(signature.to_bytes())))
}

/// `base` with `overrides` merged in at the top level; a `null` override removes the member.
pub fn with(mut base: Value, overrides: Value) -> Value {
    if let (Some(base), Value::Object(overrides)) = (base.as_object_mut(), overrides) {
        for (name, value) in overrides {
            if value.is_null() {
                base.remove(&name);
            } else {
                base.insert(name, value);
            }
        }
    }
    base
}

/// A status list token of `len` one-bit entries with `revoked` set, signed by `key`.
pub fn status_list(key: &SigningKey, len: usize, revoked: &[usize], exp: i64) -> Fallible<String> {
    let mut list = StatusList::new(len, 1)?;
    for &idx in revoked {
        list.set(idx, 1)?;
    }
    Ok(status_list_token(
        &list,
        STATUS_URI,
        NOW - 60,
        exp,
        300,
        key,
    )?)
}

/// Options of the brand in the fixtures, at [`NOW`]: any consumer, revocation explicitly
/// waived (tests of the status list set [`StatusPolicy::List`]).
pub fn opts() -> VerifyOptions {
    VerifyOptions {
        audience: BRAND.to_owned(),
        issuer: IssuerPolicy::AnyConsumer,
        status: StatusPolicy::Waived,
        now: NOW,
    }
}
