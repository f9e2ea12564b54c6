//! A staff member's own account: a second factor (TOTP, RFC 6238) with
//! one-time recovery codes, password changes, signing out everywhere, and
//! the one-time reset links an administrator sends.

use super::records::Account;
use super::store::users;
use super::users::{password_problem, verify_current_password};
use super::{App, AppError, Result, keys};
use crate::domain::Msg;
use crate::domain::input::FieldError;

/// 30-second steps, 6 digits, SHA-1: what every authenticator app reads.
const STEP_SECS: u64 = 30;
const DIGITS: usize = 6;
/// Secrets of 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;
pub const RECOVERY_CODES: usize = 10;

fn totp(secret: &[u8], issuer: &str, account: &str) -> totp_rs::TOTP {
    // The otpauth label cannot hold ':'; the rest is kept as typed.
    let clean = |s: &str| s.replace(':', " ");
    totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECS,
        secret.to_vec(),
        Some(clean(issuer)),
        clean(account),
    )
}

/// The time step a code belongs to, if it is the code of the step at
/// `now_secs` or of one step either side (clock skew).
pub fn matching_step(secret: &[u8], code: &str, now_secs: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| c.is_ascii_digit()).collect();
    if code.len() != DIGITS {
        return None;
    }
    let t = totp(secret, "", "");
    let step = now_secs / STEP_SECS;
    [step.saturating_sub(1), step, step + 1].into_iter().find(|s| keys::eq(&t.generate(s * STEP_SECS), &code))
}

fn aad(user_id: i64) -> Vec<u8> {
    format!("madoguchi totp v1 user {user_id}").into_bytes()
}

fn now_secs(app: &App) -> u64 {
    u64::try_from(app.now().as_second()).unwrap_or(0)
}

/// What the enrolment page shows once: the secret to type, and the same as
/// a QR code to scan.
pub struct Enrolment {
    pub secret_base32: String,
    pub otpauth_url: String,
    /// An inline SVG image of `otpauth_url`.
    pub qr_svg: String,
}

/// Starts (or restarts) enrolment: a new secret, kept encrypted until a code confirms it.
pub async fn start_totp(app: &App, user: &Account) -> Result<Enrolment> {
    let mut secret = [0u8; SECRET_BYTES];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
    let sealed = super::documents::seal(app, &aad(user.id), &secret)?;
    let mut tx = app.store.begin().await?;
    users::set_totp_pending(&mut tx, user.id, &sealed).await?;
    tx.commit().await?;
    enrolment_of(app, user, &secret).await
}

/// The enrolment under way (after a wrong code, the same secret again).
pub async fn pending_enrolment(app: &App, user: &Account) -> Result<Option<Enrolment>> {
    let (pending, _) = users::totp_secrets(&app.store, user.id).await?;
    let Some(pending) = pending else { return Ok(None) };
    let secret = super::documents::unseal(app, &aad(user.id), &pending)?;
    Ok(Some(enrolment_of(app, user, &secret).await?))
}

async fn enrolment_of(app: &App, user: &Account, secret: &[u8]) -> Result<Enrolment> {
    let settings = app.settings().await?;
    let t = totp(secret, &format!("{} madoguchi", settings.org_name()), &user.email);
    let otpauth_url = t.get_url();
    let qr_svg = qrcode::QrCode::new(otpauth_url.as_bytes())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("QR code: {e}")))?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Ok(Enrolment { secret_base32: t.get_secret_base32(), otpauth_url, qr_svg })
}

fn wrong_code() -> AppError {
    AppError::Invalid(vec![FieldError { field: "code", msg: Msg::new("this-code-is-not-right") }])
}

/// Confirms enrolment with a code from the app: TOTP is on, and the ten
/// recovery codes are returned to be shown once (only their hashes stay).
pub async fn confirm_totp(app: &App, user: &Account, code: &str) -> Result<Vec<String>> {
    let (pending, _) = users::totp_secrets(&app.store, user.id).await?;
    let Some(pending) = pending else {
        return Err(AppError::Invalid(vec![FieldError { field: "code", msg: Msg::new("start-the-enrolment-again") }]));
    };
    let secret = super::documents::unseal(app, &aad(user.id), &pending)?;
    let Some(step) = matching_step(&secret, code, now_secs(app)) else {
        return Err(wrong_code());
    };
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let hashes: Vec<String> = codes.iter().map(|c| keys::hash_token(&normalise_recovery(c))).collect();
    let mut tx = app.store.begin().await?;
    users::enable_totp(&mut tx, user.id, &pending, app.now_us(), &hashes).await?;
    tx.commit().await?;
    // The confirming code is spent.
    users::take_totp_step(&app.store, user.id, i64::try_from(step).unwrap_or(i64::MAX)).await?;
    Ok(codes)
}

/// `xxxx-xxxx-xxxx` in lower-case base32 without look-alikes (60 bits).
fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 12];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let chars: Vec<char> = bytes.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

fn normalise_recovery(code: &str) -> String {
    code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// The second step of a login: a TOTP code (each accepted once) or an
/// unused recovery code.
pub async fn second_factor(app: &App, user_id: i64, code: &str) -> Result<bool> {
    let (_, secret) = users::totp_secrets(&app.store, user_id).await?;
    let Some(secret) = secret else { return Ok(false) };
    let secret = super::documents::unseal(app, &aad(user_id), &secret)?;
    if let Some(step) = matching_step(&secret, code, now_secs(app)) {
        return Ok(users::take_totp_step(&app.store, user_id, i64::try_from(step).unwrap_or(i64::MAX)).await?);
    }
    let normal = normalise_recovery(code);
    if normal.len() == 12 {
        return Ok(users::take_recovery_code(&app.store, user_id, &keys::hash_token(&normal), app.now_us()).await?);
    }
    Ok(false)
}

/// Unused recovery codes of an account.
pub async fn recovery_codes_left(app: &App, user_id: i64) -> Result<i64> {
    Ok(users::recovery_codes_left(&app.store, user_id).await?)
}

/// Turns TOTP off for oneself, with a current code or the password.
pub async fn disable_totp(app: &App, user: &Account, code: &str, password: &str) -> Result<()> {
    let proven = if !code.trim().is_empty() {
        second_factor(app, user.id, code).await?
    } else {
        verify_current_password(app, user, password).await?
    };
    if !proven {
        return Err(AppError::Invalid(vec![FieldError { field: "code", msg: Msg::new("a-code-or-your-password") }]));
    }
    let mut tx = app.store.begin().await?;
    users::disable_totp(&mut tx, user.id).await?;
    tx.commit().await?;
    Ok(())
}

/// An administrator turns another user's TOTP off (a lost phone); the
/// access log records who did it to whom.
pub async fn reset_totp(app: &App, by: i64, user_id: i64) -> Result<()> {
    let mut tx = app.store.begin().await?;
    users::by_id_in(&mut tx, user_id).await?.filter(|u| !u.api).ok_or(AppError::NotFound)?;
    users::disable_totp(&mut tx, user_id).await?;
    super::store::log_access(
        &mut tx,
        by,
        None,
        &format!("totp-reset:user:{user_id}"),
        app.now_us(),
        &super::access::origin(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A new password and its confirmation, checked together.
fn check_new_password(user: &Account, new: &str, confirm: &str) -> Result<()> {
    let mut errors = Vec::new();
    if let Some(msg) = password_problem(new, &user.email) {
        errors.push(FieldError { field: "new_password", msg });
    }
    if new != confirm {
        errors.push(FieldError { field: "new_password_confirm", msg: Msg::new("the-two-passwords-differ") });
    }
    if errors.is_empty() { Ok(()) } else { Err(AppError::Invalid(errors)) }
}

/// Changes one's own password, with the current one; every other session of
/// the account ends. Returns the time the new sessions count from.
pub async fn change_password(app: &App, user: &Account, current: &str, new: &str, confirm: &str) -> Result<i64> {
    if !verify_current_password(app, user, current).await? {
        return Err(AppError::field("current_password", "the-current-password-is-not-right"));
    }
    check_new_password(user, new, confirm)?;
    let hash = super::users::hash_password(app, new.to_owned()).await?;
    let now = app.now_us();
    let mut tx = app.store.begin().await?;
    users::set_password(&mut tx, user.id, &hash).await?;
    users::set_sessions_after(&mut tx, user.id, now).await?;
    tx.commit().await?;
    Ok(now)
}

/// Ends every session of the account, this one included (the caller logs
/// this browser in again if it should stay).
pub async fn sign_out_everywhere(app: &App, user_id: i64) -> Result<i64> {
    let now = app.now_us();
    let mut tx = app.store.begin().await?;
    users::set_sessions_after(&mut tx, user_id, now).await?;
    tx.commit().await?;
    Ok(now)
}

/// How long a reset link works.
const RESET_US: i64 = 3_600_000_000;

/// An administrator e-mails a user a link to set a new password (an hour, once).
pub async fn send_reset_link(app: &App, by: i64, user_id: i64) -> Result<()> {
    let user = users::by_id(&app.store, user_id).await?.filter(|u| !u.api).ok_or(AppError::NotFound)?;
    let token = keys::random_token();
    let settings = app.settings().await?;
    let m = crate::mail::MailView {
        name: user.display_name.clone(),
        account_email: user.email.clone(),
        case_url: app.url(&format!("/staff/reset?token={token}")),
        ..super::notify::org_view(&settings, crate::domain::Lang::JA)
    };
    let out = crate::mail::render(crate::mail::Kind::StaffPasswordReset, &user.email, &m)
        .map_err(|e| AppError::internal("a mail template failed", e))?;
    let mut tx = app.store.begin().await?;
    users::insert_reset(&mut tx, &keys::hash_token(&token), user.id, by, app.now_us() + RESET_US).await?;
    super::store::log_access(
        &mut tx,
        by,
        None,
        &format!("password-reset-sent:user:{user_id}"),
        app.now_us(),
        &super::access::origin(),
    )
    .await?;
    super::notify::enqueue(app, &mut tx, None, &out).await?;
    tx.commit().await?;
    app.wake_workers();
    Ok(())
}

/// The account a reset link is for, while it is good.
pub async fn reset_link_account(app: &App, token: &str) -> Result<Account> {
    let id = users::reset_user(&app.store, &keys::hash_token(token), app.now_us()).await?.ok_or(AppError::NotFound)?;
    users::by_id(&app.store, id).await?.ok_or(AppError::NotFound)
}

/// Sets a new password with a reset link; the link dies, and so does every session.
pub async fn reset_with_link(app: &App, token: &str, new: &str, confirm: &str) -> Result<Account> {
    let user = reset_link_account(app, token).await?;
    check_new_password(&user, new, confirm)?;
    let hash = super::users::hash_password(app, new.to_owned()).await?;
    let now = app.now_us();
    let mut tx = app.store.begin().await?;
    if users::take_reset(&mut tx, &keys::hash_token(token), now).await?.is_none() {
        return Err(AppError::NotFound);
    }
    users::set_password(&mut tx, user.id, &hash).await?;
    users::set_sessions_after(&mut tx, user.id, now).await?;
    tx.commit().await?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238, appendix B: the SHA-1 secret "12345678901234567890".
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_the_rfc_6238_vectors_with_one_step_of_skew() {
        // At 59 s the 8-digit code is 94287082: its last six digits.
        assert_eq!(matching_step(RFC_SECRET, "287082", 59), Some(1));
        // 30 s early or late still matches that step; 60 s does not.
        assert_eq!(matching_step(RFC_SECRET, "287 082", 89), Some(1));
        assert_eq!(matching_step(RFC_SECRET, "287082", 29), Some(1));
        assert_eq!(matching_step(RFC_SECRET, "287082", 119), None);
        // At 1111111109 s: 07081804.
        assert_eq!(matching_step(RFC_SECRET, "081804", 1_111_111_109), Some(37_037_036));
        assert_eq!(matching_step(RFC_SECRET, "12345", 59), None);
        assert_eq!(matching_step(RFC_SECRET, "abcdef", 59), None);
    }

    #[test]
    fn recovery_codes_are_three_groups_of_four_and_read_loosely() {
        let c = recovery_code();
        assert_eq!(c.len(), 14);
        assert_eq!(c.matches('-').count(), 2);
        assert_eq!(normalise_recovery(&c.to_uppercase().replace('-', " ")), c.replace('-', ""));
        assert_ne!(recovery_code(), recovery_code());
    }
}
