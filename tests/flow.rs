//! The whole life of a request over HTTP, on SQLite or PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{file_request, link, one, request_form, spawn};
use madoguchi::domain::Role;
use reqwest::StatusCode;

#[tokio::test]
async fn a_request_goes_from_the_web_form_to_the_monthly_csv() {
    let app = spawn().await;
    let staff_email = app.login_as(Role::Manager).await;
    let requester = app.new_client();
    let _ = requester;

    // The requester files and confirms.
    let (reference, mails) = file_request(&app, &request_form()).await;
    assert!(reference.len() == 11 && reference.as_bytes()[4] == b'-', "reference {reference}");
    assert_eq!(mails.len(), 3, "confirm, receipt, staff notice: {mails:#?}");
    one(&mails, "taro@example.jp", "メールアドレスの確認");
    let receipt = one(&mails, "taro@example.jp", "ご請求を受け付けました");
    assert!(receipt.text.contains(&reference));
    let due_line = receipt.text.lines().find(|l| l.starts_with("回答予定日")).expect("due date in the receipt");
    one(&mails, &staff_email, "新しい請求が届きました");

    // The status link is exchanged for a cookie, and the page shows the case.
    let status_url = link(&receipt.text, &format!("{}/status/", app.base));
    let page = app.get(&status_url).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some(format!("/status/{reference}").as_str()));
    let page = app.get(&format!("/status/{reference}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!(r#"data-reference="{reference}" data-state="received""#)));
    let due = due_line.trim_start_matches("回答予定日：").trim_end_matches("まで");
    assert!(page.body.contains(&format!(r#"<time datetime="{due}">"#)), "due date {due} on the status page");

    let act = |action: &'static str| format!("/staff/cases/{reference}/{action}");

    // Staff ask for identity documents, then verify them.
    let page = app
        .post(&act("request-identity"), &[("target", "subject"), ("note", "運転免許証の写しをお送りください。")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.case_state(&reference).await, "awaiting_requester");
    let mails = app.take_mails().await;
    assert_eq!(mails.len(), 1);
    let ask = one(&mails, "taro@example.jp", "本人確認書類のご提出のお願い");
    assert!(ask.text.contains("運転免許証の写しをお送りください。"));
    assert!(ask.text.contains("マイナンバーカード（表面のみ"));

    let page = app
        .post(
            &act("verify-identity"),
            &[("target", "subject"), ("method", "postal_copy"), ("doc_type", "drivers_license")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.case_state(&reference).await, "received");
    let mails = app.take_mails().await;
    assert_eq!(mails.len(), 1);
    one(&mails, "taro@example.jp", "本人確認ができました");

    // A fee is requested and paid.
    let page = app.post(&act("request-fee"), &[("amount", "1000"), ("reason", "郵送料の実費")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.case_state(&reference).await, "awaiting_requester");
    let mails = app.take_mails().await;
    assert_eq!(mails.len(), 1);
    let fee = one(&mails, "taro@example.jp", "手数料のお支払いのお願い");
    assert!(fee.text.contains("1,000円"));
    assert!(fee.text.contains("定額小為替"), "payment instructions in the fee mail");

    let today = app.running.app.today().to_string();
    let page = app
        .post(
            &act("record-payment"),
            &[
                ("amount", "1000"),
                ("method", "postal_money_order"),
                ("paid_on", &today),
                ("payment_ref", "小為替 12-345"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.case_state(&reference).await, "received");
    let mails = app.take_mails().await;
    assert_eq!(mails.len(), 1);
    assert!(one(&mails, "taro@example.jp", "手数料の入金を確認しました").text.contains("お支払いは完了しました"));

    // Work starts, and the case is decided.
    let page = app.post(&act("start"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.case_state(&reference).await, "in_progress");
    assert!(app.take_mails().await.is_empty(), "starting work sends nothing");

    let page =
        app.attach_result(&reference, "保有個人データ一覧", "kaiji.csv", "項目,値\n氏名,山田 太郎\n".as_bytes()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app
        .post(&act("close"), &[("outcome", "granted"), ("explanation", "開示書類を電子データでお送りします。")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.case_state(&reference).await, "closed");
    let mails = app.take_mails().await;
    assert_eq!(mails.len(), 2, "the decision, and the results ready to download");
    assert!(one(&mails, "taro@example.jp", "開示結果をダウンロードいただけます").text.contains("/status/"));
    let decision = one(&mails, "taro@example.jp", "ご請求に対する決定のお知らせ");
    assert!(decision.text.contains("対応済み（請求どおり）"));
    assert!(decision.text.contains("個人情報保護委員会"), "where to complain");
    assert!(decision.html.contains("<p>"), "HTML alternative");

    // The audit trail, in order.
    assert_eq!(
        app.event_kinds(&reference).await,
        [
            "submitted",
            "email_confirmed",
            "received",
            "identity_requested",
            "clock_paused",
            "identity_verified",
            "ask_met",
            "clock_resumed",
            "fee_requested",
            "clock_paused",
            "payment_recorded",
            "ask_met",
            "clock_resumed",
            "started",
            "result_attached",
            "closed",
        ]
    );
    let page = app.get(&format!("/staff/cases/{reference}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!(r#"data-reference="{reference}" data-state="closed""#)));
    assert!(!page.body.contains("記録の連鎖が一致しません"), "the hash chain verifies");
    assert!(page.body.contains("action=\"/staff/cases/") && page.body.contains("/reopen\""), "a manager may reopen");
    assert!(!page.body.contains("/start\""), "no illegal action is offered");

    // The monthly CSV counts it.
    let month = &today[..7];
    let res = app.client.get(app.url(&format!("/staff/reports/{month}.csv"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM for Excel");
    let csv = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "reference,kind,channel,filer,state,received_on,due_on,closed_on,outcome,reasons,on_time,days_to_close,\
             fee_requested,fee_paid,fee_waived,fee_refunded,fee_status"
        )
    );
    let row = lines.find(|l| l.starts_with(&reference)).expect("the case is in the CSV");
    assert_eq!(
        row,
        format!("{reference},disclosure,web,self,closed,{today},{due},{today},granted,,yes,0,1000,1000,0,0,paid")
    );
    assert!(!csv.contains("山田"), "no names in the export");

    let page = app.get(&format!("/staff/reports?month={month}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("100%"), "on-time rate");
    app.running.shutdown().await;
}

/// On SQLite, submissions that arrive while the writer is busy are written
/// together in one transaction (app::submissions): none may be lost, mixed
/// with another or answered before it is stored.
#[tokio::test]
async fn people_who_submit_at_the_same_moment_each_get_a_link_to_their_own_request() {
    const PEOPLE: usize = 24;
    let app = spawn().await;
    let names: Vec<String> = (0..PEOPLE).map(|i| format!("同時 {i}子")).collect();
    let emails: Vec<String> = (0..PEOPLE).map(|i| format!("same-moment-{i}@example.jp")).collect();
    let browsers: Vec<reqwest::Client> = (0..PEOPLE).map(|_| app.new_client()).collect();
    let sent = futures::future::join_all((0..PEOPLE).map(|i| {
        let form = common::with(common::with(request_form(), "subject_name", &names[i]), "contact_email", &emails[i]);
        let browser = &browsers[i];
        let app = &app;
        async move { app.post_as(browser, "/requests", &form, &[]).await }
    }))
    .await;
    for page in &sent {
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(page.location.as_deref(), Some("/requests/sent"));
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM cases WHERE state = 'unconfirmed'").await, PEOPLE as i64);

    let mails = app.take_mails().await;
    assert_eq!(mails.len(), PEOPLE, "one confirmation each");
    for i in 0..PEOPLE {
        let confirm = one(&mails, &emails[i], "メールアドレスの確認");
        let url = link(&confirm.text, &format!("{}/requests/confirm?token=", app.base));
        let token = url.split("token=").nth(1).expect("a token");
        let page = app.post_as(&browsers[i], "/requests/confirm", &[("token", token)], &[]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let location = page.location.expect("to the status page");
        let reference = location.trim_start_matches("/status/").split('?').next().expect("a reference");
        let person = app
            .strings(&format!("SELECT subject_name || ' ' || contact_email FROM cases WHERE reference = '{reference}'"))
            .await;
        assert_eq!(person, vec![format!("{} {}", names[i], emails[i])], "the link confirms its own request");
    }
}

#[tokio::test]
async fn manual_intake_is_received_on_its_arrival_date_without_a_confirmation() {
    let app = spawn().await;
    app.login_as(Role::Staff).await;
    let arrival = app.running.app.today().saturating_sub(jiff::ToSpan::days(3)).to_string();
    let page = app
        .post(
            "/staff/intake",
            &[
                ("kind", "correction"),
                ("subject_name", "佐藤 花子"),
                ("filer", "self"),
                ("details", "住所の訂正を求める手紙"),
                ("channel", "post"),
                ("received_on", &arrival),
                ("contact_email", ""),
                ("lang", "ja"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let reference = page.location.unwrap().trim_start_matches("/staff/cases/").to_owned();
    assert_eq!(app.case_state(&reference).await, "received");
    assert_eq!(app.event_kinds(&reference).await, ["submitted", "received"]);
    let page = app.get(&format!("/staff/cases/{reference}")).await;
    let due = app.running.app.today().saturating_add(jiff::ToSpan::days(11)).to_string();
    assert!(page.body.contains(&format!(r#"<time datetime="{due}">"#)), "due 14 days after arrival, {due}");
    let mails = app.take_mails().await;
    assert_eq!(mails.len(), 1, "only the staff notice: the person gave no e-mail");
    assert!(mails[0].subject.contains("新しい請求"));
    app.running.shutdown().await;
}

#[tokio::test]
async fn the_requester_answers_a_question_from_the_status_page() {
    let app = spawn().await;
    let staff = app.login_as(Role::Staff).await;
    let (reference, _) = file_request(&app, &request_form()).await;
    let page = app.post(&format!("/staff/cases/{reference}/assign"), &[("assignee", "1")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app
        .post(
            &format!("/staff/cases/{reference}/request-clarification"),
            &[("body", "対象のサービス名を教えてください。")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let mails = app.take_mails().await;
    let question = one(&mails, "taro@example.jp", "ご請求内容の確認のお願い");
    assert!(question.text.contains("対象のサービス名を教えてください。"));

    // Empty replies are refused, and what was typed is kept.
    let status_url = link(&question.text, &format!("{}/status/", app.base));
    assert_eq!(app.get(&status_url).await.status, StatusCode::SEE_OTHER);
    let page = app.post(&format!("/status/{reference}/messages"), &[("body", "   ")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("メッセージを入力してください。"));
    assert_eq!(app.case_state(&reference).await, "awaiting_requester");

    let page =
        app.post(&format!("/status/{reference}/messages"), &[("body", "会員サービス「サンプルポイント」です。")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(app.case_state(&reference).await, "received");
    let page = app.get(&format!("/status/{reference}")).await;
    assert!(page.body.contains("会員サービス「サンプルポイント」です。"));
    let mails = app.take_mails().await;
    one(&mails, &staff, "ご本人から返信がありました");
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_status_link_can_be_sent_again_and_says_nothing_about_strangers() {
    let app = spawn().await;
    let (reference, _) = file_request(&app, &request_form()).await;
    let page = app.post("/status/resend", &[("reference", &reference), ("contact_email", "someone@example.jp")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page_wrong = page.location.clone();
    assert!(app.take_mails().await.is_empty(), "nothing sent to a stranger");
    let page =
        app.post("/status/resend", &[("reference", &reference), ("contact_email", "ＴＡＲＯ＠example.jp")]).await;
    assert_eq!(page.location, page_wrong, "the same answer either way");
    let mails = app.take_mails().await;
    let mail = one(&mails, "taro@example.jp", "状況確認ページのご案内");
    let url = link(&mail.text, &format!("{}/status/", app.base));
    let fresh = app.new_client();
    let res = fresh.get(&url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_refusal_before_work_starts_needs_a_manager_and_gives_reasons() {
    let app = spawn().await;
    let (reference, _) = file_request(&app, &request_form()).await;
    app.take_mails().await;
    app.login_as(Role::Staff).await;
    let refuse = [
        ("outcome", "refused"),
        ("reasons", "identity_unverified"),
        ("reasons", "procedure_not_followed"),
        ("explanation", "期限までに本人確認書類のご提出がありませんでした。"),
    ];
    let page = app.post(&format!("/staff/cases/{reference}/close"), &refuse).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("管理者の承認が必要です"));
    assert_eq!(app.case_state(&reference).await, "received");

    // A manager signs off: the decision carries the reasons and their articles.
    assert_eq!(app.post("/staff/logout", &[]).await.status, StatusCode::SEE_OTHER);
    app.login_as(Role::Manager).await;
    let page = app.post(&format!("/staff/cases/{reference}/close"), &refuse).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.case_state(&reference).await, "closed");
    let mails = app.take_mails().await;
    let decision = one(&mails, "taro@example.jp", "ご請求に対する決定のお知らせ");
    assert!(decision.text.contains("不対応（拒否）"));
    assert!(decision.text.contains("・本人確認ができない（個人情報保護法第37条）"));
    assert!(decision.text.contains("・所定の手続によらない（個人情報保護法第37条）"));
    assert!(decision.text.contains("期限までに本人確認書類のご提出がありませんでした。"));
    app.running.shutdown().await;
}

#[tokio::test]
async fn days_spent_waiting_for_the_requester_move_the_due_date() {
    let app = spawn().await;
    let (reference, mails) = file_request(&app, &request_form()).await;
    let receipt = one(&mails, "taro@example.jp", "ご請求を受け付けました");
    let due: jiff::civil::Date = receipt
        .text
        .lines()
        .find_map(|l| l.strip_prefix("回答予定日："))
        .unwrap()
        .trim_end_matches("まで")
        .parse()
        .unwrap();
    let staff = app.login_as(Role::Staff).await;
    let act = |a: &str| format!("/staff/cases/{reference}/{a}");
    assert_eq!(app.post(&act("request-identity"), &[("target", "subject")]).await.status, StatusCode::SEE_OTHER);
    app.running.app.clock.advance_days(3);
    let page = app.post(&act("verify-identity"), &[("target", "subject"), ("method", "in_person")]).await;
    assert_eq!(page.location.as_deref(), Some("/staff/login"), "three idle days end the staff session");
    app.login(&staff, "correct horse battery staple").await;
    assert_eq!(
        app.post(&act("verify-identity"), &[("target", "subject"), ("method", "in_person")]).await.status,
        StatusCode::SEE_OTHER
    );
    let moved = due.saturating_add(jiff::ToSpan::days(3)).to_string();
    let page = app.get(&format!("/staff/cases/{reference}")).await;
    assert!(
        page.body.contains(&format!(r#"<time datetime="{moved}">"#)),
        "due date moved by the 3 days paused to {moved}"
    );
    let art39 = due.to_string();
    assert!(
        page.body.contains("第39条の2週間の満了日") && page.body.contains(&format!(r#"<time datetime="{art39}">"#)),
        "the Art. 39 date never moves"
    );
    app.running.shutdown().await;
}

#[tokio::test]
async fn managers_export_every_case_as_csv_without_names() {
    let app = spawn().await;
    let (first, _) = file_request(&app, &request_form()).await;
    let (second, _) = file_request(&app, &request_form()).await;
    app.login_as(Role::Staff).await;
    assert_eq!(app.get("/staff/exports/cases.csv").await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.post("/staff/logout", &[]).await.status, StatusCode::SEE_OTHER);
    app.login_as(Role::Manager).await;
    assert_eq!(
        app.post(&format!("/staff/cases/{second}/withdraw"), &[("reason", "電話で取下げ")]).await.status,
        StatusCode::SEE_OTHER
    );
    let res = app.client.get(app.url("/staff/exports/cases.csv")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let body = res.bytes().await.unwrap();
    assert_eq!(&body[..3], b"\xEF\xBB\xBF");
    let csv = String::from_utf8(body[3..].to_vec()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("reference,kind,channel,filer,state"));
    assert!(lines[1].starts_with(&format!("{first},disclosure,web,self,received,")));
    assert!(lines[2].starts_with(&format!("{second},disclosure,web,self,closed,")) && lines[2].contains(",withdrawn,"));
    assert!(!csv.contains("山田") && !csv.contains("taro@"), "no names or contact data");
    let open_only =
        app.client.get(app.url("/staff/exports/cases.csv?state=received")).send().await.unwrap().text().await.unwrap();
    assert_eq!(open_only.lines().count(), 2, "the queue's filters apply");
    assert_eq!(app.count("SELECT COUNT(*) FROM access_log WHERE what = 'export:cases'").await, 2);
    app.running.shutdown().await;
}

#[tokio::test]
async fn the_monthly_csv_holds_each_case_of_the_month_once_whatever_day_it_arrived() {
    let app = spawn().await;
    app.login_as(Role::Manager).await;
    let (first, last) = (jiff::civil::date(2026, 10, 1), jiff::civil::date(2026, 10, 31));
    madoguchi::app::seed::seed(&app.running.app, 300, Some((jiff::civil::date(2026, 9, 1), last)), |_| {})
        .await
        .expect("seed");
    let res = app.client.get(app.url("/staff/reports/2026-10.csv")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    let references: Vec<&str> = text.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    let mut unique = references.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), references.len(), "no case twice");
    let (f, l) = (first.to_string(), last.to_string());
    let expected = app
        .count(&format!(
            "SELECT COUNT(*) FROM cases WHERE (received_on >= '{f}' AND received_on <= '{l}') \
             OR (closed_on >= '{f}' AND closed_on <= '{l}' AND received_on < '{f}')"
        ))
        .await;
    assert!(expected > 50, "the seed spreads cases over the month: {expected}");
    assert_eq!(references.len() as i64, expected, "arrivals of both halves and earlier cases closed in it");
    let late = app
        .count(&format!("SELECT COUNT(*) FROM cases WHERE received_on > '2026-10-15' AND received_on <= '{l}'"))
        .await;
    assert!(late > 0, "some arrived after the 15th");
    app.running.shutdown().await;
}

/// The references the queue lists for a search.
async fn found(app: &common::TestApp, q: &str) -> Vec<String> {
    let url = format!("/staff?q={}", q.bytes().map(|b| format!("%{b:02X}")).collect::<String>());
    let page = app.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    let mut refs: Vec<String> =
        page.body.split("href=\"/staff/cases/").skip(1).map(|s| s.split('"').next().unwrap().to_owned()).collect();
    refs.sort();
    refs.dedup();
    refs
}

#[tokio::test]
async fn the_search_finds_partial_japanese_names_kana_in_either_script_e_mails_phones_and_details() {
    let app = spawn().await;
    let yamada = common::with(
        common::with(request_form(), "subject_phone", "03-1234-5678"),
        "subject_name_kana",
        "ヤマダ タロウ",
    );
    let (a, _) = file_request(&app, &yamada).await;
    let sato = common::with(
        common::with(common::with(request_form(), "subject_name", "佐藤 花子"), "subject_name_kana", "さとう はなこ"),
        "contact_email",
        "hanako.sato@example.com",
    );
    let sato = common::with(sato, "details", "会員番号 A-99812 の購買履歴の開示を求めます");
    let (b, _) = file_request(&app, &sato).await;
    app.login_as(Role::Staff).await;

    assert_eq!(found(&app, "山田").await, vec![a.clone()], "two characters");
    assert_eq!(found(&app, "山田 太郎").await, vec![a.clone()]);
    assert_eq!(found(&app, "ヤマダ").await, vec![a.clone()], "kana as stored");
    assert_eq!(found(&app, "やまだ").await, vec![a.clone()], "hiragana finds katakana");
    assert_eq!(found(&app, "サトウ").await, vec![b.clone()], "katakana finds hiragana");
    assert_eq!(found(&app, "ﾔﾏﾀﾞ").await, vec![a.clone()], "half-width kana is folded as the form folds it");
    assert_eq!(found(&app, "hanako.sato").await, vec![b.clone()], "part of an e-mail");
    assert_eq!(found(&app, "HANAKO").await, vec![b.clone()], "in any case");
    assert_eq!(found(&app, "1234-5678").await, vec![a.clone()], "a phone number");
    assert_eq!(found(&app, "Ａ－９９８１２").await, vec![b.clone()], "full-width digits, in the details");
    assert_eq!(found(&app, &a).await, vec![a.clone()], "a reference");
    assert!(found(&app, "鈴木").await.is_empty());
    assert!(found(&app, "存在しない名前").await.is_empty());
}
