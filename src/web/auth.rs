//! The staff session: who is logged in, with idle and absolute timeouts
//! (`session_idle_minutes`, `session_max_hours`) checked on every staff
//! request, sessions ended by "sign out everywhere" or a password change,
//! the second step of a login with TOTP, and `require_totp`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tower_sessions::Session;

use super::{AppState, WebError};
use crate::domain::{Actor, Msg, Role};

/// How long the session store keeps a session nobody uses: the longest idle
/// time the setting allows (the setting itself is checked on each request).
pub const STORE_IDLE_MINUTES: i64 = 480;

const USER_ID: &str = "user_id";
const LOGIN_AT: &str = "login_at";
const LAST_SEEN: &str = "last_seen";
/// A password was right; the second factor is still to come.
const PENDING_USER: &str = "pending_user";
const PENDING_AT: &str = "pending_at";
/// How long the second step of a login may take.
const PENDING_US: i64 = 5 * 60 * 1_000_000;

/// A logged-in staff member. Extracting it from a request without a valid
/// session redirects (303) to the login page.
#[derive(Debug, Clone)]
pub struct StaffUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub totp_on: bool,
    pub sessions_after: i64,
}

impl StaffUser {
    /// The account as the extractor read it (active, or it would not be here).
    pub fn account(&self) -> crate::app::records::Account {
        crate::app::records::Account {
            id: self.id,
            email: self.email.clone(),
            display_name: self.name.clone(),
            role: self.role,
            active: true,
            sessions_after: self.sessions_after,
            totp_on: self.totp_on,
            api: false,
        }
    }

    pub fn actor(&self) -> Actor {
        Actor::Staff { id: self.id, role: self.role }
    }

    /// Refuses (403) a role below `needed`.
    pub fn require(&self, needed: Role) -> Result<(), WebError> {
        if self.role.at_least(needed) {
            Ok(())
        } else {
            Err(WebError::Forbidden(match needed {
                Role::Admin => Msg::new("only-administrators-can-use-this-page"),
                _ => Msg::new("only-managers-can-use-this-page"),
            }))
        }
    }

    pub fn is_manager(&self) -> bool {
        self.role.at_least(Role::Manager)
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

fn internal(e: tower_sessions::session::Error) -> WebError {
    WebError::session(e)
}

impl FromRequestParts<AppState> for StaffUser {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, m)| WebError::internal("the session store failed", m))?;
        let Some(user_id) = session.get::<i64>(USER_ID).await.map_err(internal)? else {
            return Err(WebError::LoginRequired);
        };
        let now = state.app.now_us();
        let settings = state.app.settings().await?;
        let login_at = session.get::<i64>(LOGIN_AT).await.map_err(internal)?.unwrap_or(0);
        let last_seen = session.get::<i64>(LAST_SEEN).await.map_err(internal)?.unwrap_or(0);
        let idle = now - last_seen > settings.session_idle_minutes() * 60_000_000;
        let expired = now - login_at > settings.session_max_hours() * 3_600_000_000;
        if idle || expired {
            session.flush().await.map_err(internal)?;
            return Err(WebError::LoginRequired);
        }
        let Some(user) = crate::app::users::session_account(&state.app, user_id).await? else {
            session.flush().await.map_err(internal)?;
            return Err(WebError::LoginRequired);
        };
        // Disabled, or signed out everywhere (or the password changed) since.
        if !user.active || login_at < user.sessions_after {
            session.flush().await.map_err(internal)?;
            return Err(WebError::LoginRequired);
        }
        if settings.require_totp() && !user.totp_on && !parts.uri.path().starts_with("/staff/account") {
            return Err(WebError::EnrolTotp);
        }
        // Written at most once a minute, so each page view does not rewrite the session.
        if now - last_seen > 60_000_000 {
            session.insert(LAST_SEEN, now).await.map_err(internal)?;
        }
        Ok(StaffUser {
            id: user.id,
            email: user.email,
            name: user.display_name,
            role: user.role,
            totp_on: user.totp_on,
            sessions_after: user.sessions_after,
        })
    }
}

/// Starts a staff session: the session id is rotated so a planted id is useless.
pub async fn log_in(session: &Session, user_id: i64, now: i64) -> Result<(), WebError> {
    session.cycle_id().await.map_err(internal)?;
    super::csrf::rotate(session).await?;
    session.insert(USER_ID, user_id).await.map_err(internal)?;
    session.insert(LOGIN_AT, now).await.map_err(internal)?;
    session.insert(LAST_SEEN, now).await.map_err(internal)?;
    Ok(())
}

/// The password was right and a second factor is due: the session holds
/// that (for five minutes), not a login.
pub async fn await_second_factor(session: &Session, user_id: i64, now: i64) -> Result<(), WebError> {
    session.cycle_id().await.map_err(internal)?;
    session.remove_value(USER_ID).await.map_err(internal)?;
    session.insert(PENDING_USER, user_id).await.map_err(internal)?;
    session.insert(PENDING_AT, now).await.map_err(internal)?;
    Ok(())
}

/// The account waiting for its second factor, if it still may.
pub async fn pending_second_factor(session: &Session, now: i64) -> Result<Option<i64>, WebError> {
    let user = session.get::<i64>(PENDING_USER).await.map_err(internal)?;
    let at = session.get::<i64>(PENDING_AT).await.map_err(internal)?.unwrap_or(0);
    Ok(user.filter(|_| now - at <= PENDING_US))
}

/// Logs in after the second factor; the pending state goes.
pub async fn complete_second_factor(session: &Session, user_id: i64, now: i64) -> Result<(), WebError> {
    session.remove_value(PENDING_USER).await.map_err(internal)?;
    session.remove_value(PENDING_AT).await.map_err(internal)?;
    log_in(session, user_id, now).await
}

pub async fn log_out(session: &Session) -> Result<(), WebError> {
    session.flush().await.map_err(internal)
}

/// A logged-in manager (or admin); anyone else gets 403.
pub struct Manager(pub StaffUser);

/// A logged-in administrator; anyone else gets 403.
pub struct Admin(pub StaffUser);

impl FromRequestParts<AppState> for Manager {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = StaffUser::from_request_parts(parts, state).await?;
        user.require(Role::Manager)?;
        Ok(Manager(user))
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = StaffUser::from_request_parts(parts, state).await?;
        user.require(Role::Admin)?;
        Ok(Admin(user))
    }
}
