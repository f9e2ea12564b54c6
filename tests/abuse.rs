//! Issue 12: what an attacker probe of the running app found, each attack
//! reproduced against the real router and database, and refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{Page, TestApp, file_request, link, one, request_form, spawn, spawn_with, with};
use madoguchi::domain::Role;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "correct horse battery staple";

fn localhost_is_a_proxy(c: &mut madoguchi::config::Config) {
    c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
}

/// A login form posted from `client`, as the client at `forwarded` when the
/// app believes localhost's `X-Forwarded-For`.
async fn login_from(app: &TestApp, client: &reqwest::Client, email: &str, password: &str, forwarded: &str) -> Page {
    let fields = [("email", email), ("password", password)];
    app.post_as(client, "/staff/login", &fields, &[("x-forwarded-for", forwarded)]).await
}

#[tokio::test]
async fn a_hundred_parallel_guesses_at_one_account_check_at_most_ten() {
    let app = spawn().await;
    app.add_user("kanri@example.jp", Role::Admin).await;
    let mut tasks = Vec::new();
    for i in 0..100 {
        let (client, url) = (app.new_client(), app.base.clone());
        tasks.push(tokio::spawn(async move {
            let form = client.get(format!("{url}/staff/login")).send().await.unwrap().text().await.unwrap();
            let token = common::csrf_of(&form);
            let guess = format!("wrong guess number {i}");
            let form = [("email", "kanri@example.jp"), ("password", guess.as_str()), ("csrf_token", token.as_str())];
            client.post(format!("{url}/staff/login")).form(&form).send().await.unwrap().status()
        }));
    }
    let mut checked = 0;
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(checked <= 10, "only ten passwords were checked, not {checked}");
    assert_eq!(checked + refused, 100);
}

#[tokio::test]
async fn wrong_passwords_from_a_stranger_do_not_lock_a_colleague_out_and_the_owner_is_told() {
    let app = spawn_with(localhost_is_a_proxy).await;
    app.add_user("kanri@example.jp", Role::Admin).await;
    let attacker = app.new_client();
    for i in 0..12 {
        let page =
            login_from(&app, &attacker, "kanri@example.jp", &format!("guess {i} is wrong"), "198.51.100.66").await;
        let expected = if i < 10 { StatusCode::UNAUTHORIZED } else { StatusCode::TOO_MANY_REQUESTS };
        assert_eq!(page.status, expected, "attempt {i}");
    }
    // The staff member, at their own desk, still gets in with their password.
    let colleague = app.new_client();
    let page = login_from(&app, &colleague, "kanri@example.jp", PASSWORD, "203.0.113.10").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // And hears, once, that someone tried.
    let mails = app.take_mails().await;
    let warning = one(&mails, "kanri@example.jp", "サインインの失敗");
    assert!(warning.text.contains("10 回失敗"), "{}", warning.text);
}

#[tokio::test]
async fn an_unknown_account_gets_the_same_answer_as_a_wrong_password() {
    let app = spawn().await;
    app.add_user("kanri@example.jp", Role::Admin).await;
    let wrong =
        app.post("/staff/login", &[("email", "kanri@example.jp"), ("password", "not the password at all")]).await;
    let unknown =
        app.post("/staff/login", &[("email", "nobody@example.jp"), ("password", "not the password at all")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let message = |p: &Page| p.body.split("role=\"alert\"").nth(1).map(|s| s[..200.min(s.len())].to_owned());
    assert_eq!(message(&wrong), message(&unknown));
    // Nobody is told about an account that does not exist.
    for _ in 0..12 {
        app.post("/staff/login", &[("email", "nobody@example.jp"), ("password", "not the password at all")]).await;
    }
    assert!(app.take_mails().await.is_empty());
}

#[tokio::test]
async fn x_forwarded_for_from_an_untrusted_peer_does_not_reset_the_throttle() {
    let app = spawn().await;
    app.add_user("kanri@example.jp", Role::Admin).await;
    let client = app.new_client();
    for i in 0..10 {
        let page = login_from(&app, &client, "kanri@example.jp", "wrong password here", &format!("192.0.2.{i}")).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let page = login_from(&app, &client, "kanri@example.jp", "wrong password here", "192.0.2.200").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "the forged address was ignored");
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_throttle_keys_on_the_forwarded_client() {
    let app = spawn_with(localhost_is_a_proxy).await;
    app.add_user("kanri@example.jp", Role::Admin).await;
    let client = app.new_client();
    for _ in 0..10 {
        login_from(&app, &client, "kanri@example.jp", "wrong password here", "198.51.100.1").await;
    }
    let blocked = login_from(&app, &client, "kanri@example.jp", "wrong password here", "198.51.100.1").await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.body.contains("name=\"email\" value=\"kanri@example.jp\""), "the address is kept");
    // Another client behind the same proxy is not the one who guessed.
    let other = login_from(&app, &client, "kanri@example.jp", PASSWORD, "198.51.100.2").await;
    assert_eq!(other.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_csrf_token_of_the_login_page_dies_at_login() {
    let app = spawn().await;
    app.add_user("kanri@example.jp", Role::Admin).await;
    let before = app.csrf().await;
    app.login("kanri@example.jp", PASSWORD).await;
    let after = app.csrf().await;
    assert_ne!(before, after, "a new token with the new session");
    let page = app.post_raw("/staff/logout", &[("csrf_token", &before)]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "the old token is refused");
}

#[tokio::test]
async fn common_and_silly_passwords_are_refused_when_an_admin_adds_a_user() {
    let app = spawn().await;
    app.login_as(Role::Admin).await;
    for (password, says) in [
        ("qwerty123456", "よく使われていて"),
        ("                ", "空白だけ"),
        ("newcomer@example.jp", "メールアドレスと同じ"),
    ] {
        let form =
            [("email", "newcomer@example.jp"), ("display_name", "新人"), ("role", "staff"), ("password", password)];
        let page = app.post("/admin/users", &form).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{password:?}");
        assert!(page.body.contains(says), "{password:?}: {}", page.body);
        assert!(page.body.contains("value=\"newcomer@example.jp\""), "the input is kept");
    }
    let long = "x".repeat(1025);
    let form =
        [("email", "newcomer@example.jp"), ("display_name", "新人"), ("role", "staff"), ("password", long.as_str())];
    assert_eq!(app.post("/admin/users", &form).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT COUNT(*) FROM staff_users WHERE email = 'newcomer@example.jp'").await, 0);
}

#[tokio::test]
async fn a_name_with_a_line_break_never_reaches_an_e_mail() {
    let app = spawn().await;
    let form = with(request_form(), "subject_name", "山田 太郎\r\nBcc: victim@example.com");
    let page = app.post("/requests", &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("改行を入れられません"), "a clear message");
    assert!(page.body.contains("id=\"subject_name-error\""), "tied to its field");
    let form = with(request_form(), "details", "開示を求めます\u{202E}txt.exe");
    let page = app.post("/requests", &form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("制御文字"));
    assert_eq!(app.count("SELECT COUNT(*) FROM cases").await, 0);
    assert!(app.take_mails().await.is_empty());
}

#[tokio::test]
async fn a_name_that_looks_like_a_link_is_not_one_in_the_html_mail() {
    let app = spawn().await;
    let form = with(request_form(), "subject_name", "https://evil.example/login");
    app.post("/requests", &form).await;
    let mails = app.take_mails().await;
    let confirm = one(&mails, "taro@example.jp", "確認");
    assert!(confirm.text.contains("https://evil.example/login"), "the text part keeps the name as typed");
    assert!(!confirm.html.contains("https://evil.example"), "{}", confirm.html);
    for (i, _) in confirm.html.match_indices("<a href=\"") {
        assert!(confirm.html[i + 9..].starts_with(&app.base), "only our links are links: {}", &confirm.html[i..]);
    }
}

#[tokio::test]
async fn twenty_requests_to_one_address_send_five_confirmations_and_answer_the_same() {
    let app = spawn().await;
    let mut answers = Vec::new();
    for _ in 0..20 {
        let page = app.post("/requests", &request_form()).await;
        answers.push((page.status, page.location));
    }
    assert!(answers.iter().all(|a| *a == (StatusCode::SEE_OTHER, Some("/requests/sent".to_owned()))), "{answers:?}");
    let mails = app.take_mails().await;
    assert_eq!(mails.iter().filter(|m| m.to.contains("taro@example.jp")).count(), 5, "five an hour");
    // The next hour, the address can be written to again.
    app.running.app.clock.advance_days(1);
    app.post("/requests", &request_form()).await;
    assert_eq!(app.take_mails().await.len(), 1);
    // The administrators see what was held back.
    app.login_as(Role::Admin).await;
    let page = app.get("/admin/users").await;
    assert!(page.body.contains(r#"<tr data-refusal="mail"><td>"#), "{}", page.body);
    let row = page.body.split(r#"data-refusal="mail""#).nth(1).unwrap();
    assert!(row.contains(r#"data-week="15""#), "{row}");
}

#[tokio::test]
async fn resending_a_status_link_over_and_over_sends_five_an_hour() {
    let app = spawn().await;
    let (reference, _) = file_request(&app, &request_form()).await;
    for _ in 0..20 {
        let page = app.post("/status/resend", &[("reference", &reference), ("contact_email", "taro@example.jp")]).await;
        assert_eq!(page.location.as_deref(), Some("/status/resend?sent=1"));
    }
    let mails = app.take_mails().await;
    // The confirmation of the request counted as one of the five.
    assert_eq!(mails.len(), 4, "{:?}", mails.iter().map(|m| &m.subject).collect::<Vec<_>>());
}

#[tokio::test]
async fn submissions_past_the_limit_of_an_address_are_refused_with_the_form_kept() {
    let app = spawn_with(|c| c.intake_limit_per_address = 3).await;
    for i in 0..3 {
        let email = format!("person{i}@example.jp");
        let page = app.post("/requests", &with(request_form(), "contact_email", &email)).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
    }
    let page = app.post("/requests", &with(request_form(), "contact_email", "fourth@example.jp")).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.body.contains("value=\"fourth@example.jp\""), "what was typed is kept");
    assert!(page.body.contains("しばらくしてから"), "and the page says what to do");
    assert_eq!(app.count("SELECT COUNT(*) FROM cases").await, 3);

    let unlimited = spawn_with(|c| c.intake_limit_per_address = 0).await;
    for i in 0..35 {
        let email = format!("load{i}@example.jp");
        let page = unlimited.post("/requests", &with(request_form(), "contact_email", &email)).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "0 lifts the limit");
    }
}

#[tokio::test]
async fn junk_uploads_to_a_case_that_does_not_exist_do_not_use_up_anyone_s_quota() {
    let app = spawn().await;
    let (reference, mails) = file_request(&app, &request_form()).await;
    let receipt = mails.iter().find(|m| m.subject.contains("ご請求を受け付けました")).unwrap();
    app.get(&link(&receipt.text, &format!("{}/status/", app.base))).await;
    let stranger = app.new_client();
    for _ in 0..40 {
        let form = reqwest::multipart::Form::new().text("target", "subject").text("doc_type", "drivers_license");
        let res = stranger.post(app.url("/status/2026-999999/documents")).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    // The requester, from the same address, is still heard (their case does
    // not ask for documents, which says the upload reached the case).
    let token = app.csrf().await;
    let form = reqwest::multipart::Form::new()
        .text("target", "subject")
        .text("doc_type", "drivers_license")
        .text("csrf_token", token)
        .part("file", reqwest::multipart::Part::bytes(b"%PDF-1.4\n".to_vec()).file_name("a.pdf"));
    let res = app.client.post(app.url(&format!("/status/{reference}/documents"))).multipart(form).send().await.unwrap();
    assert_ne!(res.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn three_hundred_glances_at_the_home_page_store_no_session() {
    let app = spawn().await;
    let table = "sessions";
    let before = app.count(&format!("SELECT COUNT(*) FROM {table}")).await;
    let bare = reqwest::Client::new();
    for path in ["/", "/?lang=en", "/requests/print"] {
        for _ in 0..100 {
            assert_eq!(bare.get(app.url(path)).send().await.unwrap().status(), StatusCode::OK);
        }
    }
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM {table}")).await, before, "no row for a glance");
    // A page with a form still has its token, so it may store one.
    let form = bare.get(app.url("/requests/new")).send().await.unwrap();
    assert!(form.headers().get("set-cookie").is_some());
    assert!(form.text().await.unwrap().contains("name=\"csrf_token\" value=\""));
}

#[tokio::test]
async fn https_sites_send_hsts_and_secure_language_cookies_and_every_site_the_policies() {
    let secure = spawn_with(|c| c.base_url = Some("https://madoguchi.example.jp".into())).await;
    let res = reqwest::Client::new().get(secure.url("/?lang=en")).send().await.unwrap();
    let h = res.headers();
    assert_eq!(h.get("strict-transport-security").unwrap(), "max-age=31536000");
    let lang = h.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).find(|c| c.starts_with("lang=")).unwrap();
    assert!(lang.contains("Secure"), "{lang}");
    assert!(h.get("permissions-policy").unwrap().to_str().unwrap().contains("camera=()"));
    assert_eq!(h.get("cross-origin-opener-policy").unwrap(), "same-origin");

    let plain = spawn().await;
    let res = reqwest::Client::new().get(plain.url("/?lang=en")).send().await.unwrap();
    assert!(res.headers().get("strict-transport-security").is_none(), "no HSTS over http");
    assert!(res.headers().get("permissions-policy").is_some());
    assert!(res.headers().get("cross-origin-opener-policy").is_some());
}

/// A PNG that says it is 20000×20000 pixels: 1.6 GB once decoded.
fn png_bomb() -> Vec<u8> {
    fn crc(bytes: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for b in bytes {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc(&body).to_be_bytes());
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &ihdr);
    // A tiny zlib stream of zeros: the rest would inflate to gigabytes.
    chunk(&mut png, b"IDAT", &[0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]);
    chunk(&mut png, b"IEND", &[]);
    png
}

#[tokio::test]
async fn a_twenty_thousand_pixel_square_png_bomb_is_refused() {
    let app = spawn().await;
    let (reference, mails) = file_request(&app, &request_form()).await;
    let receipt = mails.iter().find(|m| m.subject.contains("ご請求を受け付けました")).unwrap();
    app.get(&link(&receipt.text, &format!("{}/status/", app.base))).await;
    app.login_as(Role::Manager).await;
    let page = app.post(&format!("/staff/cases/{reference}/request-identity"), &[("target", "subject")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let token = app.csrf().await;
    let form = reqwest::multipart::Form::new()
        .text("target", "subject")
        .text("doc_type", "drivers_license")
        .text("csrf_token", token)
        .part("file", reqwest::multipart::Part::bytes(png_bomb()).file_name("id.png").mime_str("image/png").unwrap());
    let res = app.client.post(app.url(&format!("/status/{reference}/documents"))).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("画素数が多すぎます"));
    assert_eq!(app.count("SELECT COUNT(*) FROM documents").await, 0);
}

#[tokio::test]
async fn two_hundred_slow_clients_are_cut_off_while_healthz_answers() {
    let app = spawn_with(|c| c.client_timeout_secs = 2).await;
    let addr = app.running.addr;
    let mut slow = Vec::new();
    for _ in 0..200 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
        slow.push(s);
    }
    // A kept-alive connection that goes quiet after one request.
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 1024];
    let n = idle.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));

    let fresh = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let res = fresh.get(app.url("/healthz")).send().await.expect("healthz answers beside 200 slow clients");
    assert_eq!(res.text().await.unwrap(), "ok");

    // Each is closed by the server once the header timeout has passed.
    for mut s in slow.into_iter().chain([idle]) {
        let closed = tokio::time::timeout(Duration::from_secs(10), async {
            let mut buf = [0u8; 512];
            loop {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => return true,
                    Ok(_) => continue,
                }
            }
        })
        .await
        .unwrap_or(false);
        assert!(closed, "a slow connection was left open");
    }
}

#[tokio::test]
async fn a_body_that_stops_coming_is_cut_off_long_before_the_request_timeout() {
    let app = spawn_with(|c| c.client_timeout_secs = 2).await;
    let mut s = tokio::net::TcpStream::connect(app.running.addr).await.unwrap();
    let head = "POST /requests HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\nkind=disc";
    s.write_all(head.as_bytes()).await.unwrap();
    // Nothing more is sent. The 30-second request timeout is not waited for.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(15), async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the connection was closed");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 4"), "a 4xx page, not silence: {answer:.80}");
    assert_eq!(app.count("SELECT COUNT(*) FROM cases").await, 0);
}

#[tokio::test]
async fn a_status_link_ends_after_the_case_closes_and_a_new_one_can_be_asked_for() {
    let app = spawn().await;
    let (reference, mails) = file_request(&app, &request_form()).await;
    let receipt = mails.iter().find(|m| m.subject.contains("ご請求を受け付けました")).unwrap();
    let status_url = link(&receipt.text, &format!("{}/status/", app.base));
    app.login_as(Role::Manager).await;
    let page = app.post(&format!("/staff/cases/{reference}/withdraw"), &[("reason", "ご本人から取り下げの電話")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    app.take_mails().await;
    let requester = app.new_client();
    assert_eq!(requester.get(app.url(&status_url)).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(requester.get(app.url(&format!("/status/{reference}"))).send().await.unwrap().status(), StatusCode::OK);

    app.running.app.clock.advance_days(91);
    let res = requester.get(app.url(&format!("/status/{reference}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::GONE);
    let body = res.text().await.unwrap();
    assert!(body.contains("90 日で使えなくなります"), "{body}");
    assert!(body.contains("href=\"/status/resend\""), "the page says how to ask for a new one");
    assert_eq!(requester.get(app.url(&status_url)).send().await.unwrap().status(), StatusCode::GONE);

    // A new link, sent to the address of the request, works again.
    let page = app.post("/status/resend", &[("reference", &reference), ("contact_email", "taro@example.jp")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let mails = app.take_mails().await;
    let fresh = link(&one(&mails, "taro@example.jp", "状況確認ページ").text, &format!("{}/status/", app.base));
    assert_ne!(fresh, status_url);
    let again = app.new_client();
    assert_eq!(again.get(app.url(&fresh)).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(again.get(app.url(&format!("/status/{reference}"))).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(app.new_client().get(app.url(&status_url)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn staff_revoke_a_leaked_status_link_and_the_requester_gets_a_new_one_by_mail() {
    let app = spawn().await;
    let (reference, mails) = file_request(&app, &request_form()).await;
    let receipt = mails.iter().find(|m| m.subject.contains("ご請求を受け付けました")).unwrap();
    let leaked = link(&receipt.text, &format!("{}/status/", app.base));
    app.login_as(Role::Staff).await;
    let case = app.get(&format!("/staff/cases/{reference}")).await;
    assert!(case.body.contains(&format!("action=\"/staff/cases/{reference}/revoke-status-link\"")));
    let page = app.post(&format!("/staff/cases/{reference}/revoke-status-link"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(app.event_kinds(&reference).await.contains(&"status_link_revoked".to_owned()));
    assert_eq!(app.new_client().get(app.url(&leaked)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let case = app.get(&format!("/staff/cases/{reference}")).await;
    assert!(case.body.contains("状況確認リンクを無効にした"), "on the timeline");

    let page = app.post("/status/resend", &[("reference", &reference), ("contact_email", "taro@example.jp")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let mails = app.take_mails().await;
    let fresh = link(&one(&mails, "taro@example.jp", "状況確認ページ").text, &format!("{}/status/", app.base));
    assert_ne!(fresh, leaked);
    assert_eq!(app.new_client().get(app.url(&fresh)).send().await.unwrap().status(), StatusCode::SEE_OTHER);
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Who {
    Anyone,
    Requester,
    Staff,
    Manager,
    Admin,
}

/// Every route of the router, GET and POST, for every actor: nobody gets a
/// 2xx where their role does not reach, and everyone whose role does gets
/// past the door (not 403, 404 or the login page).
#[tokio::test]
async fn every_route_for_every_actor_answers_2xx_only_to_the_roles_it_is_for() {
    use Who::*;
    let app = spawn().await;
    let (reference, mails) = file_request(&app, &request_form()).await;
    let receipt = mails.iter().find(|m| m.subject.contains("ご請求を受け付けました")).unwrap();
    let status_url = link(&receipt.text, &format!("{}/status/", app.base));
    let requester = app.new_client();
    requester.get(app.url(&status_url)).send().await.unwrap();
    let mut clients = vec![(Anyone, app.new_client()), (Requester, requester)];
    for (who, role) in [(Staff, Role::Staff), (Manager, Role::Manager), (Admin, Role::Admin)] {
        let email = format!("{}@example.jp", role.code());
        app.add_user(&email, role).await;
        let client = app.new_client();
        let page = login_from(&app, &client, &email, PASSWORD, "").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        clients.push((who, client));
    }
    let (other_id,): (i64,) = {
        let store = &app.db;
        common::on!(read store, c => sqlx::query_as("SELECT id FROM staff_users WHERE email = 'staff@example.jp'").fetch_one(c).await).unwrap()
    };
    let r = reference.as_str();
    // (method, path, who at least, whether the thing exists so that the allowed get past the door)
    let routes: Vec<(&str, String, Who, bool)> = vec![
        ("GET", "/".into(), Anyone, true),
        ("GET", "/requests/new".into(), Anyone, true),
        ("GET", "/requests/print".into(), Anyone, true),
        ("GET", "/requests/sent".into(), Anyone, false),
        ("GET", "/requests/confirm?token=nothing".into(), Anyone, false),
        ("GET", "/status/resend".into(), Anyone, true),
        ("GET", "/staff/login".into(), Anyone, true),
        ("GET", "/setup?token=nothing".into(), Anyone, false),
        ("GET", "/healthz".into(), Anyone, true),
        ("GET", "/readyz".into(), Anyone, true),
        ("GET", "/static/app.css".into(), Anyone, true),
        ("GET", format!("/status/{r}"), Requester, true),
        ("GET", format!("/status/{r}/receipts/1"), Requester, false),
        ("GET", format!("/status/{r}/notices/1"), Requester, false),
        ("GET", format!("/status/{r}/results/1"), Requester, false),
        ("GET", "/staff".into(), Staff, true),
        ("GET", "/staff/intake".into(), Staff, true),
        ("GET", format!("/staff/cases/{r}"), Staff, true),
        ("GET", format!("/staff/cases/{r}/notices/1"), Staff, false),
        ("GET", format!("/staff/cases/{r}/receipts/1"), Staff, false),
        ("GET", format!("/staff/cases/{r}/documents/1"), Staff, false),
        ("GET", "/staff/reports".into(), Manager, true),
        ("GET", "/staff/reports/2026-11.csv".into(), Manager, true),
        ("GET", "/staff/reports/2026-11.xlsx".into(), Manager, true),
        ("GET", "/staff/reports/2026-11.csv?personal=1".into(), Admin, true),
        ("GET", "/staff/exports/cases.csv".into(), Manager, true),
        ("GET", "/staff/exports/events.csv?from=2026-11-01&to=2026-11-30".into(), Manager, true),
        ("GET", "/staff/deadlines".into(), Manager, true),
        ("GET", "/staff/account".into(), Staff, true),
        ("GET", "/staff/login/totp".into(), Anyone, false),
        ("GET", "/staff/reset?token=nothing".into(), Anyone, false),
        ("GET", "/staff/access-log".into(), Manager, true),
        ("GET", "/staff/access-log.csv".into(), Manager, true),
        ("GET", format!("/staff/cases/{r}/access"), Manager, true),
        ("GET", "/admin/users".into(), Admin, true),
        ("GET", "/admin/settings".into(), Admin, true),
        ("GET", "/admin/api-tokens".into(), Admin, true),
        ("GET", "/admin/webhooks".into(), Admin, true),
        ("GET", "/admin/outbox".into(), Admin, true),
        ("GET", "/admin/inventory".into(), Staff, true),
        ("GET", "/admin/inventory.csv".into(), Staff, true),
        ("GET", "/admin/inventory/999999".into(), Admin, false),
        ("GET", "/staff/provisions".into(), Staff, true),
        ("POST", "/staff/login".into(), Anyone, true),
        ("POST", "/requests".into(), Anyone, true),
        ("POST", "/requests/confirm".into(), Anyone, false),
        ("POST", "/status/resend".into(), Anyone, true),
        ("POST", "/setup".into(), Anyone, false),
        ("POST", format!("/status/{r}/messages"), Requester, true),
        ("POST", format!("/status/{r}/documents"), Requester, true),
        ("POST", "/staff/intake".into(), Staff, true),
        ("POST", "/staff/assign".into(), Staff, true),
        ("POST", format!("/staff/cases/{r}/note"), Staff, true),
        ("POST", format!("/staff/cases/{r}/assign"), Staff, true),
        ("POST", format!("/staff/cases/{r}/attach-result"), Staff, true),
        ("POST", format!("/staff/cases/{r}/waive-fee"), Manager, true),
        ("POST", "/staff/deadlines".into(), Manager, true),
        ("POST", "/staff/account".into(), Staff, true),
        ("POST", "/staff/account/totp/start".into(), Staff, true),
        ("POST", "/staff/account/totp/confirm".into(), Staff, true),
        ("POST", "/staff/account/totp/disable".into(), Staff, true),
        ("POST", "/staff/login/totp".into(), Anyone, false),
        ("POST", "/staff/reset".into(), Anyone, false),
        ("POST", format!("/admin/users/{other_id}/send-reset-link"), Admin, true),
        ("POST", "/admin/users".into(), Admin, true),
        ("POST", format!("/admin/users/{other_id}"), Admin, true),
        ("POST", "/admin/settings".into(), Admin, true),
        ("POST", "/admin/api-tokens".into(), Admin, true),
        ("POST", "/admin/api-tokens/999999/revoke".into(), Admin, false),
        ("POST", "/admin/webhooks".into(), Admin, true),
        ("POST", "/admin/outbox/999999/resend".into(), Admin, false),
        ("POST", "/admin/outbox/999999/handled".into(), Admin, false),
        ("POST", "/admin/webhooks/999999/disable".into(), Admin, false),
        ("POST", "/admin/webhooks/deliveries/999999/resend".into(), Admin, false),
        ("POST", "/admin/inventory".into(), Admin, true),
        ("POST", "/admin/inventory/import".into(), Admin, true),
        ("POST", "/admin/inventory/999999".into(), Admin, false),
        ("POST", "/admin/inventory/999999/retire".into(), Admin, false),
        ("POST", "/staff/provisions".into(), Staff, true),
        ("POST", format!("/staff/cases/{r}/tasks/999999"), Staff, false),
        ("POST", format!("/staff/cases/{r}/attach-provisions"), Staff, true),
    ];
    let mut unexpected = Vec::new();
    for (method, path, needed, exists) in &routes {
        for (who, client) in &clients {
            let allowed = match needed {
                Anyone => true,
                Requester => *who == Requester,
                role => *who >= *role && *who != Requester,
            };
            let res = if *method == "GET" {
                client.get(app.url(path)).send().await.unwrap()
            } else {
                let form = client.get(app.url("/requests/new")).send().await.unwrap().text().await.unwrap();
                let token = common::csrf_of(&form);
                if path.ends_with("/documents") || path.ends_with("/attach-result") || path.ends_with("/import") {
                    let form = reqwest::multipart::Form::new().text("csrf_token", token);
                    client.post(app.url(path)).multipart(form).send().await.unwrap()
                } else {
                    client.post(app.url(path)).form(&[("csrf_token", token.as_str())]).send().await.unwrap()
                }
            };
            let status = res.status();
            let to_login =
                res.headers().get("location").is_some_and(|l| l.to_str().unwrap().starts_with("/staff/login"));
            if !allowed && status.is_success() {
                unexpected.push(format!("{method} {path} as {who:?}: {status} though it is for {needed:?}"));
            }
            if allowed && *exists && (status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND || to_login) {
                unexpected.push(format!("{method} {path} as {who:?}: {status} though it is for {needed:?}"));
            }
        }
    }
    assert!(unexpected.is_empty(), "{} unexpected answers:\n{}", unexpected.len(), unexpected.join("\n"));
    // And logging out ends each staff session.
    for (who, client) in &clients[2..] {
        let form = client.get(app.url("/requests/new")).send().await.unwrap().text().await.unwrap();
        let token = common::csrf_of(&form);
        let res = client.post(app.url("/staff/logout")).form(&[("csrf_token", token.as_str())]).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{who:?}");
        let res = client.get(app.url("/staff")).send().await.unwrap();
        assert_eq!(res.headers().get("location").unwrap(), "/staff/login", "{who:?} is logged out");
    }
}
