//! Every bad input, forged form, missing role and illegal move is refused
//! with a clear answer and changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, file_request, request_form, spawn, with};
use madoguchi::domain::Role;
use reqwest::StatusCode;

async fn nothing_stored(app: &TestApp) {
    assert_eq!(app.count("SELECT COUNT(*) FROM cases").await, 0, "no case stored");
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0, "no mail queued");
}

#[tokio::test]
async fn each_bad_field_of_the_request_form_is_refused_with_its_message_and_the_input_kept() {
    let app = spawn().await;
    let cases: &[(&str, &str, &str)] = &[
        ("kind", "", "選択してください。"),
        ("kind", "everything", "選択肢から選んでください。"),
        ("subject_name", "", "入力してください。"),
        ("contact_email", "taro@", "メールアドレスの形式が正しくありません"),
        ("contact_email", "", "入力してください。"),
        ("filer", "neighbour", "選択肢から選んでください。"),
        ("delivery", "", "選択してください。"),
        ("delivery", "fax", "選択肢から選んでください。"),
        ("details", "", "入力してください。"),
        ("consent", "", "同意してください"),
        ("subject_birth_date", "1980/04/01", "1980-04-01 の形"),
        ("subject_postal_code", "12-34", "7桁の数字"),
    ];
    for (field, value, message) in cases {
        let page = app.post("/requests", &with(request_form(), field, value)).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}={value:?}");
        assert!(page.body.contains(message), "{field}={value:?} explains itself with {message:?}");
        assert!(page.body.contains(&format!(r##"href="#{field}""##)), "the summary links to {field}");
        if *field != "subject_name" {
            assert!(page.body.contains("山田 太郎"), "the name typed is kept ({field})");
        }
        if *field != "details" {
            assert!(page.body.contains("会員サービスで保有している"), "the details typed are kept ({field})");
        }
    }
    let long = "あ".repeat(5001);
    let page = app.post("/requests", &with(request_form(), "details", &long)).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("5,000文字以内"));
    nothing_stored(&app).await;
    app.running.shutdown().await;
}

#[tokio::test]
async fn an_agent_must_name_themself_and_a_postal_answer_needs_an_address() {
    let app = spawn().await;
    let form = with(request_form(), "filer", "appointed_agent");
    let page = app.post("/requests", &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains(r##"href="#agent_name""##) && page.body.contains(r##"href="#agent_relationship""##));
    let page = app.post("/requests", &with(request_form(), "delivery", "postal")).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("郵送での受け取りには住所が必要です。"));
    nothing_stored(&app).await;
    app.running.shutdown().await;
}

#[tokio::test]
async fn the_form_speaks_english_when_asked() {
    let app = spawn().await;
    let page = app.get("/requests/new?lang=en").await;
    assert!(page.body.contains(r#"<html lang="en">"#));
    let page = app.post("/requests", &with(request_form(), "contact_email", "nope")).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("This is not a valid e-mail address"), "the language is remembered in a cookie");
    nothing_stored(&app).await;
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_filled_honeypot_gets_the_normal_answer_and_nothing_is_stored_or_sent() {
    let app = spawn().await;
    let page = app.post("/requests", &with(request_form(), "website", "http://spam.example")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/requests/sent"));
    let page = app.get("/requests/sent").await;
    assert!(page.body.contains("taro@example.jp"));
    nothing_stored(&app).await;
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_post_without_a_valid_csrf_token_is_refused() {
    let app = spawn().await;
    let mut form = request_form();
    let page = app.post_raw("/requests", &form).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "missing token");
    form.push(("csrf_token", "forged"));
    let page = app.post_raw("/requests", &form).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "wrong token");
    assert!(page.body.contains("もう一度送信してください"), "the form says why");
    assert!(page.body.contains("会員サービスで保有している"), "and keeps what was typed");
    let page = app.post_raw("/staff/logout", &[("csrf_token", "forged")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("フォームの有効期限が切れました"));
    nothing_stored(&app).await;

    // Staff actions too.
    let (reference, _) = file_request(&app, &request_form()).await;
    app.login_as(Role::Staff).await;
    let page = app.post_raw(&format!("/staff/cases/{reference}/start"), &[("csrf_token", "forged")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = app.post_raw(&format!("/staff/cases/{reference}/note"), &[("body", "x")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.event_kinds(&reference).await, ["submitted", "email_confirmed", "received"]);
    app.running.shutdown().await;
}

#[tokio::test]
async fn staff_routes_refuse_anonymous_visitors_and_lower_roles() {
    let app = spawn().await;
    let (reference, _) = file_request(&app, &request_form()).await;
    for path in [
        "/staff",
        "/staff/intake",
        &format!("/staff/cases/{reference}"),
        "/staff/reports",
        "/admin/users",
        "/admin/settings",
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location.as_deref(), Some("/staff/login"), "{path}");
    }
    let page = app.post(&format!("/staff/cases/{reference}/note"), &[("body", "x")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/staff/login"));

    app.login_as(Role::Staff).await;
    assert_eq!(app.get("/staff").await.status, StatusCode::OK);
    for path in ["/staff/reports", "/staff/reports/2026-01.csv", "/admin/users", "/admin/settings"] {
        assert_eq!(app.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    let page = app
        .post(
            "/admin/users",
            &[
                ("email", "x@example.jp"),
                ("display_name", "x"),
                ("role", "admin"),
                ("password", "long enough password"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM staff_users").await, 1);

    // Waiving a fee is for managers.
    let act = |a: &str| format!("/staff/cases/{reference}/{a}");
    assert_eq!(
        app.post(&act("request-fee"), &[("amount", "500")]).await.status,
        StatusCode::SEE_OTHER,
        "the scheduled fee needs no reason"
    );
    let page = app.post(&act("waive-fee"), &[("reason", "生活保護受給者のため")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM fee_entries WHERE entry = 'waiver'").await, 0);
    app.running.shutdown().await;
}

#[tokio::test]
async fn illegal_moves_are_refused_with_409_and_change_nothing() {
    let app = spawn().await;
    let (reference, _) = file_request(&app, &request_form()).await;
    app.take_mails().await;
    app.login_as(Role::Manager).await;
    let act = |a: &str| format!("/staff/cases/{reference}/{a}");

    let page = app.post(&act("start"), &[]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("本人確認が済んでいません"), "the reason is shown");
    assert!(page.body.contains(&format!(r#"data-reference="{reference}""#)), "on the case page");

    let page = app.post(&act("close"), &[("outcome", "granted")]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    let page = app.post(&act("reopen"), &[("reason", "x")]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);

    // A fee on a correction: APPI Art. 38.
    let (correction, _) = file_request(&app, &with(with(request_form(), "kind", "correction"), "delivery", "")).await;
    app.take_mails().await;
    let page = app.post(&format!("/staff/cases/{correction}/request-fee"), &[("amount", "300")]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("第38条"));

    assert_eq!(app.case_state(&reference).await, "received");
    assert_eq!(app.event_kinds(&reference).await, ["submitted", "email_confirmed", "received"]);
    assert_eq!(app.event_kinds(&correction).await, ["submitted", "email_confirmed", "received"]);
    assert!(app.take_mails().await.is_empty());
    app.running.shutdown().await;
}

#[tokio::test]
async fn bad_action_fields_are_refused_with_422_and_the_input_kept() {
    let app = spawn().await;
    let (reference, _) = file_request(&app, &request_form()).await;
    app.take_mails().await;
    app.login_as(Role::Manager).await;
    let act = |a: &str| format!("/staff/cases/{reference}/{a}");
    let tomorrow = app.running.app.today().saturating_add(jiff::ToSpan::days(1)).to_string();
    let today = app.running.app.today().to_string();
    let bad_payments: &[(&str, &str, &str, &str)] = &[
        ("-300", "cash", &today, "円単位の整数"),
        ("1.5", "cash", &today, "円単位の整数"),
        ("abc", "cash", &today, "円単位の整数"),
        ("0", "cash", &today, "1円以上"),
        ("300", "bitcoin", &today, "選択肢から選んでください"),
        ("300", "cash", &tomorrow, "未来の日付"),
        ("300", "cash", "2026/01/01", "2026-04-01 の形"),
    ];
    for (amount, method, paid_on, message) in bad_payments {
        let page = app
            .post(
                &act("record-payment"),
                &[("amount", amount), ("method", method), ("paid_on", paid_on), ("payment_ref", "REF-77")],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{amount} {method} {paid_on}");
        assert!(page.body.contains(message), "{amount} {method} {paid_on}: {message}");
        assert!(page.body.contains(r#"value="REF-77""#), "the reference typed is kept");
    }
    let page = app.post(&act("request-clarification"), &[("body", "  ")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = app.post(&act("withdraw"), &[("reason", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = app.post(&act("verify-identity"), &[("target", "agent"), ("method", "postal_copy")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "no agent on a self-filed case");
    let page = app.post(&act("close"), &[("outcome", "refused"), ("explanation", "x")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "a refusal needs reasons (Art. 36)");
    assert!(page.body.contains("第36条"));

    assert_eq!(app.event_kinds(&reference).await, ["submitted", "email_confirmed", "received"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM fee_entries").await, 0);
    assert!(app.take_mails().await.is_empty());
    app.running.shutdown().await;
}

#[tokio::test]
async fn unknown_references_and_bad_tokens_are_404() {
    let app = spawn().await;
    let (reference, _) = file_request(&app, &request_form()).await;
    assert_eq!(app.get("/requests/confirm?token=not-a-token").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.post("/requests/confirm", &[("token", "not-a-token")]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/status/{reference}?token=forged")).await.status, StatusCode::NOT_FOUND);
    let stranger = app.new_client();
    let res = stranger.get(app.url(&format!("/status/{reference}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "no cookie, no status page");
    assert_eq!(app.get("/status/2099-000001?token=x").await.status, StatusCode::NOT_FOUND);
    app.login_as(Role::Staff).await;
    assert_eq!(app.get("/staff/cases/2099-000001").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.post("/staff/cases/2099-000001/start", &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.post(&format!("/staff/cases/{reference}/fly"), &[]).await.status, StatusCode::NOT_FOUND);
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_wrong_password_is_401_and_the_session_is_rotated_on_login() {
    let app = spawn().await;
    let password = app.add_user("staff@example.jp", Role::Staff).await;
    let page = app.post("/staff/login", &[("email", "staff@example.jp"), ("password", "wrong password!!")]).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(page.body.contains("メールアドレスまたはパスワードが違います"));
    assert!(page.body.contains(r#"value="staff@example.jp""#), "the address typed is kept");

    let before = app.client.get(app.url("/staff/login")).send().await.unwrap();
    let cookie_before =
        before.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect::<Vec<_>>();
    let _ = cookie_before;
    let token = app.csrf().await;
    let res = app
        .client
        .post(app.url("/staff/login"))
        .form(&[("email", "staff@example.jp"), ("password", password.as_str()), ("csrf_token", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let set = res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert!(
        set.iter().any(|c| c.starts_with("madoguchi_session=") && c.contains("HttpOnly") && c.contains("SameSite=Lax")),
        "{set:?}"
    );
    assert_eq!(app.get("/staff").await.status, StatusCode::OK);
    app.running.shutdown().await;
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled() {
    let app = spawn().await;
    let password = app.add_user("staff@example.jp", Role::Staff).await;
    for _ in 0..10 {
        let page = app.post("/staff/login", &[("email", "staff@example.jp"), ("password", "guess guess guess")]).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let page = app.post("/staff/login", &[("email", "staff@example.jp"), ("password", &password)]).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    app.running.shutdown().await;
}

#[tokio::test]
async fn the_setup_link_creates_the_first_admin_once() {
    let app = spawn().await;
    let link = madoguchi::app::users::setup_link(&app.running.app).await.unwrap().expect("no users yet");
    let token = link.split("token=").nth(1).unwrap().to_owned();
    assert_eq!(app.get("/setup?token=wrong").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/setup?token={token}")).await.status, StatusCode::OK);
    let page = app
        .post(
            "/setup",
            &[
                ("token", &token),
                ("email", "admin@example.jp"),
                ("display_name", "管理 者"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("12文字以上"));
    assert!(page.body.contains(r#"value="admin@example.jp""#));
    let pw = "a long and good password";
    let page = app
        .post(
            "/setup",
            &[
                ("token", &token),
                ("email", "admin@example.jp"),
                ("display_name", "管理 者"),
                ("password", pw),
                ("password_confirm", pw),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.get("/admin/settings").await.status, StatusCode::OK, "logged in as the admin");
    assert_eq!(app.get(&format!("/setup?token={token}")).await.status, StatusCode::NOT_FOUND, "the link dies");
    assert!(madoguchi::app::users::setup_link(&app.running.app).await.unwrap().is_none());
    app.running.shutdown().await;
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn().await;
    for path in ["/", "/requests/new", "/nope", "/staff/login"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'")
                && csp.contains("object-src 'none'")
                && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
    }
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    let big = "x".repeat(200 * 1024);
    let page = app.post("/requests", &[("details", &big)]).await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.body.contains("大きすぎます"), "the friendly 413 page");
    nothing_stored(&app).await;
    app.running.shutdown().await;
}

#[tokio::test]
async fn admins_change_settings_and_bad_values_are_refused() {
    let app = spawn().await;
    app.login_as(Role::Admin).await;
    let page = app.get("/admin/settings").await;
    let mut fields: Vec<(String, String)> =
        madoguchi::app::settings::SETTINGS.iter().map(|d| (d.key.to_owned(), d.default.to_owned())).collect();
    fields.push(("fee_disclosure_postal".into(), "-1".into()));
    fields.push(("fee_methods".into(), "cash".into()));
    for f in fields.iter_mut() {
        if f.0 == "org_name" {
            f.1 = "窓口商事株式会社".into();
        }
    }
    let _ = page;
    let as_refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let page = app.post("/admin/settings", &as_refs).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("0 以上 100,000 以下"));
    assert!(page.body.contains("窓口商事株式会社"), "input kept");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM settings WHERE key = 'org_name' AND value = '窓口商事株式会社'").await,
        0
    );
    let fixed: Vec<(&str, &str)> =
        as_refs.iter().map(|(k, v)| if *k == "fee_disclosure_postal" { (*k, "800") } else { (*k, *v) }).collect();
    let page = app.post("/admin/settings", &fixed).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let home = app.get("/").await;
    assert!(home.body.contains("窓口商事株式会社"));
    assert!(home.body.contains("800円"), "the public page shows the schedule");
    app.running.shutdown().await;
}

/// The session's CSRF token, taken before the session store is broken
/// (its table dropped) under a running app.
async fn token_then_break_sessions(app: &TestApp) -> String {
    let token = app.csrf().await;
    common::on!(read &app.db, c => sqlx::query("DROP TABLE sessions").execute(c).await.map(|_| ())).unwrap();
    token
}

/// A session store that fails must refuse the form: the CSRF check cannot
/// pass by accident (before, an error loading the session skipped it).
#[tokio::test]
async fn a_failing_session_store_refuses_the_request_form() {
    let app = spawn().await;
    let token = token_then_break_sessions(&app).await;
    let mut fields = request_form();
    fields.push(("csrf_token", &token));
    let page = app.post_raw("/requests", &fields).await;
    assert_ne!(page.status, StatusCode::SEE_OTHER, "the submission did not go through");
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR, "a calm error page");
    assert!(page.body.contains("ただいま処理できませんでした"), "{}", page.body);
    nothing_stored(&app).await;
    app.running.shutdown().await;
}

/// The error page's number is the request id that the log line carries.
#[tokio::test]
async fn the_error_page_shows_the_request_id_of_its_response() {
    let app = spawn().await;
    let token = token_then_break_sessions(&app).await;
    let res = app
        .client
        .post(app.url("/staff/logout"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf_token={token}"))
        .send()
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = res.text().await.unwrap();
    assert!(!id.is_empty() && body.contains(&id), "the page quotes {id}");
    app.running.shutdown().await;
}
