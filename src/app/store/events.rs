//! The events of a case, hash-chained per case, with the messages stored
//! beside them.

use sha2::{Digest, Sha256};

use super::{Result, Store, StoreError, Tx, code, on, value_rows};
use crate::app::records::{Message, TimelineEvent};
use crate::domain::{ActorKind, Visibility};

pub async fn insert_message(
    tx: &mut Tx,
    case_id: i64,
    visibility: Visibility,
    body: &str,
    author: Option<i64>,
    at: i64,
) -> Result<i64> {
    let (id,): (i64,) = on!(tx, c => sqlx::query_as(
        "INSERT INTO messages (case_id, visibility, body, author_id, at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(case_id).bind(visibility.code()).bind(body).bind(author).bind(at).fetch_one(c).await)?;
    Ok(id)
}

/// One event to append to a case's chain.
pub struct NewEvent {
    pub kind: &'static str,
    pub data: String,
    pub actor_kind: ActorKind,
    pub actor_id: Option<i64>,
    pub message_id: Option<i64>,
    pub at: i64,
}

pub fn chain_hash(prev: &str, case_id: i64, seq: i64, e: &NewEvent) -> String {
    chain_hash_of(prev, case_id, seq, e.kind, &e.data, e.actor_kind.code(), e.actor_id, e.message_id, e.at)
}

/// The hash of one link of a case's chain: every field, length-prefixed.
#[allow(clippy::too_many_arguments)]
fn chain_hash_of(
    prev: &str,
    case_id: i64,
    seq: i64,
    kind: &str,
    data: &str,
    actor_kind: &str,
    actor_id: Option<i64>,
    message_id: Option<i64>,
    at: i64,
) -> String {
    let mut h = Sha256::new();
    for part in [
        prev.as_bytes(),
        &case_id.to_be_bytes(),
        &seq.to_be_bytes(),
        kind.as_bytes(),
        data.as_bytes(),
        actor_kind.as_bytes(),
        &actor_id.unwrap_or(0).to_be_bytes(),
        &message_id.unwrap_or(0).to_be_bytes(),
        &at.to_be_bytes(),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    hex(&h.finalize())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends events to the case's hash chain; returns their sequence numbers.
/// A case written in this same transaction (`fresh`) has no chain yet: its
/// first link is not looked for. The events go in one statement: on SQLite
/// every statement is a round trip to the one writer's thread, and a
/// receipt's transaction holds that writer (on PostgreSQL, the year's
/// reference counter) until it commits.
pub async fn append_events(tx: &mut Tx, case_id: i64, events: &[NewEvent], fresh: bool) -> Result<Vec<i64>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let last: Option<(i64, String)> = if fresh {
        None
    } else {
        on!(tx, c => sqlx::query_as(
            "SELECT seq, hash FROM case_events WHERE case_id = $1 ORDER BY seq DESC LIMIT 1")
            .bind(case_id).fetch_optional(c).await)?
    };
    let (mut seq, mut prev) = last.unwrap_or((0, String::new()));
    let mut rows = Vec::with_capacity(events.len());
    for e in events {
        seq += 1;
        let hash = chain_hash(&prev, case_id, seq, e);
        rows.push((seq, std::mem::replace(&mut prev, hash.clone()), hash, e));
    }
    let sql = format!(
        "INSERT INTO case_events (case_id, seq, kind, data, actor_kind, actor_id, message_id, at, prev_hash, hash) \
         VALUES {}",
        value_rows(rows.len(), 10)
    );
    on!(tx, c => {
        let mut q = sqlx::query(&sql);
        for (seq, prev, hash, e) in &rows {
            q = q.bind(case_id).bind(*seq).bind(e.kind).bind(&e.data).bind(e.actor_kind.code()).bind(e.actor_id)
                .bind(e.message_id).bind(e.at).bind(prev).bind(hash);
        }
        q.execute(c).await.map(|r| r.rows_affected())
    })?;
    Ok(rows.iter().map(|(seq, ..)| *seq).collect())
}

/// An event as stored, with its message and its author's name.
#[derive(Debug, Clone, sqlx::FromRow)]
struct EventRow {
    seq: i64,
    kind: String,
    data: String,
    actor_kind: String,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    message_id: Option<i64>,
    message_body: Option<String>,
    message_visibility: Option<String>,
    at: i64,
    prev_hash: String,
    hash: String,
}

async fn event_rows(store: &Store, case_id: i64) -> Result<Vec<EventRow>> {
    let sql = "SELECT e.seq, e.kind, e.data, e.actor_kind, e.actor_id, u.display_name AS actor_name, \
        e.message_id, m.body AS message_body, m.visibility AS message_visibility, e.at, e.prev_hash, e.hash \
        FROM case_events e LEFT JOIN staff_users u ON u.id = e.actor_id \
        LEFT JOIN messages m ON m.id = e.message_id WHERE e.case_id = $1 ORDER BY e.seq";
    Ok(on!(read store, c => sqlx::query_as(sql).bind(case_id).fetch_all(c).await)?)
}

/// Recomputes a case's hash chain: true when the audit trail was not edited.
fn chain_verifies(case_id: i64, rows: &[EventRow]) -> bool {
    let mut prev = String::new();
    for e in rows {
        let h = chain_hash_of(&prev, case_id, e.seq, &e.kind, &e.data, &e.actor_kind, e.actor_id, e.message_id, e.at);
        if e.prev_hash != prev || h != e.hash {
            return false;
        }
        prev = e.hash.clone();
    }
    true
}

/// A case's timeline, and whether its hash chain verifies.
pub async fn timeline(store: &Store, case_id: i64) -> Result<(Vec<TimelineEvent>, bool)> {
    let rows = event_rows(store, case_id).await?;
    let chain_ok = chain_verifies(case_id, &rows);
    let events = rows
        .into_iter()
        .map(|r| {
            let event = serde_json::from_str(&r.data)
                .map_err(|e| StoreError::Corrupt(format!("event {} of case {case_id}: {e}", r.seq)))?;
            let message = match (r.message_visibility, r.message_body) {
                (Some(v), Some(body)) => Some((code::<Visibility>(&v)?, body)),
                _ => None,
            };
            Ok(TimelineEvent {
                seq: r.seq,
                event,
                actor_kind: code(&r.actor_kind)?,
                actor_name: r.actor_name,
                message,
                at: r.at,
            })
        })
        .collect::<Result<_>>()?;
    Ok((events, chain_ok))
}

/// Checks every case's chain; returns the references (or ids) of broken ones.
pub async fn broken_chains(store: &Store) -> Result<Vec<String>> {
    let ids: Vec<(i64, Option<String>)> =
        on!(read store, c => sqlx::query_as("SELECT id, reference FROM cases ORDER BY id").fetch_all(c).await)?;
    let mut broken = Vec::new();
    for (id, reference) in ids {
        if !chain_verifies(id, &event_rows(store, id).await?) {
            broken.push(reference.unwrap_or_else(|| format!("#{id}")));
        }
    }
    Ok(broken)
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct MessageRow {
    id: i64,
    visibility: String,
    body: String,
    at: i64,
}

/// The messages a requester may read: to them and from them.
pub async fn requester_messages(store: &Store, case_id: i64) -> Result<Vec<Message>> {
    let rows: Vec<MessageRow> = on!(read store, c => sqlx::query_as(
        "SELECT id, visibility, body, at FROM messages WHERE case_id = $1 \
         AND visibility IN ('to_requester', 'from_requester') ORDER BY id")
        .bind(case_id).fetch_all(c).await)?;
    rows.into_iter()
        .map(|m| Ok(Message { id: m.id, visibility: code(&m.visibility)?, body: m.body, at: m.at }))
        .collect()
}
