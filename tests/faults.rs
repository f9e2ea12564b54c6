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
        .stderr(std::fs::File::create(dir.join(format!("server-{port}.log"))).unwrap());
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
