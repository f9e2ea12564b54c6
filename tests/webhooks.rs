//! Webhooks (issue 16, DESIGN.md §4 "JSON API"): each event of a case once,
//! signed, through the outbox; what was queued while the receiver was down
//! arrives when it comes back; failures are shown and sent again; addresses
//! inside the network are refused (SSRF).

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use common::*;
use hmac::{Hmac, Mac};
use madoguchi::domain::Role;
use serde_json::Value;
use sha2::Sha256;

const SECRET: &str = "the receiver's shared secret";

/// What the receiver got: (headers, body).
type Got = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

/// A small HTTP server that records what is POSTed to it and answers with
/// the status it is told; it can be stopped and started again on its port.
struct Receiver {
    addr: SocketAddr,
    got: Got,
    status: Arc<AtomicU16>,
    /// While down, connections kept alive from before are answered 503 and
    /// nothing is recorded; new ones are refused.
    down: Arc<std::sync::atomic::AtomicBool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut r = Receiver {
            addr: listener.local_addr().unwrap(),
            got: Got::default(),
            status: Arc::new(AtomicU16::new(200)),
            down: Arc::default(),
            task: None,
        };
        r.serve(listener);
        r
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let (got, status, down) = (self.got.clone(), self.status.clone(), self.down.clone());
        let router = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let (got, status, down) = (got.clone(), status.clone(), down.clone());
                async move {
                    if down.load(Ordering::SeqCst) {
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    got.lock().unwrap().push((headers, body));
                    StatusCode::from_u16(status.load(Ordering::SeqCst)).unwrap()
                }
            }),
        );
        self.task = Some(tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        }));
    }

    async fn stop(&mut self) {
        self.down.store(true, Ordering::SeqCst);
        if let Some(t) = self.task.take() {
            t.abort();
            let _ = t.await;
        }
    }

    async fn restart(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.expect("the same port again");
        self.serve(listener);
        self.down.store(false, Ordering::SeqCst);
    }

    fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    fn bodies(&self) -> Vec<Value> {
        self.got.lock().unwrap().iter().map(|(_, b)| serde_json::from_slice(b).unwrap()).collect()
    }
}

/// Waits (up to 20 s) until `done` holds.
async fn until<F: AsyncFnMut() -> bool>(what: &str, mut done: F) {
    for _ in 0..400 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

async fn add_hook(app: &TestApp, url: &str, extra: &[(&str, &str)]) -> Page {
    let mut fields = vec![("url", url), ("secret", SECRET)];
    fields.extend_from_slice(extra);
    if !extra.iter().any(|(k, _)| *k == "which") {
        fields.push(("which", "all"));
    }
    app.post("/admin/webhooks", &fields).await
}

/// Makes what waits due again and again (as time passing would) until `done`
/// holds, up to 20 s.
async fn pump_until<F: AsyncFnMut() -> bool>(app: &TestApp, what: &str, mut done: F) {
    for _ in 0..400 {
        if done().await {
            return;
        }
        retry_now(app).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting until {what}");
}

/// Makes what waits for a retry due now (as time passing would, without
/// ending the admin's session) and wakes the worker.
async fn retry_now(app: &TestApp) {
    let sql = "UPDATE webhook_deliveries SET next_attempt_at = 0 WHERE delivered_at IS NULL AND failed_at IS NULL";
    on!(read &app.db, c => sqlx::query(sql).execute(c).await.map(|_| ())).expect("due now");
    app.running.app.note_hooks_queued();
    app.running.app.wake_workers();
}

fn hmac_hex(body: &[u8]) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    m.update(body);
    m.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// Every delivery is signed over its body, carries its time in the header
/// and the body alike, and no personal data.
fn check_signed(got: &Got) {
    for (headers, body) in got.lock().unwrap().iter() {
        let h = |k: &str| headers.get(k).unwrap_or_else(|| panic!("header {k}")).to_str().unwrap().to_owned();
        assert_eq!(h("x-madoguchi-signature"), format!("sha256={}", hmac_hex(body)), "signed over the body");
        let v: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(h("x-madoguchi-timestamp"), v["timestamp"].to_string(), "the signed body holds the time");
        assert_eq!(h("x-madoguchi-delivery"), v["id"].as_str().unwrap());
        assert_eq!(h("x-madoguchi-event"), v["event"]["code"].as_str().unwrap());
        assert_eq!(h("content-type"), "application/json");
        let text = String::from_utf8_lossy(body);
        assert!(!text.contains("山田") && !text.contains("taro@example.jp"), "no personal data: {text}");
    }
}

#[tokio::test]
async fn each_event_reaches_the_receiver_once_signed_and_what_waited_while_it_was_down_arrives_after() {
    let app = spawn().await;
    app.login_as(Role::Admin).await;
    app.put_setting("webhooks_allow_private", "yes").await;
    let mut receiver = Receiver::start().await;
    let page = add_hook(&app, &receiver.url(), &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains("data-webhook-secret"), "a secret given is not shown back");
    assert!(!page.body.contains(SECRET));

    let (reference, _) = file_request(&app, &request_form()).await;
    // The submission before confirmation has no reference yet: it is not a case to report.
    let expected: Vec<String> = app.event_kinds(&reference).await.into_iter().filter(|k| k != "submitted").collect();
    assert!(expected.contains(&"received".to_owned()), "{expected:?}");
    until("the confirmation's events arrive", async || receiver.bodies().len() >= expected.len()).await;
    let codes: Vec<String> =
        receiver.bodies().iter().map(|b| b["event"]["code"].as_str().unwrap().to_owned()).collect();
    assert_eq!(codes, expected, "each event once, in order");
    let first = &receiver.bodies()[0];
    assert_eq!(first["case"]["reference"], reference.as_str());
    assert_eq!(first["case"]["kind"], "disclosure");
    assert_eq!(first["case"]["api_url"], app.url(&format!("/api/v1/cases/{reference}")));
    check_signed(&receiver.got);

    // The receiver goes down; the desk goes on working.
    receiver.stop().await;
    start_work(&app, &reference).await;
    let queued = app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE delivered_at IS NULL").await;
    assert!(queued >= 2, "identity verified and work started wait for the receiver");
    until("the worker has tried and failed", async || {
        app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE attempts > 0 AND delivered_at IS NULL").await > 0
    })
    .await;
    let page = app.get("/admin/webhooks").await;
    assert!(page.body.contains(&format!(r#"data-waiting="{queued}""#)), "the admin sees what waits");
    assert!(page.body.contains(r#"data-state="waiting""#));
    assert_eq!(receiver.bodies().len(), expected.len(), "nothing arrived while it was down");

    receiver.restart().await;
    // Back, but what waited is not due yet: a new event waits behind it, in order.
    let page = app.post(&format!("/staff/cases/{reference}/note"), &[("body", "受付票を確認しました。")]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.bodies().len(), expected.len(), "the new event did not jump the queue");
    let all: Vec<String> = app.event_kinds(&reference).await.into_iter().filter(|k| k != "submitted").collect();
    pump_until(&app, "everything queued has arrived", async || receiver.bodies().len() >= all.len()).await;
    until("every delivery is marked delivered", async || {
        app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE delivered_at IS NULL").await == 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let bodies = receiver.bodies();
    let codes: Vec<String> = bodies.iter().map(|b| b["event"]["code"].as_str().unwrap().to_owned()).collect();
    assert_eq!(codes, all, "each event exactly once, in order, after the receiver came back");
    let mut ids: Vec<&str> = bodies.iter().map(|b| b["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "one id per event");
    check_signed(&receiver.got);
    let seqs: Vec<i64> = bodies.iter().map(|b| b["event"]["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "the case's sequence numbers rise: {seqs:?}");
}

#[tokio::test]
async fn a_failed_delivery_is_shown_and_sent_again_a_filter_and_a_stopped_webhook_are_kept() {
    let app = spawn().await;
    app.login_as(Role::Admin).await;
    app.put_setting("webhooks_allow_private", "yes").await;
    let receiver = Receiver::start().await;
    receiver.status.store(500, Ordering::SeqCst);
    assert_eq!(add_hook(&app, &receiver.url(), &[]).await.status, StatusCode::OK);
    let closed_only = Receiver::start().await;
    let page = add_hook(&app, &closed_only.url(), &[("which", "some"), ("events", "closed")]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);

    let (reference, _) = file_request(&app, &with(request_form(), "kind", "correction")).await;
    let n = app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = 1").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = 2").await, 0, "filtered out");
    // The receiver answers 500 to every try, until the last.
    for tries in 1..=12 {
        until("the next try", async || {
            app.count(&format!("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = 1 AND attempts >= {tries}"))
                .await
                > 0
        })
        .await;
        if tries < 12 {
            retry_now(&app).await;
        }
    }
    until("the first delivery is set aside as failed", async || {
        app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE failed_at IS NOT NULL").await == 1
    })
    .await;
    let page = app.get("/admin/webhooks").await;
    assert!(page.body.contains(r#"data-failed="1""#), "counted: {}", page.body);
    assert!(page.body.contains("HTTP 500"), "shown with the answer");
    let id = app.count("SELECT id FROM webhook_deliveries WHERE failed_at IS NOT NULL").await;
    assert!(page.body.contains(&format!("/admin/webhooks/deliveries/{id}/resend")), "with send again");

    receiver.status.store(204, Ordering::SeqCst);
    let page = app.post(&format!("/admin/webhooks/deliveries/{id}/resend"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    pump_until(&app, "everything is delivered", async || {
        app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = 1 AND delivered_at IS NOT NULL").await
            == n
    })
    .await;
    // The ones held behind the failure were not tried once each meanwhile.
    let others = format!("SELECT MAX(attempts) FROM webhook_deliveries WHERE webhook_id = 1 AND id <> {id}");
    assert_eq!(app.count(&others).await, 1);

    // Stopped: nothing more is queued for it.
    let page = app.post("/admin/webhooks/1/disable", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    start_work(&app, &reference).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id = 1").await, n);
    let close = [("outcome", "granted"), ("answer", "ご住所を新しいご住所に訂正しました。")];
    let page = app.post(&format!("/staff/cases/{reference}/close"), &close).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    until("the filtered webhook gets its one event", async || closed_only.bodies().len() == 1).await;
    assert_eq!(closed_only.bodies()[0]["event"]["code"], "closed");
    assert_eq!(closed_only.bodies()[0]["case"]["state"], "closed");
}

#[tokio::test]
async fn addresses_that_are_not_http_or_lead_inside_the_network_are_refused_ssrf() {
    let app = spawn().await;
    app.login_as(Role::Admin).await;
    for (url, says) in [
        ("ftp://example.com/hook", "httpまたはhttps"),
        ("http://127.0.0.1:9/hook", "社内ネットワーク"),
        ("http://10.0.0.7/hook", "社内ネットワーク"),
        ("http://[::1]:9/hook", "社内ネットワーク"),
        ("http://localhost:9/hook", "社内ネットワーク"),
        ("http://user:pass@example.com/hook", "ユーザー名やパスワード"),
        ("not a url", "完全なアドレス"),
    ] {
        let page = add_hook(&app, url, &[]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(page.body.contains(says), "{url}: {}", page.body);
        assert!(page.body.contains(r#"aria-invalid="true""#));
        assert!(page.body.contains(&format!(r#"value="{}""#, url.replace('&', "&amp;"))), "the input is kept");
    }
    let page = add_hook(&app, "http://127.0.0.1:9/x", &[("secret", "short"), ("which", "some")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT COUNT(*) FROM webhooks").await, 0, "nothing written");

    // Allowed once, then forbidden again: the worker checks at the time of sending.
    app.put_setting("webhooks_allow_private", "yes").await;
    let receiver = Receiver::start().await;
    assert_eq!(add_hook(&app, &receiver.url(), &[]).await.status, StatusCode::OK);
    app.put_setting("webhooks_allow_private", "no").await;
    file_request(&app, &request_form()).await;
    until("the worker refused to send", async || {
        app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE last_error LIKE '%public internet%'").await > 0
    })
    .await;
    assert!(receiver.bodies().is_empty(), "nothing reached the private address");
}
