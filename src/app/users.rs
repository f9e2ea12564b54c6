//! Staff accounts: argon2id passwords, login throttling, the first admin.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};

use super::records::Account;
use super::store::users;
use super::{App, AppError, Result, keys};
use crate::domain::input::ContactEmail;
use crate::domain::{Msg, Role, input::FieldError};

pub const PASSWORD_MIN: usize = 12;

/// Failed logins allowed in 15 minutes, per account and per address.
const MAX_FAILURES_PER_ACCOUNT: i64 = 10;
const MAX_FAILURES_PER_ADDR: i64 = 50;

fn argon2() -> Argon2<'static> {
    // OWASP's argon2id minimum: 19 MiB, 2 iterations, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| AppError::internal("password hashing stopped", e))?
    .map_err(|e| AppError::Internal(anyhow::anyhow!("password hashing: {e}")))
}

/// Checks a password; also says whether the stored hash should be renewed
/// because the parameters changed.
async fn verify_password(password: String, hash: String) -> Result<(bool, bool)> {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return (false, false);
        };
        let ok = argon2().verify_password(password.as_bytes(), &parsed).is_ok();
        let current = Params::try_from(&parsed).ok().map(|p| (p.m_cost(), p.t_cost(), p.p_cost()))
            == Some((19 * 1024, 2, 1))
            && parsed.algorithm.as_str() == "argon2id";
        (ok, ok && !current)
    })
    .await
    .map_err(|e| AppError::internal("password check stopped", e))
}

/// A hash to verify against when the account does not exist, so that both
/// cases take the same time.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

async fn dummy_hash() -> Result<String> {
    if let Some(h) = DUMMY_HASH.get() {
        return Ok(h.clone());
    }
    let h = hash_password("not a real password at all".into()).await?;
    Ok(DUMMY_HASH.get_or_init(|| h).clone())
}

pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

/// Checks a new account's fields; all errors at once.
pub fn check_new_user(email: &str, name: &str, password: &str, confirm: Option<&str>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if ContactEmail::parse(email).is_none() {
        errors.push(FieldError { field: "email", msg: Msg::new("this-is-not-a-valid-e") });
    }
    if name.trim().is_empty() || name.chars().count() > 100 {
        errors.push(FieldError { field: "display_name", msg: Msg::new("enter-a-name-of-at-most") });
    }
    if password.chars().count() < PASSWORD_MIN {
        errors.push(FieldError { field: "password", msg: Msg::new("use-a-password-of-at-least") });
    }
    if confirm.is_some_and(|c| c != password) {
        errors.push(FieldError { field: "password_confirm", msg: Msg::new("the-two-passwords-differ") });
    }
    errors
}

pub async fn add_user(app: &App, new: NewUser) -> Result<i64> {
    let errors = check_new_user(&new.email, &new.display_name, &new.password, None);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let email = new.email.trim().to_lowercase();
    if users::by_email(&app.store, &email).await?.is_some() {
        return Err(AppError::field("email", "this-e-mail-address-is-already"));
    }
    let hash = hash_password(new.password).await?;
    let mut tx = app.store.begin().await?;
    let id = users::insert(&mut tx, &email, new.display_name.trim(), new.role, &hash, app.now_us()).await?;
    tx.commit().await?;
    Ok(id)
}

/// Logs a staff member in, or refuses with 401 (wrong) or throttling.
pub async fn authenticate(app: &App, email: &str, password: &str, addr: &str) -> Result<Account> {
    let email = email.trim().to_lowercase();
    let since = app.now_us() - 15 * 60 * 1_000_000;
    let (by_email, by_addr) = users::login_failures(&app.store, &email, addr, since).await?;
    if by_email >= MAX_FAILURES_PER_ACCOUNT || by_addr >= MAX_FAILURES_PER_ADDR {
        return Err(AppError::Throttled);
    }
    let user = users::credentials(&app.store, &email).await?;
    let hash = match &user {
        Some(u) => u.password_hash.clone(),
        None => dummy_hash().await?,
    };
    let (ok, renew) = verify_password(password.to_owned(), hash).await?;
    match user.map(|u| u.account) {
        Some(u) if ok && u.active => {
            users::clear_login_failures(&app.store, &email).await?;
            if renew {
                let hash = hash_password(password.to_owned()).await?;
                let mut tx = app.store.begin().await?;
                users::set_password(&mut tx, u.id, &hash).await?;
                tx.commit().await?;
            }
            Ok(u)
        }
        _ => {
            users::record_login_failure(&app.store, &email, addr, app.now_us()).await?;
            Err(AppError::Unauthorized)
        }
    }
}

/// While no user exists, makes the one-time link that creates the first admin.
pub async fn setup_link(app: &App) -> Result<Option<String>> {
    if users::count(&app.store).await? > 0 {
        return Ok(None);
    }
    let token = keys::random_token();
    if let Ok(mut guard) = app.setup_token_hash.lock() {
        *guard = Some(keys::hash_token(&token));
    }
    Ok(Some(app.url(&format!("/setup?token={token}"))))
}

pub fn setup_token_valid(app: &App, token: &str) -> bool {
    let given = keys::hash_token(token);
    app.setup_token_hash.lock().ok().and_then(|g| g.clone()).is_some_and(|stored| keys::eq(&stored, &given))
}

/// Creates the first admin with the setup link; the link then dies.
pub async fn setup_first_admin(
    app: &App,
    token: &str,
    email: &str,
    name: &str,
    password: &str,
    confirm: &str,
) -> Result<Account> {
    if !setup_token_valid(app, token) || users::count(&app.store).await? > 0 {
        return Err(AppError::NotFound);
    }
    let errors = check_new_user(email, name, password, Some(confirm));
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let hash = hash_password(password.to_owned()).await?;
    let email = email.trim().to_lowercase();
    let mut tx = app.store.begin().await?;
    // Checked again inside the transaction: only one first admin.
    if users::count_in(&mut tx).await? > 0 {
        return Err(AppError::NotFound);
    }
    let id = users::insert(&mut tx, &email, name.trim(), Role::Admin, &hash, app.now_us()).await?;
    tx.commit().await?;
    if let Ok(mut guard) = app.setup_token_hash.lock() {
        *guard = None;
    }
    users::by_id(&app.store, id).await?.ok_or(AppError::NotFound)
}

/// Every account, for the users page.
pub async fn list(app: &App) -> Result<Vec<Account>> {
    Ok(users::all(&app.store).await?)
}

/// The account behind a staff session, if it still exists.
pub async fn session_account(app: &App, id: i64) -> Result<Option<Account>> {
    Ok(users::by_id(&app.store, id).await?)
}

/// An admin changes another user's role and whether they may log in. Nobody
/// changes their own, and the last active admin stays one.
pub async fn update(app: &App, by: i64, id: i64, role: Role, active: bool) -> Result<()> {
    if id == by {
        return Err(AppError::Domain(crate::domain::DomainError::Forbidden(Msg::new(
            "you-cannot-change-your-own-role",
        ))));
    }
    let mut tx = app.store.begin().await?;
    let user = users::by_id_in(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let loses_admin = user.role == Role::Admin && user.active && (role != Role::Admin || !active);
    if loses_admin && users::active_with_role_in(&mut tx, Role::Admin).await? <= 1 {
        return Err(AppError::field("role", "the-last-active-administrator-cannot-be"));
    }
    users::set_role(&mut tx, id, role).await?;
    users::set_active(&mut tx, id, active).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a new password (the command line's `user reset-password`).
pub async fn reset_password(app: &App, email: &str, password: String) -> Result<()> {
    if password.chars().count() < PASSWORD_MIN {
        return Err(AppError::field("password", "use-a-password-of-at-least"));
    }
    let user = users::by_email(&app.store, &email.trim().to_lowercase()).await?.ok_or(AppError::NotFound)?;
    let hash = hash_password(password).await?;
    let mut tx = app.store.begin().await?;
    users::set_password(&mut tx, user.id, &hash).await?;
    tx.commit().await?;
    Ok(())
}

/// Stops a user from logging in (the command line's `user disable`).
pub async fn disable(app: &App, email: &str) -> Result<()> {
    let user = users::by_email(&app.store, &email.trim().to_lowercase()).await?.ok_or(AppError::NotFound)?;
    let mut tx = app.store.begin().await?;
    users::set_active(&mut tx, user.id, false).await?;
    tx.commit().await?;
    Ok(())
}
