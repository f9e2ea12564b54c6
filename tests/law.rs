//! The law, exactly, where it shows through HTTP: grounds that belong to
//! their kinds, the Art. 39 dates, clocks that keep their own rules, fees
//! that follow the jurisdiction, the Art. 32(1) publication and identity
//! guidance. On SQLite, and on PostgreSQL when asked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{file_request, request_form, spawn, start_work, with};
use madoguchi::domain::Role;
use reqwest::StatusCode;

#[tokio::test]
async fn repeated_request_is_not_offered_for_corrections_art_34() {
    let app = spawn().await;
    app.login_as(Role::Manager).await;
    let (reference, _) = file_request(&app, &with(request_form(), "kind", "correction")).await;
    let page = app.get(&format!("/staff/cases/{reference}")).await.body;
    assert!(!page.contains(r#"value="repeated_request""#) && !page.contains(r#"value="fee_unpaid""#));
    assert!(page.contains(r#"value="correction_by_other_law""#), "Art. 34(2) is offered");
    let refuse = [("outcome", "refused"), ("reasons", "repeated_request"), ("explanation", "繰り返しのため")];
    let page = app.post(&format!("/staff/cases/{reference}/close"), &refuse).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.case_state(&reference).await, "received");
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_substantive_ground_waits_for_verified_identity_art_33() {
    let app = spawn().await;
    app.login_as(Role::Manager).await;
    let (reference, _) = file_request(&app, &request_form()).await;
    let page = app.get(&format!("/staff/cases/{reference}")).await.body;
    assert!(!page.contains(r#"value="harm_to_person""#), "not before identity is verified");
    let refuse = [("outcome", "refused"), ("reasons", "harm_to_person"), ("explanation", "第三者の権利を害するため")];
    let page = app.post(&format!("/staff/cases/{reference}/close"), &refuse).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("本人確認が済んでから"));
    start_work(&app, &reference).await;
    let page = app.get(&format!("/staff/cases/{reference}")).await.body;
    assert!(
        page.contains(r#"value="harm_to_person""#) && page.contains("第33条第2項第1号"),
        "cited as a notice writes it"
    );
    let page = app.post(&format!("/staff/cases/{reference}/close"), &refuse).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    app.running.shutdown().await;
}

#[tokio::test]
async fn the_art_39_dates_show_for_the_kinds_it_covers_and_a_refusal_opens_a_suit_at_once() {
    let app = spawn().await;
    app.login_as(Role::Manager).await;
    let today = app.running.app.today();
    let (disclosure, _) = file_request(&app, &request_form()).await;
    let page = app.get(&format!("/staff/cases/{disclosure}")).await.body;
    let ends = today.saturating_add(jiff::ToSpan::days(14)).to_string();
    let suit = today.saturating_add(jiff::ToSpan::days(15)).to_string();
    assert!(page.contains("第39条の2週間の満了日") && page.contains(&format!(r#"<time datetime="{ends}">"#)));
    assert!(page.contains("訴えを提起できる最初の日") && page.contains(&format!(r#"<time datetime="{suit}">"#)));
    let (purpose, _) = file_request(&app, &with(request_form(), "kind", "purpose_notice")).await;
    assert!(!app.get(&format!("/staff/cases/{purpose}")).await.body.contains("第39条"), "a 求め, not covered");
    let (complaint, _) = file_request(&app, &with(request_form(), "kind", "complaint")).await;
    assert!(!app.get(&format!("/staff/cases/{complaint}")).await.body.contains("第39条"), "complaints are not covered");
    let refuse = [("outcome", "refused"), ("reasons", "identity_unverified"), ("explanation", "書類が届きません")];
    let page = app.post(&format!("/staff/cases/{disclosure}/close"), &refuse).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app.get(&format!("/staff/cases/{disclosure}")).await.body;
    assert!(page.contains("直ちに訴えを提起できます（第39条第1項ただし書）"));
    app.running.shutdown().await;
}

#[tokio::test]
async fn ccpa_case_waiting_for_the_requester_can_be_overdue_and_is_never_shown_paused() {
    let app = spawn().await;
    let manager = app.login_as(Role::Manager).await;
    app.put_setting("deadline_profile_disclosure", "ccpa").await;
    app.put_setting("deadline_clock_start", "identity_verified").await;
    let (reference, _) = file_request(&app, &request_form()).await;
    let due = app.running.app.today().saturating_add(jiff::ToSpan::days(45)).to_string();
    let page = app.get(&format!("/staff/cases/{reference}")).await.body;
    assert!(page.contains(&format!(r#"<time datetime="{due}">"#)), "45 days from receipt, identity or not (§7021(b))");
    let ask = [("body", "対象のサービス名を教えてください。")];
    let page = app.post(&format!("/staff/cases/{reference}/request-clarification"), &ask).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let status = app.get(&format!("/status/{reference}")).await.body;
    assert!(status.contains(r#"data-state="awaiting_requester""#));
    assert!(!status.contains("お待ちしている間は"), "the requester is never told the clock stopped");
    let fee = [("amount", "1000")];
    let page = app.post(&format!("/staff/cases/{reference}/request-fee"), &fee).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "the first request is free (§1798.130)");
    assert!(page.body.contains("手数料を求められません"));
    app.running.app.clock.advance_days(46);
    app.login(&manager, "correct horse battery staple").await;
    let queue = app.get("/staff?view=overdue").await.body;
    assert!(queue.contains(&format!(r#"data-reference="{reference}""#)), "overdue while waiting");
    app.running.shutdown().await;
}

#[tokio::test]
async fn the_public_page_publishes_what_art_32_1_asks() {
    let app = spawn().await;
    app.put_setting("complaint_bodies", "消費者ホットライン 188\n").await;
    app.put_setting("accredited_body", "一般財団法人日本情報経済社会推進協会").await;
    app.put_setting("accredited_body_contact", "03-5860-7565").await;
    let page = app.get("/").await.body;
    for expected in [
        "利用目的",
        "商品・サービスの提供",
        "安全管理のために講じた措置",
        "技術的安全管理措置",
        r#"href="/requests/print""#,
        "〒100-0001 東京都千代田区千代田1-1",
        "14日以内",
        "消費者ホットライン 188",
        "一般財団法人日本情報経済社会推進協会 03-5860-7565",
        "個人情報保護委員会",
        "特別永住者証明書",
        "個人番号の記載のないもの",
        "通知カード",
    ] {
        assert!(page.contains(expected), "the public page says {expected:?}");
    }
    // The answer time follows the profiles: per kind when they differ.
    app.put_setting("deadline_profile_disclosure", "gdpr").await;
    let page = app.get("/").await.body;
    assert!(page.contains("保有個人データの開示：1か月以内") && page.contains("訂正・追加・削除：14日以内"));
    let print = app.get("/requests/print").await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(print.body.contains("保有個人データに関する請求書") && print.body.contains("（第33条第1項）"));
    assert!(print.body.contains("〒100-0001 東京都千代田区千代田1-1"), "where to send it");
    assert!(app.get("/requests/print?lang=en").await.body.contains("Request about retained personal data"));
    app.running.shutdown().await;
}

#[tokio::test]
async fn the_discard_hint_cites_the_health_insurance_act_for_unmasked_cards_art_194_2() {
    let app = spawn().await;
    app.login_as(Role::Staff).await;
    let (reference, _) = file_request(&app, &request_form()).await;
    let page = app.post(&format!("/staff/cases/{reference}/request-identity"), &[("target", "subject")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    // The hint shows with the discard form, once a document is stored; its text is in the catalogue.
    let ja = madoguchi::domain::Lang::JA.t("a-my-number-card-back-or");
    assert!(ja.contains("健康保険法第194条の2") && ja.contains("番号法第20条"));
    let status = app.get(&format!("/status/{reference}")).await.body;
    assert!(status.contains("特別永住者証明書") && status.contains("通知カード"));
    app.running.shutdown().await;
}
