//! Staff accounts: argon2id passwords, login throttling, the first admin.

use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, Params};

use super::records::Account;
use super::store::users;
use super::{App, AppError, Result, keys};
use crate::domain::input::ContactEmail;
use crate::domain::{Msg, Role, input::FieldError};

pub const PASSWORD_MIN: usize = 12;
/// Longer than any passphrase a person types; argon2 would take it, but a
/// megabyte "password" is an attack, not a secret.
pub const PASSWORD_MAX: usize = 1024;

/// Attempts allowed in a window, per account from one address, and per
/// address over all accounts. Past them: 429 without checking the password.
const MAX_PER_ACCOUNT_AND_ADDR: i64 = 10;
const MAX_PER_ADDR: i64 = 50;
/// Past this many attempts on one account from anywhere, each further
/// attempt waits a second more (at most `MAX_DELAY_SECS`), and the account's
/// owner is told by e-mail. The right password still works: nobody can lock
/// a colleague out by typing wrong passwords for them.
const SLOW_AFTER: i64 = 10;
const MAX_DELAY_SECS: i64 = 5;
const WINDOW_US: i64 = 15 * 60 * 1_000_000;

/// The 10,000 most common passwords, lower case (zxcvbn's frequency list,
/// MIT licence; see `common-passwords.txt`).
static COMMON: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| include_str!("common-passwords.txt").lines().filter(|l| !l.is_empty()).collect());

/// Why a new password is refused, if it is.
pub fn password_problem(password: &str, email: &str) -> Option<Msg> {
    let n = password.chars().count();
    if password.trim().is_empty() && n > 0 {
        return Some(Msg::new("password-only-spaces"));
    }
    if n < PASSWORD_MIN {
        return Some(Msg::new("use-a-password-of-at-least"));
    }
    if n > PASSWORD_MAX {
        return Some(Msg::new("password-too-long").text("max", PASSWORD_MAX.to_string()));
    }
    let lower = password.trim().to_lowercase();
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or("");
    if !email.is_empty() && (lower == email || lower == local) {
        return Some(Msg::new("password-is-the-e-mail"));
    }
    if COMMON.contains(lower.as_str()) {
        return Some(Msg::new("password-is-too-common"));
    }
    None
}

/// OWASP's argon2id minimum: 19 MiB, 2 iterations, 1 lane.
const M_COST: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

fn params() -> Params {
    Params::new(M_COST, T_COST, P_COST, None).unwrap_or_default()
}

thread_local! {
    /// Each hashing thread's argon2 memory, allocated once and reused: a
    /// fresh 19 MiB per hash is what the allocator kept (hundreds of MB
    /// after a burst of logins, even with two hashing threads).
    static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs argon2 with this thread's reusable memory. A stored hash with larger
/// parameters than ours gets memory of its own, given back afterwards.
fn argon2_into(a: &Argon2<'_>, count: usize, password: &[u8], salt: &[u8], out: &mut [u8]) -> argon2::Result<()> {
    if count > M_COST as usize {
        return a.hash_password_into(password, salt, out);
    }
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() < count {
            blocks.resize(count, argon2::Block::default());
        }
        a.hash_password_into_with_memory(password, salt, out, &mut blocks[..count])
    })
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for a password.
fn hash_now(password: &[u8]) -> Result<String> {
    let fail = |e: &dyn std::fmt::Display| AppError::Internal(anyhow::anyhow!("password hashing: {e}"));
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_buf).map_err(|e| fail(&e))?;
    let params = params();
    let a = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2_into(&a, params.block_count(), password, salt_bytes, &mut out).map_err(|e| fail(&e))?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(argon2::Version::V0x13.into()),
        params: argon2::password_hash::ParamsString::try_from(&params).map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(argon2::password_hash::Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches a stored PHC string, and whether that string
/// should be renewed because its parameters are not ours.
fn check_now(password: &[u8], stored: &str) -> (bool, bool) {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return (false, false);
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) =
        (argon2::Algorithm::try_from(parsed.algorithm), Params::try_from(&parsed), parsed.salt, parsed.hash)
    else {
        return (false, false);
    };
    let version = parsed.version.and_then(|v| argon2::Version::try_from(v).ok()).unwrap_or_default();
    let mut salt_buf = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_buf) else {
        return (false, false);
    };
    let a = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    if argon2_into(&a, params.block_count(), password, salt_bytes, &mut out).is_err() {
        return (false, false);
    }
    // `Output`'s equality is constant-time.
    let ok = argon2::password_hash::Output::new(&out).is_ok_and(|o| o == expected);
    let current = (params.m_cost(), params.t_cost(), params.p_cost()) == (M_COST, T_COST, P_COST)
        && algorithm == argon2::Algorithm::Argon2id
        && version == argon2::Version::V0x13;
    (ok, ok && !current)
}

pub async fn hash_password(app: &App, password: String) -> Result<String> {
    app.hasher.run(move || hash_now(password.as_bytes())).await.ok_or(AppError::Busy)?
}

/// Checks a password; also says whether the stored hash should be renewed
/// because the parameters changed.
async fn verify_password(app: &App, password: String, hash: String) -> Result<(bool, bool)> {
    app.hasher.run(move || check_now(password.as_bytes(), &hash)).await.ok_or(AppError::Busy)
}

/// A hash to verify against when the account does not exist, so that both
/// cases take the same time.
/// Made once; a burst of logins at unknown accounts waits for that one.
static DUMMY_HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

async fn dummy_hash(app: &App) -> Result<String> {
    DUMMY_HASH.get_or_try_init(|| hash_password(app, "not a real password at all".into())).await.cloned()
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
    if name.trim().is_empty() || name.chars().count() > 100 || crate::domain::input::line_problem(name).is_some() {
        errors.push(FieldError { field: "display_name", msg: Msg::new("enter-a-name-of-at-most") });
    }
    if let Some(msg) = password_problem(password, email) {
        errors.push(FieldError { field: "password", msg });
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
    let hash = hash_password(app, new.password).await?;
    let mut tx = app.store.begin().await?;
    let id = users::insert(&mut tx, &email, new.display_name.trim(), new.role, &hash, app.now_us()).await?;
    tx.commit().await?;
    Ok(id)
}

/// Logs a staff member in, or refuses: 401 for a wrong password or
/// account (the same answer, after the same work, for both), 429 past the
/// attempts allowed (`Throttled`) or while every hasher is busy (`Busy`).
///
/// Each attempt is counted before its password is checked, in one atomic
/// statement per key, so a hundred parallel guesses get a hundred numbers
/// and only the first ten are checked.
pub async fn authenticate(app: &App, email: &str, password: &str, addr: &str) -> Result<Account> {
    let email = email.trim().to_lowercase();
    let now = app.now_us();
    let since = now - WINDOW_US;
    let pair_key = keys::hash_token(&format!("login|{email}|{addr}"));
    let account_key = keys::hash_token(&format!("login|{email}"));
    let addr_key = keys::hash_token(&format!("login||{addr}"));
    let pair = users::count_attempt(&app.store, &pair_key, now, since).await?;
    let by_addr = users::count_attempt(&app.store, &addr_key, now, since).await?;
    if pair > MAX_PER_ACCOUNT_AND_ADDR || by_addr > MAX_PER_ADDR {
        super::abuse::refused(app, super::abuse::Refusal::Login).await;
        return Err(AppError::Throttled);
    }
    let by_account = users::count_attempt(&app.store, &account_key, now, since).await?;
    if by_account > SLOW_AFTER {
        let secs = (by_account - SLOW_AFTER).min(MAX_DELAY_SECS);
        tokio::time::sleep(std::time::Duration::from_secs(secs.unsigned_abs())).await;
    }
    let user = users::credentials(&app.store, &email).await?;
    let hash = match &user {
        Some(u) => u.password_hash.clone(),
        None => dummy_hash(app).await?,
    };
    // Too long to be a password of ours: checked as an empty one, at the same cost.
    let given = if password.chars().count() > PASSWORD_MAX { String::new() } else { password.to_owned() };
    let (ok, renew) = match verify_password(app, given, hash).await {
        Err(AppError::Busy) => {
            super::abuse::refused(app, super::abuse::Refusal::LoginBusy).await;
            return Err(AppError::Busy);
        }
        other => other?,
    };
    match user.map(|u| u.account) {
        Some(u) if ok && u.active => {
            users::forget_attempts(&app.store, &[&pair_key, &account_key]).await?;
            if renew {
                let hash = hash_password(app, password.to_owned()).await?;
                let mut tx = app.store.begin().await?;
                users::set_password(&mut tx, u.id, &hash).await?;
                tx.commit().await?;
            }
            Ok(u)
        }
        Some(u) if u.active && by_account == SLOW_AFTER => {
            warn_of_failures(app, &u, by_account).await?;
            Err(AppError::Unauthorized)
        }
        _ => Err(AppError::Unauthorized),
    }
}

/// The second step of a login: a code is counted like a password before it
/// is checked (10 per account and address, 20 per account, in 15 minutes).
pub async fn second_factor_attempt(app: &App, user_id: i64, code: &str, addr: &str) -> Result<()> {
    let now = app.now_us();
    let since = now - WINDOW_US;
    let pair =
        users::count_attempt(&app.store, &keys::hash_token(&format!("totp|{user_id}|{addr}")), now, since).await?;
    let all = users::count_attempt(&app.store, &keys::hash_token(&format!("totp|{user_id}")), now, since).await?;
    if pair > MAX_PER_ACCOUNT_AND_ADDR || all > 2 * MAX_PER_ACCOUNT_AND_ADDR {
        super::abuse::refused(app, super::abuse::Refusal::Login).await;
        return Err(AppError::Throttled);
    }
    if super::account::second_factor(app, user_id, code).await? { Ok(()) } else { Err(AppError::Unauthorized) }
}

/// Tells an account's owner that signing in to it keeps failing (once a window).
async fn warn_of_failures(app: &App, account: &Account, count: i64) -> Result<()> {
    let settings = app.settings().await?;
    let m = crate::mail::MailView {
        name: account.display_name.clone(),
        account_email: account.email.clone(),
        count,
        case_url: app.url("/staff/login"),
        ..super::notify::org_view(&settings, crate::domain::Lang::JA)
    };
    super::notify::send_alone(app, crate::mail::Kind::StaffLoginFailures, &account.email, &m).await
}

/// Whether `password` is the account's current one (a password change, TOTP off).
pub async fn verify_current_password(app: &App, user: &Account, password: &str) -> Result<bool> {
    let Some(creds) = users::credentials(&app.store, &user.email).await? else {
        return Ok(false);
    };
    if password.chars().count() > PASSWORD_MAX {
        return Ok(false);
    }
    Ok(verify_password(app, password.to_owned(), creds.password_hash).await?.0)
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
    let hash = hash_password(app, password.to_owned()).await?;
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

/// An active administrator's account, by e-mail (the command line acting for one).
pub async fn admin_by_email(app: &App, email: &str) -> Result<Option<Account>> {
    let user = users::by_email(&app.store, &email.trim().to_lowercase()).await?;
    Ok(user.filter(|u| u.active && u.role == Role::Admin && !u.api))
}

/// Every person's account, for the users page (API tokens have their own).
pub async fn list(app: &App) -> Result<Vec<Account>> {
    Ok(users::people(&app.store).await?)
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
    let user = users::by_id_in(&mut tx, id).await?.filter(|u| !u.api).ok_or(AppError::NotFound)?;
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
    if let Some(msg) = password_problem(&password, email) {
        return Err(AppError::Invalid(vec![FieldError { field: "password", msg }]));
    }
    let user = users::by_email(&app.store, &email.trim().to_lowercase()).await?.ok_or(AppError::NotFound)?;
    let hash = hash_password(app, password).await?;
    let mut tx = app.store.begin().await?;
    users::set_password(&mut tx, user.id, &hash).await?;
    tx.commit().await?;
    Ok(())
}

/// Stops a user from logging in (the command line's `user disable`).
pub async fn disable(app: &App, email: &str) -> Result<()> {
    let user = users::by_email(&app.store, &email.trim().to_lowercase()).await?.ok_or(AppError::NotFound)?;
    let mut tx = app.store.begin().await?;
    if user.role == Role::Admin && user.active && users::active_with_role_in(&mut tx, Role::Admin).await? <= 1 {
        return Err(AppError::field("role", "the-last-active-administrator-cannot-be"));
    }
    users::set_active(&mut tx, user.id, false).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn passwords_of_spaces_the_e_mail_itself_common_ones_and_huge_ones_are_refused() {
        let id = |p: &str| password_problem(p, "Kanri@Example.jp").map(|m| m.id);
        assert_eq!(id("                "), Some("password-only-spaces"));
        assert_eq!(id("kanri@example.jp"), Some("password-is-the-e-mail"));
        assert_eq!(id("KANRI@EXAMPLE.JP "), Some("password-is-the-e-mail"));
        assert_eq!(id("1qaz2wsx3edc"), Some("password-is-too-common"));
        assert_eq!(id("QwErTy123456"), Some("password-is-too-common"));
        assert_eq!(id(&"a".repeat(PASSWORD_MAX + 1)), Some("password-too-long"));
        assert_eq!(id("short"), Some("use-a-password-of-at-least"));
        assert_eq!(id("窓口の合言葉はさくら並木"), None);
        assert_eq!(id(&"x".repeat(PASSWORD_MAX)), None);
    }

    #[test]
    fn a_hash_made_here_verifies_and_one_of_other_parameters_is_renewed() {
        let phc = hash_now(b"correct horse battery staple").expect("hashes");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert_eq!(check_now(b"correct horse battery staple", &phc), (true, false));
        assert_eq!(check_now(b"correct horse battery stapler", &phc), (false, false));
        // The argon2 crate's own hash, with older (smaller) parameters.
        use argon2::password_hash::PasswordHasher;
        let old =
            Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, Params::new(4096, 3, 1, None).unwrap());
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let old = old.hash_password(b"correct horse battery staple", &salt).unwrap().to_string();
        assert_eq!(check_now(b"correct horse battery staple", &old), (true, true));
        assert_eq!(check_now(b"x", "not a hash"), (false, false));
    }

    #[test]
    fn the_shipped_list_holds_ten_thousand_common_passwords() {
        assert_eq!(COMMON.len(), 10_000);
        assert!(COMMON.contains("password") && COMMON.contains("123456"));
    }
}
