//! Staff users and failed logins.

use super::{Result, Store, Tx, code, on};
use crate::app::records::Account;
use crate::domain::Role;

#[derive(Debug, Clone, sqlx::FromRow)]
struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    role: String,
    password_hash: String,
    active: bool,
    sessions_after: i64,
    totp_on: bool,
    api: bool,
}

/// An account with its password hash, for the login check only.
pub struct Credentials {
    pub account: Account,
    pub password_hash: String,
}

impl UserRow {
    fn into_credentials(self) -> Result<Credentials> {
        Ok(Credentials {
            account: Account {
                id: self.id,
                email: self.email,
                display_name: self.display_name,
                role: code(&self.role)?,
                active: self.active,
                sessions_after: self.sessions_after,
                totp_on: self.totp_on,
                api: self.api,
            },
            password_hash: self.password_hash,
        })
    }

    fn into_account(self) -> Result<Account> {
        Ok(self.into_credentials()?.account)
    }
}

fn account(row: Option<UserRow>) -> Result<Option<Account>> {
    row.map(UserRow::into_account).transpose()
}

fn accounts(rows: Vec<UserRow>) -> Result<Vec<Account>> {
    rows.into_iter().map(UserRow::into_account).collect()
}

const COLUMNS: &str = "id, email, display_name, role, password_hash, active, sessions_after, \
    (totp_enabled_at IS NOT NULL) AS totp_on, api";

pub async fn count(store: &Store) -> Result<i64> {
    let (n,): (i64,) = on!(read store, c => sqlx::query_as("SELECT COUNT(*) FROM staff_users").fetch_one(c).await)?;
    Ok(n)
}

pub async fn insert(tx: &mut Tx, email: &str, name: &str, role: Role, hash: &str, at: i64) -> Result<i64> {
    let (id,): (i64,) = on!(tx, c => sqlx::query_as(
        "INSERT INTO staff_users (email, display_name, role, password_hash, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(email).bind(name).bind(role.code()).bind(hash).bind(true).bind(at).fetch_one(c).await)?;
    Ok(id)
}

pub async fn count_in(tx: &mut Tx) -> Result<i64> {
    let (n,): (i64,) = on!(tx, c => sqlx::query_as("SELECT COUNT(*) FROM staff_users").fetch_one(c).await)?;
    Ok(n)
}

pub async fn credentials(store: &Store, email: &str) -> Result<Option<Credentials>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users WHERE email = $1");
    let row: Option<UserRow> = on!(read store, c => sqlx::query_as(&sql).bind(email).fetch_optional(c).await)?;
    row.map(UserRow::into_credentials).transpose()
}

pub async fn by_email(store: &Store, email: &str) -> Result<Option<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users WHERE email = $1");
    account(on!(read store, c => sqlx::query_as(&sql).bind(email).fetch_optional(c).await)?)
}

pub async fn by_id(store: &Store, id: i64) -> Result<Option<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users WHERE id = $1");
    account(on!(read store, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)?)
}

pub async fn by_id_in(tx: &mut Tx, id: i64) -> Result<Option<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users WHERE id = $1");
    account(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)?)
}

/// Every account, the API tokens' own included (names on the timeline).
pub async fn all(store: &Store) -> Result<Vec<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users ORDER BY id");
    accounts(on!(read store, c => sqlx::query_as(&sql).fetch_all(c).await)?)
}

/// The people's accounts, without the API tokens' (the users page).
pub async fn people(store: &Store) -> Result<Vec<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users WHERE api = $1 ORDER BY id");
    accounts(on!(read store, c => sqlx::query_as(&sql).bind(false).fetch_all(c).await)?)
}

/// An API token's account: inactive (no mail, no assignments) and with no
/// password a login could match.
pub async fn insert_api(tx: &mut Tx, name: &str, role: Role, at: i64) -> Result<i64> {
    let email = format!("api-{}@tokens.invalid", uuid::Uuid::new_v4().simple());
    let (id,): (i64,) = on!(tx, c => sqlx::query_as(
        "INSERT INTO staff_users (email, display_name, role, password_hash, active, created_at, api) \
         VALUES ($1, $2, $3, '!', $4, $5, $6) RETURNING id")
        .bind(&email).bind(name).bind(role.code()).bind(false).bind(at).bind(true).fetch_one(c).await)?;
    Ok(id)
}

fn active_sql() -> String {
    format!("SELECT {COLUMNS} FROM staff_users WHERE active = $1 ORDER BY id")
}

/// Every active account, read before a receipt's transaction begins.
pub async fn active(store: &Store) -> Result<Vec<Account>> {
    accounts(on!(read store, c => sqlx::query_as(&active_sql()).bind(true).fetch_all(c).await)?)
}

/// Every active account, in the transaction (recipients of staff notices).
pub async fn active_in(tx: &mut Tx) -> Result<Vec<Account>> {
    let sql = active_sql();
    accounts(on!(tx, c => sqlx::query_as(&sql).bind(true).fetch_all(c).await)?)
}

/// Active accounts with a role, in the transaction.
pub async fn active_with_role_in(tx: &mut Tx, role: Role) -> Result<i64> {
    let (n,): (i64,) = on!(tx, c => sqlx::query_as("SELECT COUNT(*) FROM staff_users WHERE active = $1 AND role = $2")
        .bind(true).bind(role.code()).fetch_one(c).await)?;
    Ok(n)
}

pub async fn set_password(tx: &mut Tx, id: i64, hash: &str) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE staff_users SET password_hash = $1 WHERE id = $2")
        .bind(hash).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_active(tx: &mut Tx, id: i64, active: bool) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE staff_users SET active = $1 WHERE id = $2")
        .bind(active).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_role(tx: &mut Tx, id: i64, role: Role) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE staff_users SET role = $1 WHERE id = $2")
        .bind(role.code()).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Counts one login attempt under `key` in a window that starts with the
/// first attempt and lasts until `since` passes it; returns the attempts in
/// the window, this one included. One statement, so parallel attempts each
/// get their own number.
pub async fn count_attempt(store: &Store, key: &str, now: i64, since: i64) -> Result<i64> {
    let (n,): (i64,) = on!(write store, c => sqlx::query_as(
        "INSERT INTO login_attempts (key, window_start, count) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           count = CASE WHEN login_attempts.window_start < $3 THEN 1 ELSE login_attempts.count + 1 END, \
           window_start = CASE WHEN login_attempts.window_start < $3 THEN $2 ELSE login_attempts.window_start END \
         RETURNING count")
        .bind(key).bind(now).bind(since).fetch_one(c).await)?;
    Ok(n)
}

/// Forgets the attempts under these keys (after a successful login).
pub async fn forget_attempts(store: &Store, keys: &[&str]) -> Result<()> {
    for key in keys {
        on!(write store, c => sqlx::query("DELETE FROM login_attempts WHERE key = $1")
            .bind(*key).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

pub async fn prune_attempts(store: &Store, before: i64) -> Result<()> {
    on!(write store, c => sqlx::query("DELETE FROM login_attempts WHERE window_start < $1")
        .bind(before).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Sessions that started before `at` are no longer accepted.
pub async fn set_sessions_after(tx: &mut Tx, id: i64, at: i64) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE staff_users SET sessions_after = $1 WHERE id = $2")
        .bind(at).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A TOTP secret being enrolled (encrypted), until a code confirms it.
pub async fn set_totp_pending(tx: &mut Tx, id: i64, sealed: &[u8]) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE staff_users SET totp_pending = $1 WHERE id = $2")
        .bind(sealed).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// An encrypted secret, if there is one.
type Sealed = Option<Vec<u8>>;

/// (pending secret, active secret), both encrypted.
pub async fn totp_secrets(store: &Store, id: i64) -> Result<(Sealed, Sealed)> {
    let row: Option<(Sealed, Sealed)> = on!(read store, c => sqlx::query_as(
        "SELECT totp_pending, totp_secret FROM staff_users WHERE id = $1").bind(id).fetch_optional(c).await)?;
    Ok(row.unwrap_or((None, None)))
}

/// The pending secret becomes the account's; its recovery codes replace any old ones.
pub async fn enable_totp(tx: &mut Tx, id: i64, sealed: &[u8], at: i64, code_hashes: &[String]) -> Result<()> {
    on!(tx, c => sqlx::query(
        "UPDATE staff_users SET totp_secret = $1, totp_pending = NULL, totp_enabled_at = $2, totp_last_step = 0 WHERE id = $3")
        .bind(sealed).bind(at).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    on!(tx, c => sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    for h in code_hashes {
        on!(tx, c => sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(id).bind(h).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

pub async fn disable_totp(tx: &mut Tx, id: i64) -> Result<()> {
    on!(tx, c => sqlx::query(
        "UPDATE staff_users SET totp_secret = NULL, totp_pending = NULL, totp_enabled_at = NULL, totp_last_step = 0 WHERE id = $1")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    on!(tx, c => sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Takes a time step for the account if it is later than the last one taken:
/// a code works once, even when two logins race with it.
pub async fn take_totp_step(store: &Store, id: i64, step: i64) -> Result<bool> {
    let n = on!(write store, c => sqlx::query(
        "UPDATE staff_users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1")
        .bind(step).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Uses a recovery code once.
pub async fn take_recovery_code(store: &Store, id: i64, code_hash: &str, at: i64) -> Result<bool> {
    let n = on!(write store, c => sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
        .bind(at).bind(id).bind(code_hash).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn recovery_codes_left(store: &Store, id: i64) -> Result<i64> {
    let (n,): (i64,) = on!(read store, c => sqlx::query_as(
        "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL").bind(id).fetch_one(c).await)?;
    Ok(n)
}

pub async fn insert_reset(tx: &mut Tx, token_hash: &str, user_id: i64, by: i64, expires_at: i64) -> Result<()> {
    on!(tx, c => sqlx::query(
        "INSERT INTO password_resets (token_hash, user_id, created_by, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash).bind(user_id).bind(by).bind(expires_at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The account of a reset link that is unused and unexpired.
pub async fn reset_user(store: &Store, token_hash: &str, now: i64) -> Result<Option<i64>> {
    let row: Option<(i64,)> = on!(read store, c => sqlx::query_as(
        "SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
        .bind(token_hash).bind(now).fetch_optional(c).await)?;
    Ok(row.map(|(id,)| id))
}

/// Uses a reset link: its account, if it was still good.
pub async fn take_reset(tx: &mut Tx, token_hash: &str, now: i64) -> Result<Option<i64>> {
    let row: Option<(i64,)> = on!(tx, c => sqlx::query_as(
        "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id")
        .bind(now).bind(token_hash).fetch_optional(c).await)?;
    Ok(row.map(|(id,)| id))
}
