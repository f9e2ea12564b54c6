//! Writing a change: the case row, its chained events, the message the
//! command carried, fee entries, document side effects and the e-mails the
//! events call for, all in the caller's transaction (DESIGN.md §2).

use jiff::civil::Date;

use super::records::CaseRecord;
use super::store::Tx;
use super::store::cases::{self as sc, NewEvent, NewFeeEntry};
use super::store::documents as sd;
use super::store::notices as sn;
use super::{App, AppError, Result, Settings, notices, notify};
use crate::domain::{Actor, ActorKind, Case, Event, FeeEntryKind, PaymentMethod, Reference, State, Visibility, apply};

/// One change to persist: a case as read (id 0 for a new one), the events
/// decided, and what the command carried besides.
#[derive(Clone)]
pub(crate) struct Change {
    pub rec: CaseRecord,
    pub before: Case,
    pub events: Vec<Event>,
    pub text: Option<(String, Visibility)>,
    pub actor: Actor,
    pub payment_ref: Option<String>,
    /// For a new web submission: the link that confirms it.
    pub confirm_url: Option<String>,
    /// A decision's answer (purposes told, corrections made, what was sent).
    pub answer: String,
    /// A posted notice's 本人限定受取郵便 / 簡易書留 number.
    pub tracking_number: Option<String>,
    /// One of many cases assigned at once: the assignee hears of them all
    /// in one message, not in one per case.
    pub quiet_assign: bool,
    /// What the change would otherwise read inside its transaction.
    pub known: Known,
}

/// What a receipt reads besides the case — the live systems of the
/// inventory (its searches), the active staff (whom its notices go to) and
/// the webhooks in use — read before its transaction begins, from the read
/// connections. A receipt's transaction holds the one writer (SQLite) or the
/// year's reference counter (PostgreSQL) until it commits: each read inside
/// it is a round trip every other receipt waits for. A system, account or
/// webhook changed while the receipt is written is as if changed just after.
/// `None`: read in the transaction, when needed.
#[derive(Default, Clone)]
pub(crate) struct Known {
    pub systems: Option<Vec<super::store::inventory::SystemRow>>,
    pub staff: Option<Vec<super::records::Account>>,
    pub hooks: Option<Vec<(i64, String)>>,
}

impl Known {
    /// Reads what a receipt needs, the three reads side by side.
    pub(crate) async fn for_receipt(app: &App) -> Result<Known> {
        let store = &app.store;
        let (systems, staff, hooks) = tokio::try_join!(
            super::store::inventory::live_systems(store),
            super::store::users::active(store),
            super::store::webhooks::live_now(store),
        )?;
        Ok(Known { systems: Some(systems), staff: Some(staff), hooks: Some(hooks) })
    }
}

impl Change {
    /// A change carrying nothing besides its events.
    pub(crate) fn new(rec: CaseRecord, before: Case, events: Vec<Event>, actor: Actor) -> Change {
        Change {
            rec,
            before,
            events,
            text: None,
            actor,
            payment_ref: None,
            confirm_url: None,
            answer: String::new(),
            tracking_number: None,
            quiet_assign: false,
            known: Known::default(),
        }
    }
}

pub(crate) fn actor_parts(actor: &Actor) -> (ActorKind, Option<i64>) {
    match actor {
        Actor::Requester => (ActorKind::Requester, None),
        Actor::Staff { id, .. } => (ActorKind::Staff, Some(*id)),
        Actor::System => (ActorKind::System, None),
    }
}

/// The ledger line an event writes, if any: (entry, amount, method, date).
pub(crate) fn fee_entry_of(event: &Event, today: Date) -> Option<(FeeEntryKind, i64, Option<PaymentMethod>, Date)> {
    Some(match event {
        Event::FeeRequested { amount, .. } => (FeeEntryKind::Requested, *amount, None, today),
        Event::PaymentRecorded { amount, method, paid_on } => (FeeEntryKind::Payment, *amount, Some(*method), *paid_on),
        Event::FeeWaived { amount } => (FeeEntryKind::Waiver, *amount, None, today),
        Event::RefundRecorded { amount } => (FeeEntryKind::Refund, *amount, None, today),
        _ => return None,
    })
}

/// Writes a change in the caller's transaction. Returns the record as written.
pub(crate) async fn persist(app: &App, tx: &mut Tx, settings: &Settings, change: Change) -> Result<CaseRecord> {
    let Change {
        mut rec,
        before,
        events,
        text,
        actor,
        payment_ref,
        confirm_url,
        answer,
        tracking_number,
        quiet_assign,
        known,
    } = change;
    let now = app.now_us();
    let before_due = before.due_on;
    let mut case = before;
    for e in &events {
        apply(&mut case, e);
    }
    let is_new = case.id == 0;
    if rec.reference.is_none() && case.state != State::Unconfirmed {
        let received = case.received_on.unwrap_or(case.submitted_on);
        let n = sc::next_reference_number(tx, i64::from(received.year())).await?;
        rec.reference = Some(Reference::new(received.year(), n));
    }
    rec.updated_at = now;
    if let Some(Event::Received { received_on, .. }) = events.iter().find(|e| matches!(e, Event::Received { .. })) {
        rec.repeat_of = repeat_of(tx, settings, &rec, case.kind, *received_on).await?;
    }
    rec.case = case;
    if is_new {
        rec.created_at = now;
        rec.case.id = sc::insert(tx, &rec).await?;
    } else {
        sc::update(tx, &rec).await?;
        rec.version += 1;
    }
    let case_id = rec.id();
    // The inventory's tasks: planned at receipt, re-planned with the kind.
    let planned = super::tasks::plan(tx, settings, &rec, before_due, &events, now, known.systems.as_deref()).await?;
    let events = [events, planned].concat();

    let (actor_kind, actor_id) = actor_parts(&actor);
    let message_id = match &text {
        Some((body, vis)) => Some(sc::insert_message(tx, case_id, *vis, body, actor_id, now).await?),
        None => None,
    };
    // The message belongs to the first event that is not a consequence.
    let text_event =
        events.iter().position(|e| !matches!(e, Event::AsksCancelled { .. } | Event::AskMet { .. })).unwrap_or(0);
    let new_events = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            Ok(NewEvent {
                kind: e.code(),
                data: serde_json::to_string(e).map_err(|e| AppError::internal("an event cannot be written", e))?,
                actor_kind,
                actor_id,
                message_id: if i == text_event { message_id } else { None },
                at: now,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let seqs = sc::append_events(tx, case_id, &new_events, is_new).await?;
    super::webhooks::enqueue_for(app, tx, &rec, &events, &seqs, &actor, now, known.hooks.as_deref()).await?;

    let today = app.today();
    for e in &events {
        let Some((entry, amount, method, on_date)) = fee_entry_of(e, today) else { continue };
        let payment_ref = payment_ref.as_deref().filter(|r| !r.is_empty() && entry == FeeEntryKind::Payment);
        let line = NewFeeEntry { case_id, entry, amount, method, on_date, payment_ref, actor_id, at: now };
        sc::insert_fee_entry(tx, &line).await?;
    }

    // Document contents follow their events in the same transaction.
    for e in &events {
        match e {
            Event::DocumentDiscarded { document } => sd::discard(tx, case_id, *document, now).await?,
            Event::DocumentsPurged { documents } => {
                for d in documents {
                    sd::purge(tx, case_id, *d, now).await?;
                }
            }
            Event::IdentityVerified { target, .. } => sd::mark_verified(tx, case_id, *target, today).await?,
            Event::ResultRemoved { document } => sd::remove(tx, case_id, *document, now).await?,
            Event::ResultsPurged { documents } => {
                for d in documents {
                    sd::purge(tx, case_id, *d, now).await?;
                }
            }
            Event::Anonymised => sc::anonymise(tx, case_id, now).await?,
            Event::StatusLinkRevoked => {
                let nonce = super::keys::random_token();
                let hash = super::cases::status_hash(app, &nonce);
                sc::set_status_link(tx, case_id, &nonce, &hash, None).await?;
                rec.status_nonce = nonce;
                rec.status_token_hash = Some(hash);
            }
            Event::NoticePosted { notice, posted_on } => {
                let number = tracking_number.as_deref().filter(|n| !n.is_empty());
                sn::mark_posted(tx, case_id, *notice, *posted_on, number).await?;
            }
            _ => {}
        }
    }

    let text_body = text.as_ref().map(|(t, _)| t.as_str()).unwrap_or("");
    let quoted = notices::Quoted { text: text_body, answer: &answer };
    notices::issue(app, tx, settings, &rec, &events, &quoted).await?;
    let heard: Vec<Event> = if quiet_assign {
        events.iter().filter(|e| !matches!(e, Event::Assigned { .. })).cloned().collect()
    } else {
        events
    };
    notify::enqueue_for(app, tx, settings, &rec, &heard, &quoted, &actor, confirm_url.as_deref(), &known).await?;
    Ok(rec)
}

/// The earlier case this one repeats (DESIGN.md §4 "Repeated requests"):
/// the same person (e-mail, or name and birth date) and kind, received
/// within `repeat_window_days` before. It only informs staff.
async fn repeat_of(
    tx: &mut Tx,
    settings: &Settings,
    rec: &CaseRecord,
    kind: crate::domain::RequestKind,
    received_on: Date,
) -> Result<Option<Reference>> {
    let window = settings.repeat_window_days();
    if window == 0 {
        return Ok(None);
    }
    let from = received_on.saturating_sub(jiff::ToSpan::days(window));
    Ok(sc::earlier_case(tx, rec, kind, from, received_on).await?)
}
