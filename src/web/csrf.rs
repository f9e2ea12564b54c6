//! CSRF: one random token per session, sent back in every form's
//! `csrf_token` field and compared in constant time. `CsrfForm` and
//! `CsrfMultipart` check it for every POST before the handler runs; a
//! failing session store refuses the form too.

use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use serde::de::DeserializeOwned;
use tower_sessions::Session;

use super::{AppState, WebError};
use crate::app::keys;

const KEY: &str = "csrf";

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String, WebError> {
    let existing: Option<String> = session.get(KEY).await.map_err(WebError::session)?;
    if let Some(t) = existing {
        return Ok(t);
    }
    let t = keys::random_token();
    session.insert(KEY, &t).await.map_err(WebError::session)?;
    Ok(t)
}

/// The session's token if it has one; never creates one.
pub async fn existing(session: &Session) -> Result<Option<String>, WebError> {
    session.get(KEY).await.map_err(WebError::session)
}

/// A new token, at login: a token seen before the login is useless after it.
pub async fn rotate(session: &Session) -> Result<(), WebError> {
    session.insert(KEY, keys::random_token()).await.map_err(WebError::session)
}

/// Refuses (403) a form whose token is missing or not the session's; an
/// error of the session store is an error, never a pass.
pub async fn check(session: &Session, given: &str) -> Result<(), WebError> {
    let expected: Option<String> = session.get(KEY).await.map_err(WebError::session)?;
    match expected {
        Some(t) if !given.is_empty() && keys::eq(&t, given) => Ok(()),
        _ => Err(WebError::Csrf),
    }
}

/// A form that carries the session's CSRF token.
pub trait HasCsrf {
    fn csrf_token(&self) -> &str;
}

/// An urlencoded form (repeated keys allowed) whose CSRF token was checked.
pub struct CsrfForm<T>(pub T);

/// The rejection of a form: its token was wrong (`Csrf`, with the form as
/// sent, for the one page that shows it again) or something else failed.
pub enum FormRejection<T> {
    Expired(T),
    Other(WebError),
}

impl<T> From<FormRejection<T>> for WebError {
    fn from(r: FormRejection<T>) -> WebError {
        match r {
            FormRejection::Expired(_) => WebError::Csrf,
            FormRejection::Other(e) => e,
        }
    }
}

impl<T> axum::response::IntoResponse for FormRejection<T> {
    fn into_response(self) -> axum::response::Response {
        WebError::from(self).into_response()
    }
}

/// Reads the form and checks its token; `Expired` keeps what was typed.
pub async fn read_form<T: DeserializeOwned + HasCsrf>(req: Request, state: &AppState) -> Result<T, FormRejection<T>> {
    let (mut parts, body) = req.into_parts();
    let session = Session::from_request_parts(&mut parts, state)
        .await
        .map_err(|(_, m)| FormRejection::Other(WebError::internal("no session", m)))?;
    let unreadable =
        || FormRejection::Other(WebError::Unprocessable(crate::domain::Msg::new("what-was-sent-could-not-be")));
    let bytes =
        axum::body::Bytes::from_request(Request::from_parts(parts.clone(), body), state).await.map_err(|r| {
            use axum::response::IntoResponse;
            if r.into_response().status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                FormRejection::Other(WebError::TooLarge)
            } else {
                unreadable()
            }
        })?;
    // No one types a NUL character, and PostgreSQL cannot store one in
    // text: a form carrying one is refused whole, before any field of it
    // reaches a query.
    if bytes.contains(&0) || bytes.windows(3).any(|w| w == b"%00") {
        return Err(unreadable());
    }
    let req = Request::from_parts(parts, axum::body::Body::from(bytes));
    // The body is read already, within its limit: only its shape can fail now.
    let axum_extra::extract::Form(form) =
        axum_extra::extract::Form::<T>::from_request(req, state).await.map_err(|_| unreadable())?;
    match check(&session, form.csrf_token()).await {
        Ok(()) => Ok(form),
        Err(WebError::Csrf) => Err(FormRejection::Expired(form)),
        Err(e) => Err(FormRejection::Other(e)),
    }
}

impl<T: DeserializeOwned + HasCsrf + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = FormRejection<T>;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        read_form(req, state).await.map(CsrfForm)
    }
}

/// A multipart upload: its parts are read by the handler, which must then
/// call `check` with the `csrf_token` part (DESIGN.md §4: checked after all
/// parts are read). The session comes along so that it cannot be forgotten.
pub struct CsrfMultipart {
    pub session: Session,
    pub multipart: Multipart,
}

impl CsrfMultipart {
    /// Checks the token read from the parts.
    pub async fn check(&self, given: &str) -> Result<(), WebError> {
        check(&self.session, given).await
    }
}

impl FromRequest<AppState> for CsrfMultipart {
    type Rejection = WebError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let session = Session::from_request_parts(&mut parts, state)
            .await
            .map_err(|(_, m)| WebError::internal("no session", m))?;
        let multipart = Multipart::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|_| WebError::Unprocessable(crate::domain::Msg::new("the-upload-could-not-be-read")))?;
        Ok(CsrfMultipart { session, multipart })
    }
}

/// A form with nothing but its token (log out).
#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf_token: String,
}

impl HasCsrf for CsrfOnly {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// A form read as its pairs (the settings pages), with its token among them.
#[derive(serde::Deserialize)]
#[serde(transparent)]
pub struct Pairs(pub Vec<(String, String)>);

impl HasCsrf for Pairs {
    fn csrf_token(&self) -> &str {
        self.0.iter().find(|(k, _)| k == "csrf_token").map(|(_, v)| v.as_str()).unwrap_or("")
    }
}
