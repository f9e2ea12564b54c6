//! Mail through a real SMTP server (aiosmtpd, started by `.ci/run`), read
//! back from its Maildir and decoded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Mail, link, parse_mail, request_form, spawn_with_smtp};
use reqwest::StatusCode;

/// Waits for a message to `to` whose subject contains `subject`.
async fn wait_for(maildir: &Path, to: &str, subject: &str) -> Mail {
    for _ in 0..200 {
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(maildir.join(sub)) else { continue };
            for e in entries {
                let path: PathBuf = e.unwrap().path();
                let mail = parse_mail(&std::fs::read(&path).unwrap());
                if mail.to.contains(to) && mail.subject.contains(subject) {
                    return mail;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no mail to {to} about {subject:?} arrived in {}", maildir.display());
}

#[tokio::test]
#[ignore = "needs a real SMTP server: MADOGUCHI_TEST_SMTP_URL and MADOGUCHI_TEST_SMTP_MAILDIR (.ci/run starts aiosmtpd)"]
async fn japanese_mail_is_delivered_through_a_real_smtp_server() {
    let url = std::env::var("MADOGUCHI_TEST_SMTP_URL").expect("MADOGUCHI_TEST_SMTP_URL");
    let maildir = PathBuf::from(std::env::var("MADOGUCHI_TEST_SMTP_MAILDIR").expect("MADOGUCHI_TEST_SMTP_MAILDIR"));
    let app = spawn_with_smtp(Some(url)).await;
    let to = format!("smtp-{}@example.jp", uuid::Uuid::new_v4().simple());
    let mut form = request_form();
    form.retain(|(k, _)| *k != "contact_email");
    form.push(("contact_email", &to));

    let page = app.post("/requests", &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let confirm = wait_for(&maildir, &to, "メールアドレスの確認のお願い").await;
    assert!(confirm.subject.starts_with("【テスト株式会社】"), "the subject is decoded: {}", confirm.subject);
    assert!(confirm.text.contains("山田 太郎 様"), "the Japanese body is decoded");
    assert!(confirm.html.contains("<a href="), "an HTML alternative travels with it");

    let url = link(&confirm.text, &format!("{}/requests/confirm?token=", app.base));
    let token = url.split("token=").nth(1).unwrap().to_owned();
    let page = app.post("/requests/confirm", &[("token", &token)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let reference = page.location.unwrap().trim_start_matches("/status/").split('?').next().unwrap().to_owned();

    let receipt = wait_for(&maildir, &to, "ご請求を受け付けました").await;
    assert!(receipt.subject.contains(&reference));
    assert!(receipt.text.contains(&format!("受付番号：{reference}")));
    assert_eq!(madoguchi::app::housekeeping::pending_mail(&app.running.app).await.unwrap(), 0, "nothing left to send");
    app.running.shutdown().await;
}
