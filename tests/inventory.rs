//! Where the data lives (issue 19): the data inventory, its tasks on each
//! case, and the records of provision and receipt (APPI Arts. 29–30). On
//! SQLite, and on PostgreSQL when asked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, file_request, one, request_form, spawn, start_work, with};
use madoguchi::domain::Role;
use reqwest::StatusCode;

/// An admin, and two staff members who own systems: (crm owner id, recordings owner id).
async fn desk(app: &TestApp) -> (i64, i64) {
    app.login_as(Role::Admin).await;
    app.add_user("crm@example.jp", Role::Staff).await;
    app.add_user("rec@example.jp", Role::Staff).await;
    let crm = app.count("SELECT id FROM staff_users WHERE email = 'crm@example.jp'").await;
    let rec = app.count("SELECT id FROM staff_users WHERE email = 'rec@example.jp'").await;
    (crm, rec)
}

async fn add_system(app: &TestApp, name: &str, owner: i64, kinds: &[&str], location: &str) {
    let owner = owner.to_string();
    let mut form = vec![
        ("name", name),
        ("owner", owner.as_str()),
        ("categories", "氏名、住所、電話番号"),
        ("purposes", "お問い合わせへの回答のため"),
        ("retention", "最終利用日から3年"),
        ("location", location),
        ("recipients", ""),
    ];
    for k in kinds {
        form.push(("kinds", k));
    }
    let page = app.post("/admin/inventory", &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

/// The inventory of the tests: CRM (disclosure, correction), call
/// recordings held in Singapore (disclosure), business cards (correction).
async fn inventory(app: &TestApp) -> (i64, i64) {
    let (crm, rec) = desk(app).await;
    add_system(app, "顧客管理システム", crm, &["disclosure", "correction"], "JP").await;
    add_system(app, "通話録音", rec, &["disclosure"], "sg").await;
    add_system(app, "名刺管理", crm, &["correction"], "JP").await;
    (crm, rec)
}

async fn task_id(app: &TestApp, reference: &str, system: &str) -> i64 {
    app.count(&format!(
        "SELECT COALESCE(MAX(t.id), 0) FROM case_tasks t JOIN cases c ON c.id = t.case_id JOIN systems s ON s.id = t.system_id \
         WHERE c.reference = '{reference}' AND s.name = '{system}'"
    ))
    .await
}

#[tokio::test]
async fn tasks_open_per_the_inventory_mail_their_owners_and_block_a_granting_close_art_33() {
    let app = spawn().await;
    let (_, rec_owner) = inventory(&app).await;
    app.take_mails().await;

    let (reference, mails) = file_request(&app, &request_form()).await;
    // One task per system that searches disclosures, each owner told once.
    let opened: Vec<_> = mails.iter().filter(|m| m.subject.contains("個人データの検索を依頼します")).collect();
    assert_eq!(opened.len(), 2, "{:#?}", mails.iter().map(|m| (&m.to, &m.subject)).collect::<Vec<_>>());
    let crm_mail = one(&mails, "crm@example.jp", "個人データの検索を依頼します");
    assert!(crm_mail.text.contains("顧客管理システム") && crm_mail.text.contains(&reference), "{}", crm_mail.text);
    assert!(crm_mail.text.contains("検索の期限："), "the task's due date: {}", crm_mail.text);
    assert!(!crm_mail.text.contains("山田"), "no personal data in the staff notice");
    one(&mails, "rec@example.jp", "個人データの検索を依頼します");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM case_tasks t JOIN cases c ON c.id = t.case_id WHERE c.reference = '{reference}'"
        ))
        .await,
        2,
        "business cards are not searched for a disclosure"
    );
    assert_eq!(app.event_kinds(&reference).await.iter().filter(|k| *k == "task_opened").count(), 2);

    // The owner's queue view finds the case while the task is open.
    let mine = app.get(&format!("/staff?task_owner={rec_owner}")).await.body;
    assert!(mine.contains(&reference), "task_owner lists the case");

    start_work(&app, &reference).await;
    let page = app.get(&format!("/staff/cases/{reference}")).await.body;
    assert!(page.contains(r#"data-open-tasks="2""#), "the checklist counts the open searches");

    // Granting before every system was searched: 409 naming them.
    let close = [("outcome", "granted"), ("answer", "保有個人データの写しをお送りします。")];
    let page = app.post(&format!("/staff/cases/{reference}/close"), &close).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    assert!(page.body.contains("顧客管理システム") && page.body.contains("通話録音"), "names the open searches");
    assert_eq!(app.case_state(&reference).await, "in_progress", "nothing written");

    // Not applicable needs a reason; the form keeps what was typed.
    let recordings = task_id(&app, &reference, "通話録音").await;
    let path = format!("/staff/cases/{reference}/tasks/{recordings}");
    let page = app.post(&path, &[("status", "not_applicable"), ("note", " ")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("理由を入力してください")
            && page.body.contains(&format!(r##"href="#task-{recordings}-note""##)),
        "the error at its field"
    );
    let page = app.post(&path, &[("status", "not_applicable"), ("note", "録音は2024年以前のもののみ")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let crm_task = task_id(&app, &reference, "顧客管理システム").await;
    let page = app.post(&format!("/staff/cases/{reference}/tasks/{crm_task}"), &[("status", "done")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // A task of another case, or none, is not found.
    let page = app.post(&format!("/staff/cases/{reference}/tasks/999999"), &[("status", "done")]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);

    let mine = app.get(&format!("/staff?task_owner={rec_owner}")).await.body;
    assert!(!mine.contains(&reference), "a finished task leaves its owner's view");
    assert_eq!(app.event_kinds(&reference).await.iter().filter(|k| *k == "task_updated").count(), 2);
    let page = app.get(&format!("/staff/cases/{reference}")).await.body;
    assert!(page.contains("録音は2024年以前のもののみ"), "the note is on the checklist");

    let page = app.attach_result(&reference, "保有個人データの写し", "copy.csv", "氏名,山田 太郎\r\n".as_bytes()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app.post(&format!("/staff/cases/{reference}/close"), &close).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(app.case_state(&reference).await, "closed");
    // A closed case's checklist is kept as it was.
    let page = app.post(&format!("/staff/cases/{reference}/tasks/{crm_task}"), &[("status", "open")]).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_refusal_does_not_wait_for_the_searches() {
    let app = spawn().await;
    inventory(&app).await;
    let (reference, _) = file_request(&app, &request_form()).await;
    start_work(&app, &reference).await;
    let page = app.post(&format!("/staff/cases/{reference}/close"), &[("outcome", "no_data")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

#[tokio::test]
async fn a_changed_kind_replans_the_open_tasks() {
    let app = spawn().await;
    inventory(&app).await;
    let (reference, _) = file_request(&app, &request_form()).await;
    let crm_task = task_id(&app, &reference, "顧客管理システム").await;
    let page = app.post(&format!("/staff/cases/{reference}/tasks/{crm_task}"), &[("status", "done")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    app.take_mails().await;

    let page = app
        .post(
            &format!("/staff/cases/{reference}/change-kind"),
            &[("kind", "correction"), ("reason", "内容から訂正請求")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let mut systems = app
        .strings(&format!(
            "SELECT s.name || ':' || t.status FROM case_tasks t JOIN cases c ON c.id = t.case_id \
             JOIN systems s ON s.id = t.system_id WHERE c.reference = '{reference}'"
        ))
        .await;
    systems.sort();
    assert_eq!(systems, ["名刺管理:open", "顧客管理システム:done"], "recordings dropped, cards added, done kept");
    let kinds = app.event_kinds(&reference).await;
    assert!(kinds.contains(&"task_withdrawn".to_owned()));
    assert_eq!(kinds.iter().filter(|k| *k == "task_opened").count(), 3);
    let mails = app.take_mails().await;
    one(&mails, "crm@example.jp", "個人データの検索を依頼します");
}

#[tokio::test]
async fn an_overdue_task_is_told_to_its_owner_once() {
    let app = spawn().await;
    inventory(&app).await;
    let (reference, _) = file_request(&app, &request_form()).await;
    let due = app
        .strings(&format!(
            "SELECT t.due_on FROM case_tasks t JOIN cases c ON c.id = t.case_id WHERE c.reference = '{reference}'"
        ))
        .await;
    let case_due = app.strings(&format!("SELECT due_on FROM cases WHERE reference = '{reference}'")).await;
    assert!(due.iter().all(|d| d < &case_due[0]), "tasks are due before their case: {due:?} {case_due:?}");
    app.take_mails().await;

    let a = &app.running.app;
    assert_eq!(madoguchi::app::tasks::notify_overdue(a).await.unwrap(), 0, "nothing is overdue yet");
    a.clock.advance_days(13);
    assert_eq!(madoguchi::app::tasks::notify_overdue(a).await.unwrap(), 2);
    let mails = app.take_mails().await;
    let told = one(&mails, "rec@example.jp", "個人データの検索が期限を過ぎています");
    assert!(told.text.contains("通話録音") && told.text.contains(&reference), "{}", told.text);
    assert_eq!(madoguchi::app::tasks::notify_overdue(a).await.unwrap(), 0, "told once");
    assert!(app.event_kinds(&reference).await.contains(&"task_overdue_notified".to_owned()));
}

#[tokio::test]
async fn the_inventory_round_trips_through_csv_and_a_bad_line_takes_nothing() {
    let app = spawn().await;
    inventory(&app).await;
    // A formula-like text and a line break survive the trip.
    let (crm, _) = (app.count("SELECT id FROM staff_users WHERE email = 'crm@example.jp'").await, 0);
    let page = app
        .post(
            "/admin/inventory",
            &[
                ("name", "=ウェブのアクセスログ"),
                ("owner", &crm.to_string()),
                ("categories", "IPアドレス\nCookie ID"),
                ("purposes", "-不正アクセスの防止"),
                ("retention", "90日"),
                ("location", "US"),
                ("recipients", "分析事業者（米国）"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let res = app.client.get(app.url("/admin/inventory.csv")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let exported = res.bytes().await.unwrap().to_vec();
    let text = String::from_utf8(exported.clone()).unwrap();
    assert!(text.starts_with("\u{feff}name,owner_email,"), "{text}");
    assert!(text.contains("'=ウェブのアクセスログ"), "a formula is neutralised");

    // Into an empty desk with the same people, and out again: the same file.
    let other = spawn().await;
    desk(&other).await;
    let page = import(&other, &exported).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("追加 4件"), "{}", page.body);
    let again = other.client.get(other.url("/admin/inventory.csv")).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(String::from_utf8(again.to_vec()).unwrap(), text, "the CSV round-trips");
    assert_eq!(other.count("SELECT COUNT(*) FROM system_changes WHERE what = 'imported'").await, 4);
    // The same file again changes nothing.
    let page = import(&other, &exported).await;
    assert!(page.body.contains("変更なし 4件"), "{}", page.body);

    // A ledger with Japanese headings and one bad line: nothing is written, the line is named.
    let ledger = "名称,管理責任者,個人データの項目,保存期間,保管場所,検索する請求\n\
        採用応募者データ,crm@example.jp,氏名・職歴,選考後1年,JP,開示 利用停止・消去\n\
        研修記録,nobody@example.jp,受講履歴,5年,Japan,disclosure\n";
    let before = other.count("SELECT COUNT(*) FROM systems").await;
    let page = import(&other, ledger.as_bytes()).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.body);
    assert!(page.body.contains("3行目"), "the bad line is named: {}", page.body);
    assert!(page.body.contains("有効な担当者を選んでください") && page.body.contains("国名コード"), "{}", page.body);
    assert_eq!(other.count("SELECT COUNT(*) FROM systems").await, before, "nothing half-written");
    let fixed = ledger.replace("nobody@", "rec@").replace(",Japan,", ",JP,");
    let page = import(&other, fixed.as_bytes()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let kinds = other.strings("SELECT kinds FROM systems WHERE name = '採用応募者データ'").await;
    assert_eq!(kinds, ["disclosure suspension"], "kinds by their Japanese labels");
}

async fn import(app: &TestApp, bytes: &[u8]) -> common::Page {
    let token = common::csrf_of(&app.get("/admin/inventory").await.body);
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("ledger.csv"))
        .text("csrf_token", token);
    let res = app.client.post(app.url("/admin/inventory/import")).multipart(form).send().await.unwrap();
    let status = res.status();
    common::Page { status, location: None, body: res.text().await.unwrap() }
}

#[tokio::test]
async fn staff_read_the_inventory_admins_change_it_and_every_change_is_in_its_history() {
    let app = spawn().await;
    let (_, rec) = inventory(&app).await;
    let id = app.count("SELECT id FROM systems WHERE name = '通話録音'").await;
    let page = app
        .post(
            &format!("/admin/inventory/{id}"),
            &[
                ("name", "通話録音"),
                ("owner", &rec.to_string()),
                ("retention", "録音日から1年"),
                ("location", "SG"),
                ("kinds", "disclosure"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // A name already taken is refused, with what was typed kept.
    let page = app.post(&format!("/admin/inventory/{id}"), &[("name", "顧客管理システム"), ("location", "XX1")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("XX1"), "the input is kept");
    let page = app.get("/admin/inventory").await.body;
    assert!(page.contains("国外（SG）"), "abroad is marked for Art. 28");
    assert!(
        page.contains("変更：個人データの項目、利用目的、保存期間"),
        "the history names the fields changed: {page}"
    );

    let staff = app.new_client();
    app.add_user("reader@example.jp", Role::Staff).await;
    let login = app
        .post_as(
            &staff,
            "/staff/login",
            &[("email", "reader@example.jp"), ("password", "correct horse battery staple")],
            &[],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    let page = app.get_as(&staff, "/admin/inventory").await;
    assert_eq!(page.status, StatusCode::OK, "staff read it");
    assert!(page.body.contains("通話録音") && !page.body.contains(r#"action="/admin/inventory""#), "without forms");
    let page = app.post_as(&staff, "/admin/inventory", &[("name", "勝手な追加")], &[]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM systems WHERE name = '勝手な追加'").await, 0);

    // Retired: no new task names it.
    let page = app.post(&format!("/admin/inventory/{id}/retire"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let (reference, _) = file_request(&app, &request_form()).await;
    assert_eq!(task_id(&app, &reference, "通話録音").await, 0);
}

#[tokio::test]
async fn the_public_page_tells_purposes_categories_and_retention_from_the_inventory_art_32() {
    let app = spawn().await;
    let before = app.get("/").await.body;
    assert!(before.contains("お問い合わせへの回答のため"), "the settings' purposes while the inventory is empty");
    inventory(&app).await;
    let page = app.get("/").await.body;
    assert!(page.contains(r#"data-inventory="3""#), "{page}");
    assert!(
        page.contains("顧客管理システム")
            && page.contains("最終利用日から3年")
            && page.contains("氏名、住所、電話番号")
    );
    assert!(page.contains("外国（SG）で取り扱います"), "Art. 28 information");
    assert!(!page.contains("商品・サービスの提供、ご注文の確認"), "the settings' text gives way");
}

#[tokio::test]
async fn a_provision_record_found_by_name_and_birth_date_appears_on_the_provision_record_case_art_33_5() {
    let app = spawn().await;
    app.login_as(Role::Staff).await;
    let record = |counterparty: &'static str, subject: &'static str, birth: &'static str| {
        vec![
            ("direction", "provided"),
            ("on_date", "2026-04-01"),
            ("counterparty", counterparty),
            ("counterparty_address", "東京都港区1-1-1"),
            ("subject", subject),
            ("subject_birth_date", birth),
            ("items", "氏名、購入履歴"),
            ("basis", "consent"),
            ("record_form", "each"),
        ]
    };
    for (who, subject, birth) in [
        ("株式会社提供先A", "山田　太郎", "1980-01-02"),
        ("株式会社提供先B", "山田 太郎", "1990-05-05"),
        ("株式会社提供先C", "鈴木 一郎", "1980-01-02"),
        ("株式会社提供先D", "ヤマダ タロウ", ""),
    ] {
        let page = app.post("/staff/provisions", &record(who, subject, birth)).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    // A receipt must say how the source obtained the data (Art. 30(1)).
    let receipt = with(record("株式会社提供元", "山田 太郎", "1980-01-02"), "direction", "received");
    let page = app.post("/staff/provisions", &receipt).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("株式会社提供元"), "the input is kept");
    let receipt = with(receipt, "source_obtained", "会員登録時に本人から取得");
    assert_eq!(app.post("/staff/provisions", &receipt).await.status, StatusCode::SEE_OTHER);

    let form = with(with(request_form(), "kind", "provision_record"), "subject_birth_date", "1980-01-02");
    let (reference, _) = file_request(&app, &form).await;
    let page = app.get(&format!("/staff/cases/{reference}")).await.body;
    assert!(page.contains(r#"data-provisions="2""#), "name and birth date match two records: {page}");
    assert!(page.contains("株式会社提供先A") && page.contains("株式会社提供元"));
    assert!(!page.contains("株式会社提供先B") && !page.contains("株式会社提供先C"), "another person's are not listed");

    // Attached for the answer: a CSV of exactly those records.
    start_work(&app, &reference).await;
    let page = app.post(&format!("/staff/cases/{reference}/attach-provisions"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let id = app.count("SELECT MAX(id) FROM documents WHERE purpose = 'result'").await;
    let file = app.client.get(app.url(&format!("/staff/cases/{reference}/documents/{id}"))).send().await.unwrap();
    let csv = String::from_utf8(file.bytes().await.unwrap().to_vec()).unwrap();
    assert!(csv.contains("株式会社提供先A") && csv.contains("会員登録時に本人から取得"), "{csv}");
    assert!(!csv.contains("株式会社提供先B") && !csv.contains("株式会社提供先C"), "{csv}");
    assert_eq!(csv.lines().count(), 3, "a heading and two records: {csv}");

    let found = app.get("/staff/provisions?q=山田太郎").await.body;
    assert!(
        found.contains("株式会社提供先A") && found.contains("株式会社提供先B") && !found.contains("株式会社提供先C")
    );
}

#[tokio::test]
async fn provision_records_are_kept_one_or_three_years_art_29() {
    let app = spawn().await;
    app.login_as(Role::Staff).await;
    let today = app.running.app.today().to_string();
    for form in ["contract", "bulk"] {
        let fields = [
            ("direction", "provided"),
            ("on_date", today.as_str()),
            ("counterparty", "配送業者"),
            ("subject", "山田 太郎"),
            ("items", "氏名、住所"),
            ("basis", "opt_out"),
            ("record_form", form),
        ];
        assert_eq!(app.post("/staff/provisions", &fields).await.status, StatusCode::SEE_OTHER);
    }
    let a = &app.running.app;
    a.clock.advance_days(367);
    let report = madoguchi::app::retention::run(a, false).await.unwrap();
    assert_eq!(report.count("provision_records"), 1, "the contract's record after one year");
    assert_eq!(app.strings("SELECT record_form FROM provisions").await, ["bulk"]);
    a.clock.advance_days(365 * 2);
    let report = madoguchi::app::retention::run(a, false).await.unwrap();
    assert_eq!(report.count("provision_records"), 1, "the others after three");
}

#[tokio::test]
async fn the_report_shows_late_searches_per_system_and_systems_never_searched() {
    let app = spawn().await;
    inventory(&app).await;
    let (reference, _) = file_request(&app, &request_form()).await;
    app.running.app.clock.advance_days(13);
    app.login("admin@example.jp", "correct horse battery staple").await;
    let crm_task = task_id(&app, &reference, "顧客管理システム").await;
    let page = app.post(&format!("/staff/cases/{reference}/tasks/{crm_task}"), &[("status", "done")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let month = app.running.app.today().strftime("%Y-%m").to_string();
    let page = app.get(&format!("/staff/reports?month={month}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"data-search-system="顧客管理システム" data-late="1""#), "{}", page.body);
    assert!(
        page.body.contains(r#"data-never-searched="通話録音""#)
            && page.body.contains(r#"data-never-searched="名刺管理""#)
    );
    assert!(!page.body.contains(r#"data-never-searched="顧客管理システム""#));
}

#[tokio::test]
async fn the_api_lists_a_cases_searches_and_changes_them_with_the_same_rules() {
    let app = spawn().await;
    inventory(&app).await;
    let (reference, _) = file_request(&app, &request_form()).await;
    let page = app
        .post(
            "/admin/api-tokens",
            &[("name", "crm"), ("role", "manager"), ("scopes", "cases:read"), ("scopes", "cases:write")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let start = page.body.find("data-token-secret=\"").unwrap() + "data-token-secret=\"".len();
    let secret = page.body[start..].split('"').next().unwrap().to_owned();
    let client = reqwest::Client::new();

    let get = |path: String| {
        let req = client.get(app.url(&path)).bearer_auth(&secret);
        async move { req.send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    let case = get(format!("/api/v1/cases/{reference}")).await;
    let tasks = case["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2, "{case}");
    let recordings = tasks.iter().find(|t| t["system"] == "通話録音").unwrap();
    assert_eq!(recordings["status"], "open");
    let id = recordings["id"].as_i64().unwrap();

    let path = app.url(&format!("/api/v1/cases/{reference}/tasks/{id}"));
    let res = client
        .post(&path)
        .bearer_auth(&secret)
        .json(&serde_json::json!({"status": "not_applicable"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "note", "{problem}");
    let res = client
        .post(&path)
        .bearer_auth(&secret)
        .json(&serde_json::json!({"status": "not_applicable", "note": "2024年以前の録音のみ"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let task: serde_json::Value = res.json().await.unwrap();
    assert_eq!(task["status"], "not_applicable");
    assert_eq!(task["done_on"], app.running.app.today().to_string());

    let listed = get("/api/v1/cases?task_owner=me".into()).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(0), "the token's account owns no search: {listed}");
    let res = client.get(app.url("/api/v1/cases?task_owner=someone")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
