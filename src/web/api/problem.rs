//! Errors of the JSON API as `application/problem+json` (RFC 9457), in the
//! caller's language (`Accept-Language`, English by default).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppError;
use crate::domain::input::FieldError;
use crate::domain::{DomainError, Lang};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem (RFC 9457). `type` names the kind of problem
/// (`urn:madoguchi:problem:<code>`); `errors` lists the fields at fault.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    #[schema(example = "urn:madoguchi:problem:invalid")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The fields at fault, each with what to change (422 only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// Seconds to wait before trying again (429 only; also `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field's name, as in the request body or query.
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, title: &str) -> Problem {
        Problem {
            kind: format!("urn:madoguchi:problem:{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: None,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Problem {
        self.detail = Some(detail.into());
        self
    }

    pub fn unauthorized(lang: Lang) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", lang.t("api-unauthorized"))
    }

    pub fn missing_scope(lang: Lang, scope: &str) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, "forbidden", lang.t("api-forbidden"))
            .detail(lang.f("api-missing-scope", &[("scope", crate::i18n::Arg::Text(scope))]))
    }

    pub fn not_found(lang: Lang) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not-found", lang.t("api-not-found"))
    }

    pub fn too_many(lang: Lang, wait_secs: u64) -> Problem {
        let mut p = Problem::new(StatusCode::TOO_MANY_REQUESTS, "rate-limited", lang.t("api-rate-limited"));
        p.retry_after = Some(wait_secs);
        p
    }

    /// 422 with one entry per field at fault.
    pub fn invalid(lang: Lang, errors: &[FieldError]) -> Problem {
        let mut p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", lang.t("api-invalid"));
        p.errors =
            errors.iter().map(|e| FieldProblem { field: e.field.to_owned(), message: e.msg.get(lang) }).collect();
        p
    }

    /// A body, query or path the API could not read at all.
    pub fn unreadable(status: StatusCode, lang: Lang, detail: String) -> Problem {
        let code = if status == StatusCode::UNSUPPORTED_MEDIA_TYPE { "unsupported-media-type" } else { "unreadable" };
        Problem::new(status, code, lang.t("api-unreadable")).detail(detail)
    }

    /// The problem of a service's error.
    pub fn from_app(e: AppError, lang: Lang) -> Problem {
        match e {
            AppError::NotFound | AppError::Gone => Problem::not_found(lang),
            AppError::Invalid(errors) => Problem::invalid(lang, &errors),
            AppError::Domain(DomainError::Invalid { field, msg }) => {
                Problem::invalid(lang, &[FieldError { field, msg }])
            }
            AppError::Domain(DomainError::Illegal(msg)) => {
                Problem::new(StatusCode::CONFLICT, "illegal-move", lang.t("api-illegal-move")).detail(msg.get(lang))
            }
            AppError::Domain(DomainError::Forbidden(msg)) => {
                Problem::new(StatusCode::FORBIDDEN, "forbidden", lang.t("api-forbidden")).detail(msg.get(lang))
            }
            AppError::Conflict => Problem::new(StatusCode::CONFLICT, "conflict", lang.t("api-illegal-move"))
                .detail(lang.t("someone-else-changed-this-case-first")),
            AppError::Throttled | AppError::Busy => Problem::too_many(lang, 30),
            AppError::TooLarge(msg) => {
                Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", lang.t("api-unreadable")).detail(msg.get(lang))
            }
            AppError::Unauthorized => Problem::unauthorized(lang),
            AppError::LinkEnded { .. } => Problem::not_found(lang),
            e @ AppError::Store(_) if e.is_unavailable() => {
                tracing::warn!(error = ?anyhow::Error::new(e), "database unavailable; API answered 503");
                let mut p = Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    lang.t("the-desk-is-briefly-unavailable"),
                )
                .detail(lang.t("nothing-was-saved-please-try-again"));
                p.retry_after = Some(5);
                p
            }
            e @ (AppError::Store(_) | AppError::Internal(_)) => {
                tracing::error!(error = ?anyhow::Error::new(e), "API request failed");
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", lang.t("api-internal"))
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (status, [(header::CONTENT_TYPE, PROBLEM_JSON)], body).into_response();
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}
