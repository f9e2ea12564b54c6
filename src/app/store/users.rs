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

const COLUMNS: &str = "id, email, display_name, role, password_hash, active";

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

pub async fn all(store: &Store) -> Result<Vec<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users ORDER BY id");
    accounts(on!(read store, c => sqlx::query_as(&sql).fetch_all(c).await)?)
}

/// Every active account, in the transaction (recipients of staff notices).
pub async fn active_in(tx: &mut Tx) -> Result<Vec<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users WHERE active = $1 ORDER BY id");
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
