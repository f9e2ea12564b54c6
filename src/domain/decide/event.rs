//! What happened to a case (`Event`, ids and codes only), and `apply`, which
//! folds an event into a case.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::domain::case::Case;
use crate::domain::codes::*;

/// What happened to a case. Ids and codes only: no names, no free text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Submitted {
        channel: Channel,
    },
    EmailConfirmed,
    Received {
        received_on: Date,
        due_on: Option<Date>,
    },
    Assigned {
        assignee: Option<i64>,
    },
    NoteAdded,
    MessageSent,
    IdentityRequested {
        target: IdentityTarget,
        on: Date,
    },
    IdentityReminderSent {
        asked_on: Date,
    },
    ClarificationRequested,
    FeeRequested {
        amount: i64,
        pay_by: Date,
    },
    FeeReminderSent {
        pay_by: Date,
    },
    DueSoonNotified {
        due_on: Date,
    },
    OverdueNotified {
        due_on: Date,
    },
    DocumentsSubmitted {
        target: IdentityTarget,
        document: i64,
    },
    RequesterReplied,
    IdentityVerified {
        target: IdentityTarget,
        method: IdMethod,
        doc_type: Option<DocType>,
    },
    IdentityFailed {
        target: IdentityTarget,
    },
    PaymentRecorded {
        amount: i64,
        method: PaymentMethod,
        paid_on: Date,
    },
    FeeWaived {
        amount: i64,
    },
    RefundRecorded {
        amount: i64,
    },
    AskMet {
        ask: Ask,
    },
    AsksCancelled {
        asks: Vec<Ask>,
    },
    /// The clock starts late: at identity verification, when the policy says so.
    ClockStarted {
        on: Date,
        due_on: Date,
    },
    /// The clock stops while the requester is asked for something.
    ClockPaused {
        on: Date,
    },
    /// The clock runs again from the requester's act; the due date moves by the days paused.
    ClockResumed {
        on: Date,
        due_on: Option<Date>,
    },
    Extended {
        from: Date,
        to: Date,
    },
    Started,
    Closed {
        outcome: Outcome,
        reasons: Vec<Reason>,
        closed_on: Date,
    },
    Withdrawn {
        closed_on: Date,
    },
    Reopened,
    KindChanged {
        from: RequestKind,
        to: RequestKind,
    },
    DocumentDiscarded {
        document: i64,
    },
    DocumentsPurged {
        documents: Vec<i64>,
    },
    ResultAttached {
        document: i64,
    },
    ResultRemoved {
        document: i64,
    },
    DeliveryChanged {
        from: Option<Delivery>,
        to: Delivery,
    },
    NoticePosted {
        notice: i64,
        posted_on: Date,
    },
    ResultDownloaded {
        document: i64,
    },
    ResultsPurged {
        documents: Vec<i64>,
    },
    /// The status link was revoked; a new one goes only to the contact address.
    StatusLinkRevoked,
    /// The person's details and the texts were removed (retention).
    Anonymised,
    /// A system of the inventory is to be searched for this case (at
    /// receipt, or when its kind changed), by its owner, by `due_on`.
    TaskOpened {
        task: i64,
        system: i64,
        owner: Option<i64>,
        due_on: Option<Date>,
    },
    /// A task still open was dropped: the case's new kind does not search that system.
    TaskWithdrawn {
        task: i64,
        system: i64,
    },
    /// A task was marked done, not applicable, or open again (its note is the message).
    TaskUpdated {
        task: i64,
        system: i64,
        status: crate::domain::inventory::TaskStatus,
    },
    /// A task's owner was told it is past its due date.
    TaskOverdueNotified {
        task: i64,
        system: i64,
        owner: Option<i64>,
        due_on: Date,
    },
}

impl Event {
    /// Every event's code, in the order of the enum (webhook filters).
    pub const CODES: &'static [&'static str] = &[
        "submitted",
        "email_confirmed",
        "received",
        "assigned",
        "note_added",
        "message_sent",
        "identity_requested",
        "identity_reminder_sent",
        "clarification_requested",
        "fee_requested",
        "fee_reminder_sent",
        "due_soon_notified",
        "overdue_notified",
        "documents_submitted",
        "requester_replied",
        "identity_verified",
        "identity_failed",
        "payment_recorded",
        "fee_waived",
        "refund_recorded",
        "ask_met",
        "asks_cancelled",
        "clock_started",
        "clock_paused",
        "clock_resumed",
        "extended",
        "started",
        "closed",
        "withdrawn",
        "reopened",
        "kind_changed",
        "document_discarded",
        "documents_purged",
        "result_attached",
        "result_removed",
        "delivery_changed",
        "notice_posted",
        "result_downloaded",
        "results_purged",
        "status_link_revoked",
        "anonymised",
        "task_opened",
        "task_withdrawn",
        "task_updated",
        "task_overdue_notified",
    ];

    /// The event's code, as stored in `case_events.kind`.
    pub fn code(&self) -> &'static str {
        match self {
            Event::Submitted { .. } => "submitted",
            Event::EmailConfirmed => "email_confirmed",
            Event::Received { .. } => "received",
            Event::Assigned { .. } => "assigned",
            Event::NoteAdded => "note_added",
            Event::MessageSent => "message_sent",
            Event::IdentityRequested { .. } => "identity_requested",
            Event::IdentityReminderSent { .. } => "identity_reminder_sent",
            Event::ClarificationRequested => "clarification_requested",
            Event::FeeRequested { .. } => "fee_requested",
            Event::FeeReminderSent { .. } => "fee_reminder_sent",
            Event::DueSoonNotified { .. } => "due_soon_notified",
            Event::OverdueNotified { .. } => "overdue_notified",
            Event::DocumentsSubmitted { .. } => "documents_submitted",
            Event::RequesterReplied => "requester_replied",
            Event::IdentityVerified { .. } => "identity_verified",
            Event::IdentityFailed { .. } => "identity_failed",
            Event::PaymentRecorded { .. } => "payment_recorded",
            Event::FeeWaived { .. } => "fee_waived",
            Event::RefundRecorded { .. } => "refund_recorded",
            Event::AskMet { .. } => "ask_met",
            Event::AsksCancelled { .. } => "asks_cancelled",
            Event::ClockStarted { .. } => "clock_started",
            Event::ClockPaused { .. } => "clock_paused",
            Event::ClockResumed { .. } => "clock_resumed",
            Event::Extended { .. } => "extended",
            Event::Started => "started",
            Event::Closed { .. } => "closed",
            Event::Withdrawn { .. } => "withdrawn",
            Event::Reopened => "reopened",
            Event::KindChanged { .. } => "kind_changed",
            Event::DocumentDiscarded { .. } => "document_discarded",
            Event::DocumentsPurged { .. } => "documents_purged",
            Event::ResultAttached { .. } => "result_attached",
            Event::ResultRemoved { .. } => "result_removed",
            Event::DeliveryChanged { .. } => "delivery_changed",
            Event::NoticePosted { .. } => "notice_posted",
            Event::ResultDownloaded { .. } => "result_downloaded",
            Event::ResultsPurged { .. } => "results_purged",
            Event::StatusLinkRevoked => "status_link_revoked",
            Event::Anonymised => "anonymised",
            Event::TaskOpened { .. } => "task_opened",
            Event::TaskWithdrawn { .. } => "task_withdrawn",
            Event::TaskUpdated { .. } => "task_updated",
            Event::TaskOverdueNotified { .. } => "task_overdue_notified",
        }
    }
}

fn open_ask(case: &mut Case, ask: Ask) {
    if case.state != State::AwaitingRequester {
        case.resume_state = Some(case.state);
        case.state = State::AwaitingRequester;
    }
    case.asks.insert(ask);
}

/// Folds one event into a case.
pub fn apply(case: &mut Case, event: &Event) {
    match event {
        Event::Submitted { .. } => case.state = State::Unconfirmed,
        Event::EmailConfirmed
        | Event::NoteAdded
        | Event::MessageSent
        | Event::RequesterReplied
        | Event::NoticePosted { .. }
        | Event::ResultDownloaded { .. }
        | Event::StatusLinkRevoked
        | Event::Anonymised
        | Event::TaskOpened { .. }
        | Event::TaskWithdrawn { .. }
        | Event::TaskUpdated { .. }
        | Event::TaskOverdueNotified { .. } => {}
        Event::ResultAttached { .. } => case.results += 1,
        Event::ResultRemoved { .. } => case.results = case.results.saturating_sub(1),
        Event::ResultsPurged { documents } => {
            let n = u32::try_from(documents.len()).unwrap_or(u32::MAX);
            case.results = case.results.saturating_sub(n);
        }
        Event::DeliveryChanged { to, .. } => case.delivery = Some(*to),
        Event::Received { received_on, due_on } => {
            case.state = State::Received;
            case.received_on = Some(*received_on);
            case.due_on = *due_on;
            case.first_due_on = *due_on;
        }
        Event::Assigned { assignee } => case.assignee = *assignee,
        Event::IdentityRequested { target, on } => {
            case.identity.set(*target, IdentityStatus::Requested);
            if !case.has_ask(Ask::Identity) {
                case.identity_asked_on = Some(*on);
                case.identity_reminded = false;
            }
            open_ask(case, Ask::Identity);
        }
        Event::IdentityReminderSent { .. } => case.identity_reminded = true,
        Event::ClarificationRequested => open_ask(case, Ask::Clarification),
        Event::FeeRequested { amount, pay_by } => {
            case.fees.requested += amount;
            case.fee_pay_by = Some(*pay_by);
            case.fee_reminded = false;
            open_ask(case, Ask::Fee);
        }
        Event::FeeReminderSent { .. } => case.fee_reminded = true,
        Event::DueSoonNotified { due_on } => case.due_soon_notified = Some(*due_on),
        Event::OverdueNotified { due_on } => case.overdue_notified = Some(*due_on),
        Event::DocumentsSubmitted { target, .. } => {
            case.identity.set(*target, IdentityStatus::Submitted);
            case.stored_documents += 1;
        }
        Event::IdentityVerified { target, .. } => case.identity.set(*target, IdentityStatus::Verified),
        Event::IdentityFailed { target } => case.identity.set(*target, IdentityStatus::Failed),
        Event::PaymentRecorded { amount, .. } => case.fees.paid += amount,
        Event::FeeWaived { amount } => case.fees.waived += amount,
        Event::RefundRecorded { amount } => case.fees.refunded += amount,
        Event::AskMet { ask } => {
            case.asks.remove(ask);
            if *ask == Ask::Fee {
                case.fee_pay_by = None;
                case.fee_reminded = false;
            }
            if *ask == Ask::Identity {
                case.identity_asked_on = None;
                case.identity_reminded = false;
            }
            if case.asks.is_empty() && case.state == State::AwaitingRequester {
                case.state = case.resume_state.take().unwrap_or(State::Received);
            }
        }
        Event::AsksCancelled { asks } => {
            for ask in asks {
                case.asks.remove(ask);
            }
            case.identity_asked_on = None;
            case.fee_pay_by = None;
        }
        Event::Extended { to, .. } => case.due_on = Some(*to),
        Event::ClockStarted { due_on, .. } => {
            case.due_on = Some(*due_on);
            case.first_due_on = Some(*due_on);
        }
        Event::ClockPaused { on } => case.paused_on = Some(*on),
        Event::ClockResumed { due_on, .. } => {
            case.paused_on = None;
            case.due_on = *due_on;
        }
        Event::Started => case.state = State::InProgress,
        Event::Closed { outcome, reasons, closed_on } => {
            case.state = State::Closed;
            case.outcome = Some(*outcome);
            case.reasons = reasons.clone();
            case.closed_on = Some(*closed_on);
            case.resume_state = None;
        }
        Event::Withdrawn { closed_on } => {
            case.state = State::Closed;
            case.outcome = Some(Outcome::Withdrawn);
            case.closed_on = Some(*closed_on);
            case.resume_state = None;
        }
        Event::Reopened => {
            case.reasons.clear();
            case.state = State::InProgress;
            case.outcome = None;
            case.closed_on = None;
        }
        Event::KindChanged { to, .. } => case.kind = *to,
        Event::DocumentDiscarded { .. } => case.stored_documents = case.stored_documents.saturating_sub(1),
        Event::DocumentsPurged { documents } => {
            let n = u32::try_from(documents.len()).unwrap_or(u32::MAX);
            case.stored_documents = case.stored_documents.saturating_sub(n);
        }
    }
}
