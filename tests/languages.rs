//! Every page and every e-mail renders in every language of the catalogue
//! without a missing message (a language is a folder of `locales/`).

mod common;

use common::{file_request, link, request_form, spawn};
use madoguchi::domain::Role;
use madoguchi::domain::{Lang, Outcome, Reason};
use madoguchi::mail::{Kind, MailView, render};
use reqwest::StatusCode;

fn full_view(lang: Lang) -> MailView {
    let mut m = MailView {
        lang,
        org_name: "テスト株式会社".into(),
        org_address: "〒100-0001 東京都千代田区千代田1-1".into(),
        window_hours: "平日 10:00〜17:00".into(),
        window_phone: "03-0000-0000".into(),
        window_email: "privacy@example.jp".into(),
        accredited_body: "一般財団法人 例".into(),
        name: "山田 太郎".into(),
        reference: "2026-000001".into(),
        kind: "開示".into(),
        received_on: "2026-12-01".into(),
        due_on: "2026-12-15".into(),
        status_url: "http://127.0.0.1/status/2026-000001?token=x".into(),
        confirm_url: "http://127.0.0.1/requests/confirm?token=y".into(),
        case_url: "http://127.0.0.1/staff/cases/2026-000001".into(),
        text: "説明".into(),
        target: "ご本人".into(),
        amount: 1000,
        balance: 600,
        credit: 0,
        fee_requested: true,
        payment_methods: vec!["銀行振込".into()],
        pay_by: "2026-12-15".into(),
        payment_instructions: "振込先".into(),
        outcome: Some(Outcome::Refused),
        outcome_label: "不対応".into(),
        delivery: "郵送".into(),
        new_due_on: "2027-01-15".into(),
        identity_complete: true,
        days_left: 3,
        is_agent: true,
        ..MailView::default()
    };
    m.set_reasons(&Reason::ALL[..2]);
    m
}

#[test]
fn every_mail_renders_in_every_language_with_every_message() {
    let langs: Vec<Lang> = Lang::all().collect();
    assert!(langs.len() >= 2);
    for lang in langs {
        for kind in Kind::ALL {
            let out = render(*kind, "taro@example.jp", &full_view(lang)).expect("renders");
            assert!(!out.subject.contains("mail-subject"), "{lang} {kind:?}: {}", out.subject);
            for text in [&out.subject, &out.text, &out.html] {
                assert!(!text.contains("{$") && !text.contains("{ $"), "{lang} {kind:?}: a value is missing: {text}");
            }
        }
    }
    assert_eq!(madoguchi::i18n::misses(), Vec::<String>::new());
}

#[tokio::test]
async fn every_page_renders_in_every_language_with_every_message() {
    let app = spawn().await;
    let (reference, mails) = file_request(&app, &request_form()).await;
    let receipt = mails.iter().find(|m| m.text.contains("/status/")).expect("a status link");
    let status_url = link(&receipt.text, &format!("{}/status/", app.base));
    let requester = app.new_client();
    let res = requester.get(&status_url).send().await.expect("status link");
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "the link is exchanged for a cookie");
    app.login_as(Role::Admin).await;
    let receipt_notice = app.count("SELECT MIN(id) FROM notices").await;

    for lang in Lang::all() {
        let code = lang.code();
        let public = ["/", "/requests/new", "/requests/print", "/status/resend"];
        for path in public {
            let res = requester.get(app.url(&format!("{path}?lang={code}"))).send().await.expect("page");
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            let body = res.text().await.expect("body");
            assert!(body.contains(&format!("lang=\"{code}\"")), "{path} in {code}");
            assert!(!body.contains("{$"), "{path} in {code}: a value is missing");
        }
        let status = requester.get(app.url(&format!("/status/{reference}?lang={code}"))).send().await.expect("status");
        assert_eq!(status.status(), StatusCode::OK);
        // A refused form shows its error messages.
        let refused = app.post(&format!("/requests?lang={code}"), &[("kind", "disclosure")]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let staff = [
            "/staff".to_owned(),
            "/staff/intake".to_owned(),
            format!("/staff/cases/{reference}"),
            "/staff/reports".to_owned(),
            "/staff/deadlines".to_owned(),
            "/admin/users".to_owned(),
            "/admin/settings".to_owned(),
            "/staff?view=letters".to_owned(),
            format!("/staff/cases/{reference}/notices/{receipt_notice}"),
        ];
        for path in &staff {
            let sep = if path.contains('?') { '&' } else { '?' };
            let page = app.get(&format!("{path}{sep}lang={code}")).await;
            assert_eq!(page.status, StatusCode::OK, "{path} in {code}");
            assert!(!page.body.contains("{$"), "{path} in {code}: a value is missing");
        }
        let missing = app.get(&format!("/staff/cases/2026-999999?lang={code}")).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(madoguchi::i18n::misses(), Vec::<String>::new());
    app.running.shutdown().await;
}
