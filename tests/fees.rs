//! Fees as a ledger (APPI Art. 38): schedule, payments, waivers, refunds,
//! receipts, reminders and the monthly totals.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, file_request, link, one, request_form, spawn};
use madoguchi::domain::Role;
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery staple";

/// A postal disclosure (scheduled fee ¥1,000), received and with identity verified.
async fn postal_disclosure(app: &TestApp) -> String {
    let mut form = request_form();
    form.retain(|(k, _)| !matches!(*k, "delivery"));
    form.push(("delivery", "postal"));
    form.push(("subject_address", "東京都千代田区千代田1-1"));
    let (reference, _) = file_request(app, &form).await;
    reference
}

async fn fee_status(app: &TestApp, reference: &str) -> (i64, i64, i64, i64) {
    let store = &app.db;
    common::on!(read store, c => sqlx::query_as::<_, (i64, i64, i64, i64)>(
        "SELECT fee_requested, fee_paid, fee_waived, fee_refunded FROM cases WHERE reference = $1")
        .bind(reference).fetch_one(c).await)
    .unwrap()
}

#[tokio::test]
async fn the_scheduled_fee_is_proposed_and_two_partial_payments_add_up() {
    let app = spawn().await;
    let reference = postal_disclosure(&app).await;
    app.take_mails().await;
    app.login_as(Role::Staff).await;
    let act = |a: &str| format!("/staff/cases/{reference}/{a}");
    let page = app.get(&format!("/staff/cases/{reference}")).await;
    assert!(
        page.body.contains(r#"id="request-fee-amount" name="amount" inputmode="numeric" class="short" value="1000""#),
        "the schedule's ¥1,000 for a postal disclosure is proposed"
    );

    // Bad amounts change nothing.
    for bad in ["-1000", "1.5", "千円", ""] {
        let page = app.post(&act("request-fee"), &[("amount", bad)]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    }
    let page = app.post(&act("request-fee"), &[("amount", "1200")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "an amount off the schedule needs a reason");
    assert!(page.body.contains("規定と異なる金額には理由を入力してください。"));
    assert!(page.body.contains(r#"value="1200""#), "the amount typed is kept");
    assert_eq!(fee_status(&app, &reference).await, (0, 0, 0, 0));
    assert!(app.take_mails().await.is_empty());

    let page = app.post(&act("request-fee"), &[("amount", "1000")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let mails = app.take_mails().await;
    let ask = one(&mails, "taro@example.jp", "手数料のお支払いのお願い");
    let pay_by = app.running.app.today().saturating_add(jiff::ToSpan::days(14)).to_string();
    assert!(ask.text.contains("手数料：1,000円"));
    assert!(ask.text.contains(&format!("お支払い期限：{pay_by}")));
    assert!(ask.text.contains("・定額小為替") && ask.text.contains("・銀行振込"), "accepted methods are listed");

    let today = app.running.app.today().to_string();
    let page = app
        .post(
            &act("record-payment"),
            &[("amount", "400"), ("method", "stamps"), ("paid_on", &today), ("payment_ref", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(app.case_state(&reference).await, "awaiting_requester", "an underpayment keeps the ask open");
    let mails = app.take_mails().await;
    assert!(one(&mails, "taro@example.jp", "手数料の入金を確認しました").text.contains("まだ 600円が不足しています。"));
    let page = app.get(&format!("/staff/cases/{reference}")).await;
    assert!(page.body.contains("一部入金") && page.body.contains("未払い残高 600円"));

    let page = app
        .post(
            &act("record-payment"),
            &[("amount", "600"), ("method", "bank_transfer"), ("paid_on", &today), ("payment_ref", "ヤマダ タロウ")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(app.case_state(&reference).await, "received", "the case resumes when the balance reaches zero");
    let mails = app.take_mails().await;
    assert!(one(&mails, "taro@example.jp", "手数料の入金を確認しました").text.contains("お支払いは完了しました"));
    assert_eq!(fee_status(&app, &reference).await, (1000, 1000, 0, 0));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM fee_entries").await,
        3,
        "requested + two payments, nothing edited in place"
    );
    app.running.shutdown().await;
}

#[tokio::test]
async fn an_overpayment_is_refunded_by_a_manager_with_a_receipt_for_each_payment() {
    let app = spawn().await;
    let mut form = request_form();
    form.retain(|(k, _)| !matches!(*k, "kind" | "delivery"));
    form.push(("kind", "purpose_notice"));
    let (reference, mails) = file_request(&app, &form).await;
    let status_url =
        link(&one(&mails, "taro@example.jp", "ご請求を受け付けました").text, &format!("{}/status/", app.base));
    let act = |a: &str| format!("/staff/cases/{reference}/{a}");
    app.login_as(Role::Staff).await;
    assert_eq!(app.post(&act("request-fee"), &[("amount", "300")]).await.status, StatusCode::SEE_OTHER);
    let today = app.running.app.today().to_string();
    let page = app
        .post(
            &act("record-payment"),
            &[
                ("amount", "500"),
                ("method", "postal_money_order"),
                ("paid_on", &today),
                ("payment_ref", "小為替 AB-12"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let mails = app.take_mails().await;
    assert!(
        one(&mails, "taro@example.jp", "手数料の入金を確認しました")
            .text
            .contains("200円は手数料を超えているため、返金いたします")
    );
    let page = app.get(&format!("/staff/cases/{reference}")).await;
    assert!(page.body.contains("返金予定") && page.body.contains("返金予定 200円"));

    // Refunds are for managers.
    let page = app.post(&act("record-refund"), &[("amount", "200"), ("reason", "過払い")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.post("/staff/logout", &[]).await.status, StatusCode::SEE_OTHER);
    app.login_as(Role::Manager).await;
    let page = app.post(&act("record-refund"), &[("amount", "250"), ("reason", "過払い")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "no more than the credit");
    let page = app.post(&act("record-refund"), &[("amount", "200"), ("reason", "過払い分を現金書留で返金")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(fee_status(&app, &reference).await, (300, 500, 0, 200));
    let page = app.get(&format!("/staff/cases/{reference}")).await;
    assert!(page.body.contains("返金済み"));

    // The receipt, for staff and for the requester.
    let (entry,): (i64,) = {
        let store = &app.db;
        common::on!(read store, c => sqlx::query_as("SELECT id FROM fee_entries WHERE entry = 'payment'").fetch_one(c).await).unwrap()
    };
    let page = app.get(&format!("/staff/cases/{reference}/receipts/{entry}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("領収書")
            && page.body.contains("¥500-")
            && page.body.contains("テスト株式会社")
            && page.body.contains("定額小為替")
    );
    assert!(page.body.contains("山田 太郎"));
    let requester = app.new_client();
    assert_eq!(requester.get(&status_url).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    let res = requester.get(app.url(&format!("/status/{reference}/receipts/{entry}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("¥500-"));
    let stranger = app.new_client();
    let res = stranger.get(app.url(&format!("/status/{reference}/receipts/{entry}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let (requested,): (i64,) = {
        let store = &app.db;
        common::on!(read store, c => sqlx::query_as("SELECT id FROM fee_entries WHERE entry = 'requested'").fetch_one(c).await).unwrap()
    };
    assert_eq!(
        app.get(&format!("/staff/cases/{reference}/receipts/{requested}")).await.status,
        StatusCode::NOT_FOUND,
        "only payments have receipts"
    );
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_manager_waives_the_fee_and_plain_staff_cannot() {
    let app = spawn().await;
    let reference = postal_disclosure(&app).await;
    app.take_mails().await;
    let act = |a: &str| format!("/staff/cases/{reference}/{a}");
    app.login_as(Role::Staff).await;
    assert_eq!(app.post(&act("request-fee"), &[("amount", "1000")]).await.status, StatusCode::SEE_OTHER);
    app.take_mails().await;
    let page = app.post(&act("waive-fee"), &[("reason", "生活保護受給者のため")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(fee_status(&app, &reference).await, (1000, 0, 0, 0));

    assert_eq!(app.post("/staff/logout", &[]).await.status, StatusCode::SEE_OTHER);
    app.login_as(Role::Manager).await;
    let page = app.post(&act("waive-fee"), &[("reason", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "a waiver needs a reason");
    let page = app.post(&act("waive-fee"), &[("reason", "生活保護受給者のため")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(app.case_state(&reference).await, "received");
    assert_eq!(fee_status(&app, &reference).await, (1000, 0, 1000, 0));
    let mails = app.take_mails().await;
    one(&mails, "taro@example.jp", "手数料を免除しました");
    app.running.shutdown().await;
}

#[tokio::test]
async fn an_unpaid_fee_is_reminded_once_then_the_case_page_proposes_closing() {
    let app = spawn().await;
    let reference = postal_disclosure(&app).await;
    app.take_mails().await;
    let manager = app.login_as(Role::Manager).await;
    let act = |a: &str| format!("/staff/cases/{reference}/{a}");
    assert_eq!(app.post(&act("request-fee"), &[("amount", "1000")]).await.status, StatusCode::SEE_OTHER);
    app.take_mails().await;
    let a = &app.running.app;

    // Ten days on, nothing is due yet; eleven days on (three before the deadline) one reminder goes.
    a.clock.advance_days(10);
    assert_eq!(madoguchi::jobs::fee_reminders(a).await.unwrap(), 0);
    a.clock.advance_days(1);
    assert_eq!(madoguchi::jobs::fee_reminders(a).await.unwrap(), 1);
    assert_eq!(madoguchi::jobs::fee_reminders(a).await.unwrap(), 0, "only once");
    let mails = app.take_mails().await;
    assert_eq!(mails.len(), 1);
    let reminder = one(&mails, "taro@example.jp", "手数料のお支払い期限が近づいています");
    assert!(reminder.text.contains("1,000円"));

    // Past the deadline the case page proposes closing with fee_unpaid.
    a.clock.advance_days(4);
    app.login(&manager, PASSWORD).await;
    let page = app.get(&format!("/staff/cases/{reference}")).await;
    assert!(page.body.contains("手数料の支払期限を過ぎました"));
    assert!(page.body.contains(r#"name="reasons" value="fee_unpaid""#));
    let page = app
        .post(
            &act("close"),
            &[
                ("outcome", "refused"),
                ("reasons", "fee_unpaid"),
                ("explanation", "期限までに手数料のお支払いを確認できませんでした。"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let mails = app.take_mails().await;
    let decision = one(&mails, "taro@example.jp", "ご請求に対する決定のお知らせ");
    assert!(decision.text.contains("手数料の未納"));
    assert_eq!(app.event_kinds(&reference).await.iter().filter(|k| *k == "fee_reminder_sent").count(), 1);
    app.running.shutdown().await;
}

#[tokio::test]
async fn the_monthly_report_totals_fees_by_method() {
    let app = spawn().await;
    app.login_as(Role::Manager).await;
    let today = app.running.app.today().to_string();
    let first = postal_disclosure(&app).await;
    let second = postal_disclosure(&app).await;
    let act = |r: &str, a: &str| format!("/staff/cases/{r}/{a}");
    assert_eq!(app.post(&act(&first, "request-fee"), &[("amount", "1000")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.post(
            &act(&first, "record-payment"),
            &[("amount", "1000"), ("method", "postal_money_order"), ("paid_on", &today)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.post(&act(&second, "request-fee"), &[("amount", "1000")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.post(
            &act(&second, "record-payment"),
            &[("amount", "1300"), ("method", "bank_transfer"), ("paid_on", &today)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.post(&act(&second, "record-refund"), &[("amount", "300"), ("reason", "過払い")]).await.status,
        StatusCode::SEE_OTHER
    );

    let month = &today[..7];
    let page = app.get(&format!("/staff/reports?month={month}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for expected in [
        "請求額</th><td class=\"num\">2,000円",
        "入金額</th><td class=\"num\">2,300円",
        "返金額</th><td class=\"num\">300円",
        "定額小為替</th><td class=\"num\">1,000円",
        "銀行振込</th><td class=\"num\">1,300円",
    ] {
        assert!(page.body.contains(expected), "{expected}");
    }
    let csv =
        app.client.get(app.url(&format!("/staff/reports/{month}.csv"))).send().await.unwrap().text().await.unwrap();
    let row = csv.lines().find(|l| l.starts_with(&second)).expect("row");
    assert!(row.ends_with(",1000,1300,0,300,refunded"), "{row}");
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_fee_cannot_be_scheduled_for_a_correction_citing_article_38() {
    let app = spawn().await;
    app.login_as(Role::Admin).await;
    let mut fields: Vec<(String, String)> =
        madoguchi::app::settings::SETTINGS.iter().map(|d| (d.key.to_owned(), d.default.to_owned())).collect();
    fields.push(("fee_correction".into(), "300".into()));
    fields.push(("fee_disclosure_postal".into(), "700".into()));
    fields.push(("fee_methods".into(), "cash".into()));
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let page = app.post("/admin/settings", &pairs).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("個人情報保護法第38条"));
    assert!(page.body.contains(r##"href="#fee_correction""##));
    assert!(!app.get("/").await.body.contains("700円"), "nothing saved");
    let pairs: Vec<(&str, &str)> =
        pairs.into_iter().map(|(k, v)| if k == "fee_correction" { (k, "0") } else { (k, v) }).collect();
    assert_eq!(app.post("/admin/settings", &pairs).await.status, StatusCode::SEE_OTHER);
    let home = app.get("/").await;
    assert!(home.body.contains("700円"), "the public page shows the new schedule");
    app.running.shutdown().await;
}
