//! What the application hands to the web, the mail and the jobs: typed
//! records, mapped from the stored rows at the store's edge. A corrupt code
//! in a row is an error there, never a silent default here.

use jiff::civil::Date;

use crate::domain::deadline::Profile;
use crate::domain::{
    ActorKind, Case, Channel, Delivery, DocPurpose, DocType, Event, FeeEntryKind, IdentityTarget, Lang, PaymentMethod,
    Reference, Role, Visibility,
};

/// A case: the facts the rules look at, and the person it is about.
#[derive(Debug, Clone)]
pub struct CaseRecord {
    pub case: Case,
    pub reference: Option<Reference>,
    pub channel: Channel,
    /// The delivery the person asked for (`case.delivery` is the one used).
    pub delivery_requested: Option<Delivery>,
    /// The earlier case of the same person and kind this one repeats
    /// (`repeat_window_days`): a flag for staff, never a refusal by itself.
    pub repeat_of: Option<Reference>,
    pub lang: Lang,
    /// The deadline profile the case was received under.
    pub profile: Profile,
    pub person: Person,
    pub confirm_token_hash: Option<String>,
    pub status_nonce: String,
    pub status_token_hash: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
}

impl CaseRecord {
    pub fn id(&self) -> i64 {
        self.case.id
    }

    /// The reference as text ("" before the case is received).
    pub fn reference_str(&self) -> &str {
        self.reference.as_ref().map(Reference::as_str).unwrap_or("")
    }

    /// Whom letters and e-mails are addressed to: the agent when one files.
    pub fn addressee(&self) -> &str {
        if self.case.filer.is_agent() {
            self.person.agent_name.as_deref().unwrap_or("")
        } else {
            &self.person.subject_name
        }
    }
}

/// The person a request is about, and who filed it, as they wrote it.
#[derive(Debug, Clone, Default)]
pub struct Person {
    pub subject_name: String,
    pub subject_name_kana: Option<String>,
    pub subject_birth_date: Option<Date>,
    pub subject_postal_code: Option<String>,
    pub subject_address: Option<String>,
    pub subject_phone: Option<String>,
    pub contact_email: Option<String>,
    pub agent_name: Option<String>,
    pub agent_relationship: Option<String>,
    pub details: String,
}

/// One event of a case's timeline, with the message stored beside it.
#[derive(Debug, Clone)]
pub struct TimelineEvent {
    pub seq: i64,
    pub event: Event,
    pub actor_kind: ActorKind,
    pub actor_name: Option<String>,
    pub message: Option<(Visibility, String)>,
    pub at: i64,
}

/// Who did something, as the audit trail and the API write it:
/// `requester`, `system` or `staff:<name>`.
pub fn actor_label(kind: &str, name: Option<&str>) -> String {
    match (kind, name) {
        ("staff", Some(n)) => format!("staff:{n}"),
        (k, _) => k.to_owned(),
    }
}

/// A message to or from the requester.
#[derive(Debug, Clone)]
pub struct Message {
    pub id: i64,
    pub visibility: Visibility,
    pub body: String,
    pub at: i64,
}

/// A line of the fee ledger.
#[derive(Debug, Clone)]
pub struct FeeEntry {
    pub id: i64,
    pub entry: FeeEntryKind,
    pub amount: i64,
    pub method: Option<PaymentMethod>,
    pub on_date: Date,
    pub payment_ref: Option<String>,
}

/// A stored file's record, without its content.
#[derive(Debug, Clone)]
pub struct Document {
    pub id: i64,
    pub case_id: i64,
    pub purpose: DocPurpose,
    pub target: Option<IdentityTarget>,
    pub doc_type: Option<DocType>,
    pub mime: String,
    pub size: i64,
    pub uploaded_at: i64,
    pub discarded_at: Option<i64>,
    pub purged_at: Option<i64>,
    pub stored: bool,
    /// For a result file: what the requester sees it as, the name it was sent
    /// with, who attached it, and when it was taken back before closing.
    pub label: Option<String>,
    pub file_name: Option<String>,
    pub actor_id: Option<i64>,
    pub removed_at: Option<i64>,
}

/// A notice the desk issued, with its body as rendered when it was issued.
#[derive(Debug, Clone)]
pub struct Notice {
    pub id: i64,
    pub case_id: i64,
    pub kind: crate::domain::NoticeKind,
    pub lang: Lang,
    pub issued_on: Date,
    /// The letter as rendered then (HTML, escaped when it was rendered).
    pub body: String,
    /// Whether it goes by post (no e-mail, or postal delivery chosen).
    pub by_post: bool,
    pub posted_on: Option<Date>,
    pub tracking_number: Option<String>,
}

impl Notice {
    /// A letter still waiting to be posted.
    pub fn awaits_posting(&self) -> bool {
        self.by_post && self.posted_on.is_none()
    }
}

/// A staff account (never its password hash).
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    /// Sessions that started before this time (µs) are signed out.
    pub sessions_after: i64,
    /// A second factor (TOTP) is on.
    pub totp_on: bool,
    /// The account an API token acts through, not a person's.
    pub api: bool,
}

/// A row of the staff queue.
#[derive(Debug, Clone)]
pub struct QueueEntry {
    pub id: i64,
    pub reference: Option<Reference>,
    pub kind: crate::domain::RequestKind,
    pub state: crate::domain::State,
    pub asks: Vec<crate::domain::Ask>,
    pub subject_name: String,
    pub due_on: Option<Date>,
    pub received_on: Option<Date>,
    pub assignee_name: Option<String>,
    /// The earlier case this one repeats.
    pub repeat_of: Option<Reference>,
    /// A notice of this case waits to be posted.
    pub letter_waiting: bool,
    /// The clock is paused (never for a profile that does not pause).
    pub paused: bool,
}

/// One case as the exports see it: codes, dates and sums, no names or
/// contact data. Both backends produce it; both CSVs are written from it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRow {
    pub reference: Option<Reference>,
    pub kind: crate::domain::RequestKind,
    pub channel: crate::domain::Channel,
    pub filer: crate::domain::Filer,
    pub state: crate::domain::State,
    pub received_on: Option<Date>,
    pub due_on: Option<Date>,
    pub closed_on: Option<Date>,
    pub outcome: Option<crate::domain::Outcome>,
    pub reasons: Vec<crate::domain::Reason>,
    pub fees: crate::domain::FeeLedger,
}
