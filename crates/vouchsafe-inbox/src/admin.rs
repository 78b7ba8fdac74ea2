//! What the brand's staff read: consumers with their current claims, grant counts and channels,
//! and a CSV export. Served read-only over HTTP behind a bearer token, and by the CLI.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use serde_json::{Map, Value, json};
use subtle::ConstantTimeEq;

use crate::http::{Inbox, json_answer};
use crate::request::Channel;
use crate::store::{GrantRecord, GrantState, Store, StoreError};

/// One consumer as the brand sees them: a pairwise id, never a name unless they released one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsumerSummary {
    /// The pairwise consumer id (the grants' `iss`).
    pub id: String,
    /// The current released values, from live grants (later grants win).
    pub claims: Map<String, Value>,
    /// Grants by state.
    pub live: u32,
    /// Revoked grants (claims deleted).
    pub revoked: u32,
    /// Erased grants (claims deleted).
    pub erased: u32,
    /// Grants replaced by a newer one.
    pub replaced: u32,
    /// Channels the brand may use now.
    pub channels: Vec<Channel>,
    /// Whether advertising may be sent at night (21:00–08:00), from the latest consent of a
    /// live grant: the answer the grant carried or a later channel-consent-changed event; `None`
    /// until the consumer stated it (treat as "no": Korean law needs separate consent for
    /// night-time advertising).
    pub night_ads: Option<bool>,
    /// First grant received.
    pub first_seen: i64,
    /// Last grant received.
    pub last_seen: i64,
}

/// Summaries of every consumer (or of one), from their grants.
pub async fn consumers(
    store: &Store,
    only: Option<&str>,
) -> Result<Vec<ConsumerSummary>, StoreError> {
    let grants = store.grants(only).await?;
    let consents = store.channel_consents().await?;
    // The latest consent per consumer: (given_at, night_ads).
    let mut latest: Option<(i64, bool)> = None;
    let mut out: Vec<ConsumerSummary> = Vec::new();
    for grant in grants {
        let fresh = out.last().is_none_or(|c| c.id != grant.consumer);
        if fresh {
            latest = None;
            out.push(ConsumerSummary {
                id: grant.consumer.clone(),
                claims: Map::new(),
                live: 0,
                revoked: 0,
                erased: 0,
                replaced: 0,
                channels: Vec::new(),
                night_ads: None,
                first_seen: grant.received_at,
                last_seen: grant.received_at,
            });
        }
        let Some(summary) = out.last_mut() else {
            continue;
        };
        summary.first_seen = summary.first_seen.min(grant.received_at);
        summary.last_seen = summary.last_seen.max(grant.received_at);
        match grant.state {
            GrantState::Live => {
                summary.live += 1;
                if let Some(claims) = &grant.claims {
                    summary
                        .claims
                        .extend(claims.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
                for channel in &grant.channels {
                    if !summary.channels.contains(channel) {
                        summary.channels.push(channel.clone());
                    }
                }
                if let Some(consent) = consents.get(&grant.jti)
                    && latest.is_none_or(|(at, _)| consent.given_at >= at)
                {
                    latest = Some((consent.given_at, consent.night_ads));
                    summary.night_ads = Some(consent.night_ads);
                }
            }
            GrantState::Revoked => summary.revoked += 1,
            GrantState::Erased => summary.erased += 1,
            GrantState::Replaced => summary.replaced += 1,
        }
    }
    Ok(out)
}

/// One CSV row per grant: `consumer,grant,state,received_at,revoked_at,erased_at,retention_until,channels,claims`
/// (claims as JSON, empty once erased). RFC 4180 quoting.
pub fn csv(grants: &[GrantRecord]) -> String {
    let mut out = String::from(
        "consumer,grant,state,received_at,revoked_at,erased_at,retention_until,channels,claims\r\n",
    );
    let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    for g in grants {
        let channels: Vec<String> = g
            .channels
            .iter()
            .map(|c| {
                format!(
                    "{}:{}",
                    c.channel,
                    match c.kind {
                        crate::request::ChannelKind::Info => "info",
                        crate::request::ChannelKind::Ad => "ad",
                    }
                )
            })
            .collect();
        let claims = g
            .claims
            .as_ref()
            .map(|c| Value::Object(c.clone()).to_string())
            .unwrap_or_default();
        let fields = [
            g.consumer.clone(),
            g.jti.clone(),
            g.state.as_str().to_owned(),
            g.received_at.to_string(),
            opt(g.revoked_at),
            opt(g.erased_at),
            g.retention_until.to_string(),
            channels.join(" "),
            claims,
        ];
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Quotes a field when it holds a comma, quote or line break. A leading `=`, `+`, `-` or `@`
/// is prefixed with `'` so that a spreadsheet never runs a consumer-supplied value as a formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

pub(crate) fn routes() -> Router<Inbox> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/consumers", get(list))
        .route("/consumers/{id}", get(show))
        .route("/export.csv", get(export))
}

/// The refusal to send, unless the request carries the configured bearer token. Compared in
/// constant time; with no token configured the admin API does not exist (404).
fn unauthorized(inbox: &Inbox, headers: &HeaderMap) -> Option<Response> {
    let Some(expected) = &inbox.admin_token else {
        return Some(json_answer(
            StatusCode::NOT_FOUND,
            json!({"error": "not_found"}),
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        None
    } else {
        let mut answer = json_answer(StatusCode::UNAUTHORIZED, json!({"error": "unauthorized"}));
        answer.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        Some(answer)
    }
}

async fn list(State(inbox): State<Inbox>, headers: HeaderMap) -> Response {
    if let Some(answer) = unauthorized(&inbox, &headers) {
        return answer;
    }
    match consumers(&inbox.store, None).await {
        Ok(list) => json_answer(StatusCode::OK, json!({"consumers": list})),
        Err(e) => admin_error(&e),
    }
}

async fn show(State(inbox): State<Inbox>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Some(answer) = unauthorized(&inbox, &headers) {
        return answer;
    }
    match consumers(&inbox.store, Some(&id)).await {
        Ok(list) => match list.into_iter().next() {
            Some(c) => json_answer(StatusCode::OK, json!(c)),
            None => json_answer(StatusCode::NOT_FOUND, json!({"error": "not_found"})),
        },
        Err(e) => admin_error(&e),
    }
}

async fn export(State(inbox): State<Inbox>, headers: HeaderMap) -> Response {
    if let Some(answer) = unauthorized(&inbox, &headers) {
        return answer;
    }
    match inbox.store.grants(None).await {
        Ok(grants) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            csv(&grants),
        )
            .into_response(),
        Err(e) => admin_error(&e),
    }
}

fn admin_error(e: &StoreError) -> Response {
    tracing::error!(error = %e, "admin query failed");
    json_answer(
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({"error": "server_error"}),
    )
}

async fn openapi(State(inbox): State<Inbox>, headers: HeaderMap) -> Response {
    if let Some(answer) = unauthorized(&inbox, &headers) {
        return answer;
    }
    json_answer(StatusCode::OK, openapi_document())
}

/// The OpenAPI 3.1 description of the admin API.
pub fn openapi_document() -> Value {
    let consumer = json!({
        "type": "object",
        "required": ["id", "claims", "live", "revoked", "erased", "replaced", "channels", "night_ads", "first_seen", "last_seen"],
        "properties": {
            "id": {"type": "string", "description": "pairwise consumer id (the grants' iss, a JWK thumbprint URN)"},
            "claims": {"type": "object", "description": "current released values from live grants"},
            "live": {"type": "integer"}, "revoked": {"type": "integer"},
            "erased": {"type": "integer"}, "replaced": {"type": "integer"},
            "channels": {"type": "array", "items": {"type": "object", "properties": {
                "channel": {"type": "string"}, "kind": {"type": "string", "enum": ["info", "ad"]}}}},
            "night_ads": {"type": ["boolean", "null"], "description": "advertising allowed at night (21:00-08:00), from the latest channel consent; null until stated"},
            "first_seen": {"type": "integer"}, "last_seen": {"type": "integer"}
        }
    });
    let unauthorized = json!({"description": "missing or wrong bearer token"});
    json!({
        "openapi": "3.1.0",
        "info": {"title": "vouchsafe-inbox admin API", "version": "1", "description": "Read-only. Every path needs `Authorization: Bearer <admin token>`; without a configured token the API answers 404."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Consumer": consumer}
        },
        "security": [{"bearer": []}],
        "paths": {
            "/admin/consumers": {"get": {"summary": "every consumer", "responses": {
                "200": {"description": "the consumers", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"consumers": {"type": "array", "items": {"$ref": "#/components/schemas/Consumer"}}}}}}},
                "401": unauthorized}}},
            "/admin/consumers/{id}": {"get": {"summary": "one consumer",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "the consumer", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Consumer"}}}},
                    "401": unauthorized, "404": {"description": "no such consumer"}}}},
            "/admin/export.csv": {"get": {"summary": "one row per grant", "responses": {
                "200": {"description": "CSV (RFC 4180)", "content": {"text/csv": {}}}, "401": unauthorized}}},
            "/admin/openapi.json": {"get": {"summary": "this document", "responses": {"200": {"description": "OpenAPI 3.1"}, "401": unauthorized}}}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("-1,2"), "\"'-1,2\"");
    }
}
