//! Faults survived (issue 17): the real binary, stopped by SIGTERM under load.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use reqwest::redirect::Policy;

/// The `madoguchi` binary, serving a data directory (and database) of its own.
struct Server {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start(dir: &std::path::Path, database_url: Option<&str>, key: &str) -> Server {
    start_logging_to(dir, database_url, key, dir).await
}

/// The binary, its log written in `logs` (as `server-<port>.log`).
async fn start_logging_to(
    dir: &std::path::Path,
    database_url: Option<&str>,
    key: &str,
    logs: &std::path::Path,
) -> Server {
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_madoguchi"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("MADOGUCHI_BIND", format!("127.0.0.1:{port}"))
        .env("MADOGUCHI_DATA_DIR", dir)
        .env("MADOGUCHI_DATA_KEY", key)
        .env("MADOGUCHI_INTAKE_LIMIT_PER_ADDRESS", "0")
        .env("MADOGUCHI_MAIL_LIMIT_PER_RECIPIENT", "1000000")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // The log goes to standard output.
    let log = std::fs::File::create(logs.join(format!("server-{port}.log"))).unwrap();
    cmd.stdout(log.try_clone().unwrap()).stderr(log);
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    let mut child = cmd.spawn().expect("the madoguchi binary starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status() == StatusCode::OK) {
            return Server { child, base };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not become ready");
}

/// One requester filing as fast as the server answers, until told to stop;
/// returns how many were accepted (303) and every other status seen.
async fn requester(base: String, n: usize, stop: Arc<AtomicBool>) -> (usize, Vec<StatusCode>) {
    let client = reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap();
    let (mut accepted, mut other) = (0, Vec::new());
    let mut i = 0;
    while !stop.load(Ordering::SeqCst) {
        let Ok(form) = client.get(format!("{base}/requests/new")).send().await else { break };
        let Ok(html) = form.text().await else { break };
        let token = csrf_of(&html);
        let email = format!("p{n}-{i}@example.jp");
        let mut fields = request_form();
        fields.retain(|(k, _)| *k != "contact_email");
        fields.push(("contact_email", &email));
        fields.push(("csrf_token", &token));
        match client.post(format!("{base}/requests")).form(&fields).send().await {
            Ok(r) if r.status() == StatusCode::SEE_OTHER => accepted += 1,
            Ok(r) => other.push(r.status()),
            // Refused or closed while stopping: nothing was taken.
            Err(_) => break,
        }
        i += 1;
    }
    (accepted, other)
}

fn sigterm(child: &Child) {
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: kill(2) with a pid we spawned and a valid signal number.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
}

/// Waits for the process to end, up to `within`; its exit status.
fn wait_exit(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let t0 = Instant::now();
    while t0.elapsed() < within {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    None
}

#[tokio::test]
async fn sigterm_under_load_answers_what_it_took_refuses_the_rest_exits_0_and_loses_nothing() {
    // The app under test only to make the database (and pick the backend).
    let probe = spawn().await;
    let (url, key) = (probe.database_url.clone(), probe.data_key.clone().unwrap());
    let db_url = (probe.backend == "postgres").then_some(url.as_str());
    let dir = tempfile::tempdir().unwrap();
    probe.running.shutdown().await;
    let mut server = start(dir.path(), db_url, &key).await;
    let db = match db_url {
        Some(u) => Db::Postgres(sqlx::PgPool::connect(u).await.unwrap()),
        None => Db::Sqlite(
            sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path().join("madoguchi.db").display()))
                .await
                .unwrap(),
        ),
    };

    let stop = Arc::new(AtomicBool::new(false));
    let load: Vec<_> = (0..16).map(|n| tokio::spawn(requester(server.base.clone(), n, stop.clone()))).collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let t0 = Instant::now();
    sigterm(&server.child);
    let status = tokio::task::spawn_blocking(move || {
        let s = wait_exit(&mut server.child, Duration::from_secs(10));
        (s, server)
    })
    .await
    .unwrap();
    let (exit, server) = status;
    let took = t0.elapsed();
    stop.store(true, Ordering::SeqCst);
    let (mut accepted, mut other) = (0, Vec::new());
    for t in load {
        let (a, o) = t.await.unwrap();
        accepted += a;
        other.extend(o);
    }
    eprintln!("{accepted} accepted; stopped in {took:?}");
    let exit = exit.expect("the server ended within 10 s of SIGTERM");
    assert!(exit.success(), "exit 0 after SIGTERM, got {exit:?} after {took:?}");
    assert!(other.is_empty(), "no request answered with an error while stopping: {other:?}");
    assert!(accepted > 20, "the load ran ({accepted} accepted)");
    let refused = reqwest::Client::new().get(format!("{}/healthz", server.base)).send().await;
    assert!(refused.is_err(), "new connections are refused once stopped");

    // Nothing lost: each accepted request is a case with its confirmation mail queued.
    let count = |sql: &'static str| {
        let db = &db;
        async move {
            let (n,): (i64,) = on!(read db, c => sqlx::query_as(sql).fetch_one(c).await).unwrap();
            n
        }
    };
    assert_eq!(count("SELECT COUNT(*) FROM cases").await, accepted as i64, "one case per 303, none half-written");
    assert_eq!(count("SELECT COUNT(*) FROM outbox").await, accepted as i64, "one confirmation mail per case");
    assert_eq!(
        count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND lease_until IS NOT NULL").await,
        0,
        "mail claimed and not sent was given back, not left to wait out its lease"
    );

    // After a restart, every waiting mail goes, once.
    let mut again = start(dir.path(), db_url, &key).await;
    for _ in 0..400 {
        if count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await, 0, "all sent after the restart");
    let files = std::fs::read_dir(dir.path().join("outbox"))
        .unwrap()
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "eml")));
    assert_eq!(files.count(), accepted, "each mail written once");
    sigterm(&again.child);
    let exit = tokio::task::spawn_blocking(move || wait_exit(&mut again.child, Duration::from_secs(10))).await.unwrap();
    assert!(exit.is_some_and(|s| s.success()), "an idle server stops at once, with 0");
}

/// What the fake mail server answers to `MAIL FROM`.
const ACCEPT: u16 = 250;

/// A small SMTP server on loopback that answers `MAIL FROM` with the code it
/// is told (250, 451, 550) and counts the messages it accepts by Message-ID;
/// it can go down (its connections closed) and come back on its port.
struct FakeSmtp {
    addr: std::net::SocketAddr,
    answer: Arc<std::sync::atomic::AtomicU16>,
    accepted: Arc<std::sync::Mutex<Vec<String>>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl FakeSmtp {
    async fn start() -> FakeSmtp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut s = FakeSmtp {
            addr: listener.local_addr().unwrap(),
            answer: Arc::new(std::sync::atomic::AtomicU16::new(ACCEPT)),
            accepted: Arc::default(),
            task: None,
        };
        s.serve(listener);
        s
    }

    fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let (answer, accepted) = (self.answer.clone(), self.accepted.clone());
        self.task = Some(tokio::spawn(async move {
            // Connections live in this task: stopping it closes them all.
            let mut connections = tokio::task::JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                connections.spawn(smtp_session(stream, answer.clone(), accepted.clone()));
            }
        }));
    }

    async fn stop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
    }

    async fn restart(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.expect("the same port again");
        self.serve(listener);
    }

    fn count(&self) -> usize {
        self.accepted.lock().unwrap().len()
    }
}

async fn smtp_session(
    stream: tokio::net::TcpStream,
    answer: Arc<std::sync::atomic::AtomicU16>,
    accepted: Arc<std::sync::Mutex<Vec<String>>>,
) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 fake ESMTP\r\n").await;
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        let reply: String = match verb.as_str() {
            "EHLO" | "HELO" => "250-fake\r\n250 8BITMIME\r\n".into(),
            "MAIL" => match answer.load(Ordering::SeqCst) {
                250 => "250 2.1.0 ok\r\n".into(),
                451 => "451 4.3.0 try again later\r\n".into(),
                code => format!("{code} 5.1.1 mailbox unavailable\r\n"),
            },
            "RCPT" | "RSET" | "NOOP" => "250 ok\r\n".into(),
            "DATA" => {
                let _ = write.write_all(b"354 go ahead\r\n").await;
                let mut id = String::new();
                while let Ok(Some(l)) = lines.next_line().await {
                    if l == "." {
                        break;
                    }
                    if l.to_ascii_lowercase().starts_with("message-id:") {
                        id = l[11..].trim().to_owned();
                    }
                }
                accepted.lock().unwrap().push(id);
                "250 2.0.0 queued\r\n".into()
            }
            "QUIT" => {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            }
            _ => "502 command not implemented\r\n".into(),
        };
        if write.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Makes the mail that waits for a retry due now and wakes the sender.
async fn retry_mail_now(app: &TestApp) {
    let sql = "UPDATE outbox SET next_attempt_at = 0 WHERE sent_at IS NULL AND failed_at IS NULL";
    on!(read &app.db, c => sqlx::query(sql).execute(c).await.map(|_| ())).expect("due now");
    app.running.app.wake_workers();
}

/// Makes waiting mail due again and again (as time passing would) until
/// the count is `want`, up to 20 s.
async fn pump_until(app: &TestApp, sql: &str, want: i64) {
    for _ in 0..400 {
        if app.count(sql).await == want {
            return;
        }
        retry_mail_now(app).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {sql} to be {want} (it is {})", app.count(sql).await);
}

async fn submit(app: &TestApp, email: &str) {
    let mut form = request_form();
    form.retain(|(k, _)| *k != "contact_email");
    form.push(("contact_email", email));
    let page = app.post("/requests", &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "accepted: {}", page.body);
}

#[tokio::test]
async fn mail_waits_while_the_smtp_server_is_down_and_goes_exactly_once_when_it_is_back() {
    let mut smtp = FakeSmtp::start().await;
    smtp.stop().await;
    let app = spawn_with_smtp(Some(smtp.url())).await;
    for i in 0..3 {
        submit(&app, &format!("down{i}@example.jp")).await;
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM cases").await, 3, "requests are taken while mail cannot go");
    pump_until(&app, "SELECT COUNT(*) FROM outbox WHERE attempts > 0 AND sent_at IS NULL", 3).await;
    for _ in 0..3 {
        retry_mail_now(&app).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL").await,
        0,
        "a server down is not a refusal"
    );

    smtp.restart().await;
    retry_mail_now(&app).await;
    pump_until(&app, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL", 0).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut ids = smtp.accepted.lock().unwrap().clone();
    assert_eq!(ids.len(), 3, "each message delivered once: {ids:?}");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "no message twice");
}

#[tokio::test]
async fn smtp_4xx_is_retried_5xx_is_set_aside_shown_to_admins_and_sent_again_or_marked_handled() {
    let smtp = FakeSmtp::start().await;
    smtp.answer.store(451, Ordering::SeqCst);
    let app = spawn_with_smtp(Some(smtp.url())).await;
    app.login_as(madoguchi::domain::Role::Admin).await;
    submit(&app, "later@example.jp").await;
    for tries in 1..=5 {
        pump_until(&app, &format!("SELECT COUNT(*) FROM outbox WHERE attempts >= {tries}"), 1).await;
        retry_mail_now(&app).await;
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL").await, 0, "4xx: tried again");

    smtp.answer.store(550, Ordering::SeqCst);
    retry_mail_now(&app).await;
    pump_until(&app, "SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL", 1).await;
    let queue = app.get("/staff").await;
    assert!(queue.body.contains(r#"data-mail-failures="1""#), "the queue warns");
    let page = app.get("/admin/outbox").await;
    assert!(page.body.contains("later@example.jp") && page.body.contains("550"), "shown with the server's answer");
    // Set aside: no more tries by itself.
    let tried = app.count("SELECT attempts FROM outbox").await;
    retry_mail_now(&app).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.count("SELECT attempts FROM outbox").await, tried);

    smtp.answer.store(ACCEPT, Ordering::SeqCst);
    let id = app.count("SELECT id FROM outbox").await;
    let res = app.post(&format!("/admin/outbox/{id}/resend"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    pump_until(&app, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL", 1).await;
    assert_eq!(smtp.count(), 1, "sent once");
    assert!(!app.get("/staff").await.body.contains("data-mail-failures"), "the warning is gone");

    // Refused for good again: an admin who reached the person marks it handled.
    smtp.answer.store(550, Ordering::SeqCst);
    submit(&app, "nobody@example.jp").await;
    for _ in 0..3 {
        retry_mail_now(&app).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    pump_until(&app, "SELECT COUNT(*) FROM outbox WHERE failed_at IS NOT NULL AND sent_at IS NULL", 1).await;
    let id = app.count("SELECT id FROM outbox WHERE sent_at IS NULL").await;
    let res = app.post(&format!("/admin/outbox/{id}/handled"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(!app.get("/staff").await.body.contains("data-mail-failures"), "handled: no warning");
    assert!(app.get("/admin/outbox").await.body.contains("data-no-failures"));
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox WHERE handled_at IS NOT NULL").await, 1, "the row stays");
}

/// A TCP proxy in front of PostgreSQL that can cut every connection and
/// refuse new ones for a while, as a restart of the database does to the app.
struct DbProxy {
    addr: std::net::SocketAddr,
    up: Arc<AtomicBool>,
    cuts: tokio::sync::watch::Sender<u64>,
}

impl DbProxy {
    async fn start(upstream: String) -> DbProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let (cuts, _) = tokio::sync::watch::channel(0u64);
        let (up2, cuts2) = (up.clone(), cuts.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else { continue };
                if !up2.load(Ordering::SeqCst) {
                    continue; // refused: dropped at once
                }
                let upstream = upstream.clone();
                let mut cut = cuts2.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(&upstream).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        DbProxy { addr, up, cuts }
    }

    fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    fn back(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn a_database_restart_mid_load_is_a_calm_503_readyz_says_not_ready_and_the_app_recovers_by_itself() {
    let Ok(admin) = std::env::var("MADOGUCHI_TEST_POSTGRES_URL") else {
        eprintln!("PostgreSQL only (SQLite has no server to restart): set MADOGUCHI_TEST_POSTGRES_URL");
        return;
    };
    let upstream = admin.split('@').nth(1).and_then(|h| h.split('/').next()).unwrap().to_owned();
    let proxy = DbProxy::start(upstream.clone()).await;
    let proxied = proxy.addr.to_string();
    let app = spawn_with(|cfg| {
        cfg.database_url = cfg.database_url.as_ref().map(|u| u.replacen(&upstream, &proxied, 1));
        cfg.intake_limit_per_address = 0;
    })
    .await;
    let direct = Db::Postgres(sqlx::PgPool::connect(&app.database_url.replacen(&proxied, &upstream, 1)).await.unwrap());

    let stop = Arc::new(AtomicBool::new(false));
    let statuses = Arc::new(std::sync::Mutex::new(Vec::<u16>::new()));
    let load: Vec<_> = (0..8)
        .map(|n| {
            let (base, stop, statuses) = (app.base.clone(), stop.clone(), statuses.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap();
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    i += 1;
                    let Ok(form) = client.get(format!("{base}/requests/new")).send().await else { continue };
                    let status = form.status().as_u16();
                    let html = form.text().await.unwrap_or_default();
                    if status != 200 {
                        statuses.lock().unwrap().push(status);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                    let email = format!("db{n}-{i}@example.jp");
                    let token = csrf_of(&html);
                    let mut fields = request_form();
                    fields.retain(|(k, _)| *k != "contact_email");
                    fields.push(("contact_email", &email));
                    fields.push(("csrf_token", &token));
                    if let Ok(r) = client.post(format!("{base}/requests")).form(&fields).send().await {
                        statuses.lock().unwrap().push(r.status().as_u16());
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(800)).await;
    proxy.down();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE, "not ready while the database is away");
    tokio::time::sleep(Duration::from_secs(6)).await;
    let during = statuses.lock().unwrap().clone();
    proxy.back();
    let t0 = Instant::now();
    while app.client.get(app.url("/readyz")).send().await.unwrap().status() != StatusCode::OK {
        assert!(t0.elapsed() < Duration::from_secs(15), "ready again by itself");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = statuses.lock().unwrap().len();
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::SeqCst);
    for t in load {
        t.await.unwrap();
    }
    let all = statuses.lock().unwrap().clone();
    assert!(during.contains(&503), "requests during the outage are told 503: {during:?}");
    assert!(all.iter().all(|s| *s == 303 || *s == 503), "only 303 and 503, never a 500: {all:?}");
    assert!(all[before..].contains(&303), "requests are taken again without a restart");
    let page = app.client.get(app.url("/requests/new")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);

    // Nothing half-written: every case has its confirmation mail, and each 303 is a case.
    let count = |sql: &'static str| {
        let db = &direct;
        async move {
            let (n,): (i64,) = on!(read db, c => sqlx::query_as(sql).fetch_one(c).await).unwrap();
            n
        }
    };
    let cases = count("SELECT COUNT(*) FROM cases").await;
    assert_eq!(count("SELECT COUNT(*) FROM outbox").await, cases, "one mail per case");
    assert!(cases >= all.iter().filter(|s| **s == 303).count() as i64);
}

#[tokio::test]
async fn two_instances_on_one_postgresql_send_each_mail_once_notify_each_deadline_and_purge_once_and_share_sessions() {
    if std::env::var("MADOGUCHI_TEST_POSTGRES_URL").is_err() {
        eprintln!("PostgreSQL only (SQLite is one process's file): set MADOGUCHI_TEST_POSTGRES_URL");
        return;
    }
    let a = spawn_with(|cfg| cfg.intake_limit_per_address = 0).await;
    let dir_b = tempfile::tempdir().unwrap();
    let mut cfg = config(dir_b.path().to_path_buf(), Some(a.database_url.clone()), None);
    cfg.data_key = a.data_key.clone();
    cfg.intake_limit_per_address = 0;
    let b = madoguchi::start(cfg).await.expect("a second instance on the same database");
    let b_base = format!("http://{}", b.addr);

    // Sessions are in the database: logged in on A, known on B.
    a.login_as(madoguchi::domain::Role::Manager).await;
    let on_b = a.client.get(format!("{b_base}/staff")).send().await.unwrap();
    assert_eq!(on_b.status(), StatusCode::OK, "the session made on A is valid on B");

    // Requests through both; both senders work the one outbox.
    for i in 0..12 {
        submit(&a, &format!("a{i}@example.jp")).await;
        let form = a.client.get(format!("{b_base}/requests/new")).send().await.unwrap().text().await.unwrap();
        let token = csrf_of(&form);
        let email = format!("b{i}@example.jp");
        let mut fields = request_form();
        fields.retain(|(k, _)| *k != "contact_email");
        fields.push(("contact_email", &email));
        fields.push(("csrf_token", &token));
        let r = a.client.post(format!("{b_base}/requests")).form(&fields).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let mut rows = 0;
    for _ in 0..400 {
        rows = a.count("SELECT COUNT(*) FROM outbox").await;
        if a.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await == 0 {
            break;
        }
        a.running.app.wake_workers();
        b.app.wake_workers();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(a.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").await, 0, "all sent");
    let eml = |d: &std::path::Path| {
        std::fs::read_dir(d.join("outbox"))
            .map(|r| r.filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "eml"))).count())
            .unwrap_or(0)
    };
    let (from_a, from_b) = (eml(a.dir.path()), eml(dir_b.path()));
    assert_eq!(
        from_a + from_b,
        rows as usize,
        "each mail written once, by one instance or the other ({from_a} + {from_b})"
    );

    // A case near its due date: both instances' housekeeping run at once, one notice.
    let page = a
        .post(
            "/staff/intake",
            &[
                ("kind", "correction"),
                ("subject_name", "佐藤 花子"),
                ("filer", "self"),
                ("details", "住所の訂正を求める手紙"),
                ("channel", "post"),
                ("received_on", &a.running.app.today().to_string()),
                ("contact_email", ""),
                ("lang", "ja"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let reference = page.location.unwrap().trim_start_matches("/staff/cases/").to_owned();
    for (days, event) in [(12, "due_soon_notified"), (20, "overdue_notified")] {
        a.running.app.clock.advance_days(days - if event == "overdue_notified" { 12 } else { 0 });
        b.app.clock.advance_days(days - if event == "overdue_notified" { 12 } else { 0 });
        let (x, y) =
            tokio::join!(madoguchi::jobs::deadline_notices(&a.running.app), madoguchi::jobs::deadline_notices(&b.app));
        x.unwrap();
        y.unwrap();
        let n = a.event_kinds(&reference).await.iter().filter(|k| *k == event).count();
        assert_eq!(n, 1, "{event} once, though two instances ran their housekeeping together");
    }

    // Closed cases past their retention: both instances' purges at once
    // anonymise each case once, and the run is recorded once.
    // (The clocks moved on 20 days: the session made above has ended.)
    a.login("manager@example.jp", "correct horse battery staple").await;
    let mut closed = vec![reference.clone()];
    for _ in 0..5 {
        let page = a
            .post(
                "/staff/intake",
                &[
                    ("kind", "complaint"),
                    ("subject_name", "鈴木 一郎"),
                    ("filer", "self"),
                    ("details", "苦情の電話"),
                    ("channel", "phone"),
                    ("received_on", &a.running.app.today().to_string()),
                    ("contact_email", ""),
                    ("lang", "ja"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        closed.push(page.location.unwrap().trim_start_matches("/staff/cases/").to_owned());
    }
    for r in &closed {
        let page = a.post(&format!("/staff/cases/{r}/withdraw"), &[("reason", "電話で取下げ")]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "withdrawing {r}");
    }
    a.running.app.clock.advance_days(4 * 366);
    b.app.clock.advance_days(4 * 366);
    let (x, y) = tokio::join!(
        madoguchi::app::retention::run_bounded(&a.running.app, false, Some(2000)),
        madoguchi::app::retention::run_bounded(&b.app, false, Some(2000))
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    let done = x.count("closed_cases_anonymised") + y.count("closed_cases_anonymised");
    assert_eq!(done, closed.len() as i64, "each case anonymised by one run or the other");
    for r in &closed {
        let n = a.event_kinds(r).await.iter().filter(|k| *k == "anonymised").count();
        assert_eq!(n, 1, "{r} anonymised once");
    }
    let runs =
        a.count("SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM retention_runs WHERE class = 'closed_cases_anonymised'").await;
    assert_eq!(runs, closed.len() as i64, "recorded once");
    b.shutdown().await;
}

/// Fills the file system `path` is on, to the last block; the filler's path.
fn fill_disk(path: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write;
    let filler = path.join(format!("filler-{}", uuid::Uuid::new_v4().simple()));
    let mut f = std::fs::File::create(&filler).unwrap();
    for size in [1 << 20, 1 << 12, 1 << 9, 1] {
        let chunk = vec![0u8; size];
        while f.write_all(&chunk).and_then(|()| f.sync_data()).is_ok() {}
    }
    filler
}

#[tokio::test]
#[ignore = "needs MADOGUCHI_TEST_SMALL_DISK: a small file system of its own (.ci/run mounts a tmpfs)"]
async fn a_full_disk_is_a_calm_503_and_a_log_line_corrupts_nothing_and_writes_resume_when_space_returns() {
    let small = std::path::PathBuf::from(std::env::var("MADOGUCHI_TEST_SMALL_DISK").expect("a small file system"));
    let dir = small.join(uuid::Uuid::new_v4().simple().to_string());
    std::fs::create_dir(&dir).unwrap();
    let logs = tempfile::tempdir().unwrap();
    let key = config(dir.clone(), None, None).data_key.unwrap();
    let mut server = start_logging_to(&dir, None, &key, logs.path()).await;
    let client = reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap();
    let token =
        csrf_of(&client.get(format!("{}/requests/new", server.base)).send().await.unwrap().text().await.unwrap());
    let send = |email: &'static str| {
        let (client, base, token) = (client.clone(), server.base.clone(), token.clone());
        async move {
            let mut fields = request_form();
            fields.retain(|(k, _)| *k != "contact_email");
            fields.extend([("contact_email", email), ("csrf_token", token.as_str())]);
            let res = client.post(format!("{base}/requests")).form(&fields).send().await.unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    assert_eq!(send("before@example.jp").await.0, StatusCode::SEE_OTHER);

    let filler = fill_disk(&small);
    let mut refused = 0;
    for email in ["full-1@example.jp", "full-2@example.jp", "full-3@example.jp", "full-4@example.jp"] {
        let (status, body) = send(email).await;
        assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "a full disk is not a fault page: {body}");
        if status == StatusCode::SERVICE_UNAVAILABLE {
            assert!(body.contains("保存されていません"), "the page says nothing was saved: {body}");
            refused += 1;
        }
    }
    assert!(refused > 0, "with the disk full, submissions are refused");
    let log = std::fs::read_dir(logs.path()).unwrap().map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap());
    let log: String = log.collect();
    assert!(log.contains("the database's disk is full"), "the log names the cause:\n{log}");

    std::fs::remove_file(&filler).unwrap();
    let (status, body) = send("after@example.jp").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "writes resume once there is space: {body}");
    // Saved means saved: another connection sees it at once. (A commit
    // refused for the full disk once left the writer inside a transaction,
    // and what was answered as saved afterwards was lost at shutdown.)
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("madoguchi.db").display())).await.unwrap();
    let (live,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cases").fetch_one(&db).await.unwrap();
    assert_eq!(live, 2 + (4 - refused), "what was answered as saved is in the database");
    db.close().await;

    sigterm(&server.child);
    let exit =
        tokio::task::spawn_blocking(move || wait_exit(&mut server.child, Duration::from_secs(10))).await.unwrap();
    assert!(exit.is_some_and(|s| s.success()), "{exit:?}");
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("madoguchi.db").display())).await.unwrap();
    let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check").fetch_one(&db).await.unwrap();
    assert_eq!(check, "ok");
    let (cases,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cases").fetch_one(&db).await.unwrap();
    assert_eq!(cases, 2 + (4 - refused), "the submissions before and after, and any taken while full, whole");
    let (mails,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox").fetch_one(&db).await.unwrap();
    assert_eq!(mails, cases, "each submission taken has its confirmation mail, none without");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Found by the soak (PostgreSQL): two staff adding notes to one case at
/// the same moment got "someone else changed this case first" for one of
/// them. A person's action now waits for the other and both land.
#[tokio::test]
async fn twenty_notes_added_to_one_case_at_once_all_land() {
    let app = spawn().await;
    let (reference, _) = file_request(&app, &request_form()).await;
    app.login_as(madoguchi::domain::Role::Staff).await;
    let token = csrf_of(&app.get(&format!("/staff/cases/{reference}")).await.body);
    let posts: Vec<_> = (0..20)
        .map(|i| {
            let (client, url, token) =
                (app.client.clone(), app.url(&format!("/staff/cases/{reference}/note")), token.clone());
            tokio::spawn(async move {
                let body = format!("同時のメモ {i}");
                client.post(url).form(&[("body", body.as_str()), ("csrf_token", &token)]).send().await.unwrap().status()
            })
        })
        .collect();
    for p in posts {
        assert_eq!(p.await.unwrap(), StatusCode::SEE_OTHER);
    }
    let notes = app.event_kinds(&reference).await.iter().filter(|k| *k == "note_added").count();
    assert_eq!(notes, 20);
}
