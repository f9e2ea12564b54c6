//! What can be asked of a case: who asks (`Actor`), the commands, their
//! HTTP action names, and the free text a command carries beside its events.

use jiff::civil::Date;

use crate::domain::codes::*;

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
        /// What the answer itself says: the purposes told (Art. 32(2)), what
        /// was corrected (Art. 34(3)), what is disclosed by post (Art. 33(1)).
        answer: String,
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
    /// A result file is taken back before closing; its content is destroyed.
    RemoveResult {
        document: i64,
    },
    /// Art. 33(1): the method the person chose is impracticable; this one is used.
    ChangeDelivery {
        delivery: Delivery,
        reason: String,
    },
    /// A notice went by post (the notice is checked to be this case's, unposted).
    MarkPosted {
        notice: i64,
        posted_on: Date,
    },
    /// The requester downloads a result file.
    DownloadResult {
        document: i64,
    },
    /// Retention: the contents of these result files are destroyed (a job does this).
    PurgeResults {
        documents: Vec<i64>,
    },
    /// The status link stops working (it leaked, or was forwarded); the
    /// requester can have a new one sent to their address.
    RevokeStatusLink,
    /// Retention: a closed case past `case_retention_years` loses the
    /// person's details and the texts; the coded record stays (a job does this).
    Anonymise,
}

codes! {
    /// The HTTP action names of DESIGN.md §4, one per command.
    Action "action" {
        ConfirmEmail = "confirm";
        Assign = "assign";
        Note = "note";
        Message = "message";
        RequestIdentity = "request-identity";
        RequestClarification = "request-clarification";
        RequestFee = "request-fee";
        RemindFee = "remind-fee";
        NotifyDueSoon = "notify-due-soon";
        NotifyOverdue = "notify-overdue";
        SubmitDocuments = "submit-documents";
        RequesterReply = "reply";
        VerifyIdentity = "verify-identity";
        FailIdentity = "fail-identity";
        RecordPayment = "record-payment";
        WaiveFee = "waive-fee";
        RecordRefund = "record-refund";
        Extend = "extend";
        Start = "start";
        Close = "close";
        Withdraw = "withdraw";
        Reopen = "reopen";
        ChangeKind = "change-kind";
        DiscardDocument = "discard-document";
        PurgeDocuments = "purge-documents";
        RemindIdentity = "remind-identity";
        AttachResult = "attach-result";
        RemoveResult = "remove-result";
        ChangeDelivery = "change-delivery";
        MarkPosted = "mark-posted";
        DownloadResult = "download-result";
        PurgeResults = "purge-results";
        RevokeStatusLink = "revoke-status-link";
        Anonymise = "anonymise";
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
            Command::RemoveResult { .. } => Action::RemoveResult,
            Command::ChangeDelivery { .. } => Action::ChangeDelivery,
            Command::MarkPosted { .. } => Action::MarkPosted,
            Command::DownloadResult { .. } => Action::DownloadResult,
            Command::PurgeResults { .. } => Action::PurgeResults,
            Command::RevokeStatusLink => Action::RevokeStatusLink,
            Command::Anonymise => Action::Anonymise,
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
            // Art. 36: why another method is used is told to the person.
            Command::ChangeDelivery { reason, .. } => (reason, Visibility::ToRequester),
            // The requester is told why their document was destroyed and what to send instead.
            Command::DiscardDocument { reason, .. } => (reason, Visibility::ToRequester),
            _ => return None,
        };
        (!text.trim().is_empty()).then_some((text.as_str(), vis))
    }
}

codes! {
    /// Who may read a message stored beside an event.
    Visibility "visibility" {
        Internal = "internal";
        ToRequester = "to_requester";
        FromRequester = "from_requester";
    }
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
            | Action::PurgeResults
            | Action::Anonymise
    )
}

pub(super) fn min_role(action: Action) -> Option<Role> {
    match action {
        // Only the application itself sends reminders; no staff role suffices.
        Action::RemindFee
        | Action::NotifyDueSoon
        | Action::NotifyOverdue
        | Action::PurgeDocuments
        | Action::RemindIdentity
        | Action::PurgeResults
        | Action::Anonymise => Some(Role::Admin),
        Action::ConfirmEmail | Action::SubmitDocuments | Action::RequesterReply | Action::DownloadResult => None,
        Action::WaiveFee | Action::RecordRefund | Action::Reopen => Some(Role::Manager),
        _ => Some(Role::Staff),
    }
}
