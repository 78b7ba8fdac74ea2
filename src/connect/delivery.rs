//! Grant delivery (docs/protocol.md §3): the brand is created or matched, the grant issued with
//! the request's nonce and POSTed `direct_post` style, and the brand's countersigned receipt
//! verified (its keys, the grant's id and hash, our pairwise id) and kept sealed beside the
//! grant.

use sha2::{Digest, Sha256};
use vouchsafe_token::b64;
use vouchsafe_token::protocol::{BrandReceiptClaims, CREDENTIAL_ID};
use vouchsafe_verify::brand::{BrandJwks, verify_brand_receipt};

use super::ConnectError;
use super::http::Client;
use super::request::BrandRequest;
use crate::brands::Brand;
use crate::grants::{GrantRequest, IssuedGrant, Lang};
use crate::vault::Vault;

/// A delivered grant and the brand's word on it.
#[derive(Debug, Clone)]
pub struct Connected {
    pub brand: Brand,
    pub grant: IssuedGrant,
    /// The verified receipt's claims.
    pub receipt: BrandReceiptClaims,
}

/// base64url SHA-256 of a token's compact serialisation: how a receipt names the grant.
pub fn token_hash(token: &str) -> String {
    b64::encode(Sha256::digest(token.as_bytes()))
}

/// Check a brand receipt for `grant` (id and token) issued under `issuer` (our pairwise id).
pub fn check_brand_receipt(
    receipt: &str,
    jwks: &BrandJwks,
    origin: &str,
    grant_id: &str,
    grant_token: &str,
    issuer: &str,
) -> Result<BrandReceiptClaims, ConnectError> {
    let claims = verify_brand_receipt(receipt, jwks, origin)
        .map_err(|e| ConnectError::Refused(format!("refusing the brand's receipt: {e}")))?;
    if claims.grant.jti != grant_id {
        return Err(ConnectError::Refused(format!(
            "refusing the brand's receipt: it names grant {}, not {grant_id}",
            claims.grant.jti
        )));
    }
    if claims.grant.sha256 != token_hash(grant_token) {
        return Err(ConnectError::Refused(
            "refusing the brand's receipt: its grant.sha256 is not the hash of the grant sent"
                .into(),
        ));
    }
    if claims.aud != issuer {
        return Err(ConnectError::Refused(
            "refusing the brand's receipt: it is addressed to someone else (aud)".into(),
        ));
    }
    Ok(claims)
}

/// Create or match the brand, issue the grant answering the request, deliver it, verify and
/// keep the brand's receipt. A brand that refuses the grant (`400`) leaves nothing behind: the
/// grant is discarded (the brand said it does not keep it). A brand that cannot be reached
/// leaves the grant issued and says so: it may have arrived.
pub fn connect(
    vault: &mut Vault,
    client: &Client,
    req: &BrandRequest,
    request: &GrantRequest,
) -> Result<Connected, ConnectError> {
    let brand = vault.brands_mut().connect(
        &req.origin,
        &req.name(Lang::En),
        &req.claims.vouchsafe_consent.events_uri,
    )?;
    let grant = vault.grants_mut().issue(request)?;
    let vp_token = serde_json::json!({ CREDENTIAL_ID: [grant.token] }).to_string();
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("vp_token", &vp_token)
        .append_pair("state", &req.claims.state)
        .finish();
    let unconfirmed = |why: String| {
        ConnectError::Brand(format!(
            "{why}; grant {} was issued and may have arrived: check with the brand, or revoke it with `vouchsafe grant revoke {}`",
            &grant.id,
            &grant.id[..8]
        ))
    };
    let answer = match client.post(
        &req.claims.response_uri,
        "application/x-www-form-urlencoded",
        body.as_bytes(),
    ) {
        Ok(a) => a,
        Err(e) if e.is_transient() => return Err(unconfirmed(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    match answer.status {
        200 => {}
        400 | 401 | 403 | 409 | 410 => {
            let why = answer
                .member("error_description")
                .or_else(|| answer.member("error"))
                .unwrap_or_else(|| format!("status {}", answer.status));
            vault.grants_mut().discard_refused(&grant.id, &why)?;
            return Err(ConnectError::Refused(format!(
                "the brand refused the grant: {why} (nothing is kept in your vault)"
            )));
        }
        s => return Err(unconfirmed(format!("the brand answered {s}"))),
    }
    let receipt = answer
        .member("receipt")
        .ok_or_else(|| unconfirmed("the brand's answer holds no receipt".into()))?;
    let claims = check_brand_receipt(
        &receipt,
        &req.jwks,
        &req.origin,
        &grant.id,
        &grant.token,
        &brand.issuer,
    )?;
    vault
        .grants_mut()
        .store_brand_receipt(&grant.id, &receipt)?;
    Ok(Connected {
        brand,
        grant,
        receipt: claims,
    })
}
