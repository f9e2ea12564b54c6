//! Issue 13: safeguards an auditor signs off — TOTP, sessions and passwords,
//! the access log read back, retention with anonymisation, backup and restore.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Page, TestApp, file_request, link, one, request_form, spawn};
use madoguchi::domain::Role;
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery staple";

/// The secret shown on the enrolment page.
fn secret_of(page: &str) -> Vec<u8> {
    let marker = "data-totp-secret>";
    let start = page.find(marker).expect("the secret is shown") + marker.len();
    let b32 = &page[start..start + page[start..].find('<').unwrap()];
    totp_rs::Secret::Encoded(b32.to_owned()).to_bytes().expect("base32")
}

fn code_at(secret: &[u8], secs: u64) -> String {
    totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, secret.to_vec(), None, String::new())
        .generate(secs)
}

fn now_secs(app: &TestApp) -> u64 {
    app.running.app.now().as_second() as u64
}

fn recovery_codes(page: &str) -> Vec<String> {
    page.split("<li><code>").skip(1).map(|s| s.split('<').next().unwrap().to_owned()).collect()
}

/// Logs `client` in with a password, and a code when asked for one.
async fn sign_in(app: &TestApp, client: &reqwest::Client, email: &str, password: &str, code: Option<&str>) -> Page {
    let page = post_as(app, client, "/staff/login", &[("email", email), ("password", password)]).await;
    if page.location.as_deref() != Some("/staff/login/totp") {
        return page;
    }
    post_as(app, client, "/staff/login/totp", &[("code", code.unwrap_or(""))]).await
}

async fn post_as(app: &TestApp, client: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> Page {
    app.post_as(client, path, fields, &[]).await
}

async fn get_as(app: &TestApp, client: &reqwest::Client, path: &str) -> Page {
    app.get_as(client, path).await
}

/// Enrols `client`'s user in TOTP; returns the secret and the recovery codes.
async fn enrol(app: &TestApp, client: &reqwest::Client) -> (Vec<u8>, Vec<String>) {
    let page = post_as(app, client, "/staff/account/totp/start", &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg"), "a QR code, inline");
    assert!(page.body.contains("otpauth://") || page.body.contains("data-totp-secret"));
    let secret = secret_of(&page.body);
    let wrong = post_as(app, client, "/staff/account/totp/confirm", &[("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "a wrong code does not turn it on");
    assert_eq!(secret_of(&wrong.body), secret, "the same secret is shown again");
    let code = code_at(&secret, now_secs(app));
    let page = post_as(app, client, "/staff/account/totp/confirm", &[("code", &code)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let codes = recovery_codes(&page.body);
    assert_eq!(codes.len(), 10, "ten recovery codes, shown once");
    (secret, codes)
}

#[tokio::test]
async fn totp_enrols_asks_for_a_code_at_login_and_takes_each_code_once() {
    let app = spawn().await;
    app.add_user("kanri@example.jp", Role::Admin).await;
    let desk = app.new_client();
    assert_eq!(sign_in(&app, &desk, "kanri@example.jp", PASSWORD, None).await.status, StatusCode::SEE_OTHER);
    let (secret, codes) = enrol(&app, &desk).await;
    // The secret is stored encrypted, and the recovery codes hashed.
    let stored: Vec<u8> = {
        let store = &app.db;
        let (s,): (Vec<u8>,) = common::on!(read store, c => sqlx::query_as("SELECT totp_secret FROM staff_users WHERE email = 'kanri@example.jp'").fetch_one(c).await).unwrap();
        s
    };
    assert!(!stored.windows(secret.len()).any(|w| w == secret.as_slice()), "not in the clear");
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM recovery_codes WHERE code_hash = '{}'", codes[0])).await, 0);

    // The next login: a password alone is not enough.
    app.running.app.clock.advance_secs(60);
    let other = app.new_client();
    let page = sign_in(&app, &other, "kanri@example.jp", PASSWORD, Some("000000")).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(get_as(&app, &other, "/staff").await.location.as_deref(), Some("/staff/login"), "not logged in");
    let code = code_at(&secret, now_secs(&app));
    let page = sign_in(&app, &other, "kanri@example.jp", PASSWORD, Some(&code)).await;
    assert_eq!(page.location.as_deref(), Some("/staff"), "{}", page.body);
    // The same code again, in another browser: refused.
    let third = app.new_client();
    let page = sign_in(&app, &third, "kanri@example.jp", PASSWORD, Some(&code)).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "a code works once");
    // A recovery code works, once.
    let page = sign_in(&app, &third, "kanri@example.jp", PASSWORD, Some(&codes[3].to_uppercase())).await;
    assert_eq!(page.location.as_deref(), Some("/staff"));
    let fourth = app.new_client();
    let page = sign_in(&app, &fourth, "kanri@example.jp", PASSWORD, Some(&codes[3])).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "a recovery code works once");
    let account = get_as(&app, &third, "/staff/account").await;
    assert!(account.body.contains("9 個"), "nine recovery codes left");
}

#[tokio::test]
async fn a_code_from_thirty_seconds_ago_or_ahead_is_accepted_and_not_from_ninety() {
    let app = spawn().await;
    app.add_user("kanri@example.jp", Role::Admin).await;
    let desk = app.new_client();
    sign_in(&app, &desk, "kanri@example.jp", PASSWORD, None).await;
    let (secret, _) = enrol(&app, &desk).await;
    for (i, offset) in [-30i64, 30].into_iter().enumerate() {
        app.running.app.clock.advance_secs(120);
        let c = app.new_client();
        let at = (now_secs(&app) as i64 + offset) as u64;
        let page = sign_in(&app, &c, "kanri@example.jp", PASSWORD, Some(&code_at(&secret, at))).await;
        assert_eq!(page.location.as_deref(), Some("/staff"), "skew {offset} s ({i})");
    }
    app.running.app.clock.advance_secs(120);
    let c = app.new_client();
    let old = code_at(&secret, now_secs(&app) - 90);
    assert_eq!(sign_in(&app, &c, "kanri@example.jp", PASSWORD, Some(&old)).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn require_totp_sends_users_to_enrol_first_and_an_admin_can_reset_it_on_the_record() {
    let app = spawn().await;
    app.add_user("kanri@example.jp", Role::Admin).await;
    app.add_user("tanto@example.jp", Role::Staff).await;
    app.put_setting("require_totp", "yes").await;
    let staff = app.new_client();
    sign_in(&app, &staff, "tanto@example.jp", PASSWORD, None).await;
    let page = get_as(&app, &staff, "/staff").await;
    assert_eq!(page.location.as_deref(), Some("/staff/account?enrol=1"), "enrol before any other page");
    assert_eq!(get_as(&app, &staff, "/staff/intake").await.location.as_deref(), Some("/staff/account?enrol=1"));
    let account = get_as(&app, &staff, "/staff/account?enrol=1").await;
    assert!(account.body.contains("id=\"must-enrol\""));
    enrol(&app, &staff).await;
    assert_eq!(get_as(&app, &staff, "/staff").await.status, StatusCode::OK, "enrolled: the queue opens");

    // The admin (enrolled too) resets the staff member's TOTP: recorded.
    let admin = app.new_client();
    sign_in(&app, &admin, "kanri@example.jp", PASSWORD, None).await;
    enrol(&app, &admin).await;
    let id = app.count("SELECT id FROM staff_users WHERE email = 'tanto@example.jp'").await;
    let page = post_as(&app, &admin, &format!("/admin/users/{id}/reset-totp"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT COUNT(*) FROM staff_users WHERE totp_enabled_at IS NOT NULL").await, 1);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM access_log WHERE what = 'totp-reset:user:{id}'")).await, 1);
    let log = get_as(&app, &admin, "/staff/access-log").await;
    assert!(log.body.contains(&format!("totp-reset:user:{id}")) || log.body.contains(&format!(" user:{id}")));
}

#[tokio::test]
async fn sessions_end_when_idle_past_the_setting_and_after_the_longest_sign_in() {
    let app = spawn().await;
    app.add_user("kanri@example.jp", Role::Admin).await;
    app.put_setting("session_idle_minutes", "10").await;
    app.put_setting("session_max_hours", "2").await;
    let c = app.new_client();
    sign_in(&app, &c, "kanri@example.jp", PASSWORD, None).await;
    app.running.app.clock.advance_secs(9 * 60);
    assert_eq!(get_as(&app, &c, "/staff").await.status, StatusCode::OK, "nine idle minutes are fine");
    app.running.app.clock.advance_secs(11 * 60);
    assert_eq!(get_as(&app, &c, "/staff").await.location.as_deref(), Some("/staff/login"), "eleven are not");

    sign_in(&app, &c, "kanri@example.jp", PASSWORD, None).await;
    for _ in 0..13 {
        app.running.app.clock.advance_secs(9 * 60);
        if get_as(&app, &c, "/staff").await.status != StatusCode::OK {
            break;
        }
    }
    // 13 × 9 minutes = 117 minutes, always active: still in; two hours: out.
    app.running.app.clock.advance_secs(4 * 60);
    assert_eq!(get_as(&app, &c, "/staff").await.location.as_deref(), Some("/staff/login"));
}

#[tokio::test]
async fn signing_out_everywhere_and_changing_the_password_end_the_other_sessions() {
    let app = spawn().await;
    app.add_user("kanri@example.jp", Role::Admin).await;
    let (a, b) = (app.new_client(), app.new_client());
    sign_in(&app, &a, "kanri@example.jp", PASSWORD, None).await;
    sign_in(&app, &b, "kanri@example.jp", PASSWORD, None).await;

    // The present password is needed, and the new one must pass the rules.
    let wrong = post_as(
        &app,
        &a,
        "/staff/account",
        &[
            ("current_password", "not it at all"),
            ("new_password", "a much better passphrase"),
            ("new_password_confirm", "a much better passphrase"),
        ],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("id=\"current_password-error\""));
    let common = post_as(
        &app,
        &a,
        "/staff/account",
        &[("current_password", PASSWORD), ("new_password", "qwerty123456"), ("new_password_confirm", "qwerty123456")],
    )
    .await;
    assert_eq!(common.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = post_as(
        &app,
        &a,
        "/staff/account",
        &[
            ("current_password", PASSWORD),
            ("new_password", "a much better passphrase"),
            ("new_password_confirm", "a much better passphrase"),
        ],
    )
    .await;
    assert_eq!(page.location.as_deref(), Some("/staff/account?done=password"), "{}", page.body);
    assert_eq!(get_as(&app, &a, "/staff").await.status, StatusCode::OK, "this browser stays in");
    assert_eq!(get_as(&app, &b, "/staff").await.location.as_deref(), Some("/staff/login"), "the other is out");
    assert_eq!(sign_in(&app, &b, "kanri@example.jp", PASSWORD, None).await.status, StatusCode::UNAUTHORIZED);
    sign_in(&app, &b, "kanri@example.jp", "a much better passphrase", None).await;
    assert_eq!(get_as(&app, &b, "/staff").await.status, StatusCode::OK);

    let page = post_as(&app, &b, "/staff/account", &[("action", "sign-out-everywhere")]).await;
    assert_eq!(page.location.as_deref(), Some("/staff/login"));
    assert_eq!(get_as(&app, &a, "/staff").await.location.as_deref(), Some("/staff/login"));
    assert_eq!(get_as(&app, &b, "/staff").await.location.as_deref(), Some("/staff/login"));
}

#[tokio::test]
async fn an_admin_sends_a_reset_link_that_works_once_for_an_hour() {
    let app = spawn().await;
    app.add_user("kanri@example.jp", Role::Admin).await;
    app.add_user("tanto@example.jp", Role::Staff).await;
    let admin = app.new_client();
    sign_in(&app, &admin, "kanri@example.jp", PASSWORD, None).await;
    let id = app.count("SELECT id FROM staff_users WHERE email = 'tanto@example.jp'").await;
    let page = post_as(&app, &admin, &format!("/admin/users/{id}/send-reset-link"), &[]).await;
    assert_eq!(page.location.as_deref(), Some("/admin/users?done=reset-sent"));
    let mails = app.take_mails().await;
    let url = link(&one(&mails, "tanto@example.jp", "パスワード").text, &format!("{}/staff/reset?token=", app.base));
    let token = url.split("token=").nth(1).unwrap().to_owned();
    let c = app.new_client();
    assert_eq!(get_as(&app, &c, &url).await.status, StatusCode::OK);
    let bad = post_as(
        &app,
        &c,
        "/staff/reset",
        &[("token", &token), ("new_password", "short"), ("new_password_confirm", "short")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = post_as(
        &app,
        &c,
        "/staff/reset",
        &[
            ("token", &token),
            ("new_password", "the staff member's new phrase"),
            ("new_password_confirm", "the staff member's new phrase"),
        ],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(get_as(&app, &c, &url).await.status, StatusCode::NOT_FOUND, "used once");
    assert_eq!(
        sign_in(&app, &c, "tanto@example.jp", "the staff member's new phrase", None).await.status,
        StatusCode::SEE_OTHER
    );

    // Another link, an hour and a minute later: gone.
    post_as(&app, &admin, &format!("/admin/users/{id}/send-reset-link"), &[]).await;
    let mails = app.take_mails().await;
    let url = link(&one(&mails, "tanto@example.jp", "パスワード").text, &format!("{}/staff/reset?token=", app.base));
    app.running.app.clock.advance_secs(61 * 60);
    assert_eq!(get_as(&app, &app.new_client(), &url).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_or_disabled() {
    let app = spawn().await;
    app.add_user("kanri@example.jp", Role::Admin).await;
    let err = madoguchi::app::users::disable(&app.running.app, "kanri@example.jp").await;
    assert!(matches!(err, Err(madoguchi::app::AppError::Invalid(_))), "{err:?}");
    app.add_user("fuku@example.jp", Role::Admin).await;
    madoguchi::app::users::disable(&app.running.app, "kanri@example.jp").await.expect("another admin remains");
}

#[tokio::test]
async fn every_staff_view_is_in_the_access_log_and_managers_read_it_per_case_and_across_users() {
    let app = spawn().await;
    let (reference, _) = file_request(&app, &request_form()).await;
    app.add_user("tanto@example.jp", Role::Staff).await;
    app.add_user("kacho@example.jp", Role::Manager).await;
    let staff = app.new_client();
    sign_in(&app, &staff, "tanto@example.jp", PASSWORD, None).await;
    get_as(&app, &staff, &format!("/staff/cases/{reference}")).await;
    get_as(&app, &staff, "/staff?q=%E5%B1%B1%E7%94%B0").await;
    get_as(&app, &staff, &format!("/staff/cases/{reference}/notices/1")).await;
    let staff_id = app.count("SELECT id FROM staff_users WHERE email = 'tanto@example.jp'").await;
    let rows =
        app.count(&format!("SELECT COUNT(*) FROM access_log WHERE user_id = {staff_id} AND addr = '127.0.0.1'")).await;
    assert!(rows >= 3, "case, queue search and notice, with the address: {rows}");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM access_log WHERE user_id = {staff_id} AND what LIKE 'queue:%q=%'"))
            .await,
        1
    );
    // Staff cannot read the log.
    assert_eq!(get_as(&app, &staff, &format!("/staff/cases/{reference}/access")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(get_as(&app, &staff, "/staff/access-log").await.status, StatusCode::FORBIDDEN);

    let manager = app.new_client();
    sign_in(&app, &manager, "kacho@example.jp", PASSWORD, None).await;
    let page = get_as(&app, &manager, &format!("/staff/cases/{reference}/access")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("tanto") || page.body.contains("staff user"), "who looked");
    assert!(page.body.contains("data-access=\"case\""));
    assert!(page.body.contains("127.0.0.1"));
    let today = app.running.app.today().to_string();
    let page = get_as(&app, &manager, &format!("/staff/access-log?user={staff_id}&from={today}&to={today}")).await;
    assert!(page.body.contains("data-access=\"queue:"), "the search is there");
    assert!(!page.body.contains("data-access=\"access-log\""), "only the chosen user");
    let bad = get_as(&app, &manager, "/staff/access-log?from=yesterday").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let csv = manager
        .get(app.url(&format!("/staff/access-log.csv?user={staff_id}&from={today}&to={today}")))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers().get("content-type").unwrap(), "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.contains(&reference) && csv.contains("127.0.0.1"), "{csv}");
    let manager_id = app.count("SELECT id FROM staff_users WHERE email = 'kacho@example.jp'").await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM access_log WHERE user_id = {manager_id} AND what LIKE 'export:access-log%'"
        ))
        .await,
        1,
        "the download is logged"
    );
}

#[tokio::test]
async fn closed_cases_past_their_years_are_anonymised_and_the_reports_and_chains_stay() {
    let app = spawn().await;
    let (reference, _) = file_request(&app, &request_form()).await;
    app.login_as(Role::Manager).await;
    let page = app.post(&format!("/staff/cases/{reference}/message"), &[("body", "山田様へのご連絡")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = app.post(&format!("/staff/cases/{reference}/withdraw"), &[("reason", "ご本人から取り下げの電話")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let month = app.running.app.today().strftime("%Y-%m").to_string();
    let month = madoguchi::app::reports::Month::parse(&month).unwrap();
    let before = madoguchi::app::reports::month_csv(&app.running.app, month).await.unwrap();

    // A dry run lists, and changes nothing.
    app.running.app.clock.advance_days(3 * 366);
    let dry = madoguchi::app::retention::run(&app.running.app, true).await.unwrap();
    assert_eq!(dry.count("closed_cases_anonymised"), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM cases WHERE anonymised_at IS NOT NULL").await, 0);

    let done = madoguchi::app::retention::run(&app.running.app, false).await.unwrap();
    assert_eq!(done.count("closed_cases_anonymised"), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM cases WHERE subject_name = '' AND contact_email IS NULL AND details = ''")
            .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM messages WHERE body <> ''").await, 0, "the texts are gone");
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE body_text IS NOT NULL OR to_addr <> ''").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM retention_runs WHERE class = 'closed_cases_anonymised' AND count = 1").await,
        1
    );
    assert!(app.event_kinds(&reference).await.contains(&"anonymised".to_owned()));
    // The coded record stays: the month's report is the same, and the chain verifies.
    let after = madoguchi::app::reports::month_csv(&app.running.app, month).await.unwrap();
    assert_eq!(before, after, "past reports do not change");
    assert!(madoguchi::app::audit::verify_all(&app.running.app).await.unwrap().is_empty(), "audit verify is green");
    // Staff see that the name was removed, not a blank.
    app.login_as(Role::Admin).await;
    let case = app.get(&format!("/staff/cases/{reference}")).await;
    assert!(case.body.contains("保存期間を過ぎて消去済み"), "{}", case.body);
    assert!(!case.body.contains("山田"), "no name is left on the case page");
    let queue = app.get("/staff?state=closed").await;
    assert!(queue.body.contains("保存期間を過ぎて消去済み"));
    // And the search index forgot the name too.
    let search = app.get("/staff?state=closed&q=%E5%B1%B1%E7%94%B0+%E5%A4%AA%E9%83%8E").await;
    assert!(!search.body.contains(&format!("/staff/cases/{reference}\"")), "the name no longer finds the case");
    // Nothing twice.
    let again = madoguchi::app::retention::run(&app.running.app, false).await.unwrap();
    assert_eq!(again.count("closed_cases_anonymised"), 0);
}

#[tokio::test]
async fn a_backup_taken_under_writes_restores_into_a_fresh_data_dir_whole() {
    let app = spawn().await;
    let file = app.dir.path().join("backup.db");
    if app.backend == "postgres" {
        let out = madoguchi::app::backup::to_file(&app.running.app, &file, "postgres://u:secret@db/x").await.unwrap();
        match out {
            madoguchi::app::backup::Outcome::UsePgDump { command } => {
                assert!(command.starts_with("pg_dump") && !command.contains("secret"), "{command}");
            }
            other => panic!("{other:?}"),
        }
        return;
    }
    for i in 0..5 {
        let email = format!("p{i}@example.jp");
        file_request(&app, &common::with(request_form(), "contact_email", &email)).await;
    }
    // Writes go on while the backup is taken.
    let writer = {
        let (base, client) = (app.base.clone(), app.new_client());
        tokio::spawn(async move {
            for i in 0..30 {
                let form = client.get(format!("{base}/requests/new")).send().await.unwrap().text().await.unwrap();
                let token = common::csrf_of(&form);
                let email = format!("load{i}@example.jp");
                let mut fields = common::with(request_form(), "contact_email", &email);
                fields.push(("csrf_token", &token));
                client.post(format!("{base}/requests")).form(&fields).send().await.unwrap();
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let out = madoguchi::app::backup::to_file(&app.running.app, &file, "").await.unwrap();
    assert!(matches!(out, madoguchi::app::backup::Outcome::Written { bytes } if bytes > 0));
    writer.await.unwrap();
    let err = madoguchi::app::backup::to_file(&app.running.app, &file, "").await;
    assert!(err.is_err(), "an existing file is never overwritten");

    // What the backup holds, read directly.
    let backup = sqlx::SqlitePool::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    let (in_backup,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cases").fetch_one(&backup).await.unwrap();
    let (events,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM case_events").fetch_one(&backup).await.unwrap();
    backup.close().await;
    assert!(in_backup >= 5);

    // Restore: a fresh data dir, the backup as its database, the same key.
    let fresh = tempfile::tempdir().unwrap();
    std::fs::copy(&file, fresh.path().join("madoguchi.db")).unwrap();
    let mut cfg = common::config(fresh.path().to_path_buf(), None, None);
    cfg.data_key = app.data_key.clone();
    let restored = madoguchi::start(cfg).await.expect("the restored copy starts");
    let db =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", fresh.path().join("madoguchi.db").display())).await.unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cases").fetch_one(&db).await.unwrap();
    let (e,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM case_events").fetch_one(&db).await.unwrap();
    assert_eq!((n, e), (in_backup, events), "every case and event is there");
    assert!(madoguchi::app::audit::verify_all(&restored.app).await.unwrap().is_empty(), "every chain verifies");
    assert!(
        !std::fs::read_dir(fresh.path()).unwrap().any(|f| f.unwrap().file_name() == "madoguchi.key"),
        "no key came with it"
    );
    restored.shutdown().await;
}
