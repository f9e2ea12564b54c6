//! API tokens (DESIGN.md §4 "JSON API"): an admin creates one with a name,
//! scopes and the role it acts with; it is shown once and stored hashed; it
//! can be revoked at once. Each token acts through an account of its own,
//! so that its changes and its reads carry its name.

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};

use super::records::Account;
use super::store::{api, users};
use super::{App, AppError, Result, keys};
use crate::domain::input::FieldError;
use crate::domain::{Actor, Msg, Role};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    CasesRead,
    CasesWrite,
    ReportsRead,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::CasesRead, Scope::CasesWrite, Scope::ReportsRead];

    pub fn code(self) -> &'static str {
        match self {
            Scope::CasesRead => "cases:read",
            Scope::CasesWrite => "cases:write",
            Scope::ReportsRead => "reports:read",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|c| c.code() == s)
    }

    /// The catalogue's label (`scope-cases-read`…).
    pub fn label(self, lang: crate::domain::Lang) -> &'static str {
        lang.t(match self {
            Scope::CasesRead => "scope-cases-read",
            Scope::CasesWrite => "scope-cases-write",
            Scope::ReportsRead => "scope-reports-read",
        })
    }
}

fn parse_scopes(stored: &str) -> Vec<Scope> {
    stored.split_whitespace().filter_map(Scope::parse).collect()
}

/// The longest name a token may have.
pub const NAME_MAX: usize = 80;

/// A token as the admin page lists it (never its secret).
#[derive(Debug, Clone)]
pub struct Token {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub role: Role,
    pub created_by: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// The caller behind a live token.
#[derive(Debug, Clone)]
pub struct Client {
    pub token_id: i64,
    /// The account the token acts through.
    pub user_id: i64,
    pub name: String,
    pub role: Role,
    pub scopes: Vec<Scope>,
}

impl Client {
    pub fn actor(&self) -> Actor {
        Actor::Staff { id: self.user_id, role: self.role }
    }

    pub fn may(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

/// The admin's form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewToken {
    pub name: String,
    pub scopes: Vec<String>,
    pub role: String,
}

/// The roles a token may act with: never an admin's.
pub const ROLES: [Role; 2] = [Role::Staff, Role::Manager];

/// Tokens start with this, so that a secret scanner (and a person) knows one.
const PREFIX: &str = "mdg_";

/// How often a token's "last used" is written: at most once a minute, so that
/// a busy integration does not write a row per call.
const TOUCH_EVERY_US: i64 = 60 * 1_000_000;

/// Creates a token; returns its id and the secret, which is never shown again.
pub async fn create(app: &App, by: &Account, new: &NewToken) -> Result<(i64, String)> {
    let name = new.name.trim();
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(FieldError { field: "name", msg: Msg::new("please-fill-this-in") });
    } else if name.chars().count() > NAME_MAX {
        errors.push(FieldError { field: "name", msg: crate::domain::input::too_long(NAME_MAX) });
    } else if name.chars().any(char::is_control) {
        errors.push(FieldError { field: "name", msg: Msg::new("name-has-control-characters") });
    }
    let scopes: Vec<Scope> = Scope::ALL.into_iter().filter(|s| new.scopes.iter().any(|c| c == s.code())).collect();
    if scopes.is_empty() || new.scopes.iter().any(|c| Scope::parse(c).is_none()) {
        errors.push(FieldError { field: "scopes", msg: Msg::new("choose-at-least-one-scope") });
    }
    let role = ROLES.into_iter().find(|r| r.code() == new.role);
    if role.is_none() {
        errors.push(FieldError { field: "role", msg: Msg::new("choose-one-of-the-options") });
    }
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let secret = format!("{PREFIX}{}", keys::random_token());
    let now = app.now_us();
    let mut tx = app.store.begin().await?;
    if api::name_taken(&mut tx, name).await? {
        return Err(AppError::field("name", "a-token-with-this-name-exists"));
    }
    let user_id = users::insert_api(&mut tx, name, role, now).await?;
    let scope_codes = scopes.iter().map(|s| s.code()).collect::<Vec<_>>().join(" ");
    let id = api::insert(&mut tx, user_id, name, &scope_codes, &keys::hash_token(&secret), by.id, now).await?;
    tx.commit().await?;
    tracing::info!(token = id, "API token created");
    Ok((id, secret))
}

/// Every token, live ones first.
pub async fn list(app: &App) -> Result<Vec<Token>> {
    api::list(&app.store)
        .await?
        .into_iter()
        .map(|r| {
            Ok(Token {
                id: r.id,
                scopes: parse_scopes(&r.scopes),
                role: super::store::code(&r.role)?,
                name: r.name,
                created_by: r.created_by_name,
                created_at: r.created_at,
                last_used_at: r.last_used_at,
                revoked_at: r.revoked_at,
            })
        })
        .collect()
}

/// Revokes a live token: its next request is refused.
pub async fn revoke(app: &App, id: i64) -> Result<()> {
    let mut tx = app.store.begin().await?;
    if !api::revoke(&mut tx, id, app.now_us()).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    tracing::info!(token = id, "API token revoked");
    Ok(())
}

/// The caller behind a presented secret, if it is a live token.
pub async fn authenticate(app: &App, secret: &str) -> Result<Option<Client>> {
    if !secret.starts_with(PREFIX) {
        return Ok(None);
    }
    let Some(b) = api::bearer(&app.store, &keys::hash_token(secret)).await? else {
        return Ok(None);
    };
    let now = app.now_us();
    if b.last_used_at.is_none_or(|at| now - at >= TOUCH_EVERY_US) {
        api::touch(&app.store, b.token_id, now).await?;
    }
    Ok(Some(Client {
        token_id: b.token_id,
        user_id: b.user_id,
        name: b.name,
        role: b.role,
        scopes: parse_scopes(&b.scopes),
    }))
}

type KeyedLimiter = governor::DefaultKeyedRateLimiter<i64>;

/// Each token's requests a minute (`api_rate_per_minute`), counted in this
/// process; rebuilt when the setting changes.
#[derive(Default)]
pub struct RateLimits {
    current: Mutex<Option<(u32, Arc<KeyedLimiter>)>>,
}

impl RateLimits {
    /// Counts one request of `token`; past the rate, how long to wait.
    pub fn check(&self, token: i64, per_minute: u32) -> std::result::Result<(), Duration> {
        let limiter = {
            let mut current = self.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match current.as_ref() {
                Some((rate, l)) if *rate == per_minute => l.clone(),
                _ => {
                    let n = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
                    let l = Arc::new(governor::RateLimiter::keyed(governor::Quota::per_minute(n)));
                    *current = Some((per_minute, l.clone()));
                    l
                }
            }
        };
        limiter.check_key(&token).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}
