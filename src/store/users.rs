//! Staff users and failed logins.

use super::{Result, Store, Tx, on};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub active: bool,
    pub created_at: i64,
}

const COLUMNS: &str = "id, email, display_name, role, password_hash, active, created_at";

pub async fn count(store: &Store) -> Result<i64> {
    let (n,): (i64,) = on!(read store, c => sqlx::query_as("SELECT COUNT(*) FROM staff_users").fetch_one(c).await)?;
    Ok(n)
}

pub async fn insert(tx: &mut Tx, email: &str, name: &str, role: &str, hash: &str, at: i64) -> Result<i64> {
    let (id,): (i64,) = on!(tx, c => sqlx::query_as(
        "INSERT INTO staff_users (email, display_name, role, password_hash, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(email).bind(name).bind(role).bind(hash).bind(true).bind(at).fetch_one(c).await)?;
    Ok(id)
}

pub async fn count_in(tx: &mut Tx) -> Result<i64> {
    let (n,): (i64,) = on!(tx, c => sqlx::query_as("SELECT COUNT(*) FROM staff_users").fetch_one(c).await)?;
    Ok(n)
}

pub async fn by_email(store: &Store, email: &str) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users WHERE email = $1");
    Ok(on!(read store, c => sqlx::query_as(&sql).bind(email).fetch_optional(c).await)?)
}

pub async fn by_id(store: &Store, id: i64) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users WHERE id = $1");
    Ok(on!(read store, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)?)
}

pub async fn by_id_in(tx: &mut Tx, id: i64) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users WHERE id = $1");
    Ok(on!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)?)
}

pub async fn all(store: &Store) -> Result<Vec<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users ORDER BY id");
    Ok(on!(read store, c => sqlx::query_as(&sql).fetch_all(c).await)?)
}

/// Active users with at least one of `roles`, for staff notices.
pub async fn active_with_roles(tx: &mut Tx, roles: &[&str]) -> Result<Vec<UserRow>> {
    let sql = format!("SELECT {COLUMNS} FROM staff_users WHERE active = $1 ORDER BY id");
    let users: Vec<UserRow> = on!(tx, c => sqlx::query_as(&sql).bind(true).fetch_all(c).await)?;
    Ok(users.into_iter().filter(|u| roles.contains(&u.role.as_str())).collect())
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

pub async fn set_role(tx: &mut Tx, id: i64, role: &str) -> Result<()> {
    on!(tx, c => sqlx::query("UPDATE staff_users SET role = $1 WHERE id = $2")
        .bind(role).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn record_login_failure(store: &Store, email: &str, addr: &str, at: i64) -> Result<()> {
    on!(write store, c => sqlx::query("INSERT INTO login_failures (email, addr, at) VALUES ($1, $2, $3)")
        .bind(email).bind(addr).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Failed logins since `since` for this account and for this address.
pub async fn login_failures(store: &Store, email: &str, addr: &str, since: i64) -> Result<(i64, i64)> {
    let (by_email,): (i64,) = on!(read store, c => sqlx::query_as(
        "SELECT COUNT(*) FROM login_failures WHERE email = $1 AND at >= $2")
        .bind(email).bind(since).fetch_one(c).await)?;
    let (by_addr,): (i64,) = on!(read store, c => sqlx::query_as(
        "SELECT COUNT(*) FROM login_failures WHERE addr = $1 AND at >= $2")
        .bind(addr).bind(since).fetch_one(c).await)?;
    Ok((by_email, by_addr))
}

pub async fn clear_login_failures(store: &Store, email: &str) -> Result<()> {
    on!(write store, c => sqlx::query("DELETE FROM login_failures WHERE email = $1").bind(email).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn prune_login_failures(store: &Store, before: i64) -> Result<()> {
    on!(write store, c => sqlx::query("DELETE FROM login_failures WHERE at < $1").bind(before).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
