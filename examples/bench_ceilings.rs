//! The ceilings the benchmark compares madoguchi with (bench/run.sh):
//! `http ADDR` serves a bare axum handler returning a constant string;
//! `db SECONDS CONCURRENCY` performs the database work of one intake (a case
//! row, its first event and its confirmation mail in one transaction) on the
//! database of DATABASE_URL / MADOGUCHI_DATA_DIR, with the same durability
//! settings, without HTTP, and prints transactions per second.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use madoguchi::domain::input::{Intake, RequestForm, parse_request};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("http") => {
            let app = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
            let listener = tokio::net::TcpListener::bind(args.get(2).map(String::as_str).unwrap_or("127.0.0.1:8098"))
                .await
                .unwrap();
            axum::serve(listener, app).await.unwrap();
        }
        Some("db") => {
            let seconds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
            let concurrency: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(64);
            let config = madoguchi::config::Config {
                bind: "127.0.0.1:0".into(),
                base_url: Some("http://127.0.0.1".into()),
                data_dir: std::env::var("MADOGUCHI_DATA_DIR").unwrap_or_else(|_| "./data".into()).into(),
                database_url: std::env::var("DATABASE_URL").ok(),
                smtp_url: None,
                mail_from: "madoguchi@localhost".into(),
                data_key: std::env::var("MADOGUCHI_DATA_KEY").ok(),
                timezone: "Asia/Tokyo".into(),
                org_name: None,
                trusted_proxies: Vec::new(),
                // The ceiling measures writing requests, each with its confirmation.
                mail_limit_per_recipient: u32::MAX,
                intake_limit_per_address: 0,
                client_timeout_secs: 10,
            };
            let app = madoguchi::open(&config, "http://127.0.0.1".into()).await.unwrap();
            let form = RequestForm {
                kind: "disclosure".into(),
                subject_name: "山田 太郎".into(),
                contact_email: "taro@example.jp".into(),
                filer: "self".into(),
                delivery: "electronic".into(),
                details: "会員情報の開示を求めます。".into(),
                consent: "yes".into(),
                ..RequestForm::default()
            };
            let req = parse_request(&form, Intake::Web, app.today()).unwrap();
            let done = Arc::new(AtomicU64::new(0));
            let until = Instant::now() + Duration::from_secs(seconds);
            let started = Instant::now();
            let mut tasks = Vec::new();
            for _ in 0..concurrency {
                let (app, req, done) = (app.clone(), req.clone(), done.clone());
                tasks.push(tokio::spawn(async move {
                    while Instant::now() < until {
                        madoguchi::app::seed::ceiling_insert(&app, &req).await.unwrap();
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
            let n = done.load(Ordering::Relaxed);
            println!("{:.1}", n as f64 / started.elapsed().as_secs_f64());
        }
        _ => eprintln!("usage: bench_ceilings http ADDR | db SECONDS CONCURRENCY"),
    }
}
