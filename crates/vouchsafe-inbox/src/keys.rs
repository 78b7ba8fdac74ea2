//! The brand's signing key: generated on first start, kept in the database, published as a JWK
//! Set, and used for the three tokens a brand signs (request, brand receipt, erasure receipt).

use serde::Serialize;
use serde_json::{Value, json};
use vouchsafe_token::jws::{self, ALG_EDDSA, Header, JwsError};
use vouchsafe_token::{PublicJwk, SigningKey};
use zeroize::Zeroizing;

pub use vouchsafe_token::protocol::{BRAND_RECEIPT_TYP, ERASURE_RECEIPT_TYP, REQUEST_TYP};

/// The brand's Ed25519 key. `SigningKey` zeroizes itself on drop; there is no `Clone` and the
/// `Debug` output shows the `kid` only.
pub struct BrandKey {
    key: SigningKey,
    jwk: PublicJwk,
    kid: String,
}

impl std::fmt::Debug for BrandKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrandKey").field("kid", &self.kid).finish()
    }
}

impl BrandKey {
    /// The key from its 32 secret bytes.
    pub fn from_secret(secret: &Zeroizing<[u8; 32]>) -> Self {
        let key = SigningKey::from_bytes(secret);
        let jwk = PublicJwk::from_verifying_key(&key.verifying_key());
        let kid = jwk.thumbprint();
        Self { key, jwk, kid }
    }

    /// 32 fresh random secret bytes.
    pub fn generate_secret() -> Result<Zeroizing<[u8; 32]>, getrandom::Error> {
        let mut secret = Zeroizing::new([0u8; 32]);
        getrandom::fill(secret.as_mut())?;
        Ok(secret)
    }

    /// The RFC 7638 thumbprint, which is also the `kid` (docs/protocol.md §1).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key.
    pub fn jwk(&self) -> &PublicJwk {
        &self.jwk
    }

    /// `GET /.well-known/jwks.json`.
    pub fn jwks(&self) -> Value {
        json!({"keys": [{
            "kty": self.jwk.kty, "crv": self.jwk.crv, "x": self.jwk.x,
            "kid": self.kid, "use": "sig", "alg": ALG_EDDSA,
        }]})
    }

    /// Signs `claims` with header `{"alg":"EdDSA","typ":typ,"kid":…}`. No `jwk` in the header:
    /// a brand's tokens are checked against the JWKS on its origin, never against a key the
    /// token brings along.
    pub fn sign<C: Serialize>(&self, typ: &str, claims: &C) -> Result<String, JwsError> {
        let header = Header {
            alg: ALG_EDDSA.to_owned(),
            typ: Some(typ.to_owned()),
            kid: Some(self.kid.clone()),
            jwk: None,
        };
        jws::sign_compact(&header, claims, &self.key)
    }
}

/// Why the brand key could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// No randomness for a new key.
    #[error("generating the brand key: {0}")]
    Rng(#[from] getrandom::Error),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// The brand key stored in `store`, created on first use. Several instances starting at once
/// each propose a key; the database keeps the first and every instance uses that one.
pub async fn load_or_create(store: &crate::store::Store) -> Result<BrandKey, KeyError> {
    let candidate = BrandKey::generate_secret()?;
    let secret = store.brand_secret(candidate, crate::util::now()).await?;
    Ok(BrandKey::from_secret(&secret))
}
