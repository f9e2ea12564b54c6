//! The JSON API (`/api/v1`, DESIGN.md §4 "JSON API"): the same services and
//! domain rules as the pages, for the systems around the desk. A bearer
//! token (`/admin/api-tokens`) with scopes; no cookies, no CSRF; errors as
//! problem+json; the OpenAPI 3.1 document is generated from these handlers.

pub mod cases;
pub mod doc;
pub mod problem;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use crate::app::api_tokens::{self, Client, Scope};
use crate::domain::Lang;
pub use problem::Problem;

/// The API's routes, with their OpenAPI document.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, doc) = OpenApiRouter::with_openapi(doc::base())
        .routes(routes!(cases::create_request))
        .routes(routes!(cases::list_cases))
        .routes(routes!(cases::get_case))
        .routes(routes!(cases::case_action))
        .routes(routes!(cases::case_task))
        .routes(routes!(cases::monthly_report))
        .split_for_parts();
    let doc = doc::finish(doc);
    let served = doc.clone();
    let router = router
        .route("/api/openapi.json", axum::routing::get(move || async move { Json(served.clone()) }))
        .route("/api/{*rest}", axum::routing::any(no_such_route))
        .route("/api", axum::routing::any(no_such_route));
    (router, doc)
}

async fn no_such_route(headers: HeaderMap) -> Problem {
    Problem::not_found(lang_of(&headers))
}

/// The caller's language: Japanese when `Accept-Language` puts it before
/// English, otherwise English.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    for tag in accept.split(',') {
        let tag = tag.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if tag == "ja" || tag.starts_with("ja-") {
            return Lang::JA;
        }
        if tag == "en" || tag.starts_with("en-") {
            return Lang::EN;
        }
    }
    Lang::EN
}

/// The caller of an API route: a live token, within its rate. Every call is
/// written to the access log under the token's name.
pub struct Caller {
    pub app: crate::app::App,
    pub client: Client,
    pub lang: Lang,
}

impl Caller {
    /// 403 unless the token has `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), Problem> {
        if self.client.may(scope) { Ok(()) } else { Err(Problem::missing_scope(self.lang, scope.code())) }
    }

    pub fn problem(&self, e: crate::app::AppError) -> Problem {
        Problem::from_app(e, self.lang)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, Problem> {
        let lang = lang_of(&parts.headers);
        let app = &state.app;
        let secret = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .unwrap_or("");
        if secret.is_empty() {
            return Err(Problem::unauthorized(lang));
        }
        let client = api_tokens::authenticate(app, secret)
            .await
            .map_err(|e| Problem::from_app(e, lang))?
            .ok_or_else(|| Problem::unauthorized(lang))?;
        let rate = app.settings().await.map_err(|e| Problem::from_app(e, lang))?.api_rate_per_minute();
        if let Err(wait) = app.api_limits.check(client.token_id, rate) {
            return Err(Problem::too_many(lang, wait.as_secs() + 1));
        }
        let what = format!(
            "api:{} {}{}",
            parts.method,
            parts.uri.path(),
            parts.uri.query().map(|q| format!("?{q}")).unwrap_or_default()
        );
        crate::app::cases::log_access(app, client.user_id, None, &what)
            .await
            .map_err(|e| Problem::from_app(e, lang))?;
        Ok(Caller { app: app.clone(), client, lang })
    }
}

/// A JSON body; what cannot be read is a problem (400, 413, 415 or 422).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let lang = lang_of(req.headers());
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(e) => Err(json_problem(e, lang)),
        }
    }
}

fn json_problem(e: JsonRejection, lang: Lang) -> Problem {
    let status = match &e {
        JsonRejection::JsonDataError(_) => StatusCode::UNPROCESSABLE_ENTITY,
        JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        other => other.status(),
    };
    Problem::unreadable(status, lang, e.body_text())
}

/// Query parameters; what cannot be read is a 422 problem.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let lang = lang_of(&parts.headers);
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(query_problem(e, lang)),
        }
    }
}

fn query_problem(e: QueryRejection, lang: Lang) -> Problem {
    Problem::unreadable(StatusCode::UNPROCESSABLE_ENTITY, lang, e.body_text())
}

/// Path parameters; a value that is not one (a bad reference) is a 404.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let lang = lang_of(&parts.headers);
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(ApiPath(v)),
            Err(e) => Err(path_problem(e, lang)),
        }
    }
}

fn path_problem(e: PathRejection, lang: Lang) -> Problem {
    Problem::not_found(lang).detail(e.body_text())
}

/// JSON with a status.
pub fn json<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    (status, Json(body)).into_response()
}
