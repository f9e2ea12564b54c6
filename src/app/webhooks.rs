//! Webhooks (DESIGN.md §4 "JSON API"): an admin names a URL, a secret and
//! the events it wants. Every event of a case is written as a delivery in the
//! transaction of its change, so that a rolled-back change sends nothing and
//! a committed one is never lost; the worker POSTs it as JSON, signed
//! `X-Madoguchi-Signature: sha256=<hex HMAC-SHA256 of the body>`, and tries
//! again with back-off until the receiver answers 2xx.
//!
//! The body carries no personal data: the case's reference, kind, state and
//! due date, the event's code, time and author, and where to read the case.
//! A receiver with a token reads the rest from the API.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::records::{Account, CaseRecord};
use super::store::Tx;
use super::store::webhooks::{self as sw, Claimed, NewDelivery};
use super::{App, AppError, Result, documents, keys};
use crate::domain::input::FieldError;
use crate::domain::{Actor, Event, Msg};

/// What the sealed secret is bound to.
const SECRET_AAD: &[u8] = b"madoguchi webhook secret v1";

/// Tries before a delivery is set aside as failed (about nine hours).
pub const MAX_ATTEMPTS: i64 = 12;

/// How long a receiver has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// How long a claimed delivery is kept from other workers.
const LEASE_US: i64 = 60 * 1_000_000;

/// Deliveries claimed per pass.
const BATCH: i64 = 50;

/// Delivered rows are kept this long for the admin page, then forgotten.
pub const KEEP_DELIVERED_DAYS: i64 = 30;

/// The longest URL an admin may enter.
pub const URL_MAX: usize = 2000;

/// The wait before try `attempts + 1`: 30 s, doubled each time, at most an hour.
pub fn backoff_us(attempts: i64) -> i64 {
    let exp = u32::try_from(attempts.clamp(1, 16) - 1).unwrap_or(0);
    (30_i64 << exp).min(3600) * 1_000_000
}

/// `sha256=<hex HMAC-SHA256(secret, body)>`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let Ok(mut m) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    m.update(body);
    format!("sha256={}", super::store::cases::hex(&m.finalize().into_bytes()))
}

/// Whether an address is on the public internet: not this machine, not a
/// private, shared, link-local, documentation or reserved network.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64: an IPv4 behind it
        || s[..6] == [0; 6]) // IPv4-compatible
}

/// The admin's form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewHook {
    pub url: String,
    /// Empty: one is made and shown once.
    pub secret: String,
    /// `all` or `some`.
    pub which: String,
    pub events: Vec<String>,
}

/// A webhook as the admin page lists it.
#[derive(Debug, Clone)]
pub struct Hook {
    pub id: i64,
    pub url: String,
    /// Empty: every event.
    pub events: Vec<String>,
    pub created_by: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    pub waiting: i64,
    pub failed: i64,
    pub delivered: i64,
}

/// Why an address cannot take webhooks, as a message for the form.
async fn check_url(raw: &str, allow_private: bool) -> std::result::Result<reqwest::Url, Msg> {
    if raw.is_empty() {
        return Err(Msg::new("please-fill-this-in"));
    }
    if raw.chars().count() > URL_MAX {
        return Err(crate::domain::input::too_long(URL_MAX));
    }
    let url = reqwest::Url::parse(raw).map_err(|_| Msg::new("webhook-url-unreadable"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Msg::new("webhook-url-not-http"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Msg::new("webhook-url-has-credentials"));
    }
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err(Msg::new("webhook-url-unreadable"));
    };
    let port = url.port_or_known_default().unwrap_or(443);
    let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    let addrs: Vec<SocketAddr> =
        match tokio::time::timeout(TIMEOUT, tokio::net::lookup_host((host.as_str(), port))).await {
            Ok(Ok(addrs)) => addrs.collect(),
            _ => return Err(Msg::new("webhook-url-unresolvable")),
        };
    if addrs.is_empty() {
        return Err(Msg::new("webhook-url-unresolvable"));
    }
    if !allow_private && addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(Msg::new("webhook-url-private"));
    }
    Ok(url)
}

/// Adds a webhook; returns its id and, when the admin gave none, the secret
/// made for it (shown once).
pub async fn create(app: &App, by: &Account, new: &NewHook) -> Result<(i64, Option<String>)> {
    let settings = app.settings().await?;
    let mut errors = Vec::new();
    let url = check_url(new.url.trim(), settings.webhooks_allow_private()).await;
    if let Err(msg) = &url {
        errors.push(FieldError { field: "url", msg: msg.clone() });
    }
    let secret = new.secret.trim();
    if !secret.is_empty() && secret.chars().count() < 16 {
        errors.push(FieldError { field: "secret", msg: Msg::new("webhook-secret-too-short") });
    } else if secret.chars().count() > 200 {
        errors.push(FieldError { field: "secret", msg: crate::domain::input::too_long(200) });
    }
    let events: Vec<&str> = match new.which.as_str() {
        "all" => Vec::new(),
        "some" => {
            let picked: Vec<&str> =
                Event::CODES.iter().copied().filter(|c| new.events.iter().any(|e| e == c)).collect();
            if picked.is_empty() || new.events.iter().any(|e| !Event::CODES.contains(&e.as_str())) {
                errors.push(FieldError { field: "events", msg: Msg::new("webhook-choose-events") });
            }
            picked
        }
        _ => {
            errors.push(FieldError { field: "which", msg: Msg::new("choose-one-of-the-options") });
            Vec::new()
        }
    };
    let url = match url {
        Ok(url) if errors.is_empty() => url,
        _ => return Err(AppError::Invalid(errors)),
    };
    let (secret, made) = if secret.is_empty() {
        let s = format!("whsec_{}", keys::random_token());
        (s.clone(), Some(s))
    } else {
        (secret.to_owned(), None)
    };
    let sealed = STANDARD.encode(documents::seal(app, SECRET_AAD, secret.as_bytes())?);
    let mut tx = app.store.begin().await?;
    let id = sw::insert(&mut tx, url.as_str(), &sealed, &events.join(" "), by.id, app.now_us()).await?;
    tx.commit().await?;
    tracing::info!(webhook = id, "webhook added");
    Ok((id, made))
}

pub async fn list(app: &App) -> Result<Vec<Hook>> {
    Ok(sw::list(&app.store)
        .await?
        .into_iter()
        .map(|r| Hook {
            id: r.id,
            url: r.url,
            events: r.events.split_whitespace().map(str::to_owned).collect(),
            created_by: r.created_by_name,
            created_at: r.created_at,
            disabled_at: r.disabled_at,
            waiting: r.waiting,
            failed: r.failed,
            delivered: r.delivered,
        })
        .collect())
}

/// Stops a webhook at once: nothing more is queued or sent to it.
pub async fn disable(app: &App, id: i64) -> Result<()> {
    if !sw::disable(&app.store, id, app.now_us()).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!(webhook = id, "webhook disabled");
    Ok(())
}

/// "Send again": the delivery is due now, however it went before.
pub async fn resend(app: &App, delivery: i64) -> Result<()> {
    if !sw::resend(&app.store, delivery, app.now_us()).await? {
        return Err(AppError::NotFound);
    }
    app.note_hooks_queued();
    app.wake_workers();
    Ok(())
}

pub async fn recent(app: &App, limit: i64) -> Result<Vec<sw::DeliveryRow>> {
    Ok(sw::recent(&app.store, limit).await?)
}

/// Queues a change's events for every live webhook that wants them, in the
/// change's transaction. Cases not yet confirmed (no reference) send nothing.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn enqueue_for(
    app: &App,
    tx: &mut Tx,
    rec: &CaseRecord,
    events: &[Event],
    seqs: &[i64],
    actor: &Actor,
    at: i64,
    known: Option<&[(i64, String)]>,
) -> Result<()> {
    let Some(reference) = rec.reference.as_ref() else {
        return Ok(());
    };
    let read;
    let hooks = match known {
        Some(hooks) => hooks,
        None => {
            read = sw::live(tx).await?;
            &read[..]
        }
    };
    if hooks.is_empty() {
        return Ok(());
    }
    let wants = |filter: &str, code: &str| filter.is_empty() || filter.split_whitespace().any(|c| c == code);
    if !events.iter().any(|e| hooks.iter().any(|(_, f)| wants(f, e.code()))) {
        return Ok(());
    }
    let actor = match actor {
        Actor::Requester => "requester".to_owned(),
        Actor::System => "system".to_owned(),
        Actor::Staff { id, .. } => super::records::actor_label("staff", sw::display_name(tx, *id).await?.as_deref()),
    };
    let reference = reference.to_string();
    let case = serde_json::json!({
        "reference": reference,
        "kind": rec.case.kind.code(),
        "state": rec.case.state.code(),
        "due_on": rec.case.due_on.map(|d| d.to_string()),
        "api_url": app.url(&format!("/api/v1/cases/{reference}")),
        "staff_url": app.url(&format!("/staff/cases/{reference}")),
    });
    let when = app.local_instant(at);
    for (event, seq) in events.iter().zip(seqs) {
        let code = event.code();
        for (hook, _) in hooks.iter().filter(|(_, f)| wants(f, code)) {
            let payload = serde_json::json!({
                "id": uuid::Uuid::new_v4().to_string(),
                "event": { "code": code, "seq": seq, "at": when, "actor": actor },
                "case": case,
            })
            .to_string();
            let d = NewDelivery { webhook_id: *hook, payload: &payload, reference: &reference, event_code: code, at };
            sw::enqueue(tx, &d).await?;
        }
    }
    app.note_hooks_queued();
    Ok(())
}

/// The two HTTP clients of the worker: one that connects only to public
/// addresses (whatever a name resolves to at the time of sending, so that a
/// name cannot be pointed inside later), one for when an admin allows private
/// addresses. Neither follows redirects.
#[derive(Clone)]
pub struct Clients {
    guarded: reqwest::Client,
    open: reqwest::Client,
}

struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = addrs.into_iter().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err("the address is not on the public internet (webhooks_allow_private is no)".into());
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

impl Clients {
    pub fn new() -> anyhow::Result<Clients> {
        let base = || {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(TIMEOUT)
                .connect_timeout(TIMEOUT)
                .user_agent(concat!("madoguchi-webhooks/", env!("CARGO_PKG_VERSION")))
        };
        Ok(Clients { guarded: base().dns_resolver(Arc::new(PublicOnly)).build()?, open: base().build()? })
    }
}

/// What became of one try.
enum Outcome {
    Delivered(i64),
    Refused(Option<i64>, String),
}

/// One pass: claims due deliveries and sends them, each webhook's in order
/// and the webhooks side by side. Returns how many were claimed.
pub async fn deliver_due(app: &App, clients: &Clients) -> Result<usize> {
    let rows = sw::claim(&app.store, app.now_us(), LEASE_US, BATCH).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let allow_private = app.settings().await?.webhooks_allow_private();
    let client = if allow_private { &clients.open } else { &clients.guarded };
    let n = rows.len();
    let mut groups: Vec<Vec<Claimed>> = Vec::new();
    for row in rows {
        match groups.iter_mut().find(|g| g[0].webhook_id == row.webhook_id) {
            Some(g) => g.push(row),
            None => groups.push(vec![row]),
        }
    }
    let results =
        futures::future::join_all(groups.into_iter().map(|g| deliver_group(app, client, allow_private, g))).await;
    for r in results {
        r?;
    }
    Ok(n)
}

/// Sends one webhook's claimed deliveries in order; after a failure, the rest
/// wait with it.
async fn deliver_group(app: &App, client: &reqwest::Client, allow_private: bool, rows: Vec<Claimed>) -> Result<()> {
    let mut held = false;
    for row in rows {
        if held || app.is_stopping() {
            sw::release(&app.store, row.id).await?;
            continue;
        }
        match send(app, client, allow_private, &row).await {
            Outcome::Delivered(status) => {
                sw::mark_delivered(&app.store, row.id, status, app.now_us()).await?;
                tracing::info!(delivery = row.id, webhook = row.webhook_id, status, "webhook delivered");
            }
            Outcome::Refused(status, error) => {
                let now = app.now_us();
                let tries = row.attempts + 1;
                let next = now + backoff_us(tries);
                let failed = (tries >= MAX_ATTEMPTS).then_some(now);
                sw::mark_retry(&app.store, row.id, next, failed, status, &error).await?;
                sw::hold(&app.store, row.webhook_id, row.id, next).await?;
                held = true;
                if failed.is_some() {
                    tracing::error!(delivery = row.id, webhook = row.webhook_id, attempts = tries, error = %error,
                        "webhook delivery failed; an admin can send it again");
                } else {
                    tracing::warn!(delivery = row.id, webhook = row.webhook_id, attempts = tries, error = %error,
                        "webhook not delivered; will retry");
                }
            }
        }
    }
    Ok(())
}

/// The body as sent: the stored payload with the time of sending, which the
/// signature covers (a receiver refuses one too old: a replay); and the
/// payload's id, for the delivery header.
fn body_of(payload: &str, timestamp: u64) -> Option<(String, String)> {
    let mut v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(payload).ok()?;
    let id = v.get("id").and_then(|i| i.as_str()).unwrap_or_default().to_owned();
    v.insert("timestamp".into(), timestamp.into());
    Some((serde_json::to_string(&v).ok()?, id))
}

async fn send(app: &App, client: &reqwest::Client, allow_private: bool, row: &Claimed) -> Outcome {
    let refused = |e: &str| Outcome::Refused(None, e.to_owned());
    let secret = match STANDARD.decode(&row.secret_sealed).ok().map(|s| documents::unseal(app, SECRET_AAD, &s)) {
        Some(Ok(s)) => s,
        _ => return refused("the secret does not decrypt with this data key"),
    };
    let Ok(url) = reqwest::Url::parse(&row.url) else {
        return refused("the address is not a URL");
    };
    // An address written as an IP is not resolved: check it here.
    if !allow_private {
        let host = url.host_str().unwrap_or("").trim_start_matches('[').trim_end_matches(']');
        let literal = host.parse::<IpAddr>().ok();
        if literal.is_some_and(|ip| !is_public(ip)) {
            return refused("the address is not on the public internet (webhooks_allow_private is no)");
        }
    }
    let timestamp =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let Some((body, id)) = body_of(&row.payload, timestamp) else {
        return refused("the stored payload is not JSON");
    };
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Madoguchi-Event", row.event_code.as_str())
        .header("X-Madoguchi-Delivery", id)
        .header("X-Madoguchi-Timestamp", timestamp.to_string())
        .header("X-Madoguchi-Signature", signature(&secret, body.as_bytes()))
        .body(body)
        .send()
        .await;
    match response {
        Ok(r) if r.status().is_success() => Outcome::Delivered(i64::from(r.status().as_u16())),
        Ok(r) if r.status().is_redirection() => {
            Outcome::Refused(Some(i64::from(r.status().as_u16())), "redirects are not followed".into())
        }
        Ok(r) => Outcome::Refused(Some(i64::from(r.status().as_u16())), format!("HTTP {}", r.status())),
        Err(e) => refused(&error_chain(&e)),
    }
}

/// An error with its causes, short enough for the admin page.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s.chars().take(500).collect()
}

/// Forgets deliveries delivered more than [`KEEP_DELIVERED_DAYS`] ago.
pub async fn prune(app: &App) -> Result<u64> {
    let before = app.now_us() - KEEP_DELIVERED_DAYS * 86_400 * 1_000_000;
    Ok(sw::prune_delivered(&app.store, before).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_private_and_reserved_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip} must not count as public");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(ip.parse().unwrap()), "{ip} is public");
        }
    }

    #[test]
    fn the_signature_is_the_hex_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn back_off_doubles_from_thirty_seconds_up_to_an_hour() {
        assert_eq!(backoff_us(1), 30_000_000);
        assert_eq!(backoff_us(2), 60_000_000);
        assert_eq!(backoff_us(5), 480_000_000);
        assert_eq!(backoff_us(8), 3_600_000_000);
        assert_eq!(backoff_us(40), 3_600_000_000);
    }

    #[test]
    fn the_body_sent_is_the_payload_with_its_timestamp() {
        let (body, id) = body_of(r#"{"id":"x","event":{"code":"closed"}}"#, 1_700_000_000).unwrap();
        assert_eq!(id, "x");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["timestamp"], 1_700_000_000);
        assert_eq!(v["event"]["code"], "closed");
        assert!(body_of("not json", 1).is_none());
    }
}
