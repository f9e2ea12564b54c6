//! API tokens (issue 16): stored hashed, each with the account it acts through.

use super::{Result, Store, Tx, code, on};
use crate::domain::Role;

/// A token as the admin page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub scopes: String,
    pub role: String,
    pub created_by_name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// The token a request presented, if it is live: its id, account, name,
/// role and scopes.
#[derive(Debug, Clone)]
pub struct Bearer {
    pub token_id: i64,
    pub user_id: i64,
    pub name: String,
    pub role: Role,
    pub scopes: String,
    pub last_used_at: Option<i64>,
}

pub async fn insert(
    tx: &mut Tx,
    user_id: i64,
    name: &str,
    scopes: &str,
    token_hash: &str,
    by: i64,
    at: i64,
) -> Result<i64> {
    let (id,): (i64,) = on!(tx, c => sqlx::query_as(
        "INSERT INTO api_tokens (user_id, name, scopes, token_hash, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(user_id).bind(name).bind(scopes).bind(token_hash).bind(by).bind(at).fetch_one(c).await)?;
    Ok(id)
}

pub async fn name_taken(tx: &mut Tx, name: &str) -> Result<bool> {
    let (n,): (i64,) = on!(tx, c => sqlx::query_as("SELECT COUNT(*) FROM api_tokens WHERE lower(name) = lower($1)")
        .bind(name).fetch_one(c).await)?;
    Ok(n > 0)
}

pub async fn list(store: &Store) -> Result<Vec<TokenRow>> {
    Ok(on!(read store, c => sqlx::query_as(
        "SELECT t.id, t.user_id, t.name, t.scopes, u.role, b.display_name AS created_by_name, t.created_at, \
                t.last_used_at, t.revoked_at \
         FROM api_tokens t JOIN staff_users u ON u.id = t.user_id JOIN staff_users b ON b.id = t.created_by \
         ORDER BY t.revoked_at IS NOT NULL, t.id DESC")
        .fetch_all(c).await)?)
}

/// The live token with this hash. A revocation commits before its page
/// answers, so every later request reads it revoked.
pub async fn bearer(store: &Store, token_hash: &str) -> Result<Option<Bearer>> {
    let row: Option<(i64, i64, String, String, String, Option<i64>)> = on!(read store, c => sqlx::query_as(
        "SELECT t.id, t.user_id, t.name, u.role, t.scopes, t.last_used_at \
         FROM api_tokens t JOIN staff_users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL")
        .bind(token_hash).fetch_optional(c).await)?;
    row.map(|(token_id, user_id, name, role, scopes, last_used_at)| {
        Ok(Bearer { token_id, user_id, name, role: code(&role)?, scopes, last_used_at })
    })
    .transpose()
}

/// Revokes a token; false when it was not live.
pub async fn revoke(tx: &mut Tx, id: i64, at: i64) -> Result<bool> {
    let n = on!(tx, c => sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(at).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn touch(store: &Store, id: i64, at: i64) -> Result<()> {
    on!(write store, c => sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(at).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}
