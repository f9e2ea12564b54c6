//! The answer itself (issue "Answers that reach the person"): result files
//! from upload to the requester's download, notices issued once and printed
//! as letters, letters to post, the content the law asks of an answer, and
//! repeated requests. On SQLite, and on PostgreSQL when asked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, file_request, link, one, request_form, spawn, start_work, with};
use madoguchi::domain::Role;
use reqwest::StatusCode;

/// A letter taken in at the counter: no e-mail, an address to post to.
async fn postal_intake(app: &TestApp, kind: &str) -> String {
    let today = app.running.app.today().to_string();
    let mut form = vec![
        ("kind", kind),
        ("subject_name", "佐藤 花子"),
        ("subject_postal_code", "1500001"),
        ("subject_address", "東京都渋谷区神宮前1-2-3"),
        ("filer", "self"),
        ("details", "私の個人データについての請求（郵送で届いた書面）"),
        ("channel", "post"),
        ("received_on", &today),
        ("contact_email", ""),
        ("lang", "ja"),
    ];
    if kind == "disclosure" || kind == "provision_record" {
        form.push(("delivery", "postal"));
    }
    let page = app.post("/staff/intake", &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location.unwrap().trim_start_matches("/staff/cases/").to_owned()
}

async fn latest(app: &TestApp, sql: &str) -> i64 {
    app.count(sql).await
}

/// A browser of its own that holds the status cookie of one case.
async fn requester_of(app: &TestApp, status_url: &str) -> reqwest::Client {
    let client = app.new_client();
    let res = client.get(status_url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    client
}

#[tokio::test]
async fn a_disclosure_result_goes_from_upload_to_the_requesters_download_and_is_destroyed_after_its_days() {
    let app = spawn().await;
    app.login_as(Role::Manager).await;
    let (reference, mails) = file_request(&app, &request_form()).await;
    let status_url = link(&one(&mails, "taro@example.jp", "受け付けました").text, &format!("{}/status/", app.base));
    start_work(&app, &reference).await;

    // Bytes no text decoder would keep as they are.
    let content: Vec<u8> = (0u8..=255).chain("氏名,山田 太郎\r\n".bytes()).collect();
    let page = app.attach_result(&reference, "保有個人データの写し", "kaiji-2026.csv", &content).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let id = latest(&app, "SELECT MAX(id) FROM documents WHERE purpose = 'result'").await;
    let case_page = app.get(&format!("/staff/cases/{reference}")).await.body;
    assert!(case_page.contains("保有個人データの写し") && case_page.contains("kaiji-2026.csv"), "listed for staff");

    let requester = requester_of(&app, &status_url).await;
    let download = format!("{}/status/{reference}/results/{id}", app.base);
    assert_eq!(
        requester.get(&download).send().await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "not before the decision"
    );

    let page = app.post(&format!("/staff/cases/{reference}/close"), &[("outcome", "granted")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let mails = app.take_mails().await;
    let ready = one(&mails, "taro@example.jp", "開示結果をダウンロードいただけます");
    assert!(ready.text.contains(&format!("{}/status/{reference}?token=", app.base)), "the status link");

    let status = requester.get(format!("{}/status/{reference}", app.base)).send().await.unwrap().text().await.unwrap();
    assert!(status.contains(&format!("/status/{reference}/results/{id}")), "the status page offers the download");
    let res = requester.get(&download).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let header = |name: &str| res.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    assert!(header("content-disposition").starts_with("attachment;"), "{}", header("content-disposition"));
    assert!(header("content-disposition").contains("kaiji-2026.csv"));
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("cache-control"), "no-store");
    assert_eq!(res.bytes().await.unwrap().to_vec(), content, "byte for byte what staff attached");
    assert!(app.event_kinds(&reference).await.contains(&"result_downloaded".to_owned()));
    assert!(app.get(&format!("/staff/cases/{reference}")).await.body.contains("ご本人が結果をダウンロード"));

    // Another case's cookie opens nothing of this case.
    let other_form = with(request_form(), "contact_email", "jiro@example.jp");
    let (other, mails) = file_request(&app, &other_form).await;
    let other_url = link(&one(&mails, "jiro@example.jp", "受け付けました").text, &format!("{}/status/", app.base));
    let stranger = requester_of(&app, &other_url).await;
    assert_eq!(stranger.get(&download).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let sideways = format!("{}/status/{other}/results/{id}", app.base);
    assert_eq!(stranger.get(&sideways).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // After `result_days` (30) the link is gone, and says whom to ask.
    app.running.app.clock.advance_days(31);
    let res = requester.get(&download).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::GONE);
    let body = res.text().await.unwrap();
    assert!(body.contains(&reference) && body.contains("03-0000-0000"), "the page says how to ask the window");

    // The retention job destroys the content; the record stays.
    assert_eq!(madoguchi::app::results::purge(&app.running.app, false).await.unwrap().len(), 1);
    let stored = "SELECT COUNT(*) FROM documents WHERE purpose = 'result' AND content IS NOT NULL";
    assert_eq!(app.count(stored).await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM documents WHERE purpose = 'result'").await, 1);
    assert!(app.event_kinds(&reference).await.contains(&"results_purged".to_owned()));
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_result_can_be_removed_before_closing_and_is_never_offered_after() {
    let app = spawn().await;
    app.login_as(Role::Staff).await;
    let (reference, _) = file_request(&app, &request_form()).await;
    start_work(&app, &reference).await;
    let page = app.attach_result(&reference, "誤ったファイル", "wrong.txt", b"not this one").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let id = latest(&app, "SELECT MAX(id) FROM documents WHERE purpose = 'result'").await.to_string();
    let page = app.post(&format!("/staff/cases/{reference}/remove-result"), &[("document", &id)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM documents WHERE content IS NOT NULL").await, 0, "content destroyed");
    // With nothing left to deliver, an electronic disclosure cannot be granted.
    let page = app.post(&format!("/staff/cases/{reference}/close"), &[("outcome", "granted")]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("結果ファイルを添付してください"));
    let empty = app.attach_result(&reference, "中身のない一覧表", "empty.csv", b"").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("ファイルが空です"), "an empty file is refused with its message");
    assert!(empty.body.contains(r#"value="中身のない一覧表""#), "the label typed is kept");
    // The label is one clean line: no line break, control character or NUL
    // (found by tests/fuzz.rs: PostgreSQL refused the NUL with a 500).
    for label in ["写し\n追伸", "写し\u{0}", "\u{202e}vsc.exe"] {
        let page = app.attach_result(&reference, label, "kaiji.csv", b"a,b\n").await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{label:?}");
        assert!(
            page.body.contains(r#"aria-invalid="true" aria-describedby="attach-result-label-error""#),
            "{label:?}: the error is tied to the label field"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM documents WHERE content IS NOT NULL").await, 0, "none stored");
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_postal_intake_without_email_gets_a_printable_decision_and_waits_among_letters_until_posted() {
    let app = spawn().await;
    app.login_as(Role::Staff).await;
    let reference = postal_intake(&app, "purpose_notice").await;
    let letters = || app.get("/staff?view=letters");
    assert!(
        letters().await.body.contains(&format!(r#"data-reference="{reference}""#)),
        "the receipt waits to be posted"
    );
    start_work(&app, &reference).await;

    // A granted purpose notice tells the purposes (Art. 32(2)); the form is prefilled from the settings.
    let case_page = app.get(&format!("/staff/cases/{reference}")).await.body;
    assert!(case_page.contains("商品・サービスの提供"), "the purposes prefilled from the setting");
    let page = app.post(&format!("/staff/cases/{reference}/close"), &[("outcome", "granted"), ("answer", " ")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("通知する利用目的を書いてください（個人情報保護法第32条第2項）"));
    assert_eq!(app.case_state(&reference).await, "in_progress");
    let purposes = "1. ご注文の商品をお届けするため\n2. アフターサービスのため";
    let page =
        app.post(&format!("/staff/cases/{reference}/close"), &[("outcome", "granted"), ("answer", purposes)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(app.take_mails().await.iter().all(|m| !m.to.contains("佐藤")), "nothing is e-mailed to the person");

    let decision = latest(&app, "SELECT MAX(id) FROM notices WHERE kind = 'decision'").await;
    let letter = app.get(&format!("/staff/cases/{reference}/notices/{decision}")).await;
    assert_eq!(letter.status, StatusCode::OK);
    let body = &letter.body;
    assert!(body.contains(r#"<article class="notice" data-notice-kind="decision""#));
    for expected in [
        "〒150-0001",
        "東京都渋谷区神宮前1-2-3",
        "佐藤 花子 様",
        &reference,
        "テスト株式会社",
        "利用目的の通知（第32条第2項）",
        "ご注文の商品をお届けするため",
        "個人情報保護委員会",
        "記",
        "以上",
    ] {
        assert!(body.contains(expected), "the letter carries {expected:?}");
    }
    assert!(body.contains(r#"href="/static/print.css" media="print""#), "printed with the print styles");

    // Both letters wait in the queue until staff record their posting.
    let waiting = letters().await.body;
    assert!(waiting.contains(&format!(r#"data-reference="{reference}""#)) && waiting.contains("郵送待ちの通知書"));
    let receipt = latest(&app, "SELECT MIN(id) FROM notices").await.to_string();
    let tomorrow = app.running.app.today().saturating_add(jiff::ToSpan::days(1)).to_string();
    let act = format!("/staff/cases/{reference}/mark-posted");
    let page = app.post(&act, &[("notice", &receipt), ("posted_on", &tomorrow)]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "a posting is not dated in the future");
    assert!(page.body.contains(&tomorrow), "the date typed is kept");
    let page = app.post(&act, &[("notice", "999999"), ("posted_on", "2026-01-05")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "only this case's letters");
    let today = app.running.app.today().to_string();
    let page = app.post(&act, &[("notice", &receipt), ("posted_on", &today), ("tracking_number", "")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(letters().await.body.contains(&format!(r#"data-reference="{reference}""#)), "the decision still waits");
    let page = app
        .post(&act, &[("notice", &decision.to_string()), ("posted_on", &today), ("tracking_number", "1234-5678-9012")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(!letters().await.body.contains(&format!(r#"data-reference="{reference}""#)), "nothing left to post");
    assert_eq!(
        app.count("SELECT CAST(COALESCE(SUM(letters_waiting), 0) AS BIGINT) FROM cases").await,
        0,
        "the count follows the postings"
    );
    assert!(madoguchi::app::queue::check_counts(&app.running.app).await.unwrap(), "no drift from the notices");
    let case_page = app.get(&format!("/staff/cases/{reference}")).await.body;
    assert!(case_page.contains("1234-5678-9012") && case_page.contains("通知書を郵送"), "posting on the timeline");
    let posted = "SELECT COUNT(*) FROM notices WHERE posted_on IS NOT NULL AND by_post = 1";
    assert_eq!(app.count(posted).await, 2);
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_notice_never_changes_after_the_settings_do() {
    let app = spawn().await;
    app.login_as(Role::Staff).await;
    let reference = postal_intake(&app, "complaint").await;
    let receipt = latest(&app, "SELECT MIN(id) FROM notices").await;
    let before = app.get(&format!("/staff/cases/{reference}/notices/{receipt}")).await.body;
    assert!(before.contains("テスト株式会社") && before.contains(r#"data-notice-kind="receipt_ack""#));
    app.put_setting("org_name", "改名後株式会社").await;
    app.put_setting("org_address", "〒999-9999 どこか").await;
    let after = app.get(&format!("/staff/cases/{reference}/notices/{receipt}")).await.body;
    assert_eq!(before, after, "the notice as issued, word for word");
    // A notice issued now carries the new letterhead.
    let page = app.post(&format!("/staff/cases/{reference}/extend"), &[("days", "7"), ("reason", "調査のため")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let extension = latest(&app, "SELECT MAX(id) FROM notices WHERE kind = 'extension'").await;
    let letter = app.get(&format!("/staff/cases/{reference}/notices/{extension}")).await.body;
    assert!(letter.contains("改名後株式会社") && letter.contains("調査のため") && letter.contains("延長後の回答期限"));
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_granted_correction_says_what_was_corrected_art_34() {
    let app = spawn().await;
    app.login_as(Role::Staff).await;
    let (reference, _) = file_request(&app, &with(request_form(), "kind", "correction")).await;
    start_work(&app, &reference).await;
    let close = format!("/staff/cases/{reference}/close");
    let page = app.post(&close, &[("outcome", "granted"), ("explanation", "調査しました")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("訂正・追加・削除した内容を書いてください（個人情報保護法第34条第3項）"));
    assert!(page.body.contains("調査しました"), "the explanation typed is kept");
    let page = app.post(&close, &[("outcome", "granted"), ("answer", "ご住所を新しいご住所に訂正しました。")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let mails = app.take_mails().await;
    let decision = one(&mails, "taro@example.jp", "決定のお知らせ");
    assert!(decision.text.contains("ご住所を新しいご住所に訂正しました。"), "the e-mail carries the answer");
    let notice = latest(&app, "SELECT MAX(id) FROM notices WHERE kind = 'decision'").await;
    let letter = app.get(&format!("/staff/cases/{reference}/notices/{notice}")).await.body;
    assert!(letter.contains("訂正等を行いました") && letter.contains("訂正・追加・削除の内容"));
    // The requester sees the same notice on the status page.
    let status_url =
        link(&mails.iter().find(|m| m.text.contains("/status/")).unwrap().text, &format!("{}/status/", app.base));
    let requester = requester_of(&app, &status_url).await;
    let own = requester.get(format!("{}/status/{reference}/notices/{notice}", app.base)).send().await.unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    assert_eq!(own.text().await.unwrap(), letter.replace("/staff/cases/", "/status/"), "the same letter");
    app.running.shutdown().await;
}

#[tokio::test]
async fn an_impracticable_method_is_recorded_before_it_is_cited_and_explained_art_33_and_36() {
    let app = spawn().await;
    app.login_as(Role::Manager).await;
    let (reference, _) = file_request(&app, &request_form()).await;
    start_work(&app, &reference).await;
    let act = |a: &str| format!("/staff/cases/{reference}/{a}");
    let cite = [("outcome", "granted"), ("reasons", "method_impracticable"), ("explanation", "紙の台帳のため")];
    let page = app.post(&act("close"), &cite).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("実際に用いる方法を記録してください"));

    let page = app.post(&act("change-delivery"), &[("delivery", "postal"), ("reason", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "the reason is told to the person");
    let page = app.post(&act("change-delivery"), &[("delivery", "postal"), ("reason", "台帳が紙のみのため")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    let page = app.post(&act("close"), &[("outcome", "granted"), ("reasons", "method_impracticable")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("郵送で開示するものを書いてください"), "by post, the notice says what was sent");
    let answer = ("answer", "会員台帳の写し（2枚）");
    let page = app.post(&act("close"), &[("outcome", "granted"), ("reasons", "method_impracticable"), answer]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("個人情報保護法第36条"), "a different measure is explained");
    let mut accepted = cite.to_vec();
    accepted.push(answer);
    let page = app.post(&act("close"), &accepted).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let notice = latest(&app, "SELECT MAX(id) FROM notices WHERE kind = 'decision'").await;
    let letter = app.get(&format!("/staff/cases/{reference}/notices/{notice}")).await.body;
    assert!(
        letter.contains(
            "ご希望の方法（電磁的記録（電子データ））による開示は困難であるため、書面（郵送）により開示いたします"
        ),
        "{letter}"
    );
    assert!(letter.contains("会員台帳の写し（2枚）"));
    assert!(letter.contains("（個人情報保護法第33条第1項）"), "the reason with its article");
    assert!(!letter.contains("ご請求のとおり対応しました。開示の方法：電子データ"), "never 'as requested, electronic'");
    app.running.shutdown().await;
}

#[tokio::test]
async fn an_alternative_measure_is_explained_art_35_and_36() {
    let app = spawn().await;
    app.login_as(Role::Staff).await;
    let (reference, _) = file_request(&app, &with(request_form(), "kind", "suspension")).await;
    start_work(&app, &reference).await;
    let close = format!("/staff/cases/{reference}/close");
    let page = app.post(&close, &[("outcome", "granted"), ("reasons", "alternative_measure")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("個人情報保護法第36条"));
    let explained = [("outcome", "granted"), ("reasons", "alternative_measure"), ("explanation", "配信を停止しました")];
    let page = app.post(&close, &explained).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_repeated_request_is_flagged_with_a_link_to_the_earlier_case() {
    let app = spawn().await;
    app.login_as(Role::Staff).await;
    let (first, _) = file_request(&app, &request_form()).await;
    let (other_kind, _) = file_request(&app, &with(request_form(), "kind", "correction")).await;
    let (second, _) = file_request(&app, &with(request_form(), "contact_email", "TARO@example.jp")).await;
    let page = app.get(&format!("/staff/cases/{second}")).await.body;
    assert!(page.contains(&format!(r#"data-repeat-of="{first}""#)), "same address, same kind");
    assert!(page.contains(&format!(r#"href="/staff/cases/{first}""#)), "a link to the earlier case");
    assert!(!app.get(&format!("/staff/cases/{first}")).await.body.contains("data-repeat-of"));
    assert!(!app.get(&format!("/staff/cases/{other_kind}")).await.body.contains("data-repeat-of"), "another kind");
    let queue = app.get("/staff?repeat=1").await.body;
    assert!(queue.contains(&format!(r#"data-reference="{second}""#)));
    assert!(!queue.contains(&format!(r#"data-reference="{first}""#)));

    // By name and birth date, for a letter without an e-mail address.
    let today = app.running.app.today().to_string();
    let letter = |name: &'static str| -> Vec<(&str, &str)> {
        vec![
            ("kind", "disclosure"),
            ("subject_name", name),
            ("subject_birth_date", "1980-04-01"),
            ("subject_address", "東京都千代田区1-1"),
            ("delivery", "postal"),
            ("filer", "self"),
            ("details", "開示請求"),
            ("channel", "post"),
            ("received_on", today.as_str()),
            ("contact_email", ""),
            ("lang", "ja"),
        ]
    };
    let page = app.post("/staff/intake", &letter("山田 次郎")).await;
    let one_ref = page.location.unwrap().trim_start_matches("/staff/cases/").to_owned();
    let page = app.post("/staff/intake", &letter("山田次郎")).await;
    let two_ref = page.location.unwrap().trim_start_matches("/staff/cases/").to_owned();
    let page = app.get(&format!("/staff/cases/{two_ref}")).await.body;
    assert!(page.contains(&format!(r#"data-repeat-of="{one_ref}""#)), "same name (spaces aside) and birth date");
    app.running.shutdown().await;
}
