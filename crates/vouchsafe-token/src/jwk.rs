//! Ed25519 public keys as JSON Web Keys (RFC 8037) and their thumbprints (RFC 7638, RFC 9278).
//!
//! The thumbprint is the consumer's identity towards a brand: a grant's `iss` is the thumbprint
//! URN of the key in its header, so whoever holds the private key *is* that issuer and nobody
//! else can mint tokens under the same name.

use ed25519_dalek::{PUBLIC_KEY_LENGTH, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::b64;

/// `kty` of octet key pairs (RFC 8037 §2).
pub const KTY_OKP: &str = "OKP";
/// `crv` of Ed25519 keys (RFC 8037 §2).
pub const CRV_ED25519: &str = "Ed25519";
/// Prefix of RFC 9278 JWK thumbprint URIs for SHA-256 thumbprints.
pub const THUMBPRINT_URN_PREFIX: &str = "urn:ietf:params:oauth:jwk-thumbprint:sha-256:";

/// An Ed25519 public key in JWK form: `{"kty":"OKP","crv":"Ed25519","x":"…"}`.
///
/// Fields are public so that the type serializes exactly as the JWK it represents; values from
/// untrusted input are only trusted after [`PublicJwk::to_verifying_key`] succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicJwk {
    /// Key type; always `"OKP"` for keys this crate accepts.
    pub kty: String,
    /// Curve; always `"Ed25519"` for keys this crate accepts.
    pub crv: String,
    /// The 32-byte compressed Edwards point, base64url without padding.
    pub x: String,
}

/// Why a JWK is not a usable Ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwkError {
    /// The JWK is not a JSON object.
    #[error("not a JSON object")]
    NotObject,
    /// A required member is absent or not a string.
    #[error("member {0:?} is missing or not a string")]
    MissingMember(&'static str),
    /// `kty` is not `OKP`.
    #[error("kty {0:?} is not \"OKP\"")]
    UnsupportedKeyType(String),
    /// `crv` is not `Ed25519`.
    #[error("crv {0:?} is not \"Ed25519\"")]
    UnsupportedCurve(String),
    /// The JWK has a `d` member; a key published in a token must never carry its secret.
    #[error("contains the private key member \"d\"")]
    PrivateKeyIncluded,
    /// `x` is not canonical base64url without padding.
    #[error("x is not base64url without padding")]
    BadEncoding,
    /// `x` decodes to the wrong number of bytes.
    #[error("x decodes to {0} bytes; an Ed25519 public key has 32")]
    WrongLength(usize),
    /// `x` does not decompress to a point on the curve.
    #[error("x is not a valid Ed25519 curve point")]
    InvalidPoint,
    /// `x` is a small-order point, for which signatures prove nothing.
    #[error("x is a small-order (weak) Ed25519 point")]
    WeakKey,
}

impl PublicJwk {
    /// The JWK of an Ed25519 verifying key.
    pub fn from_verifying_key(key: &VerifyingKey) -> Self {
        Self {
            kty: KTY_OKP.to_owned(),
            crv: CRV_ED25519.to_owned(),
            x: b64::encode(key.as_bytes()),
        }
    }

    /// Reads a JWK from a JSON value (such as a header's `jwk` member), checking `kty`, `crv`
    /// and the absence of a private part. Other members (`kid`, `use`, …) are ignored, as
    /// RFC 7517 requires of members a recipient does not understand. The point itself is checked
    /// by [`Self::to_verifying_key`].
    pub fn from_json(value: &Value) -> Result<Self, JwkError> {
        let object = value.as_object().ok_or(JwkError::NotObject)?;
        let member = |name: &'static str| {
            object
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or(JwkError::MissingMember(name))
        };
        if object.contains_key("d") {
            return Err(JwkError::PrivateKeyIncluded);
        }
        let jwk = Self {
            kty: member("kty")?,
            crv: member("crv")?,
            x: member("x")?,
        };
        jwk.check_type()?;
        Ok(jwk)
    }

    /// Decodes the key, rejecting anything but a canonical, valid, non-weak Ed25519 point.
    pub fn to_verifying_key(&self) -> Result<VerifyingKey, JwkError> {
        self.check_type()?;
        let bytes = b64::decode(&self.x).ok_or(JwkError::BadEncoding)?;
        let bytes: [u8; PUBLIC_KEY_LENGTH] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| JwkError::WrongLength(bytes.len()))?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| JwkError::InvalidPoint)?;
        if key.is_weak() {
            return Err(JwkError::WeakKey);
        }
        Ok(key)
    }

    /// RFC 7638 thumbprint: base64url(SHA-256) of the required members in lexicographic order
    /// with no whitespace, i.e. `{"crv":"Ed25519","kty":"OKP","x":"…"}`.
    pub fn thumbprint(&self) -> String {
        b64::encode(Sha256::digest(self.thumbprint_input().as_bytes()))
    }

    /// RFC 9278 thumbprint URI: `urn:ietf:params:oauth:jwk-thumbprint:sha-256:<thumbprint>`.
    /// This is what a grant's `iss` and `sub` must be.
    pub fn thumbprint_urn(&self) -> String {
        format!("{THUMBPRINT_URN_PREFIX}{}", self.thumbprint())
    }

    /// The RFC 7638 hash input. Each value goes through serde_json's string escaping so that
    /// even a hostile `x` cannot change the structure of the hashed JSON.
    fn thumbprint_input(&self) -> String {
        format!(
            "{{\"crv\":{},\"kty\":{},\"x\":{}}}",
            Value::from(self.crv.as_str()),
            Value::from(self.kty.as_str()),
            Value::from(self.x.as_str()),
        )
    }

    fn check_type(&self) -> Result<(), JwkError> {
        if self.kty != KTY_OKP {
            return Err(JwkError::UnsupportedKeyType(self.kty.clone()));
        }
        if self.crv != CRV_ED25519 {
            return Err(JwkError::UnsupportedCurve(self.crv.clone()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;
    use serde_json::json;

    /// RFC 8037 Appendix A.1 private key `d` and A.2 public key `x`.
    const RFC8037_D: &str = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
    const RFC8037_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

    fn rfc8037_jwk() -> PublicJwk {
        PublicJwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: RFC8037_X.into(),
        }
    }

    #[test]
    fn rfc8037_a3_thumbprint() {
        // RFC 8037 Appendix A.3.
        assert_eq!(
            rfc8037_jwk().thumbprint(),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
        assert_eq!(
            rfc8037_jwk().thumbprint_urn(),
            "urn:ietf:params:oauth:jwk-thumbprint:sha-256:kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn rfc8037_a2_public_key_from_a1_secret() -> Result<(), Box<dyn std::error::Error>> {
        let d: [u8; 32] = b64::decode(RFC8037_D)
            .ok_or("bad d")?
            .try_into()
            .map_err(|_| "d length")?;
        let key = SigningKey::from_bytes(&d);
        assert_eq!(
            PublicJwk::from_verifying_key(&key.verifying_key()),
            rfc8037_jwk()
        );
        assert_eq!(rfc8037_jwk().to_verifying_key()?, key.verifying_key());
        Ok(())
    }

    #[test]
    fn serializes_as_a_jwk() -> Result<(), serde_json::Error> {
        let value = serde_json::to_value(rfc8037_jwk())?;
        assert_eq!(
            value,
            json!({"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X})
        );
        assert_eq!(PublicJwk::from_json(&value), Ok(rfc8037_jwk()));
        Ok(())
    }

    #[test]
    fn from_json_rejects_other_keys_and_private_parts() {
        let cases = [
            (json!("x"), JwkError::NotObject),
            (
                json!({"kty": "OKP", "x": RFC8037_X}),
                JwkError::MissingMember("crv"),
            ),
            (
                json!({"kty": "EC", "crv": "P-256", "x": RFC8037_X, "y": "AA"}),
                JwkError::UnsupportedKeyType("EC".into()),
            ),
            (
                json!({"kty": "OKP", "crv": "X25519", "x": RFC8037_X}),
                JwkError::UnsupportedCurve("X25519".into()),
            ),
            (
                json!({"kty": "OKP", "crv": "Ed25519", "x": RFC8037_X, "d": RFC8037_D}),
                JwkError::PrivateKeyIncluded,
            ),
            (
                json!({"kty": "OKP", "crv": "Ed25519", "x": 5}),
                JwkError::MissingMember("x"),
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(PublicJwk::from_json(&value), Err(expected), "{value}");
        }
    }

    #[test]
    fn to_verifying_key_rejects_bad_points() {
        let with_x = |x: &str| PublicJwk {
            x: x.to_owned(),
            ..rfc8037_jwk()
        };
        assert_eq!(
            with_x("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=").to_verifying_key(),
            Err(JwkError::BadEncoding)
        );
        assert_eq!(
            with_x(&b64::encode([1u8; 31])).to_verifying_key(),
            Err(JwkError::WrongLength(31))
        );
        // y = 2 is not the y-coordinate of any point on edwards25519.
        let mut not_on_curve = [0u8; 32];
        not_on_curve[0] = 2;
        assert_eq!(
            with_x(&b64::encode(not_on_curve)).to_verifying_key(),
            Err(JwkError::InvalidPoint)
        );
        // The identity point (y = 1) has order 1.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            with_x(&b64::encode(identity)).to_verifying_key(),
            Err(JwkError::WeakKey)
        );
    }

    #[test]
    fn thumbprint_escapes_hostile_values() {
        let hostile = PublicJwk {
            x: "a\",\"kty\":\"OKP".into(),
            ..rfc8037_jwk()
        };
        assert_eq!(
            hostile.thumbprint_input(),
            r#"{"crv":"Ed25519","kty":"OKP","x":"a\",\"kty\":\"OKP"}"#
        );
    }
}
