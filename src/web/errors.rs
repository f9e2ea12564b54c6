//! The web error: every failure becomes a calm page with the right status,
//! in Japanese and English, and internal details go to the log only.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::AppError;
use crate::domain::{DomainError, Msg};

#[derive(Debug)]
pub enum WebError {
    NotFound,
    Csrf,
    /// Not logged in: 303 to the login page.
    LoginRequired,
    Forbidden(Msg),
    Illegal(Msg),
    Conflict,
    Throttled,
    TooLarge,
    /// A field is wrong (422) where no form is shown again.
    Unprocessable(Msg),
    /// Logged with its cause chain; the page shows the request id.
    Internal(anyhow::Error),
}

impl WebError {
    pub fn internal(what: &'static str, cause: impl std::fmt::Display) -> WebError {
        WebError::Internal(anyhow::anyhow!("{what}: {cause}"))
    }
}

tokio::task_local! {
    /// The id of the request being served (`x-request-id`), for the error page.
    pub static REQUEST_ID: String;
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound => WebError::NotFound,
            AppError::Domain(DomainError::Forbidden(m)) => WebError::Forbidden(m),
            AppError::Domain(DomainError::Illegal(m)) => WebError::Illegal(m),
            AppError::Domain(DomainError::Invalid { msg, .. }) => WebError::Unprocessable(msg),
            AppError::Invalid(errors) => WebError::Unprocessable(
                errors
                    .first()
                    .map(|e| e.msg)
                    .unwrap_or(Msg("入力内容を確認してください。", "Please check what you entered.")),
            ),
            AppError::Conflict => WebError::Conflict,
            AppError::Throttled => WebError::Throttled,
            AppError::TooLarge(_) => WebError::TooLarge,
            AppError::Unauthorized => WebError::LoginRequired,
            e @ AppError::Store(_) => WebError::Internal(anyhow::Error::new(e)),
            AppError::Internal(e) => WebError::Internal(e),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: Msg,
    body: Msg,
    detail: Option<Msg>,
    error_id: &'a str,
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
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                Msg("ページが見つかりません", "Page not found"),
                Msg(
                    "リンクが古いか、間違っている可能性があります。メールのリンクをもう一度開くか、トップページからお進みください。",
                    "The link may be old or mistyped. Open the link in our e-mail again, or start from the home page.",
                ),
                None,
            ),
            WebError::Csrf => (
                StatusCode::FORBIDDEN,
                Msg("フォームの有効期限が切れました", "This form has expired"),
                Msg(
                    "安全のため、送信を受け付けませんでした。前のページに戻り、ページを再読み込みしてからもう一度送信してください。",
                    "For your safety we did not accept it. Go back, reload the page and send it again.",
                ),
                None,
            ),
            WebError::Forbidden(m) => (
                StatusCode::FORBIDDEN,
                Msg("この操作は許可されていません", "You are not allowed to do this"),
                Msg(
                    "必要な権限をお持ちでないため、操作を受け付けませんでした。",
                    "Your role does not allow this action.",
                ),
                Some(m),
            ),
            WebError::Illegal(m) => (
                StatusCode::CONFLICT,
                Msg("今はこの操作ができません", "This cannot be done now"),
                Msg(
                    "請求の状態が変わったため、操作を受け付けませんでした。",
                    "The request is not in a state that allows this.",
                ),
                Some(m),
            ),
            WebError::Conflict => (
                StatusCode::CONFLICT,
                Msg("ほかの方が先に更新しました", "Someone else changed this first"),
                Msg(
                    "同じ請求がほぼ同時に更新されました。ページを再読み込みして内容を確かめてから、もう一度操作してください。",
                    "The case was changed at the same moment. Reload the page, check it, and try again.",
                ),
                None,
            ),
            WebError::Throttled => (
                StatusCode::TOO_MANY_REQUESTS,
                Msg("しばらくお待ちください", "Please wait a moment"),
                Msg(
                    "短い時間に多くの試行がありました。15分ほどおいてからお試しください。",
                    "There were too many attempts. Please try again in about 15 minutes.",
                ),
                None,
            ),
            WebError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                Msg("送信された内容が大きすぎます", "What you sent is too large"),
                Msg(
                    "内容を短くするか、ファイルを小さくしてから、もう一度お送りください。",
                    "Please shorten the text or send a smaller file.",
                ),
                None,
            ),
            WebError::Unprocessable(m) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg("入力内容を確認してください", "Please check what you entered"),
                Msg("送信された内容に誤りがありました。", "Something in what you sent was not right."),
                Some(m),
            ),
            WebError::Internal(error) => {
                // The request id is in the log span too, so the page's number finds the log line.
                let id = REQUEST_ID.try_with(Clone::clone).unwrap_or_else(|_| uuid::Uuid::new_v4().to_string());
                tracing::error!(error_id = %id, error = ?error, "internal error");
                let page = ErrorPage {
                    title: Msg("ただいま処理できませんでした", "Something went wrong on our side"),
                    body: Msg(
                        "ご不便をおかけして申し訳ありません。時間をおいてもう一度お試しください。お問い合わせの際は、次の番号をお知らせください。",
                        "We are sorry. Please try again later. If you contact us, please quote this number.",
                    ),
                    detail: None,
                    error_id: &id,
                };
                return match page.render() {
                    Ok(body) => {
                        (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body)
                            .into_response()
                    }
                    Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response(),
                };
            }
        };
        let page = ErrorPage { title, body, detail, error_id: "" };
        match page.render() {
            Ok(b) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], b).into_response(),
            Err(_) => status.into_response(),
        }
    }
}
