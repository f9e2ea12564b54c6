//! The JSON API (issue 16, DESIGN.md §4 "JSON API"): tokens, scopes,
//! problems, the same cases as the forms, the OpenAPI document.

mod common;

use common::*;
use madoguchi::domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An admin creates a token on `/admin/api-tokens`; returns its secret.
async fn token(app: &TestApp, name: &str, scopes: &[&str], role: &str) -> String {
    let mut fields = vec![("name", name), ("role", role)];
    fields.extend(scopes.iter().map(|s| ("scopes", *s)));
    let page = app.post("/admin/api-tokens", &fields).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let start = page.body.find("data-token-secret=\"").expect("the secret is shown") + "data-token-secret=\"".len();
    let secret = &page.body[start..];
    secret[..secret.find('"').unwrap()].to_owned()
}

struct Answer {
    status: StatusCode,
    content_type: String,
    headers: reqwest::header::HeaderMap,
    json: Value,
}

async fn call(app: &TestApp, method: &str, path: &str, secret: Option<&str>, body: Option<Value>) -> Answer {
    let client = reqwest::Client::new();
    let mut req = client.request(method.parse().unwrap(), app.url(path));
    if let Some(s) = secret {
        req = req.bearer_auth(s);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("API call");
    let status = res.status();
    let headers = res.headers().clone();
    let content_type = headers.get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let text = res.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, content_type, headers, json }
}

fn is_problem(a: &Answer, status: StatusCode, code: &str) {
    assert_eq!(a.status, status, "{}", a.json);
    assert_eq!(a.content_type, "application/problem+json");
    assert_eq!(a.json["type"], format!("urn:madoguchi:problem:{code}"), "{}", a.json);
    assert_eq!(a.json["status"], status.as_u16());
    assert!(a.json["title"].as_str().is_some_and(|t| !t.is_empty()));
}

fn letter() -> Value {
    json!({
        "kind": "correction",
        "subject_name": "佐藤 花子",
        "subject_name_kana": "サトウ ハナコ",
        "filer": "self",
        "details": "住所の訂正を求める手紙",
        "channel": "post",
        "contact_email": "hanako@example.jp",
        "lang": "ja",
    })
}

#[tokio::test]
async fn a_token_is_shown_once_stored_hashed_and_limited_to_its_scopes() {
    let app = spawn().await;
    app.login_as(Role::Admin).await;
    let secret = token(&app, "CRM", &["cases:read"], "staff").await;
    assert!(secret.starts_with("mdg_") && secret.len() > 40);
    let page = app.get("/admin/api-tokens").await;
    assert!(page.body.contains(r#"data-token="CRM""#) && !page.body.contains(&secret), "listed, never shown again");
    let stored = app.count(&format!("SELECT COUNT(*) FROM api_tokens WHERE token_hash = '{secret}'")).await;
    assert_eq!(stored, 0, "only a hash is stored");

    is_problem(&call(&app, "GET", "/api/v1/cases", None, None).await, StatusCode::UNAUTHORIZED, "unauthorized");
    let with_cookie = app.get("/api/v1/cases").await;
    assert_eq!(with_cookie.status, StatusCode::UNAUTHORIZED, "an admin's session does not open the API");
    let wrong = call(&app, "GET", "/api/v1/cases", Some("mdg_not-a-token"), None).await;
    is_problem(&wrong, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(wrong.headers.get("www-authenticate").unwrap(), "Bearer");

    let listed = call(&app, "GET", "/api/v1/cases", Some(&secret), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.json);
    let refused = call(&app, "POST", "/api/v1/requests", Some(&secret), Some(letter())).await;
    is_problem(&refused, StatusCode::FORBIDDEN, "forbidden");
    assert!(refused.json["detail"].as_str().unwrap().contains("cases:write"));
    let report = call(&app, "GET", "/api/v1/reports/2026-11", Some(&secret), None).await;
    is_problem(&report, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(app.count("SELECT COUNT(*) FROM cases").await, 0, "nothing written by a refused call");

    // Japanese problems for a caller who asks for them.
    let ja = reqwest::Client::new()
        .get(app.url("/api/v1/cases"))
        .header("accept-language", "ja,en;q=0.5")
        .send()
        .await
        .unwrap();
    let ja: Value = ja.json().await.unwrap();
    assert!(ja["title"].as_str().unwrap().contains("トークン"), "{ja}");

    // Every call is in the access log under the token's name; its last use shows.
    let logged = app
        .count(
            "SELECT COUNT(*) FROM access_log a JOIN staff_users u ON u.id = a.user_id \
             WHERE u.display_name = 'CRM' AND a.what LIKE 'api:% /api/v1/%'",
        )
        .await;
    assert_eq!(logged, 3, "the list, and the two refused calls");
    let page = app.get("/admin/api-tokens").await;
    assert!(!page.body.contains(r#"data-last-used="""#), "last use shown: {}", page.body);
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_revoked_token_is_refused_at_once() {
    let app = spawn().await;
    app.login_as(Role::Admin).await;
    let secret = token(&app, "Help desk", &["cases:read", "cases:write"], "staff").await;
    assert_eq!(call(&app, "GET", "/api/v1/cases", Some(&secret), None).await.status, StatusCode::OK);
    let id = app.count("SELECT id FROM api_tokens WHERE name = 'Help desk'").await;
    let page = app.post(&format!("/admin/api-tokens/{id}/revoke"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    is_problem(
        &call(&app, "GET", "/api/v1/cases", Some(&secret), None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    let page = app.get("/admin/api-tokens").await;
    assert!(page.body.contains(r#"class="revoked""#));
    app.running.shutdown().await;
}

#[tokio::test]
async fn the_api_and_the_intake_form_make_identical_cases() {
    let app = spawn().await;
    app.login_as(Role::Admin).await;
    let secret = token(&app, "Call centre", &["cases:read", "cases:write"], "staff").await;
    let arrival = app.running.app.today().saturating_sub(jiff::ToSpan::days(2)).to_string();
    let mut body = letter();
    body["received_on"] = json!(arrival);
    let created = call(&app, "POST", "/api/v1/requests", Some(&secret), Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
    let api_ref = created.json["reference"].as_str().unwrap().to_owned();
    assert_eq!(created.json["state"], "received");
    assert_eq!(created.headers.get("location").unwrap().to_str().unwrap(), format!("/api/v1/cases/{api_ref}"));
    let status_url = created.json["status_url"].as_str().unwrap();
    assert!(status_url.contains(&format!("/status/{api_ref}?token=")));
    let requester = app.new_client();
    let opened = app.get_as(&requester, status_url).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "the link sets the status cookie");
    let status_page = app.get_as(&requester, &opened.location.unwrap()).await;
    assert_eq!(status_page.status, StatusCode::OK, "the status link opens the requester's page");
    assert!(status_page.body.contains(&api_ref));

    let form = [
        ("kind", "correction"),
        ("subject_name", "佐藤 花子"),
        ("subject_name_kana", "サトウ ハナコ"),
        ("filer", "self"),
        ("details", "住所の訂正を求める手紙"),
        ("channel", "post"),
        ("contact_email", "hanako@example.jp"),
        ("lang", "ja"),
        ("received_on", &arrival),
    ];
    let page = app.post("/staff/intake", &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let form_ref = page.location.unwrap().trim_start_matches("/staff/cases/").to_owned();

    let columns = "kind, filer, channel, state, delivery, received_on, due_on, subject_name, subject_name_kana, \
        contact_email, details, lang";
    let row = |r: &str| format!("SELECT {columns} FROM cases WHERE reference = '{r}'");
    type Row = (String, String, String, String, Option<String>, String, String, String, String, String, String, String);
    let (a, b): (Row, Row) = {
        let db = &app.db;
        let a = on!(read db, c => sqlx::query_as(&row(&api_ref)).fetch_one(c).await).unwrap();
        let b = on!(read db, c => sqlx::query_as(&row(&form_ref)).fetch_one(c).await).unwrap();
        (a, b)
    };
    assert_eq!(a, b, "the same case whichever way it came");
    assert_eq!(a.5, arrival);
    assert_eq!(app.event_kinds(&api_ref).await, app.event_kinds(&form_ref).await);

    // The case as the API reads it: its events under the token's name.
    let read = call(&app, "GET", &format!("/api/v1/cases/{api_ref}"), Some(&secret), None).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.json);
    assert_eq!(read.json["person"]["subject_name"], "佐藤 花子");
    assert_eq!(read.json["received_on"], arrival.as_str());
    let events = read.json["events"].as_array().unwrap();
    assert_eq!(events.iter().map(|e| e["code"].as_str().unwrap()).collect::<Vec<_>>(), ["submitted", "received"]);
    assert_eq!(events[1]["actor"], "staff:Call centre");
    assert!(read.json["actions"].as_array().unwrap().iter().any(|a| a == "assign"));
    app.running.shutdown().await;
}

#[tokio::test]
async fn bad_input_and_illegal_moves_are_problems_with_the_fields_named() {
    let app = spawn().await;
    app.login_as(Role::Admin).await;
    let secret = token(&app, "CRM", &["cases:read", "cases:write"], "staff").await;
    let s = Some(secret.as_str());

    let mut missing = letter();
    missing["subject_name"] = json!("");
    missing["kind"] = json!("nonsense");
    let bad = call(&app, "POST", "/api/v1/requests", s, Some(missing)).await;
    is_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    let fields: Vec<&str> =
        bad.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"subject_name") && fields.contains(&"kind"), "{fields:?}");
    assert!(bad.json["errors"][0]["message"].as_str().is_some_and(|m| !m.is_empty()));

    let not_json = reqwest::Client::new()
        .post(app.url("/api/v1/requests"))
        .bearer_auth(&secret)
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    let wrong_type = call(&app, "POST", "/api/v1/requests", s, Some(json!({"kind": 3}))).await;
    is_problem(&wrong_type, StatusCode::UNPROCESSABLE_ENTITY, "unreadable");
    assert_eq!(app.count("SELECT COUNT(*) FROM cases").await, 0, "nothing half-written");

    let created = call(&app, "POST", "/api/v1/requests", s, Some(letter())).await;
    let reference = created.json["reference"].as_str().unwrap().to_owned();
    // Closing a case nobody has started is not a legal move (the same rule as the page).
    let close = json!({"outcome": "granted", "answer": "訂正しました。"});
    let illegal = call(&app, "POST", &format!("/api/v1/cases/{reference}/actions/close"), s, Some(close)).await;
    is_problem(&illegal, StatusCode::CONFLICT, "illegal-move");
    // Reopening is a manager's: this token acts as staff.
    let reopen = call(&app, "POST", &format!("/api/v1/cases/{reference}/actions/reopen"), s, Some(json!({}))).await;
    assert!(matches!(reopen.status, StatusCode::FORBIDDEN | StatusCode::CONFLICT), "{}", reopen.json);
    let nobody = json!({"assignee": 999_999});
    let assign = call(&app, "POST", &format!("/api/v1/cases/{reference}/actions/assign"), s, Some(nobody)).await;
    is_problem(&assign, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert_eq!(assign.json["errors"][0]["field"], "assignee");
    let note = json!({"body": "電話で本人から補足あり"});
    let noted = call(&app, "POST", &format!("/api/v1/cases/{reference}/actions/note"), s, Some(note)).await;
    assert_eq!(noted.status, StatusCode::OK, "{}", noted.json);
    assert_eq!(app.event_kinds(&reference).await.last().unwrap(), "note_added");

    let unknown = call(&app, "POST", &format!("/api/v1/cases/{reference}/actions/confirm"), s, Some(json!({}))).await;
    is_problem(&unknown, StatusCode::NOT_FOUND, "not-found");
    let no_case = call(&app, "GET", "/api/v1/cases/2099-999999", s, None).await;
    is_problem(&no_case, StatusCode::NOT_FOUND, "not-found");
    let bad_filter = call(&app, "GET", "/api/v1/cases?state=bogus&limit=500", s, None).await;
    is_problem(&bad_filter, StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    let fields: Vec<&str> =
        bad_filter.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["state", "limit"]);
    app.running.shutdown().await;
}

#[tokio::test]
async fn the_case_list_filters_and_pages_with_a_keyset_cursor() {
    let app = spawn().await;
    app.login_as(Role::Admin).await;
    let secret = token(&app, "CRM", &["cases:read", "cases:write"], "staff").await;
    let s = Some(secret.as_str());
    let mut made = Vec::new();
    for kind in ["correction", "correction", "suspension"] {
        let mut body = letter();
        body["kind"] = json!(kind);
        let created = call(&app, "POST", "/api/v1/requests", s, Some(body)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.json);
        made.push(created.json["reference"].as_str().unwrap().to_owned());
    }
    let first = call(&app, "GET", "/api/v1/cases?limit=2", s, None).await;
    assert_eq!(first.json["items"].as_array().unwrap().len(), 2);
    let cursor = first.json["next_cursor"].as_str().unwrap().to_owned();
    let second = call(&app, "GET", &format!("/api/v1/cases?limit=2&cursor={cursor}"), s, None).await;
    assert_eq!(second.json["items"].as_array().unwrap().len(), 1);
    assert!(second.json["next_cursor"].is_null());
    let mut seen: Vec<String> = first.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second.json["items"].as_array().unwrap())
        .map(|i| i["reference"].as_str().unwrap().to_owned())
        .collect();
    seen.sort();
    made.sort();
    assert_eq!(seen, made, "every case once over the pages");
    let corrections = call(&app, "GET", "/api/v1/cases?kind=correction", s, None).await;
    let items = corrections.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i["kind"] == "correction" && i["state"] == "received"));
    app.running.shutdown().await;
}

#[tokio::test]
async fn past_its_rate_a_token_is_told_when_to_come_back() {
    let app = spawn().await;
    app.login_as(Role::Admin).await;
    let secret = token(&app, "Batch", &["cases:read", "reports:read"], "staff").await;
    app.put_setting("api_rate_per_minute", "3").await;
    for _ in 0..3 {
        assert_eq!(call(&app, "GET", "/api/v1/cases", Some(&secret), None).await.status, StatusCode::OK);
    }
    let over = call(&app, "GET", "/api/v1/cases", Some(&secret), None).await;
    is_problem(&over, StatusCode::TOO_MANY_REQUESTS, "rate-limited");
    let wait: u64 = over.headers.get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    app.running.shutdown().await;
}

#[tokio::test]
async fn the_monthly_numbers_need_the_reports_scope() {
    let app = spawn().await;
    app.login_as(Role::Admin).await;
    let writer = token(&app, "Intake", &["cases:write"], "staff").await;
    let reader = token(&app, "Board", &["reports:read"], "staff").await;
    for _ in 0..2 {
        let created = call(&app, "POST", "/api/v1/requests", Some(&writer), Some(letter())).await;
        assert_eq!(created.status, StatusCode::CREATED);
    }
    let month = &app.running.app.today().to_string()[..7];
    let report = call(&app, "GET", &format!("/api/v1/reports/{month}"), Some(&reader), None).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.json);
    assert_eq!(report.json["month"], month);
    assert_eq!(report.json["received"], 2);
    assert_eq!(report.json["so_far"], true);
    let kinds = report.json["kinds"].as_array().unwrap();
    assert!(kinds.iter().any(|k| k["kind"] == "correction" && k["received"] == 2));
    is_problem(
        &call(&app, "GET", "/api/v1/reports/2026-13", Some(&reader), None).await,
        StatusCode::NOT_FOUND,
        "not-found",
    );
    is_problem(&call(&app, "GET", "/api/v1/cases", Some(&reader), None).await, StatusCode::FORBIDDEN, "forbidden");
    app.running.shutdown().await;
}

/// The routes of DESIGN.md §4 "JSON API", and the searches of the data
/// inventory (DESIGN.md §4 "Data inventory and fulfilment tasks").
const CONTRACT: [(&str, &str, &str); 6] = [
    ("post", "/api/v1/requests", "cases:write"),
    ("get", "/api/v1/cases", "cases:read"),
    ("get", "/api/v1/cases/{reference}", "cases:read"),
    ("post", "/api/v1/cases/{reference}/actions/{action}", "cases:write"),
    ("post", "/api/v1/cases/{reference}/tasks/{id}", "cases:write"),
    ("get", "/api/v1/reports/{month}", "reports:read"),
];

#[tokio::test]
async fn every_route_is_in_the_openapi_document_and_every_documented_route_answers() {
    let app = spawn().await;
    app.login_as(Role::Admin).await;
    let secret = token(&app, "Doc", &["cases:read", "cases:write", "reports:read"], "staff").await;
    let doc: Value = reqwest::get(app.url("/api/openapi.json")).await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    for (method, path, scope) in CONTRACT {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not in the document");
        assert_eq!(op["security"][0]["bearer"][0], scope, "{method} {path}");
        for status in ["200", "401", "403", "429"] {
            let documented =
                op["responses"][status].is_object() || (status == "200" && op["responses"]["201"].is_object());
            assert!(documented, "{method} {path} does not document {status}");
        }
    }
    let documented: usize = doc["paths"].as_object().unwrap().values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(documented, CONTRACT.len(), "every documented operation is in the contract");
    // Each documented operation is served (not the fallback's 404 or a 405).
    for (method, path, _) in CONTRACT {
        let concrete = path
            .replace("{reference}", "2099-000001")
            .replace("{action}", "note")
            .replace("{month}", "2026-11")
            .replace("{id}", "1");
        let body = (method == "post").then(|| json!({}));
        let a = call(&app, &method.to_uppercase(), &concrete, Some(&secret), body).await;
        assert_ne!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        if a.status == StatusCode::NOT_FOUND {
            assert_eq!(a.json["type"], "urn:madoguchi:problem:not-found");
            assert!(path.contains('{'), "{method} {path}: a route without parameters answered 404");
        }
    }
    let nowhere = call(&app, "GET", "/api/v1/nowhere", Some(&secret), None).await;
    is_problem(&nowhere, StatusCode::NOT_FOUND, "not-found");
    app.running.shutdown().await;
}
