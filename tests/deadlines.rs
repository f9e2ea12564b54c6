//! Deadlines over HTTP: pauses, extensions, profiles per kind, the clock's
//! start, and the due-date notices, with a controllable clock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, file_request, one, request_form, spawn};
use jiff::ToSpan;
use jiff::civil::Date;
use madoguchi::domain::Role;
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery staple";

async fn due_on(app: &TestApp, reference: &str) -> Option<Date> {
    let store = &app.db;
    let (d,): (Option<String>,) =
        common::on!(read store, c => sqlx::query_as("SELECT due_on FROM cases WHERE reference = $1")
        .bind(reference).fetch_one(c).await)
        .unwrap();
    d.map(|d| d.parse().unwrap())
}

fn today(app: &TestApp) -> Date {
    app.running.app.today()
}

#[tokio::test]
async fn a_case_goes_through_a_pause_and_an_extension_with_its_notice() {
    let app = spawn().await;
    let (reference, _) = file_request(&app, &request_form()).await;
    let received = today(&app);
    assert_eq!(due_on(&app, &reference).await, Some(received.saturating_add(14.days())));
    let staff = app.login_as(Role::Staff).await;
    let act = |a: &str| format!("/staff/cases/{reference}/{a}");
    assert_eq!(app.post(&act("request-identity"), &[("target", "subject")]).await.status, StatusCode::SEE_OTHER);
    app.running.app.clock.advance_days(3);
    app.login(&staff, PASSWORD).await;
    assert_eq!(
        app.post(&act("verify-identity"), &[("target", "subject"), ("method", "postal_copy")]).await.status,
        StatusCode::SEE_OTHER
    );
    let paused_due = received.saturating_add(17.days());
    assert_eq!(due_on(&app, &reference).await, Some(paused_due), "three days paused");
    let page = app.get(&format!("/staff/cases/{reference}")).await;
    assert!(page.body.contains("期限の停止"), "the pause history is shown");
    assert!(page.body.contains(&format!(
        r#"<time datetime="{received}">{received}</time> 〜 <time datetime="{}">"#,
        received.saturating_add(3.days())
    )));
    app.take_mails().await;

    // An extension beyond 30 days after the first due date is refused; one within is noticed.
    let too_far = received.saturating_add(14.days()).saturating_add(31.days()).to_string();
    let page = app.post(&act("extend"), &[("new_due_on", &too_far), ("reason", "調査に時間を要するため")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("延長できる上限を超えています"));
    let page = app.post(&act("extend"), &[("days", "10"), ("reason", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "an extension needs a reason");
    assert_eq!(due_on(&app, &reference).await, Some(paused_due));
    let page = app
        .post(&act("extend"), &[("days", "10"), ("reason", "複数の部署に記録が分散しており、調査に時間を要するため")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let extended = paused_due.saturating_add(10.days());
    assert_eq!(due_on(&app, &reference).await, Some(extended));
    let mails = app.take_mails().await;
    let notice = one(&mails, "taro@example.jp", "回答期限の延長のお知らせ（延長通知）");
    assert!(notice.text.contains(&format!("これまでの回答予定日：{paused_due}")));
    assert!(notice.text.contains(&format!("新しい回答予定日：{extended}")));
    assert!(notice.text.contains("複数の部署に記録が分散しており"));
    let page = app.get(&format!("/staff/cases/{reference}")).await;
    assert!(
        page.body.contains(&format!(r#"<time datetime="{}">"#, received.saturating_add(14.days()))),
        "the Art. 39 date stays"
    );
    app.running.shutdown().await;
}

async fn save_deadlines(app: &TestApp, changes: &[(&str, &str)]) -> common::Page {
    let mut fields: Vec<(String, String)> = Vec::new();
    for k in madoguchi::domain::RequestKind::ALL {
        fields.push((format!("profile_{}", k.code()), "appi".into()));
        fields.push((format!("custom_days_{}", k.code()), "30".into()));
        fields.push((format!("custom_unit_{}", k.code()), "calendar".into()));
    }
    for (k, v) in [
        ("deadline_clock_start", "received"),
        ("deadline_pause", "yes"),
        ("deadline_max_extension_days", "30"),
        ("deadline_reminder_days", "3"),
        ("deadline_escalation", "yes"),
        ("closure_days", "12-29..01-03"),
    ] {
        fields.push((k.into(), v.into()));
    }
    for (k, v) in changes {
        fields.retain(|(key, _)| key != k);
        fields.push((k.to_string(), v.to_string()));
    }
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post("/staff/deadlines", &pairs).await
}

#[tokio::test]
async fn managers_choose_a_profile_per_kind_and_bad_settings_are_refused() {
    let app = spawn().await;
    app.login_as(Role::Staff).await;
    assert_eq!(app.get("/staff/deadlines").await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.post("/staff/logout", &[]).await.status, StatusCode::SEE_OTHER);
    app.login_as(Role::Manager).await;
    let page = app.get("/staff/deadlines").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("今後12か月の休日"));
    assert!(
        page.body.contains("暫定") || today(&app).month() == 1,
        "years whose equinoxes are not announced are marked"
    );

    let page = save_deadlines(&app, &[("profile_correction", "custom"), ("custom_days_correction", "0")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = save_deadlines(&app, &[("closure_days", "12-29..01-03\nお盆")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("お盆"), "the line is named and kept");

    let page = save_deadlines(
        &app,
        &[
            ("profile_disclosure", "gdpr"),
            ("profile_correction", "custom"),
            ("custom_days_correction", "10"),
            ("custom_unit_correction", "business"),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let (disclosure, _) = file_request(&app, &request_form()).await;
    let received = today(&app);
    assert_eq!(due_on(&app, &disclosure).await, Some(received.saturating_add(1.month())), "GDPR: one month");
    let mut form = request_form();
    form.retain(|(k, _)| !matches!(*k, "kind" | "delivery"));
    form.push(("kind", "correction"));
    let (correction, _) = file_request(&app, &form).await;
    let cal = madoguchi::domain::calendar::Calendar::default();
    assert_eq!(due_on(&app, &correction).await, Some(cal.add_business_days(received, 10)), "custom: 10 business days");
    let page = app.get(&format!("/staff/cases/{disclosure}")).await;
    assert!(page.body.contains("GDPR（1か月）"));
    app.running.shutdown().await;
}

#[tokio::test]
async fn the_clock_can_start_when_identity_is_verified() {
    let app = spawn().await;
    app.login_as(Role::Manager).await;
    assert_eq!(
        save_deadlines(&app, &[("deadline_clock_start", "identity_verified")]).await.status,
        StatusCode::SEE_OTHER
    );
    let (reference, mails) = file_request(&app, &request_form()).await;
    assert!(
        one(&mails, "taro@example.jp", "ご請求を受け付けました")
            .text
            .contains("回答予定日：本人確認の完了後にお知らせします")
    );
    assert_eq!(due_on(&app, &reference).await, None);
    app.running.app.clock.advance_days(2);
    app.login("manager@example.jp", PASSWORD).await;
    let page = app
        .post(&format!("/staff/cases/{reference}/verify-identity"), &[("target", "subject"), ("method", "in_person")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let due = today(&app).saturating_add(14.days());
    assert_eq!(due_on(&app, &reference).await, Some(due));
    let mails = app.take_mails().await;
    assert!(one(&mails, "taro@example.jp", "本人確認ができました").text.contains(&format!("回答予定日：{due}まで")));
    app.running.shutdown().await;
}

#[tokio::test]
async fn the_assignee_hears_before_the_due_date_and_managers_when_it_passes_once_each() {
    let app = spawn().await;
    let manager = app.login_as(Role::Manager).await;
    let staff_password = app.add_user("tantou@example.jp", Role::Staff).await;
    let _ = staff_password;
    let (running_case, _) = file_request(&app, &request_form()).await;
    let (paused_case, _) = file_request(&app, &request_form()).await;
    let staff_id: (i64,) = {
        let store = &app.db;
        common::on!(read store, c => sqlx::query_as("SELECT id FROM staff_users WHERE email = 'tantou@example.jp'").fetch_one(c).await).unwrap()
    };
    let id = staff_id.0.to_string();
    assert_eq!(
        app.post(&format!("/staff/cases/{running_case}/assign"), &[("assignee", &id)]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.post(&format!("/staff/cases/{paused_case}/request-clarification"), &[("body", "対象期間を教えてください")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    app.take_mails().await;
    let a = &app.running.app;
    let due = due_on(&app, &running_case).await.unwrap();
    let cal = madoguchi::domain::calendar::Calendar::default();

    // Walk day by day: the due-soon notice goes on the first day within 3 business days.
    let start = a.today();
    let mut soon_on = None;
    for _ in 0..14 {
        let sent = madoguchi::jobs::deadline_notices(a).await.unwrap();
        if sent > 0 {
            soon_on = Some(a.today());
            break;
        }
        a.clock.advance_days(1);
    }
    let soon_on = soon_on.expect("a due-soon notice");
    assert!(cal.business_days_between(soon_on, due) <= 3, "sent within 3 business days of {due}");
    if soon_on > start {
        assert!(
            cal.business_days_between(soon_on.saturating_sub(1.day()), due) > 3,
            "the day before was not yet within 3 business days"
        );
    }
    let mails = app.take_mails().await;
    assert_eq!(mails.len(), 1);
    let soon = one(&mails, "tantou@example.jp", "回答期限が近づいています");
    assert!(soon.text.contains(&running_case));
    assert_eq!(madoguchi::jobs::deadline_notices(a).await.unwrap(), 0, "once per due date");

    // The day after the due date, managers hear of the running case, not of the paused one.
    let gap = (due - a.today()).get_days() + 1;
    a.clock.advance_days(i64::from(gap));
    assert_eq!(madoguchi::jobs::deadline_notices(a).await.unwrap(), 1);
    let mails = app.take_mails().await;
    let overdue = one(&mails, &manager, "回答期限を過ぎた請求があります");
    assert!(overdue.text.contains(&running_case) && !overdue.text.contains(&paused_case));
    assert_eq!(madoguchi::jobs::deadline_notices(a).await.unwrap(), 0, "once");
    app.login(&manager, PASSWORD).await;
    let queue = app.get("/staff?due=overdue").await;
    assert!(queue.body.contains(&format!(r#"data-reference="{running_case}""#)));
    assert!(!queue.body.contains(&format!(r#"data-reference="{paused_case}""#)), "a paused case is never overdue");
    assert_eq!(app.event_kinds(&running_case).await.iter().filter(|k| k.ends_with("_notified")).count(), 2);
    app.running.shutdown().await;
}
