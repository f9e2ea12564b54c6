//! The web error: every failure becomes a calm page with the right status,
//! in Japanese and English, and internal details go to the log only.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::AppError;
use crate::domain::{DomainError, Lang, Msg};

#[derive(Debug)]
pub enum WebError {
    NotFound,
    /// It was here and is no longer (410); the message says whom to ask.
    Gone(Msg),
    Csrf,
    /// Not logged in: 303 to the login page.
    LoginRequired,
    /// `require_totp` and no TOTP yet: 303 to the account page to enrol.
    EnrolTotp,
    Forbidden(Msg),
    Illegal(Msg),
    Conflict,
    Throttled,
    /// A status link past its days (410), with how to get a new one.
    LinkEnded {
        days: i64,
    },
    /// Too much work queued: try again in a few seconds (429).
    Busy,
    /// The database is briefly out of reach: nothing was saved; try again (503).
    Unavailable(anyhow::Error),
    TooLarge,
    /// A field is wrong (422) where no form is shown again.
    Unprocessable(Msg),
    /// Logged with its cause chain; the page shows the request id.
    Internal(anyhow::Error),
}

impl WebError {
    /// The session store failed. Its backend is the database and hands over
    /// only the error's text: an outage (the pool timed out, the connection
    /// lost, the server restarting, SQLite busy or full) is a 503; anything
    /// else (a missing table, a record that is not JSON) is a fault (500).
    pub fn session(e: tower_sessions::session::Error) -> WebError {
        use tower_sessions::session::Error;
        use tower_sessions::session_store::Error as StoreError;
        match e {
            Error::Store(StoreError::Backend(cause)) if looks_unavailable(&cause) => {
                WebError::Unavailable(anyhow::anyhow!("the session store failed: {cause}"))
            }
            other => WebError::internal("the session store failed", other),
        }
    }

    pub fn internal(what: &'static str, cause: impl std::fmt::Display) -> WebError {
        WebError::Internal(anyhow::anyhow!("{what}: {cause}"))
    }
}

/// Whether the outage is a full disk (SQLite's SQLITE_FULL, PostgreSQL's
/// disk_full), which the operator must free, not wait out.
fn is_disk_full(error: &anyhow::Error) -> bool {
    let text = format!("{error:#}");
    ["database or disk is full", "No space left on device", "could not extend file"].iter().any(|t| text.contains(t))
}

/// Whether a database error, as sqlx words it, is an outage.
fn looks_unavailable(text: &str) -> bool {
    const OUTAGE: [&str; 10] = [
        "pool timed out",
        "error communicating with database",
        "closed pool",
        "database is locked",
        "database or disk is full",
        "disk I/O error",
        "terminating connection",
        "the database system is",
        "Connection refused",
        "connection reset",
    ];
    OUTAGE.iter().any(|o| text.contains(o))
}

/// What a 429 asks the client to wait.
pub const RETRY_AFTER_SECS: &str = "30";

/// What a 503 (the database out of reach) asks the client to wait.
pub const UNAVAILABLE_RETRY_SECS: &str = "5";

tokio::task_local! {
    /// The id of the request being served (`x-request-id`), for the error page.
    pub static REQUEST_ID: String;
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => WebError::NotFound,
            AppError::Gone => WebError::Gone(Msg::new("gone-ask-the-window")),
            AppError::Domain(DomainError::Forbidden(m)) => WebError::Forbidden(m),
            AppError::Domain(DomainError::Illegal(m)) => WebError::Illegal(m),
            AppError::Domain(DomainError::Invalid { msg, .. }) => WebError::Unprocessable(msg),
            AppError::Invalid(errors) => WebError::Unprocessable(
                errors.first().map(|e| e.msg.clone()).unwrap_or(Msg::new("please-check-what-you-entered-2")),
            ),
            AppError::Conflict => WebError::Conflict,
            AppError::Throttled => WebError::Throttled,
            AppError::Busy => WebError::Busy,
            AppError::LinkEnded { days } => WebError::LinkEnded { days },
            AppError::TooLarge(_) => WebError::TooLarge,
            AppError::Unauthorized => WebError::LoginRequired,
            e @ AppError::Store(_) if e.is_unavailable() => WebError::Unavailable(anyhow::Error::new(e)),
            e @ AppError::Store(_) => WebError::Internal(anyhow::Error::new(e)),
            AppError::Internal(e) => WebError::Internal(e),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    /// Japanese first, then English: the page cannot know the reader's language.
    texts: Vec<ErrorTexts>,
    error_id: &'a str,
}

struct ErrorTexts {
    lang: Lang,
    title: String,
    body: String,
    detail: Option<String>,
    home: &'static str,
    resend: &'static str,
}

impl ErrorPage<'_> {
    fn new<'a>(title: Msg, body: Msg, detail: Option<Msg>, error_id: &'a str) -> ErrorPage<'a> {
        let texts = [Lang::JA, Lang::EN]
            .into_iter()
            .map(|lang| ErrorTexts {
                lang,
                title: title.get(lang),
                body: body.get(lang),
                detail: detail.as_ref().map(|d| d.get(lang)),
                home: lang.t("home"),
                resend: lang.t("error-resend-link"),
            })
            .collect();
        ErrorPage { texts, error_id }
    }
}

/// Renders a template, or the error page if the template fails.
pub fn html<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(body) => {
            (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body)
                .into_response()
        }
        Err(e) => WebError::Internal(anyhow::Error::new(e).context("a page template failed")).into_response(),
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, body, detail) = match self {
            WebError::LoginRequired => return Redirect::to("/staff/login").into_response(),
            WebError::EnrolTotp => return Redirect::to("/staff/account?enrol=1").into_response(),
            WebError::NotFound => {
                (StatusCode::NOT_FOUND, Msg::new("page-not-found"), Msg::new("the-link-may-be-old-or"), None)
            }
            WebError::Gone(m) => (
                StatusCode::GONE,
                Msg::new("this-is-no-longer-available"),
                Msg::new("results-are-kept-for-a-limited"),
                Some(m),
            ),
            WebError::Csrf => {
                (StatusCode::FORBIDDEN, Msg::new("this-form-has-expired"), Msg::new("for-your-safety-we-did-not"), None)
            }
            WebError::Forbidden(m) => (
                StatusCode::FORBIDDEN,
                Msg::new("you-are-not-allowed-to-do"),
                Msg::new("your-role-does-not-allow-this"),
                Some(m),
            ),
            WebError::Illegal(m) => (
                StatusCode::CONFLICT,
                Msg::new("this-cannot-be-done-now"),
                Msg::new("the-request-is-not-in-a"),
                Some(m),
            ),
            WebError::Conflict => (
                StatusCode::CONFLICT,
                Msg::new("someone-else-changed-this-first"),
                Msg::new("the-case-was-changed-at-the"),
                None,
            ),
            WebError::Throttled => (
                StatusCode::TOO_MANY_REQUESTS,
                Msg::new("please-wait-a-moment"),
                Msg::new("there-were-too-many-attempts-please"),
                None,
            ),
            WebError::LinkEnded { days } => (
                StatusCode::GONE,
                Msg::new("this-status-link-has-ended"),
                Msg::new("status-links-work-for-days-after-closing").num("days", days),
                Some(Msg::new("ask-for-a-new-status-link")),
            ),
            WebError::Busy => (
                StatusCode::TOO_MANY_REQUESTS,
                Msg::new("please-wait-a-moment"),
                Msg::new("we-are-busy-please-try-again"),
                None,
            ),
            WebError::Unavailable(error) => {
                if is_disk_full(&error) {
                    tracing::error!(error = ?error, "the database's disk is full: nothing can be saved until space is freed; answered 503");
                } else {
                    tracing::warn!(error = ?error, "database unavailable; answered 503");
                }
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    Msg::new("the-desk-is-briefly-unavailable"),
                    Msg::new("nothing-was-saved-please-try-again"),
                    None,
                )
            }
            WebError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                Msg::new("what-you-sent-is-too-large"),
                Msg::new("please-shorten-the-text-or-send"),
                None,
            ),
            WebError::Unprocessable(m) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg::new("please-check-what-you-entered"),
                Msg::new("something-in-what-you-sent-was"),
                Some(m),
            ),
            WebError::Internal(error) => {
                // The request id is in the log span too, so the page's number finds the log line.
                let id = REQUEST_ID.try_with(Clone::clone).unwrap_or_else(|_| uuid::Uuid::new_v4().to_string());
                tracing::error!(error_id = %id, error = ?error, "internal error");
                let page = ErrorPage::new(
                    Msg::new("something-went-wrong-on-our-side"),
                    Msg::new("we-are-sorry-please-try-again"),
                    None,
                    &id,
                );
                return match page.render() {
                    Ok(body) => {
                        (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body)
                            .into_response()
                    }
                    Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response(),
                };
            }
        };
        let page = ErrorPage::new(title, body, detail, "");
        let mut res = match page.render() {
            Ok(b) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], b).into_response(),
            Err(_) => status.into_response(),
        };
        if status == StatusCode::TOO_MANY_REQUESTS {
            res.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static(RETRY_AFTER_SECS));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static(UNAVAILABLE_RETRY_SECS));
        }
        res
    }
}
