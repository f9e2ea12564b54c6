//! HTTP: handlers parse and authorize, call a service, render. Routers are
//! merged here, with the layers every response passes through.

pub mod api;
pub mod auth;
pub mod client;
pub mod csrf;
pub mod errors;
pub mod page;
pub mod path;
pub mod public;
pub mod receipt;
pub mod serve;
pub mod staff;

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::app::App;
use crate::app::SessionStore;

pub use errors::WebError;

type Limiter = std::sync::Arc<governor::DefaultKeyedRateLimiter<std::net::IpAddr>>;

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    /// Cookies carry `Secure` (and responses HSTS) when the base URL is https.
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` is believed (`client::ClientAddr`).
    pub trusted_proxies: std::sync::Arc<[ipnet::IpNet]>,
    /// Uploads per client address: 30 an hour, in bursts of 10.
    pub upload_limiter: Limiter,
    /// Request-form submissions per client address and hour; none when 0.
    pub intake_limiter: Option<Limiter>,
}

impl AppState {
    pub fn new(app: App, config: &crate::config::Config, secure_cookies: bool) -> AppState {
        use std::num::NonZeroU32;
        let quota = governor::Quota::per_hour(NonZeroU32::MIN.saturating_add(29))
            .allow_burst(NonZeroU32::MIN.saturating_add(9));
        let intake_limiter = NonZeroU32::new(config.intake_limit_per_address)
            .map(|n| std::sync::Arc::new(governor::RateLimiter::keyed(governor::Quota::per_hour(n))));
        AppState {
            app,
            secure_cookies,
            trusted_proxies: config.trusted_proxies.clone().into(),
            upload_limiter: std::sync::Arc::new(governor::RateLimiter::keyed(quota)),
            intake_limiter,
        }
    }
}

/// Form bodies are small; uploads raise this on their routes only.
const BODY_LIMIT: usize = 64 * 1024;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// No page of ours needs a camera, a microphone, the location or payment.
const PERMISSIONS: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";

/// The router with every layer. `client_timeout` bounds each silence of a
/// client inside a request body (the server loop bounds headers and idle
/// connections with it); every request ends within 30 s whatever happens.
pub fn router(state: AppState, sessions: SessionStore, client_timeout: Duration) -> Router {
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name("madoguchi_session")
        .with_secure(state.secure_cookies)
        .with_same_site(SameSite::Lax)
        .with_http_only(true)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(auth::STORE_IDLE_MINUTES)));

    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    // Over https, browsers are told to never come back over plain http.
    let hsts = state.secure_cookies.then(|| header(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"));

    Router::new()
        .merge(api::router().0)
        .merge(public::router())
        .merge(staff::router())
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/static/{file}", get(static_file))
        .fallback(not_found)
        .layer(session_layer)
        .layer(middleware::from_fn_with_state(state.clone(), public::remember_lang))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(state.clone(), friendly_limits))
        .layer(header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(HeaderName::from_static("permissions-policy"), PERMISSIONS))
        .layer(header(HeaderName::from_static("cross-origin-opener-policy"), "same-origin"))
        .layer(tower::util::option_layer(hsts))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(client_timeout))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(middleware::from_fn_with_state(state.clone(), scope_origin))
        .layer(middleware::from_fn(scope_request_id))
        .layer(
            // Paths only: queries carry tokens, and bodies carry personal data.
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let id = req.headers().get(&REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
                tracing::info_span!("http", request_id = %id, method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID_HEADER.clone()))
        .layer(SetRequestIdLayer::new(REQUEST_ID_HEADER.clone(), MakeRequestUuid))
        .layer(middleware::from_fn(run_to_completion))
        .with_state(state)
}

/// Runs each request to its end in a task of its own, whether or not its
/// client waits for the answer. A client that hangs up (a browser closed, a
/// load generator stopping) had its request's future dropped wherever it
/// stood — even between sending `BEGIN` and reading the reply, and sqlx then
/// gave the pool back a PostgreSQL connection inside a transaction it knew
/// nothing of: every later statement on it ran in that transaction, never
/// committed (seen in the benchmark: the mail sender's claims, for minutes,
/// while its mail waited). A change begun is now finished, or rolled back,
/// by its own code.
async fn run_to_completion(req: Request, next: Next) -> Response {
    use tracing::Instrument;
    match tokio::spawn(next.run(req).instrument(tracing::Span::current())).await {
        Ok(res) => res,
        Err(e) => {
            tracing::error!(error = %e, "a request's task failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

static REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Makes the request's id known to the error page (`errors::REQUEST_ID`).
async fn scope_request_id(req: Request, next: Next) -> Response {
    let id = req.headers().get(&REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    // One id per request in the log and on the error page; the business
    // settings are read from the database at most once per request.
    errors::REQUEST_ID.scope(id, crate::app::settings::per_request(next.run(req))).await
}

/// Makes the client's address known to the access log (`app::access::origin`).
async fn scope_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let Ok(client::ClientAddr(addr)) =
        <client::ClientAddr as axum::extract::FromRequestParts<AppState>>::from_request_parts(&mut parts, &state).await;
    crate::app::access::with_origin(addr.to_string(), next.run(Request::from_parts(parts, body))).await
}

/// Turns the bare 413 of the body limit into the friendly page.
async fn friendly_limits(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    // Pages and the API's problems say it themselves.
    let is_page = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(b"text/html") || v.as_bytes().starts_with(api::problem::PROBLEM_JSON.as_bytes())
    });
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_page {
        return WebError::TooLarge.into_response();
    }
    // The session layer answers a bare 500 when it cannot save a session
    // (it has logged why). Its store is the database: when that is out of
    // reach, say so (503); otherwise it is a fault, shown as one.
    if res.status() == StatusCode::INTERNAL_SERVER_ERROR && !is_page {
        return match state.app.ready().await {
            Err(e) if e.is_unavailable() => WebError::Unavailable(anyhow::Error::new(e)).into_response(),
            _ => {
                WebError::internal("the session could not be saved", "see the session layer's log line").into_response()
            }
        };
    }
    res
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.app.is_stopping() {
        return (StatusCode::SERVICE_UNAVAILABLE, "stopping").into_response();
    }
    match state.app.ready().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::error!(error = ?anyhow::Error::new(e), "readiness: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn not_found() -> WebError {
    WebError::NotFound
}

/// Stylesheet and script, compiled into the binary from `static/`.
async fn static_file(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let (body, mime): (&'static str, &'static str) = match file.as_str() {
        "app.css" => (include_str!("../../static/app.css"), "text/css; charset=utf-8"),
        "app.js" => (include_str!("../../static/app.js"), "text/javascript; charset=utf-8"),
        "print.css" => (include_str!("../../static/print.css"), "text/css; charset=utf-8"),
        _ => return WebError::NotFound.into_response(),
    };
    ([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}
