//! The transition table of DESIGN.md §1: `decide` is the only place its rules
//! live, `apply` folds the events it returns into a case.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::Msg;
use super::case::Case;
use super::codes::*;
use super::deadline::DeadlinePolicy;

/// Who asks for a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The person (or their agent), holding the confirmation or status token.
    Requester,
    /// A logged-in staff user.
    Staff { id: i64, role: Role },
    /// The application itself (jobs).
    System,
}

impl Actor {
    pub fn staff_id(&self) -> Option<i64> {
        match self {
            Actor::Staff { id, .. } => Some(*id),
            _ => None,
        }
    }
}

/// What `decide` needs to know besides the case.
pub struct Ctx<'a> {
    pub today: Date,
    /// Refusals and partial grants need a manager (the sign-off setting).
    pub signoff_required: bool,
    pub policy: &'a dyn DeadlinePolicy,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    ConfirmEmail,
    Assign {
        assignee: Option<i64>,
    },
    AddNote {
        body: String,
    },
    MessageRequester {
        body: String,
    },
    RequestIdentity {
        target: IdentityTarget,
        note: String,
    },
    RequestClarification {
        body: String,
    },
    RequestFee {
        amount: i64,
        scheduled: Option<i64>,
        reason: String,
        pay_by: Date,
    },
    /// The desk reminds the requester of an unpaid fee before its deadline (a job does this).
    RemindFee,
    /// The assignee hears that the due date is near (a job does this).
    NotifyDueSoon,
    /// Managers hear that the case is overdue (a job does this).
    NotifyOverdue,
    SubmitDocuments {
        target: IdentityTarget,
        document: i64,
    },
    RequesterReply {
        body: String,
    },
    VerifyIdentity {
        target: IdentityTarget,
        method: IdMethod,
        doc_type: Option<DocType>,
    },
    FailIdentity {
        target: IdentityTarget,
        reason: String,
    },
    RecordPayment {
        amount: i64,
        method: PaymentMethod,
        paid_on: Date,
        payment_ref: String,
    },
    WaiveFee {
        reason: String,
    },
    RecordRefund {
        amount: i64,
        reason: String,
    },
    Extend {
        new_due_on: Date,
        reason: String,
    },
    Start,
    Close {
        outcome: Outcome,
        reasons: Vec<Reason>,
        explanation: String,
    },
    Withdraw {
        reason: String,
    },
    Reopen {
        reason: String,
    },
    ChangeKind {
        kind: RequestKind,
        reason: String,
    },
    /// `target` is the identity check the document was for; it is asked again.
    DiscardDocument {
        document: i64,
        target: Option<IdentityTarget>,
        reason: String,
    },
    /// Retention: the contents of these documents are destroyed (a job does this).
    PurgeDocuments {
        documents: Vec<i64>,
    },
    /// The assignee hears that identity documents are long overdue (a job does this).
    RemindIdentity,
    AttachResult {
        document: i64,
    },
}

codes! {
    /// The HTTP action names of DESIGN.md §4, one per command.
    Action {
        ConfirmEmail = "confirm", "メールアドレスの確認", "Confirm e-mail";
        Assign = "assign", "担当者の割当て", "Assign";
        Note = "note", "社内メモ", "Internal note";
        Message = "message", "ご本人へのメッセージ", "Message to the requester";
        RequestIdentity = "request-identity", "本人確認書類の依頼", "Request identity documents";
        RequestClarification = "request-clarification", "確認事項の問い合わせ", "Ask for details";
        RequestFee = "request-fee", "手数料の請求", "Request the fee";
        RemindFee = "remind-fee", "手数料の督促", "Remind of the fee";
        NotifyDueSoon = "notify-due-soon", "期限が近いことの通知", "Notice: due soon";
        NotifyOverdue = "notify-overdue", "期限超過の通知", "Notice: overdue";
        SubmitDocuments = "submit-documents", "書類の提出", "Submit documents";
        RequesterReply = "reply", "ご本人からの返信", "Requester's reply";
        VerifyIdentity = "verify-identity", "本人確認済みにする", "Verify identity";
        FailIdentity = "fail-identity", "本人確認できず", "Identity not verified";
        RecordPayment = "record-payment", "入金の記録", "Record a payment";
        WaiveFee = "waive-fee", "手数料の免除", "Waive the fee";
        RecordRefund = "record-refund", "返金の記録", "Record a refund";
        Extend = "extend", "期限の延長", "Extend the deadline";
        Start = "start", "対応開始", "Start work";
        Close = "close", "決定して完了", "Decide and close";
        Withdraw = "withdraw", "取下げ", "Withdraw";
        Reopen = "reopen", "再開", "Reopen";
        ChangeKind = "change-kind", "請求種別の訂正", "Correct the kind";
        DiscardDocument = "discard-document", "書類の廃棄", "Discard a document";
        PurgeDocuments = "purge-documents", "書類の消去（保存期間経過）", "Purge documents";
        RemindIdentity = "remind-identity", "本人確認書類の催促", "Identity reminder";
        AttachResult = "attach-result", "結果ファイルの添付", "Attach a result";
    }
}

impl Command {
    pub fn action(&self) -> Action {
        match self {
            Command::ConfirmEmail => Action::ConfirmEmail,
            Command::Assign { .. } => Action::Assign,
            Command::AddNote { .. } => Action::Note,
            Command::MessageRequester { .. } => Action::Message,
            Command::RequestIdentity { .. } => Action::RequestIdentity,
            Command::RequestClarification { .. } => Action::RequestClarification,
            Command::RequestFee { .. } => Action::RequestFee,
            Command::RemindFee => Action::RemindFee,
            Command::NotifyDueSoon => Action::NotifyDueSoon,
            Command::NotifyOverdue => Action::NotifyOverdue,
            Command::SubmitDocuments { .. } => Action::SubmitDocuments,
            Command::RequesterReply { .. } => Action::RequesterReply,
            Command::VerifyIdentity { .. } => Action::VerifyIdentity,
            Command::FailIdentity { .. } => Action::FailIdentity,
            Command::RecordPayment { .. } => Action::RecordPayment,
            Command::WaiveFee { .. } => Action::WaiveFee,
            Command::RecordRefund { .. } => Action::RecordRefund,
            Command::Extend { .. } => Action::Extend,
            Command::Start => Action::Start,
            Command::Close { .. } => Action::Close,
            Command::Withdraw { .. } => Action::Withdraw,
            Command::Reopen { .. } => Action::Reopen,
            Command::ChangeKind { .. } => Action::ChangeKind,
            Command::DiscardDocument { .. } => Action::DiscardDocument,
            Command::PurgeDocuments { .. } => Action::PurgeDocuments,
            Command::RemindIdentity => Action::RemindIdentity,
            Command::AttachResult { .. } => Action::AttachResult,
        }
    }

    /// The free text a command carries. It is stored as a message beside the
    /// events, never inside them, so purging it keeps the audit chain whole.
    pub fn text(&self) -> Option<(&str, Visibility)> {
        let (text, vis) = match self {
            Command::AddNote { body } => (body, Visibility::Internal),
            Command::MessageRequester { body } => (body, Visibility::ToRequester),
            Command::RequestClarification { body } => (body, Visibility::ToRequester),
            Command::RequesterReply { body } => (body, Visibility::FromRequester),
            Command::RequestIdentity { note, .. } => (note, Visibility::ToRequester),
            Command::FailIdentity { reason, .. } => (reason, Visibility::ToRequester),
            Command::RequestFee { reason, .. } => (reason, Visibility::Internal),
            Command::Close { explanation, .. } => (explanation, Visibility::ToRequester),
            Command::Extend { reason, .. } => (reason, Visibility::ToRequester),
            Command::WaiveFee { reason }
            | Command::RecordRefund { reason, .. }
            | Command::Withdraw { reason }
            | Command::Reopen { reason }
            | Command::ChangeKind { reason, .. } => (reason, Visibility::Internal),
            // The requester is told why their document was destroyed and what to send instead.
            Command::DiscardDocument { reason, .. } => (reason, Visibility::ToRequester),
            _ => return None,
        };
        (!text.trim().is_empty()).then_some((text.as_str(), vis))
    }
}

/// Who may read a message stored beside an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Internal,
    ToRequester,
    FromRequester,
}

impl Visibility {
    pub fn code(self) -> &'static str {
        match self {
            Visibility::Internal => "internal",
            Visibility::ToRequester => "to_requester",
            Visibility::FromRequester => "from_requester",
        }
    }
}

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
}

impl Event {
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
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Not legal in the case's present state (HTTP 409).
    #[error("illegal move: {}", .0.1)]
    Illegal(Msg),
    /// The actor's role is too low (HTTP 403).
    #[error("forbidden: {}", .0.1)]
    Forbidden(Msg),
    /// A field of the command is wrong (HTTP 422).
    #[error("invalid {field}: {}", .msg.1)]
    Invalid { field: &'static str, msg: Msg },
}

fn illegal(ja: &'static str, en: &'static str) -> DomainError {
    DomainError::Illegal(Msg(ja, en))
}

fn invalid(field: &'static str, ja: &'static str, en: &'static str) -> DomainError {
    DomainError::Invalid { field, msg: Msg(ja, en) }
}

/// Opens a case: a web submission waits for its e-mail to be confirmed; a
/// request taken in by staff is received at once on its arrival date.
pub fn open_case(case: &Case, channel: Channel, received_on: Option<Date>, ctx: &Ctx) -> Vec<Event> {
    let mut events = vec![Event::Submitted { channel }];
    if let Some(received_on) = received_on {
        events.push(Event::Received { received_on, due_on: due_at_receipt(case, received_on, ctx) });
    }
    events
}

/// Actions only the application itself takes (jobs), never a person.
pub fn is_system_only(action: Action) -> bool {
    matches!(
        action,
        Action::RemindFee
            | Action::NotifyDueSoon
            | Action::NotifyOverdue
            | Action::PurgeDocuments
            | Action::RemindIdentity
    )
}

fn min_role(action: Action) -> Option<Role> {
    match action {
        // Only the application itself sends reminders; no staff role suffices.
        Action::RemindFee
        | Action::NotifyDueSoon
        | Action::NotifyOverdue
        | Action::PurgeDocuments
        | Action::RemindIdentity => Some(Role::Admin),
        Action::ConfirmEmail | Action::SubmitDocuments | Action::RequesterReply => None,
        Action::WaiveFee | Action::RecordRefund | Action::Reopen => Some(Role::Manager),
        _ => Some(Role::Staff),
    }
}

/// Whether `action` is legal for this actor on this case now, before its
/// fields are looked at. The case page offers exactly the actions this allows.
pub fn permitted(case: &Case, action: Action, actor: &Actor) -> Result<(), DomainError> {
    match (min_role(action), actor) {
        (None, Actor::Requester | Actor::System) => {}
        (None, Actor::Staff { .. }) => {
            return Err(DomainError::Forbidden(Msg(
                "この操作はご本人だけが行えます。",
                "Only the requester can do this.",
            )));
        }
        (Some(_), Actor::System) => {}
        (Some(_), Actor::Staff { .. }) if is_system_only(action) => {
            return Err(DomainError::Forbidden(Msg(
                "この通知は自動で送られます。",
                "This notice is sent automatically.",
            )));
        }
        (Some(needed), Actor::Staff { role, .. }) => {
            if !role.at_least(needed) {
                return Err(DomainError::Forbidden(Msg(
                    "この操作には管理者の権限が必要です。",
                    "This action needs a manager.",
                )));
            }
        }
        (Some(_), Actor::Requester) => {
            return Err(DomainError::Forbidden(Msg("この操作は担当者だけが行えます。", "Only staff can do this.")));
        }
    }

    let state = case.state;
    let open = state.is_open();
    let not_open = || illegal("この請求は対応中ではありません。", "This case is not open.");
    match action {
        Action::ConfirmEmail => Ok(()),
        Action::Assign | Action::Note | Action::Message => {
            if state == State::Unconfirmed {
                Err(illegal("メールアドレスが未確認の請求です。", "The e-mail address is not confirmed yet."))
            } else {
                Ok(())
            }
        }
        Action::RequestIdentity | Action::RequestClarification | Action::RequestFee => {
            if !open {
                return Err(not_open());
            }
            if action == Action::RequestFee {
                if !case.kind.fee_allowed() {
                    return Err(illegal(
                        "この種別の請求には手数料を請求できません（個人情報保護法第38条）。",
                        "No fee may be charged for this kind of request (APPI Art. 38).",
                    ));
                }
                if case.has_ask(Ask::Fee) {
                    return Err(illegal("手数料はすでに請求中です。", "The fee has already been requested."));
                }
            }
            if action == Action::RequestClarification && case.has_ask(Ask::Clarification) {
                return Err(illegal("確認事項はすでに問い合わせ中です。", "Details have already been asked for."));
            }
            if action == Action::RequestIdentity
                && !case.identity_targets().iter().any(|t| identity_may_be_requested(case, *t))
            {
                return Err(illegal(
                    "本人確認はすでに依頼済みか、確認済みです。",
                    "Identity has already been requested or verified.",
                ));
            }
            Ok(())
        }
        Action::SubmitDocuments => {
            if open && case.has_ask(Ask::Identity) {
                Ok(())
            } else {
                Err(illegal("現在、書類の提出はお願いしていません。", "We are not asking for documents now."))
            }
        }
        Action::RequesterReply => {
            if open {
                Ok(())
            } else {
                Err(not_open())
            }
        }
        Action::VerifyIdentity => {
            if !open {
                return Err(not_open());
            }
            if case.identity_complete() {
                return Err(illegal("本人確認はすべて済んでいます。", "Identity is already verified."));
            }
            Ok(())
        }
        Action::FailIdentity => {
            if open
                && case
                    .identity_targets()
                    .iter()
                    .any(|t| matches!(case.identity.get(*t), IdentityStatus::Requested | IdentityStatus::Submitted))
            {
                Ok(())
            } else {
                Err(illegal("確認待ちの本人確認書類がありません。", "No identity check is waiting."))
            }
        }
        Action::RecordPayment => {
            if !case.kind.fee_allowed() {
                return Err(illegal(
                    "この種別の請求には手数料がありません（個人情報保護法第38条）。",
                    "No fee applies to this kind of request (APPI Art. 38).",
                ));
            }
            if open { Ok(()) } else { Err(not_open()) }
        }
        Action::WaiveFee => {
            if case.has_ask(Ask::Fee) && case.fees.balance() > 0 {
                Ok(())
            } else {
                Err(illegal("免除できる未納の手数料がありません。", "There is no unpaid fee to waive."))
            }
        }
        Action::RemindFee => {
            if open && case.has_ask(Ask::Fee) && !case.fee_reminded {
                Ok(())
            } else {
                Err(illegal("督促できる未納の手数料がありません。", "There is no unpaid fee to remind of."))
            }
        }
        Action::PurgeDocuments => {
            if case.stored_documents > 0 {
                Ok(())
            } else {
                Err(illegal("保管中の書類がありません。", "No document is stored."))
            }
        }
        Action::RemindIdentity => {
            if open && case.has_ask(Ask::Identity) && !case.identity_reminded {
                Ok(())
            } else {
                Err(illegal("催促の対象ではありません。", "No identity reminder is due."))
            }
        }
        Action::NotifyDueSoon | Action::NotifyOverdue => {
            let running = matches!(state, State::Received | State::InProgress);
            let sent = if action == Action::NotifyDueSoon { case.due_soon_notified } else { case.overdue_notified };
            match case.due_on {
                Some(due) if running && sent != Some(due) => Ok(()),
                _ => Err(illegal("通知の対象ではありません。", "No notice is due.")),
            }
        }
        Action::RecordRefund => {
            // An overpayment, or what a closed case (withdrawn, refused …) still holds.
            let held = case.fees.paid - case.fees.refunded;
            if case.fees.credit() > 0 || (state == State::Closed && held > 0) {
                Ok(())
            } else {
                Err(illegal("返金すべき金額がありません。", "Nothing is due for refund."))
            }
        }
        Action::Extend => {
            if !open {
                return Err(not_open());
            }
            if state == State::AwaitingRequester {
                return Err(illegal(
                    "ご本人の対応待ちの間は期限が止まっています。",
                    "The clock is paused while we wait for the requester.",
                ));
            }
            Ok(())
        }
        Action::Start => {
            if state != State::Received {
                return Err(illegal("受付状態の請求だけを開始できます。", "Only a received case can be started."));
            }
            if !case.asks.is_empty() {
                return Err(illegal("ご本人への依頼が残っています。", "Asks to the requester are still open."));
            }
            if case.kind != RequestKind::Complaint && !case.identity_complete() {
                return Err(illegal(
                    "本人確認が済んでいません（個人情報保護法第37条）。",
                    "Identity is not verified yet (APPI Art. 37).",
                ));
            }
            Ok(())
        }
        Action::Close => {
            if open {
                Ok(())
            } else {
                Err(not_open())
            }
        }
        Action::Withdraw => {
            if open {
                Ok(())
            } else {
                Err(not_open())
            }
        }
        Action::Reopen => {
            if state == State::Closed && case.outcome != Some(Outcome::Withdrawn) {
                Ok(())
            } else {
                Err(illegal(
                    "完了した請求（取下げを除く）だけを再開できます。",
                    "Only a closed case that was not withdrawn can be reopened.",
                ))
            }
        }
        Action::ChangeKind => {
            if open {
                Ok(())
            } else {
                Err(not_open())
            }
        }
        Action::DiscardDocument => {
            if case.stored_documents > 0 {
                Ok(())
            } else {
                Err(illegal("保管中の書類がありません。", "No document is stored."))
            }
        }
        Action::AttachResult => {
            if state == State::InProgress && case.kind.is_disclosure() {
                Ok(())
            } else {
                Err(illegal(
                    "結果ファイルは対応中の開示請求にだけ添付できます。",
                    "Results can be attached only to disclosure cases in progress.",
                ))
            }
        }
    }
}

fn identity_may_be_requested(case: &Case, target: IdentityTarget) -> bool {
    case.identity_targets().contains(&target)
        && matches!(
            case.identity.get(target),
            IdentityStatus::NotChecked | IdentityStatus::Submitted | IdentityStatus::Failed
        )
}

fn required(field: &'static str, text: &str) -> Result<(), DomainError> {
    if text.trim().is_empty() {
        Err(invalid(field, "入力してください。", "Please fill this in."))
    } else {
        Ok(())
    }
}

fn positive_amount(amount: i64) -> Result<(), DomainError> {
    if amount <= 0 {
        Err(invalid("amount", "1円以上の金額を入力してください。", "Enter an amount of at least 1 yen."))
    } else {
        Ok(())
    }
}

/// Decides what a command does to a case: the events, or why not.
pub fn decide(case: &Case, cmd: Command, actor: &Actor, ctx: &Ctx) -> Result<Vec<Event>, DomainError> {
    let action = cmd.action();
    permitted(case, action, actor)?;

    // Events are folded into a scratch copy as they are decided, so that the
    // consequences (an ask met, a state resumed) follow from one `apply`.
    let mut next = case.clone();
    let mut events = Vec::new();
    // The requester's act ends a pause: a payment on the day it was received.
    let resumed_on = match &cmd {
        Command::RecordPayment { paid_on, .. } => Some(*paid_on),
        _ => None,
    };
    let mut push = |next: &mut Case, e: Event| {
        apply(next, &e);
        events.push(e);
    };

    match cmd {
        Command::ConfirmEmail => {
            // Repeating the confirmation changes nothing.
            if case.state == State::Unconfirmed {
                let received_on = case.submitted_on;
                push(&mut next, Event::EmailConfirmed);
                push(&mut next, Event::Received { received_on, due_on: due_at_receipt(case, received_on, ctx) });
            }
        }
        Command::Assign { assignee } => {
            if assignee == case.assignee {
                return Err(invalid("assignee", "すでにその担当者です。", "That is already the assignee."));
            }
            push(&mut next, Event::Assigned { assignee });
        }
        Command::AddNote { body } => {
            required("body", &body)?;
            push(&mut next, Event::NoteAdded);
        }
        Command::MessageRequester { body } => {
            required("body", &body)?;
            push(&mut next, Event::MessageSent);
        }
        Command::RequestIdentity { target, .. } => {
            if !case.identity_targets().contains(&target) {
                return Err(invalid(
                    "target",
                    "本人が請求している場合、代理人の確認はできません。",
                    "There is no agent on this case.",
                ));
            }
            if !identity_may_be_requested(case, target) {
                return Err(illegal(
                    "その確認はすでに依頼済みか、確認済みです。",
                    "That check is already requested or verified.",
                ));
            }
            push(&mut next, Event::IdentityRequested { target, on: ctx.today });
        }
        Command::RequestClarification { body } => {
            required("body", &body)?;
            push(&mut next, Event::ClarificationRequested);
        }
        Command::RequestFee { amount, scheduled, reason, pay_by } => {
            positive_amount(amount)?;
            if scheduled != Some(amount) && reason.trim().is_empty() {
                return Err(invalid(
                    "reason",
                    "規定と異なる金額には理由を入力してください。",
                    "Give a reason for an amount that differs from the schedule.",
                ));
            }
            if pay_by <= ctx.today {
                return Err(invalid(
                    "pay_by",
                    "支払期限は明日以降にしてください。",
                    "The payment deadline must be after today.",
                ));
            }
            push(&mut next, Event::FeeRequested { amount, pay_by });
            // Money that came with the letter meets the fee at once.
            if next.fees.balance() == 0 {
                push(&mut next, Event::AskMet { ask: Ask::Fee });
            }
        }
        Command::NotifyDueSoon | Command::NotifyOverdue => {
            let Some(due_on) = case.due_on else {
                return Err(illegal("期限がありません。", "There is no due date."));
            };
            if action == Action::NotifyOverdue && due_on >= ctx.today {
                return Err(illegal("まだ期限を過ぎていません。", "The case is not overdue."));
            }
            let e = if action == Action::NotifyDueSoon {
                Event::DueSoonNotified { due_on }
            } else {
                Event::OverdueNotified { due_on }
            };
            push(&mut next, e);
        }
        Command::RemindFee => {
            let Some(pay_by) = case.fee_pay_by else {
                return Err(illegal("支払期限がありません。", "There is no payment deadline."));
            };
            push(&mut next, Event::FeeReminderSent { pay_by });
        }
        Command::SubmitDocuments { target, document } => {
            if !matches!(
                case.identity.get(target),
                IdentityStatus::Requested | IdentityStatus::Failed | IdentityStatus::Submitted
            ) {
                return Err(invalid("target", "その書類は求めていません。", "That document was not asked for."));
            }
            push(&mut next, Event::DocumentsSubmitted { target, document });
        }
        Command::RequesterReply { body } => {
            required("body", &body)?;
            push(&mut next, Event::RequesterReplied);
            if next.has_ask(Ask::Clarification) {
                push(&mut next, Event::AskMet { ask: Ask::Clarification });
            }
        }
        Command::VerifyIdentity { target, method, doc_type } => {
            if !case.identity_targets().contains(&target) {
                return Err(invalid("target", "この請求に代理人はいません。", "There is no agent on this case."));
            }
            if case.identity.get(target) == IdentityStatus::Verified {
                return Err(illegal("その確認は済んでいます。", "That check is already verified."));
            }
            if method == IdMethod::DocumentUpload && case.stored_documents == 0 {
                return Err(invalid(
                    "method",
                    "アップロードされた書類がありません。郵送・窓口などの方法を選んでください。",
                    "No document has been uploaded: choose the method actually used.",
                ));
            }
            push(&mut next, Event::IdentityVerified { target, method, doc_type });
            if next.has_ask(Ask::Identity) && !next.identity.any_pending() {
                push(&mut next, Event::AskMet { ask: Ask::Identity });
            }
        }
        Command::FailIdentity { target, reason } => {
            if !matches!(case.identity.get(target), IdentityStatus::Requested | IdentityStatus::Submitted) {
                return Err(invalid("target", "その確認は依頼中ではありません。", "That check is not waiting."));
            }
            required("reason", &reason)?;
            push(&mut next, Event::IdentityFailed { target });
        }
        Command::RecordPayment { amount, method, paid_on, .. } => {
            positive_amount(amount)?;
            if paid_on > ctx.today {
                return Err(invalid("paid_on", "未来の日付は入力できません。", "The date cannot be in the future."));
            }
            push(&mut next, Event::PaymentRecorded { amount, method, paid_on });
            if next.has_ask(Ask::Fee) && next.fees.balance() == 0 {
                push(&mut next, Event::AskMet { ask: Ask::Fee });
            }
        }
        Command::WaiveFee { reason } => {
            required("reason", &reason)?;
            push(&mut next, Event::FeeWaived { amount: case.fees.balance() });
            push(&mut next, Event::AskMet { ask: Ask::Fee });
        }
        Command::RecordRefund { amount, reason } => {
            positive_amount(amount)?;
            let held = case.fees.paid - case.fees.refunded;
            let limit = if case.state == State::Closed { held } else { case.fees.credit() };
            if amount > limit {
                return Err(invalid(
                    "amount",
                    "返金額が返金できる金額を超えています。",
                    "The refund is larger than what can be refunded.",
                ));
            }
            required("reason", &reason)?;
            // Refunding a closed case's fee means it is no longer owed: that part is waived.
            let owed = case.fees.requested - case.fees.waived;
            let kept = held - amount;
            if owed > kept {
                push(&mut next, Event::FeeWaived { amount: owed - kept });
            }
            push(&mut next, Event::RefundRecorded { amount });
        }
        Command::Extend { new_due_on, reason } => {
            let (Some(due_on), Some(first)) = (case.due_on, case.first_due_on) else {
                return Err(illegal("期限がまだ決まっていません。", "There is no due date yet."));
            };
            if ctx.today > due_on {
                return Err(illegal(
                    "期限を過ぎた後は延長できません。",
                    "A deadline cannot be extended after it has passed.",
                ));
            }
            if new_due_on <= due_on {
                return Err(invalid(
                    "new_due_on",
                    "今の期限より後の日付を入力してください。",
                    "Choose a date after the current due date.",
                ));
            }
            if new_due_on > ctx.policy.latest_extension(first) {
                return Err(invalid(
                    "new_due_on",
                    "延長できる上限を超えています。",
                    "That is beyond the longest extension allowed.",
                ));
            }
            required("reason", &reason)?;
            push(&mut next, Event::Extended { from: due_on, to: new_due_on });
        }
        Command::Start => push(&mut next, Event::Started),
        Command::Close { outcome, reasons, explanation } => {
            let allowed = if case.kind == RequestKind::Complaint {
                matches!(outcome, Outcome::Answered | Outcome::Refused)
            } else {
                matches!(outcome, Outcome::Granted | Outcome::PartiallyGranted | Outcome::Refused | Outcome::NoData)
            };
            if !allowed {
                return Err(invalid(
                    "outcome",
                    "この種別に使えない結果です。",
                    "That outcome does not fit this kind of request.",
                ));
            }
            if case.state != State::InProgress && outcome != Outcome::Refused {
                return Err(illegal(
                    "対応開始前に選べる結果は「不対応（拒否）」だけです。",
                    "Before work starts, a case can only be closed as refused.",
                ));
            }
            if let Some(r) = reasons.iter().find(|r| !r.offered_for(case.kind)) {
                let _ = r;
                return Err(invalid(
                    "reasons",
                    "この種別に使えない理由が含まれています。",
                    "A reason does not fit this kind of request.",
                ));
            }
            // APPI Art. 36: refusing, or doing other than asked, is explained.
            if outcome.needs_reasons() {
                if reasons.is_empty() {
                    return Err(invalid(
                        "reasons",
                        "理由を一つ以上選んでください（第36条）。",
                        "Choose at least one reason (Art. 36).",
                    ));
                }
                required("explanation", &explanation)?;
                if ctx.signoff_required && matches!(actor, Actor::Staff { role: Role::Staff, .. }) {
                    return Err(DomainError::Forbidden(Msg(
                        "不対応・一部対応の決定には管理者の承認が必要です。",
                        "A refusal or partial grant needs a manager's sign-off.",
                    )));
                }
            }
            if !next.asks.is_empty() {
                let asks = next.asks.iter().copied().collect();
                push(&mut next, Event::AsksCancelled { asks });
            }
            let mut reasons = reasons;
            reasons.sort();
            reasons.dedup();
            push(&mut next, Event::Closed { outcome, reasons, closed_on: ctx.today });
        }
        Command::Withdraw { reason } => {
            required("reason", &reason)?;
            if !next.asks.is_empty() {
                let asks = next.asks.iter().copied().collect();
                push(&mut next, Event::AsksCancelled { asks });
            }
            push(&mut next, Event::Withdrawn { closed_on: ctx.today });
        }
        Command::Reopen { reason } => {
            required("reason", &reason)?;
            push(&mut next, Event::Reopened);
        }
        Command::ChangeKind { kind, reason } => {
            if kind == case.kind {
                return Err(invalid("kind", "今と同じ種別です。", "That is the present kind."));
            }
            // APPI Art. 38: a fee already asked for cannot follow the case to a kind without fees.
            if !kind.fee_allowed() && (case.has_ask(Ask::Fee) || case.fees.requested > 0 || case.fees.paid > 0) {
                return Err(illegal(
                    "手数料を請求済みのため、手数料のない種別には変更できません（第38条）。先に免除または返金してください。",
                    "A fee was requested; a kind without fees cannot carry it (Art. 38). Waive or refund it first.",
                ));
            }
            required("reason", &reason)?;
            push(&mut next, Event::KindChanged { from: case.kind, to: kind });
        }
        Command::DiscardDocument { document, target, reason } => {
            required("reason", &reason)?;
            push(&mut next, Event::DocumentDiscarded { document });
            // The person is asked again for what was destroyed.
            if let Some(target) = target.filter(|t| next.state.is_open() && identity_may_be_requested(&next, *t)) {
                push(&mut next, Event::IdentityRequested { target, on: ctx.today });
            }
        }
        Command::PurgeDocuments { documents } => {
            if documents.is_empty() {
                return Err(invalid("document", "消去する書類がありません。", "No document to purge."));
            }
            push(&mut next, Event::DocumentsPurged { documents });
        }
        Command::RemindIdentity => {
            let Some(asked_on) = case.identity_asked_on else {
                return Err(illegal("本人確認を依頼していません。", "Identity was not asked for."));
            };
            push(&mut next, Event::IdentityReminderSent { asked_on });
        }
        Command::AttachResult { document } => push(&mut next, Event::ResultAttached { document }),
    }
    clock(case, &mut next, &mut events, resumed_on, ctx);
    Ok(events)
}

/// The clock (DESIGN.md §1 "Deadlines"): it starts at receipt, or when
/// identity is verified if the policy says so; it stops while the case waits
/// for the requester with asks the policy pauses for, and runs again at the
/// requester's act, moving the due date by the days in (pause, resume]. A
/// same-day pause moves nothing.
fn clock(before: &Case, next: &mut Case, events: &mut Vec<Event>, resumed_on: Option<Date>, ctx: &Ctx) {
    let mut push = |next: &mut Case, e: Event| {
        apply(next, &e);
        events.push(e);
    };
    if next.received_on.is_some() && next.due_on.is_none() && next.state.is_open() && next.identity_complete() {
        let due_on = ctx.policy.due_on(ctx.today);
        push(next, Event::ClockStarted { on: ctx.today, due_on });
    }
    let paused = before.paused_on.is_some();
    let pause = next.state == State::AwaitingRequester && next.due_on.is_some() && ctx.policy.pauses_for(&next.asks);
    if !paused && pause {
        push(next, Event::ClockPaused { on: ctx.today });
    } else if paused && !pause {
        let Some(paused_on) = before.paused_on else { return };
        let on = resumed_on.unwrap_or(ctx.today).clamp(paused_on, ctx.today.max(paused_on));
        let due_on =
            if next.state.is_open() { next.due_on.map(|d| ctx.policy.resume(d, paused_on, on)) } else { next.due_on };
        push(next, Event::ClockResumed { on, due_on });
    }
}

/// The due date set at receipt: none yet when the clock waits for identity.
fn due_at_receipt(case: &Case, received_on: Date, ctx: &Ctx) -> Option<Date> {
    if ctx.policy.starts_on_identity() && !case.identity_complete() {
        None
    } else {
        Some(ctx.policy.due_on(received_on))
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
        | Event::ResultAttached { .. } => {}
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
        Event::Closed { outcome, closed_on, .. } => {
            case.state = State::Closed;
            case.outcome = Some(*outcome);
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

#[cfg(test)]
mod tests;
