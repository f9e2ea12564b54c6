//! Issue 12, item 1: password hashing cannot exhaust memory. Alone in its
//! own test binary, so that the process's memory is this test's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{rss, spawn_with};
use reqwest::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_parallel_logins_do_not_exhaust_memory() {
    if !std::path::Path::new("/proc/self/status").exists() {
        eprintln!("no /proc: the memory of this process cannot be read here");
        return;
    }
    // Each login from its own address at its own (unknown) account, so that
    // no throttle stops them: every one of them wants a 19 MiB hash.
    let app = spawn_with(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let clients: Vec<(reqwest::Client, String)> = {
        let mut v = Vec::new();
        for _ in 0..100 {
            let client = app.new_client();
            let form = client.get(app.url("/staff/login")).send().await.unwrap().text().await.unwrap();
            v.push((client, common::csrf_of(&form)));
        }
        v
    };
    let before = rss();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(before));
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak.fetch_max(rss(), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        })
    };
    let mut tasks = Vec::new();
    for (i, (client, token)) in clients.into_iter().enumerate() {
        let url = app.url("/staff/login");
        tasks.push(tokio::spawn(async move {
            let email = format!("nobody{i}@example.jp");
            let form = [("email", email.as_str()), ("password", "a wrong password for sure"), ("csrf_token", &token)];
            let res = client.post(url).header("x-forwarded-for", format!("198.51.100.{i}")).form(&form).send().await;
            res.unwrap().status()
        }));
    }
    let mut checked = 0;
    let mut busy = 0;
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => busy += 1,
            other => panic!("unexpected {other}"),
        }
    }
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    sampler.await.unwrap();
    let grew = peak.load(std::sync::atomic::Ordering::Relaxed).saturating_sub(before);
    eprintln!("100 parallel logins: {checked} checked, {busy} asked to wait; RSS grew by {} MiB", grew >> 20);
    assert!(checked >= 2, "passwords were checked");
    assert_eq!(checked + busy, 100);
    // Unbounded, 40 parallel hashes took 877 MB more; bounded, at most one
    // 19 MiB block per hashing thread (up to four) is in use at once.
    assert!(grew < 100 << 20, "RSS grew by {} MiB", grew >> 20);
}
