//! The HTTP face of the inbox: routes, body limits, rate limit, error shapes.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::delivery::{self, DeliveryError};
use crate::events::{self, EventError};
use crate::keys::{BrandKey, REQUEST_TYP};
use crate::origin::Origin;
use crate::ratelimit::RateLimiter;
use crate::store::Store;
use crate::util::now;
use crate::{EVENTS_PATH, MAX_BODY_BYTES, REQUESTS_PATH, RESPONSE_PATH, admin};

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct Inbox {
    /// The brand's origin: `aud` of grants and events, `iss` of what the brand signs.
    pub origin: Origin,
    /// The brand's signing key.
    pub key: Arc<BrandKey>,
    /// Storage.
    pub store: Store,
    /// Bearer token of the read-only admin API; the API is off without one.
    pub admin_token: Option<Arc<Zeroizing<String>>>,
    /// Per-address limit; off when `None`.
    pub limiter: Option<Arc<RateLimiter>>,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox")
            .field("origin", &self.origin)
            .finish()
    }
}

/// The router. Serve it with `into_make_service_with_connect_info::<SocketAddr>()` so the rate
/// limit sees client addresses.
pub fn router(inbox: Inbox) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/.well-known/jwks.json", get(jwks))
        .route(&format!("{REQUESTS_PATH}/{{id}}"), get(request_object))
        .route(RESPONSE_PATH, post(response))
        .route(EVENTS_PATH, post(event))
        .route(&format!("{EVENTS_PATH}/receipts/{{jti}}"), get(receipt))
        .nest("/admin", admin::routes())
        .layer(middleware::from_fn_with_state(inbox.clone(), rate_limit))
        .with_state(inbox)
}

async fn rate_limit(State(inbox): State<Inbox>, request: Request, next: Next) -> Response {
    if let Some(limiter) = &inbox.limiter {
        let addr = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        if let Some(addr) = addr
            && !limiter.allow(addr)
        {
            let mut answer = json_answer(
                StatusCode::TOO_MANY_REQUESTS,
                json!({"error": "rate_limited", "error_description": "too many requests"}),
            );
            answer
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return answer;
        }
    }
    next.run(request).await
}

pub(crate) fn json_answer(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// Reads at most [`MAX_BODY_BYTES`]; `None` if the body is larger or breaks off.
async fn bounded(body: Body) -> Option<Bytes> {
    axum::body::to_bytes(body, MAX_BODY_BYTES).await.ok()
}

fn content_type_is(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(expected))
}

async fn healthz(State(inbox): State<Inbox>) -> Response {
    match inbox.store.request("").await {
        Ok(_) => json_answer(StatusCode::OK, json!({"status": "ok"})),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            json_answer(
                StatusCode::SERVICE_UNAVAILABLE,
                json!({"status": "database unavailable"}),
            )
        }
    }
}

async fn jwks(State(inbox): State<Inbox>) -> Response {
    let mut answer = json_answer(StatusCode::OK, inbox.key.jwks());
    answer.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    answer
}

async fn request_object(State(inbox): State<Inbox>, Path(id): Path<String>) -> Response {
    match inbox.store.request(&id).await {
        Ok(Some(r)) if r.used_by.is_none() && r.expires_at >= now() => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, format!("application/{REQUEST_TYP}")),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            r.jwt,
        )
            .into_response(),
        Ok(Some(_)) => json_answer(
            StatusCode::GONE,
            json!({"error": "expired", "error_description": "the request expired or was answered"}),
        ),
        Ok(None) => json_answer(StatusCode::NOT_FOUND, json!({"error": "not_found"})),
        Err(e) => server_error(&e),
    }
}

fn server_error(e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "server error");
    json_answer(
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({"error": "server_error", "error_description": "try again later"}),
    )
}

fn delivery_refused(description: &str) -> Response {
    json_answer(
        StatusCode::BAD_REQUEST,
        json!({"error": "invalid_request", "error_description": description}),
    )
}

async fn response(State(inbox): State<Inbox>, headers: HeaderMap, body: Body) -> Response {
    if !content_type_is(&headers, "application/x-www-form-urlencoded") {
        return delivery_refused("Content-Type must be application/x-www-form-urlencoded");
    }
    let Some(body) = bounded(body).await else {
        return delivery_refused("body larger than 64 KiB");
    };
    match delivery::deliver(&inbox.origin, &inbox.key, &inbox.store, &body, now()).await {
        Ok((receipt, _)) => json_answer(StatusCode::OK, json!({"receipt": receipt})),
        Err(e) if e.is_client_error() => {
            tracing::info!(code = e.code(), reason = %e, "delivery refused");
            json_answer(
                StatusCode::BAD_REQUEST,
                json!({"error": e.code(), "error_description": e.to_string()}),
            )
        }
        Err(e @ (DeliveryError::Store(_) | DeliveryError::Internal(_))) => server_error(&e),
        Err(e) => server_error(&e),
    }
}

fn event_refused(code: &str, description: &str) -> Response {
    json_answer(
        StatusCode::BAD_REQUEST,
        json!({"err": code, "description": description}),
    )
}

async fn event(State(inbox): State<Inbox>, headers: HeaderMap, body: Body) -> Response {
    if !content_type_is(&headers, "application/secevent+jwt") {
        return event_refused(
            "invalid_request",
            "Content-Type must be application/secevent+jwt",
        );
    }
    let Some(body) = bounded(body).await else {
        return event_refused("invalid_request", "body larger than 64 KiB");
    };
    match events::receive(&inbox.origin, &inbox.key, &inbox.store, &body, now()).await {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(EventError::Refused(code, description)) => {
            tracing::info!(code = code.as_str(), reason = %description, "event refused");
            event_refused(code.as_str(), &description)
        }
        Err(e) => server_error(&e),
    }
}

async fn receipt(State(inbox): State<Inbox>, Path(jti): Path<String>) -> Response {
    match inbox.store.event(&jti).await {
        Ok(Some(event)) => match event.receipt {
            Some(receipt) => json_answer(StatusCode::OK, json!({"receipt": receipt})),
            None => json_answer(StatusCode::NOT_FOUND, json!({"error": "no_receipt"})),
        },
        Ok(None) => json_answer(StatusCode::NOT_FOUND, json!({"error": "not_found"})),
        Err(e) => server_error(&e),
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets in-flight requests finish
/// (graceful shutdown: an acknowledged delivery is always committed before its answer).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
