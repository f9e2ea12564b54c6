//! Identity verification with documents: uploads by requesters and agents,
//! encryption at rest, metadata stripping, refusals that store nothing,
//! staff viewing with an access log, discarding, and retention.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::on;
use common::{Page, TestApp, file_request, link, one, request_form, spawn};
use madoguchi::domain::Role;
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery staple";
const JPEG: &[u8] = include_bytes!("fixtures/id-with-gps.jpg");
const PNG: &[u8] = include_bytes!("fixtures/id-with-text.png");
const PDF: &[u8] = include_bytes!("fixtures/power-of-attorney.pdf");
const HEIC: &[u8] = include_bytes!("fixtures/photo.heic");

#[allow(clippy::too_many_arguments)]
async fn upload_with(
    app: &TestApp,
    client: &reqwest::Client,
    reference: &str,
    target: &str,
    doc_type: &str,
    bytes: &[u8],
    name: &str,
    csrf: Option<String>,
) -> Page {
    let mut form =
        reqwest::multipart::Form::new().text("target", target.to_owned()).text("doc_type", doc_type.to_owned());
    if let Some(token) = csrf {
        form = form.text("csrf_token", token);
    }
    let form = form.part(
        "file",
        reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()).mime_str("image/jpeg").unwrap(),
    );
    let res = client.post(app.url(&format!("/status/{reference}/documents"))).multipart(form).send().await.unwrap();
    let status = res.status();
    let location = res.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
    Page { status, location, body: res.text().await.unwrap() }
}

async fn upload(app: &TestApp, reference: &str, target: &str, doc_type: &str, bytes: &[u8], name: &str) -> Page {
    let token = app.csrf().await;
    upload_with(app, &app.client, reference, target, doc_type, bytes, name, Some(token)).await
}

async fn count_documents(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM documents").await
}

async fn stored(app: &TestApp, id: i64) -> (i64, Option<Vec<u8>>) {
    let store = &app.db;
    on!(read store, c => sqlx::query_as::<_, (i64, Option<Vec<u8>>)>("SELECT case_id, content FROM documents WHERE id = $1")
        .bind(id).fetch_one(c).await)
    .unwrap()
}

async fn last_document(app: &TestApp) -> i64 {
    let store = &app.db;
    let (id,): (i64,) =
        on!(read store, c => sqlx::query_as("SELECT MAX(id) FROM documents").fetch_one(c).await).unwrap();
    id
}

/// Files a request, opens its status link, and has staff ask for `targets`.
async fn asked(app: &TestApp, form: &[(&str, &str)], targets: &[&str]) -> (String, String) {
    let (reference, mails) = file_request(app, form).await;
    let receipt = mails.iter().find(|m| m.subject.contains("ご請求を受け付けました")).unwrap();
    let status_url = link(&receipt.text, &format!("{}/status/", app.base));
    assert_eq!(app.get(&status_url).await.status, StatusCode::SEE_OTHER);
    let staff = app.login_as(Role::Manager).await;
    let (id,): (i64,) = {
        let store = &app.db;
        on!(read store, c => sqlx::query_as("SELECT id FROM staff_users WHERE email = $1").bind(&staff).fetch_one(c).await).unwrap()
    };
    assert_eq!(
        app.post(&format!("/staff/cases/{reference}/assign"), &[("assignee", &id.to_string())]).await.status,
        StatusCode::SEE_OTHER
    );
    for t in targets {
        let page = app.post(&format!("/staff/cases/{reference}/request-identity"), &[("target", t)]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    app.take_mails().await;
    (reference, staff)
}

#[tokio::test]
async fn a_person_uploads_a_photo_that_is_stored_encrypted_without_its_gps_and_staff_verify_it() {
    let app = spawn().await;
    let (reference, staff) = asked(&app, &request_form(), &["subject"]).await;
    let page = app.get(&format!("/status/{reference}")).await;
    assert!(
        page.body.contains(r#"enctype="multipart/form-data""#) && page.body.contains("表面だけ"),
        "the upload form and masking guidance"
    );

    let page = upload(&app, &reference, "subject", "drivers_license", JPEG, "menkyo.jpg").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let id = last_document(&app).await;
    let (case_id, content) = stored(&app, id).await;
    let content = content.expect("stored");
    assert_ne!(content, JPEG, "the database never holds the plaintext");
    assert!(!content.windows(4).any(|w| w == b"Exif") && !content.windows(4).any(|w| w == b"JFIF"), "ciphertext only");
    let plain = madoguchi::app::documents::decrypt(&app.running.app, case_id, &content).unwrap();
    assert!(plain.starts_with(&[0xFF, 0xD8, 0xFF]), "still a JPEG");
    assert!(JPEG.windows(9).any(|w| w == b"SecretCam"), "the fixture carries EXIF");
    assert!(
        !plain.windows(4).any(|w| w == b"Exif") && !plain.windows(9).any(|w| w == b"SecretCam"),
        "EXIF and GPS are gone"
    );
    assert!(madoguchi::app::documents::decrypt(&app.running.app, case_id + 1, &content).is_err(), "bound to its case");

    let store = &app.db;
    let (subject,): (String,) = on!(read store, c => sqlx::query_as("SELECT identity_subject FROM cases WHERE reference = $1").bind(&reference).fetch_one(c).await).unwrap();
    assert_eq!(subject, "submitted");
    let mails = app.take_mails().await;
    one(&mails, &staff, "本人確認書類が提出されました");

    // Staff view it inline; the view is logged.
    let res = app.client.get(app.url(&format!("/staff/cases/{reference}/documents/{id}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("inline"));
    assert!(res.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'none'"));
    assert_eq!(res.bytes().await.unwrap().to_vec(), plain);
    assert_eq!(app.count(&format!("SELECT COUNT(*) FROM access_log WHERE what = 'document:{id}'")).await, 1);

    let page = app
        .post(
            &format!("/staff/cases/{reference}/verify-identity"),
            &[("target", "subject"), ("method", "document_upload"), ("doc_type", "drivers_license")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.case_state(&reference).await, "received");
    let mails = app.take_mails().await;
    one(&mails, "taro@example.jp", "本人確認ができました");
    app.running.shutdown().await;
}

#[tokio::test]
async fn an_agent_proves_the_person_their_own_identity_and_their_authority() {
    let app = spawn().await;
    let mut form = request_form();
    form.retain(|(k, _)| *k != "filer");
    form.extend([("filer", "appointed_agent"), ("agent_name", "鈴木 一郎"), ("agent_relationship", "弁護士")]);
    let (reference, _) = asked(&app, &form, &["subject", "agent", "authority"]).await;
    let page = upload(&app, &reference, "authority", "drivers_license", JPEG, "x.jpg").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "a licence does not show authority");
    assert!(page.body.contains("この確認には使えない書類です"));
    for (target, doc_type, bytes) in
        [("subject", "my_number_card_front", JPEG), ("agent", "passport", PNG), ("authority", "power_of_attorney", PDF)]
    {
        let page = upload(&app, &reference, target, doc_type, bytes, "doc").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{target}: {}", page.body);
    }
    assert_eq!(count_documents(&app).await, 3);
    let act = |a: &str| format!("/staff/cases/{reference}/{a}");
    for target in ["subject", "agent"] {
        let page = app.post(&act("verify-identity"), &[("target", target), ("method", "document_upload")]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.post(&act("start"), &[]).await.status,
            StatusCode::CONFLICT,
            "not before the authority is verified"
        );
    }
    assert_eq!(
        app.post(
            &act("verify-identity"),
            &[("target", "authority"), ("method", "document_upload"), ("doc_type", "power_of_attorney")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.post(&act("start"), &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.case_state(&reference).await, "in_progress");
    app.running.shutdown().await;
}

#[tokio::test]
async fn every_refused_upload_stores_nothing() {
    let app = spawn().await;
    let (reference, _) = asked(&app, &request_form(), &["subject"]).await;
    let cases: &[(&[u8], &str, StatusCode, &str)] = &[
        (
            b"this is a text file named like a photo",
            "photo.jpg",
            StatusCode::UNPROCESSABLE_ENTITY,
            "JPEG・PNG の画像か PDF だけ",
        ),
        (b"", "empty.jpg", StatusCode::UNPROCESSABLE_ENTITY, "ファイルが空です"),
        (HEIC, "IMG_0001.HEIC", StatusCode::UNPROCESSABLE_ENTITY, "HEIC形式の写真は受け付けていません"),
    ];
    for (bytes, name, status, message) in cases {
        let page = upload(&app, &reference, "subject", "drivers_license", bytes, name).await;
        assert_eq!(page.status, *status, "{name}");
        assert!(page.body.contains(message), "{name}: {message}");
    }
    let page =
        upload(&app, &reference, "subject", "drivers_license", &[0xFF, 0xD8, 0xFF, 0x00, 0x01], "broken.jpg").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "a damaged JPEG");

    // Without the CSRF token, or without the status cookie.
    let page = upload_with(&app, &app.client, &reference, "subject", "drivers_license", JPEG, "a.jpg", None).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let stranger = app.new_client();
    let token = common::csrf_of(&stranger.get(app.url("/requests/new")).send().await.unwrap().text().await.unwrap());
    let page = upload_with(&app, &stranger, &reference, "subject", "drivers_license", JPEG, "a.jpg", Some(token)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "wrong token");

    // Over the size limit, and over the count limit.
    {
        app.put_setting("document_max_bytes", "1024").await;
        app.put_setting("document_max_count", "1").await;
    }
    let big = [JPEG, &[0u8; 2048][..]].concat();
    let page = upload(&app, &reference, "subject", "drivers_license", &big, "big.jpg").await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.body.contains("ファイルが大きすぎます"));
    assert_eq!(count_documents(&app).await, 0, "nothing stored so far");
    assert_eq!(
        upload(&app, &reference, "subject", "drivers_license", JPEG, "ok.jpg").await.status,
        StatusCode::SEE_OTHER
    );
    let page = upload(&app, &reference, "subject", "passport", JPEG, "again.jpg").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("10件まで") || page.body.contains("お送りいただける書類は"));
    assert_eq!(count_documents(&app).await, 1);

    // After the case is closed.
    app.take_mails().await;
    assert_eq!(
        app.post(&format!("/staff/cases/{reference}/withdraw"), &[("reason", "電話で取下げ")]).await.status,
        StatusCode::SEE_OTHER
    );
    app.take_mails().await;
    {
        app.put_setting("document_max_count", "10").await;
    }
    let page = upload(&app, &reference, "subject", "drivers_license", JPEG, "late.jpg").await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("書類の提出はお願いしていません"));
    assert_eq!(count_documents(&app).await, 1);
    assert!(app.take_mails().await.is_empty(), "no mail for a refused upload");
    app.running.shutdown().await;
}

#[tokio::test]
async fn png_text_and_exif_chunks_are_removed() {
    let app = spawn().await;
    let (reference, _) = asked(&app, &request_form(), &["subject"]).await;
    assert_eq!(upload(&app, &reference, "subject", "passport", PNG, "p.png").await.status, StatusCode::SEE_OTHER);
    let (case_id, content) = stored(&app, last_document(&app).await).await;
    let plain = madoguchi::app::documents::decrypt(&app.running.app, case_id, &content.unwrap()).unwrap();
    assert!(plain.starts_with(b"\x89PNG"));
    for chunk in [&b"tEXt"[..], b"eXIf", b"SecretAuthor"] {
        assert!(!plain.windows(chunk.len()).any(|w| w == chunk), "{}", String::from_utf8_lossy(chunk));
    }
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_discarded_document_is_destroyed_at_once_and_asked_for_again() {
    let app = spawn().await;
    let (reference, _) = asked(&app, &request_form(), &["subject"]).await;
    assert_eq!(
        upload(&app, &reference, "subject", "my_number_card_front", JPEG, "card.jpg").await.status,
        StatusCode::SEE_OTHER
    );
    app.take_mails().await;
    let id = last_document(&app).await;
    let page = app
        .post(&format!("/staff/cases/{reference}/discard-document"), &[("document", &id.to_string()), ("reason", "")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is needed");
    assert!(stored(&app, id).await.1.is_some());
    let page = app
        .post(
            &format!("/staff/cases/{reference}/discard-document"),
            &[
                ("document", &id.to_string()),
                ("reason", "カードの裏面（個人番号）が写っていたため、破棄しました。表面だけをお送りください。"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert!(stored(&app, id).await.1.is_none(), "the content is destroyed");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM documents WHERE id = {id} AND discarded_at IS NOT NULL")).await,
        1,
        "the record stays"
    );
    let mails = app.take_mails().await;
    assert!(one(&mails, "taro@example.jp", "本人確認書類のご提出のお願い").text.contains("表面だけをお送りください"));
    assert_eq!(app.get(&format!("/staff/cases/{reference}/documents/{id}")).await.status, StatusCode::NOT_FOUND);
    let page = app.get(&format!("/status/{reference}")).await;
    assert!(page.body.contains("破棄しました"));
    app.running.shutdown().await;
}

#[tokio::test]
async fn contents_are_purged_after_retention_and_the_record_stays() {
    let app = spawn().await;
    let (reference, manager) = asked(&app, &request_form(), &["subject"]).await;
    assert_eq!(upload(&app, &reference, "subject", "passport", JPEG, "p.jpg").await.status, StatusCode::SEE_OTHER);
    let id = last_document(&app).await;
    assert_eq!(
        app.post(
            &format!("/staff/cases/{reference}/verify-identity"),
            &[("target", "subject"), ("method", "document_upload")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let a = &app.running.app;
    assert!(madoguchi::app::documents::purge(a, true).await.unwrap().is_empty(), "kept for 30 days");
    a.clock.advance_days(31);
    let planned = madoguchi::app::documents::purge(a, true).await.unwrap();
    assert_eq!(planned, vec![(reference.parse().unwrap(), vec![id])]);
    assert!(stored(&app, id).await.1.is_some(), "a dry run changes nothing");
    madoguchi::app::documents::purge(a, false).await.unwrap();
    assert!(stored(&app, id).await.1.is_none());
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM documents WHERE id = {id} AND purged_at IS NOT NULL")).await,
        1
    );
    assert!(app.event_kinds(&reference).await.contains(&"documents_purged".to_owned()));
    assert!(
        app.event_kinds(&reference).await.contains(&"identity_verified".to_owned()),
        "the record of the check stays"
    );
    app.login(&manager, PASSWORD).await;
    let page = app.get(&format!("/staff/cases/{reference}")).await;
    assert!(page.body.contains("保存期間経過で消去"));
    app.running.shutdown().await;
}

#[tokio::test]
async fn identity_left_unanswered_is_reminded_and_closing_is_proposed() {
    let app = spawn().await;
    let (reference, manager) = asked(&app, &request_form(), &["subject"]).await;
    let a = &app.running.app;
    a.clock.advance_days(30);
    assert_eq!(madoguchi::app::documents::identity_reminders(a).await.unwrap(), 0, "30 days are allowed");
    a.clock.advance_days(1);
    assert_eq!(madoguchi::app::documents::identity_reminders(a).await.unwrap(), 1);
    assert_eq!(madoguchi::app::documents::identity_reminders(a).await.unwrap(), 0, "once");
    let mails = app.take_mails().await;
    one(&mails, &manager, "本人確認書類が届いていません");
    app.login(&manager, PASSWORD).await;
    let page = app.get(&format!("/staff/cases/{reference}")).await;
    assert!(page.body.contains(r#"name="reasons" value="identity_unverified""#), "closing is proposed");
    app.running.shutdown().await;
}
