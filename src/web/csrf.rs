//! CSRF: one random token per session, sent back in every form's
//! `csrf_token` field and compared in constant time.

use tower_sessions::Session;

use super::WebError;
use crate::app::keys;

const KEY: &str = "csrf";

/// The session's token, created on first use.
pub async fn token(session: &Session) -> Result<String, WebError> {
    let existing: Option<String> = session.get(KEY).await.map_err(|e| WebError::Internal(e.to_string()))?;
    if let Some(t) = existing {
        return Ok(t);
    }
    let t = keys::random_token();
    session.insert(KEY, &t).await.map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(t)
}

/// Refuses (403) a form whose token is missing or not the session's.
pub async fn check(session: &Session, given: &str) -> Result<(), WebError> {
    let expected: Option<String> = session.get(KEY).await.map_err(|e| WebError::Internal(e.to_string()))?;
    match expected {
        Some(t) if !given.is_empty() && keys::eq(&t, given) => Ok(()),
        _ => Err(WebError::Csrf),
    }
}
