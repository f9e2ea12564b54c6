//! The one service path of every state change (`execute`, `perform`), and
//! the staff's reads of a case.

use jiff::ToSpan;

use super::persist::{Change, persist};
use super::records::{Account, CaseRecord, Document, FeeEntry, Notice, TimelineEvent};
use super::store::cases as sc;
use super::store::{self, documents as sd, notices as sn, outbox, users};
use super::{App, AppError, Result, Settings, keys};
use crate::domain::action_form::{ActionForm, Facts, check_lengths, command};
use crate::domain::deadline::{Art39, DeadlinePolicy, Policy, art39};
use crate::domain::{
    Action, Actor, Command, Ctx, DocPurpose, FeeEntryKind, Reference, decide, is_system_only, permitted,
};

pub use super::store::outbox::SentRow as SentMail;

/// The decision context of today, under a case's deadline policy.
pub(crate) fn ctx<'a>(app: &App, settings: &Settings, policy: &'a Policy) -> Ctx<'a> {
    Ctx { today: app.today(), signoff_required: settings.signoff_required(), policy }
}

/// Runs one command on a case: decide, then persist everything in one
/// transaction, then wake the mail sender.
pub async fn execute(app: &App, reference: &Reference, cmd: Command, actor: Actor) -> Result<CaseRecord> {
    let settings = app.settings().await?;
    run(app, &settings, reference, actor, Extra::default(), |_| Ok(cmd)).await
}

/// What a form carries beside its command that is stored elsewhere.
#[derive(Default)]
struct Extra {
    tracking_number: Option<String>,
    quiet_assign: bool,
}

/// Assigns one of many cases assigned at once: its own transaction and
/// event, but no message of its own (the caller sends one for them all).
pub(crate) async fn assign_one_of_many(
    app: &App,
    settings: &Settings,
    reference: &Reference,
    assignee: Option<i64>,
    actor: Actor,
) -> Result<CaseRecord> {
    let extra = Extra { quiet_assign: true, ..Extra::default() };
    run(app, settings, reference, actor, extra, |_| Ok(Command::Assign { assignee })).await
}

/// A staff member's action from its form: the case's facts (its due date,
/// its scheduled fee, the document named) are read in the same transaction
/// as the change, so they cannot go stale between reading and deciding.
pub async fn perform(
    app: &App,
    reference: &Reference,
    action: Action,
    form: &ActionForm,
    actor: Actor,
) -> Result<CaseRecord> {
    let settings = app.settings().await?;
    let tracking = form.tracking_number.trim();
    let extra = Extra { tracking_number: (!tracking.is_empty()).then(|| tracking.to_owned()), ..Extra::default() };
    run(app, &settings, reference, actor, extra, |rec| {
        // The document is checked against the case in the transaction (`run`).
        let facts = Facts {
            document: form.document_id().map(|id| (id, None)),
            due_on: rec.case.due_on,
            scheduled: settings.fee_for(rec.case.kind, rec.case.delivery),
            pay_by: app.today().saturating_add(settings.fee_pay_days().days()),
        };
        check_lengths(form).and_then(|()| command(action, form, &facts)).map_err(|e| AppError::Invalid(vec![e]))
    })
    .await
}

async fn run(
    app: &App,
    settings: &Settings,
    reference: &Reference,
    actor: Actor,
    extra: Extra,
    make: impl FnOnce(&CaseRecord) -> Result<Command>,
) -> Result<CaseRecord> {
    let mut tx = app.store.begin().await?;
    // A person's action waits for one under way on the same case and is
    // decided on what it left (two notes at once both land). The
    // application's own jobs keep the version check: one instance's
    // reminder or purge that lost the race is skipped, not sent twice.
    let rec = if matches!(actor, Actor::System) {
        sc::by_reference(&mut tx, reference).await?
    } else {
        sc::by_reference_for_update(&mut tx, reference).await?
    };
    let rec = rec.ok_or(AppError::NotFound)?;
    let cmd = make(&rec)?;
    let cmd = match cmd {
        // The document must be this case's, and still stored.
        Command::DiscardDocument { document, reason, .. } => {
            let doc = sd::get_in(&mut tx, rec.id(), document).await?.filter(|d| d.stored);
            let Some(doc) = doc else {
                return Err(AppError::field("document", "choose-a-document"));
            };
            Command::DiscardDocument { document: doc.id, target: doc.target, reason }
        }
        // A result file taken back must be one of this case's, still stored.
        Command::RemoveResult { document } => {
            let doc = sd::get_in(&mut tx, rec.id(), document).await?;
            if !doc.is_some_and(|d| d.stored && d.purpose == DocPurpose::Result) {
                return Err(AppError::field("document", "choose-a-document"));
            }
            cmd
        }
        // A notice marked posted must be one of this case's letters not yet posted.
        Command::MarkPosted { notice, .. } => {
            if !sn::get_in(&mut tx, rec.id(), notice).await?.is_some_and(|n| n.awaits_posting()) {
                return Err(AppError::field("notice", "choose-a-notice"));
            }
            cmd
        }
        Command::Assign { assignee: Some(id) } => {
            if !users::by_id_in(&mut tx, id).await?.is_some_and(|u| u.active) {
                return Err(AppError::field("assignee", "that-person-cannot-be-assigned"));
            }
            cmd
        }
        cmd => cmd,
    };
    // Granting says every system was searched: not while a task is open.
    super::tasks::check_close(&mut tx, rec.id(), &cmd).await?;
    let before = rec.case.clone();
    let text = cmd.text().map(|(t, v)| (t.to_owned(), v));
    let payment_ref = match &cmd {
        Command::RecordPayment { payment_ref, .. } => Some(payment_ref.clone()),
        _ => None,
    };
    let answer = match &cmd {
        Command::Close { answer, .. } => answer.clone(),
        _ => String::new(),
    };
    let policy = settings.policy(rec.profile);
    let events = decide(&before, cmd, &actor, &ctx(app, settings, &policy))?;
    if events.is_empty() {
        return Ok(rec);
    }
    let change = Change {
        text,
        payment_ref,
        answer,
        tracking_number: extra.tracking_number,
        quiet_assign: extra.quiet_assign,
        ..Change::new(rec, before, events, actor)
    };
    let rec = persist(app, &mut tx, settings, change).await?;
    tx.commit().await?;
    app.wake_workers();
    Ok(rec)
}

/// What the staff case page shows.
pub struct CaseFile {
    pub rec: CaseRecord,
    pub notices: Vec<Notice>,
    pub timeline: Vec<TimelineEvent>,
    pub chain_ok: bool,
    pub fees: Vec<FeeEntry>,
    pub mails: Vec<SentMail>,
    pub documents: Vec<Document>,
    /// The actions the domain would accept from this actor now.
    pub actions: Vec<Action>,
    /// Active staff, for the assignee choice and the names on the timeline.
    pub staff: Vec<Account>,
    pub art39: Option<Art39>,
    pub scheduled_fee: Option<i64>,
    pub policy: Policy,
    pub settings: Settings,
    /// The inventory's searches for this case (issue 19).
    pub tasks: Vec<super::tasks::Task>,
    /// Every system's name by id, for the timeline (retired ones too).
    pub system_names: Vec<(i64, String)>,
    /// A provision-record request: the records of the person it is about.
    pub provisions: Vec<super::provisions::ProvisionRecord>,
}

/// Reads a case for a staff member, and writes that they looked (access_log).
pub async fn case_file(app: &App, reference: &Reference, actor: &Actor) -> Result<CaseFile> {
    let rec = sc::read_by_reference(&app.store, reference).await?.ok_or(AppError::NotFound)?;
    if let Some(user_id) = actor.staff_id() {
        log_access(app, user_id, Some(rec.id()), "case").await?;
    }
    let (timeline, chain_ok) = sc::timeline(&app.store, rec.id()).await?;
    let fees = sc::fee_entries(&app.store, rec.id()).await?;
    let mails = outbox::for_case(&app.store, rec.id()).await?;
    let documents = sd::for_case(&app.store, rec.id()).await?;
    let notices = sn::for_case(&app.store, rec.id()).await?;
    let settings = app.settings().await?;
    let policy = settings.policy(rec.profile);
    let actions = Action::ALL
        .iter()
        .copied()
        .filter(|a| !is_system_only(*a))
        .filter(|a| !matches!(a, Action::ConfirmEmail | Action::SubmitDocuments | Action::RequesterReply))
        .filter(|a| permitted(&rec.case, *a, actor).is_ok())
        .filter(|a| *a != Action::RequestFee || policy.charges_fees())
        .collect();
    let staff = users::all(&app.store).await?.into_iter().filter(|u| u.active).collect();
    let tasks = super::tasks::for_case(app, rec.id()).await?;
    let system_names = super::store::inventory::system_names(&app.store).await?;
    let provisions = if rec.case.kind == crate::domain::RequestKind::ProvisionRecord {
        super::provisions::for_case(app, &rec).await?
    } else {
        Vec::new()
    };
    Ok(CaseFile {
        tasks,
        system_names,
        provisions,
        art39: rec.case.received_on.and_then(|r| art39(rec.case.kind, r)),
        scheduled_fee: settings.fee_for(rec.case.kind, rec.case.delivery),
        timeline,
        chain_ok,
        fees,
        mails,
        documents,
        notices,
        actions,
        staff,
        policy,
        settings,
        rec,
    })
}

/// Writes one staff view to the access log, in a transaction of its own.
pub(crate) async fn log_access(app: &App, user_id: i64, case_id: Option<i64>, what: &str) -> Result<()> {
    let row = store::access::NewAccess {
        user_id,
        case_id,
        what: what.to_owned(),
        at: app.now_us(),
        addr: super::access::origin(),
    };
    app.access.record(row).await
}

/// The status secret stored for a case: the hash of its status token.
pub(crate) fn status_hash(app: &App, nonce: &str) -> String {
    keys::hash_token(&app.keys.status_token(nonce))
}

/// A payment's receipt (領収書): the case and the ledger entry.
pub struct Receipt {
    pub rec: CaseRecord,
    pub entry: FeeEntry,
    pub settings: Settings,
}

/// Reads the receipt of payment `entry_id` on a case the caller may see.
pub async fn receipt(app: &App, rec: CaseRecord, entry_id: i64, actor: &Actor) -> Result<Receipt> {
    let entry = sc::fee_entry(&app.store, rec.id(), entry_id)
        .await?
        .filter(|e| e.entry == FeeEntryKind::Payment)
        .ok_or(AppError::NotFound)?;
    if let Some(user_id) = actor.staff_id() {
        log_access(app, user_id, Some(rec.id()), "receipt").await?;
    }
    Ok(Receipt { rec, entry, settings: app.settings().await? })
}

/// A staff member's receipt of a payment on a case.
pub async fn staff_receipt(app: &App, reference: &Reference, entry_id: i64, actor: &Actor) -> Result<Receipt> {
    let rec = sc::read_by_reference(&app.store, reference).await?.ok_or(AppError::NotFound)?;
    receipt(app, rec, entry_id, actor).await
}

/// The documents of a case that are identity documents (not results).
pub(crate) fn identity_documents(docs: Vec<Document>) -> Vec<Document> {
    docs.into_iter().filter(|d| d.purpose == DocPurpose::Identity).collect()
}
