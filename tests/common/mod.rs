//! Spawns the real application on 127.0.0.1:0 with a fresh database (a
//! SQLite file, or a new PostgreSQL database when
//! MADOGUCHI_TEST_POSTGRES_URL is set) and drives it over HTTP.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use madoguchi::config::Config;
use madoguchi::domain::Role;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use sqlx::Connection;

/// The test's own connection to the app's database, to look at what was
/// stored the way an outside observer would (the app's store is private).
pub enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// Runs the same query code on either backend: `on!(read db, c => …)`.
macro_rules! on {
    (read $db:expr, $c:ident => $body:expr) => {
        match $db {
            $crate::common::Db::Sqlite(pool) => {
                let $c = pool;
                $body
            }
            $crate::common::Db::Postgres(pool) => {
                let $c = pool;
                $body
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use on;

pub struct TestApp {
    pub running: madoguchi::Running,
    pub db: Db,
    pub base: String,
    pub client: reqwest::Client,
    pub dir: tempfile::TempDir,
    pub backend: &'static str,
    /// The data key the app was started with (a restore needs the same).
    pub data_key: Option<String>,
    /// The database's URL, for the `madoguchi` command run beside the app.
    pub database_url: String,
    pub seen: std::sync::Mutex<std::collections::HashSet<PathBuf>>,
}

/// A fresh PostgreSQL database for one test, or None for SQLite.
async fn postgres_database() -> Option<String> {
    let admin = std::env::var("MADOGUCHI_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty())?;
    let name = format!("madoguchi_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect to MADOGUCHI_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b.to_owned(), format!("?{q}")),
        None => (admin.clone(), String::new()),
    };
    let (server, _) = base.rsplit_once('/').expect("URL with a database name");
    Some(format!("{server}/{name}{query}"))
}

pub fn config(dir: PathBuf, database_url: Option<String>, smtp_url: Option<String>) -> Config {
    Config {
        bind: "127.0.0.1:0".into(),
        base_url: None,
        data_dir: dir,
        database_url,
        smtp_url,
        mail_from: "madoguchi@example.jp".into(),
        data_key: Some(base64::engine::general_purpose::STANDARD.encode(rand_key())),
        timezone: "Asia/Tokyo".into(),
        org_name: Some("テスト株式会社".into()),
        trusted_proxies: Vec::new(),
        mail_limit_per_recipient: 5,
        intake_limit_per_address: 30,
        client_timeout_secs: 10,
    }
}

fn rand_key() -> [u8; 32] {
    let mut k = [0u8; 32];
    for (i, b) in uuid::Uuid::new_v4().as_bytes().iter().chain(uuid::Uuid::new_v4().as_bytes()).enumerate() {
        k[i] = *b;
    }
    k
}

pub async fn spawn() -> TestApp {
    spawn_with_smtp(None).await
}

pub async fn spawn_with_smtp(smtp_url: Option<String>) -> TestApp {
    spawn_configured(smtp_url, |_| {}).await
}

/// The app with some deployment settings changed (limits, proxies, base URL).
pub async fn spawn_with(change: impl FnOnce(&mut Config)) -> TestApp {
    spawn_configured(None, change).await
}

async fn spawn_configured(smtp_url: Option<String>, change: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = postgres_database().await;
    let backend = if db.is_some() { "postgres" } else { "sqlite" };
    let mut cfg = config(dir.path().to_path_buf(), db, smtp_url);
    change(&mut cfg);
    let url = cfg.database_url();
    let data_key = cfg.data_key.clone();
    let running = madoguchi::start(cfg).await.expect("start");
    let db = if backend == "postgres" {
        Db::Postgres(sqlx::PgPool::connect(&url).await.expect("test connection"))
    } else {
        Db::Sqlite(sqlx::SqlitePool::connect(&url).await.expect("test connection"))
    };
    let base = format!("http://{}", running.addr);
    let client = reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("client");
    TestApp { running, db, base, client, dir, backend, data_key, database_url: url, seen: Default::default() }
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

/// A sent e-mail, decoded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The one mail to `to` whose subject contains `subject`.
pub fn one<'a>(mails: &'a [Mail], to: &str, subject: &str) -> &'a Mail {
    let found: Vec<_> = mails.iter().filter(|m| m.to.contains(to) && m.subject.contains(subject)).collect();
    assert_eq!(
        found.len(),
        1,
        "one mail to {to} about {subject:?}: {:#?}",
        mails.iter().map(|m| (&m.to, &m.subject)).collect::<Vec<_>>()
    );
    found[0]
}

pub fn csrf_of(html: &str) -> String {
    let marker = r#"name="csrf_token" value=""#;
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// The first URL in a text that starts with `prefix` (links stand alone on a line).
pub fn link(text: &str, prefix: &str) -> String {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no link {prefix} in:\n{text}"))
        .trim()
        .to_owned()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") { path.to_owned() } else { format!("{}{}", self.base, path) }
    }

    pub async fn get(&self, path: &str) -> Page {
        let res = self.client.get(self.url(path)).send().await.expect("GET");
        Self::page(res).await
    }

    async fn page(res: reqwest::Response) -> Page {
        let status = res.status();
        let location = res.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
        let body = res.text().await.expect("body");
        Page { status, location, body }
    }

    /// This session's CSRF token (the request form always carries one).
    pub async fn csrf(&self) -> String {
        csrf_of(&self.get("/requests/new").await.body)
    }

    /// Posts a form with this session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded_pairs(fields);
        let res = self
            .client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST");
        Self::page(res).await
    }

    /// Staff attach a result file to a case (multipart `file`, `label`).
    pub async fn attach_result(&self, reference: &str, label: &str, name: &str, bytes: &[u8]) -> Page {
        let token = csrf_of(&self.get(&format!("/staff/cases/{reference}")).await.body);
        let form = reqwest::multipart::Form::new()
            .text("label", label.to_owned())
            .part("file", reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()))
            .text("csrf_token", token);
        let res = self
            .client
            .post(self.url(&format!("/staff/cases/{reference}/attach-result")))
            .multipart(form)
            .send()
            .await
            .expect("POST");
        Self::page(res).await
    }

    pub async fn add_user(&self, email: &str, role: Role) -> String {
        let password = "correct horse battery staple".to_owned();
        madoguchi::app::users::add_user(
            &self.running.app,
            madoguchi::app::users::NewUser {
                email: email.into(),
                display_name: format!("{role} user"),
                role,
                password: password.clone(),
            },
        )
        .await
        .expect("add user");
        password
    }

    /// A fresh client (no cookies), for a second person.
    pub fn new_client(&self) -> reqwest::Client {
        reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("client")
    }

    /// GETs `path` with `client` (another person's browser).
    pub async fn get_as(&self, client: &reqwest::Client, path: &str) -> Page {
        Self::page(client.get(self.url(path)).send().await.expect("GET")).await
    }

    /// Posts a form from `client` with that browser's CSRF token and extra headers.
    pub async fn post_as(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let form = client.get(self.url("/requests/new")).send().await.expect("GET").text().await.expect("body");
        let token = csrf_of(&form);
        let mut all = fields.to_vec();
        all.push(("csrf_token", &token));
        let mut req = client.post(self.url(path)).form(&all);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        Self::page(req.send().await.expect("POST")).await
    }

    pub async fn login(&self, email: &str, password: &str) {
        let page = self.post("/staff/login", &[("email", email), ("password", password)]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "login failed: {}", page.body);
    }

    pub async fn login_as(&self, role: Role) -> String {
        let email = format!("{}@example.jp", role.code());
        let password = self.add_user(&email, role).await;
        self.login(&email, &password).await;
        email
    }

    /// Writes a business setting as an admin's save would.
    pub async fn put_setting(&self, key: &str, value: &str) {
        let sql =
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        on!(read &self.db, c => sqlx::query(sql).bind(key).bind(value).execute(c).await.map(|_| ())).expect("setting");
    }

    /// Counts with SQL, once the access rows recorded so far are written.
    pub async fn count(&self, sql: &str) -> i64 {
        assert!(self.running.app.flush_access_log().await, "the access log is written");
        let store = &self.db;
        let (n,): (i64,) = on!(read store, c => sqlx::query_as(sql).fetch_one(c).await).expect("count");
        n
    }

    /// The first column of every row, as text.
    pub async fn strings(&self, sql: &str) -> Vec<String> {
        let store = &self.db;
        let rows: Vec<(String,)> = on!(read store, c => sqlx::query_as(sql).fetch_all(c).await).expect("strings");
        rows.into_iter().map(|(s,)| s).collect()
    }

    pub async fn case_state(&self, reference: &str) -> String {
        let store = &self.db;
        let (s,): (String,) = on!(read store, c => sqlx::query_as("SELECT state FROM cases WHERE reference = $1")
            .bind(reference).fetch_one(c).await)
        .expect("case");
        s
    }

    pub async fn event_kinds(&self, reference: &str) -> Vec<String> {
        let store = &self.db;
        let rows: Vec<(String,)> = on!(read store, c => sqlx::query_as(
            "SELECT e.kind FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.reference = $1 ORDER BY e.seq")
            .bind(reference).fetch_all(c).await)
        .expect("events");
        rows.into_iter().map(|(k,)| k).collect()
    }

    /// Waits until the outbox is empty (every mail sent).
    pub async fn drain_outbox(&self) {
        for _ in 0..200 {
            if madoguchi::app::housekeeping::pending_mail(&self.running.app).await.expect("pending") == 0 {
                return;
            }
            self.running.app.mail_wake.notify_one();
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the outbox did not drain");
    }

    /// The e-mails sent since the last call, in the order they were written.
    pub async fn take_mails(&self) -> Vec<Mail> {
        self.drain_outbox().await;
        let dir = self.dir.path().join("outbox");
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                .map(|p| (std::fs::metadata(&p).and_then(|m| m.modified()).expect("mtime"), p))
                .collect(),
            Err(_) => Vec::new(),
        };
        files.sort();
        let mut seen = self.seen.lock().unwrap();
        files
            .into_iter()
            .filter(|(_, p)| seen.insert(p.clone()))
            .map(|(_, p)| parse_mail(&std::fs::read(&p).expect("read eml")))
            .collect()
    }
}

pub fn parse_mail(raw: &[u8]) -> Mail {
    let parsed = mailparse::parse_mail(raw).expect("parse mail");
    let header = |k: &str| {
        parsed.headers.iter().find(|h| h.get_key().eq_ignore_ascii_case(k)).map(|h| h.get_value()).unwrap_or_default()
    };
    let mut text = String::new();
    let mut html = String::new();
    for part in parsed.parts() {
        if part.ctype.mimetype == "text/plain" {
            text = part.get_body().expect("text body");
        } else if part.ctype.mimetype == "text/html" {
            html = part.get_body().expect("html body");
        }
    }
    Mail { to: header("To"), subject: header("Subject"), text, html }
}

fn serde_urlencoded_pairs(fields: &[(&str, &str)]) -> String {
    fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A form with one field replaced.
pub fn with<'a>(mut form: Vec<(&'a str, &'a str)>, key: &'a str, value: &'a str) -> Vec<(&'a str, &'a str)> {
    form.retain(|(k, _)| *k != key);
    form.push((key, value));
    form
}

/// Staff verify the person by a postal copy and start work.
pub async fn start_work(app: &TestApp, reference: &str) {
    let verify = [("target", "subject"), ("method", "postal_copy"), ("doc_type", "drivers_license")];
    let page = app.post(&format!("/staff/cases/{reference}/verify-identity"), &verify).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app.post(&format!("/staff/cases/{reference}/start"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
}

/// A valid public request form.
pub fn request_form<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("kind", "disclosure"),
        ("subject_name", "山田 太郎"),
        ("subject_name_kana", "ヤマダ タロウ"),
        ("contact_email", "taro@example.jp"),
        ("filer", "self"),
        ("delivery", "electronic"),
        ("details", "会員サービスで保有している私の個人データの開示を求めます。"),
        ("consent", "yes"),
        ("website", ""),
    ]
}

/// Submits the form and confirms it as the requester would; returns the
/// reference and the e-mails sent meanwhile.
pub async fn file_request(app: &TestApp, fields: &[(&str, &str)]) -> (String, Vec<Mail>) {
    let page = app.post("/requests", fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let mut mails = app.take_mails().await;
    let confirm = mails.iter().find(|m| m.text.contains("/requests/confirm?token=")).expect("confirm mail");
    let url = link(&confirm.text, &format!("{}/requests/confirm?token=", app.base));
    let page = app.get(&url).await;
    assert_eq!(page.status, StatusCode::OK);
    let token = url.split("token=").nth(1).unwrap().to_owned();
    let page = app.post("/requests/confirm", &[("token", &token)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let location = page.location.expect("redirect");
    mails.extend(app.take_mails().await);
    (location.trim_start_matches("/status/").split('?').next().unwrap().to_owned(), mails)
}

/// The resident set of this process, in bytes (0 where there is no /proc).
pub fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}
