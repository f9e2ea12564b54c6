//! The one service path of every state change, and the staff's reads.

use super::{App, AppError, Result, Settings, keys};
use crate::domain::deadline::{Policy, art39_date};
use crate::domain::{
    Action, Actor, Case, Command, Ctx, Event, Filer, IdentityTarget, Lang, Reference, RequestKind, State, Visibility,
    apply, decide, permitted,
};
use crate::mail::{self, Kind, MailView, Outgoing};
use crate::store::cases::{self as sc, CaseRow, NewEvent, NewFeeEntry};
use crate::store::{self, Tx, outbox, users};

/// One change to persist: a case as read, the events decided, and what the
/// command carried besides.
pub(crate) struct Change {
    pub row: CaseRow,
    pub before: Case,
    pub events: Vec<Event>,
    pub text: Option<(String, Visibility)>,
    pub actor: Actor,
    pub payment_ref: Option<String>,
    /// For a new web submission: the link that confirms it.
    pub confirm_url: Option<String>,
    pub is_new: bool,
}

impl Change {
    /// A change to an existing case, carrying nothing besides its events.
    pub(crate) fn update(row: CaseRow, before: Case, events: Vec<Event>, actor: Actor) -> Change {
        Change { row, before, events, text: None, actor, payment_ref: None, confirm_url: None, is_new: false }
    }
}

fn actor_parts(actor: &Actor) -> (&'static str, Option<i64>) {
    match actor {
        Actor::Requester => ("requester", None),
        Actor::Staff { id, .. } => ("staff", Some(*id)),
        Actor::System => ("system", None),
    }
}

/// Writes a change in the caller's transaction: the case row, its events,
/// the message the command carried, fee entries, and the e-mails the events
/// call for. Returns the row as written.
pub(crate) async fn persist(app: &App, tx: &mut Tx, settings: &Settings, change: Change) -> Result<CaseRow> {
    let Change { mut row, before, events, text, actor, payment_ref, confirm_url, is_new } = change;
    let now = app.now_us();
    let mut case = before;
    for e in &events {
        apply(&mut case, e);
        if let Event::Closed { reasons, .. } = e {
            row.set_reasons(reasons);
        }
        if let Event::Reopened = e {
            row.set_reasons(&[]);
        }
    }
    row.set_case(&case);
    if row.reference.is_none() && case.state != State::Unconfirmed {
        let received = case.received_on.unwrap_or(case.submitted_on);
        let n = sc::next_reference_number(tx, i64::from(received.year())).await?;
        row.reference = Some(Reference::new(received.year(), n).to_string());
    }
    row.updated_at = now;
    if is_new {
        row.created_at = now;
        row.id = sc::insert(tx, &row).await?;
        case.id = row.id;
    } else {
        sc::update(tx, &row).await?;
        row.version += 1;
    }

    let (actor_kind, actor_id) = actor_parts(&actor);
    let message_id = match &text {
        Some((body, vis)) => Some(sc::insert_message(tx, row.id, vis.code(), body, actor_id, now).await?),
        None => None,
    };
    let text_event =
        events.iter().position(|e| !matches!(e, Event::AsksCancelled { .. } | Event::AskMet { .. })).unwrap_or(0);
    let data: Vec<String> = events
        .iter()
        .map(|e| serde_json::to_string(e).map_err(|e| AppError::Internal(e.to_string())))
        .collect::<Result<_>>()?;
    let new_events: Vec<NewEvent> = events
        .iter()
        .zip(&data)
        .enumerate()
        .map(|(i, (e, d))| NewEvent {
            kind: e.code(),
            data: d.clone(),
            actor_kind,
            actor_id,
            message_id: if i == text_event { message_id } else { None },
            at: now,
        })
        .collect();
    sc::append_events(tx, row.id, &new_events).await?;

    let today = app.today().to_string();
    for e in &events {
        let (entry, amount, method, on_date) = match e {
            Event::FeeRequested { amount, .. } => ("requested", *amount, None, today.clone()),
            Event::PaymentRecorded { amount, method, paid_on } => {
                ("payment", *amount, Some(method.code()), paid_on.to_string())
            }
            Event::FeeWaived { amount } => ("waiver", *amount, None, today.clone()),
            Event::RefundRecorded { amount } => ("refund", *amount, None, today.clone()),
            _ => continue,
        };
        let payment_ref = payment_ref.as_deref().filter(|r| !r.is_empty() && entry == "payment");
        sc::insert_fee_entry(
            tx,
            &NewFeeEntry { case_id: row.id, entry, amount, method, on_date, payment_ref, actor_id, at: now },
        )
        .await?;
    }

    // Document contents follow their events in the same transaction.
    for e in &events {
        match e {
            Event::DocumentDiscarded { document } => store::documents::discard(tx, row.id, *document, now).await?,
            Event::DocumentsPurged { documents } => {
                for d in documents {
                    store::documents::purge(tx, row.id, *d, now).await?;
                }
            }
            Event::IdentityVerified { target, .. } => {
                store::documents::mark_verified(tx, row.id, target.code(), &today).await?;
            }
            _ => {}
        }
    }

    let text_body = text.as_ref().map(|(t, _)| t.as_str()).unwrap_or("");
    let mut mails = Vec::new();
    for e in &events {
        mails.extend(mails_for(app, tx, settings, &row, &case, e, text_body, &actor, confirm_url.as_deref()).await?);
    }
    for m in &mails {
        enqueue(app, tx, Some(row.id), m).await?;
    }
    Ok(row)
}

pub(crate) async fn enqueue(app: &App, tx: &mut Tx, case_id: Option<i64>, m: &Outgoing) -> Result<()> {
    let domain = app.mail_from.rsplit_once('@').map(|(_, d)| d).unwrap_or("madoguchi.localhost");
    let message_id = format!("<{}@{}>", uuid::Uuid::new_v4(), domain);
    outbox::enqueue(
        tx,
        &outbox::NewMail {
            message_id: &message_id,
            case_id,
            template: m.template,
            to_addr: &m.to,
            subject: &m.subject,
            body_text: &m.text,
            body_html: &m.html,
            at: app.now_us(),
        },
    )
    .await?;
    Ok(())
}

/// The common facts of every message about a case.
pub(crate) fn mail_view(app: &App, settings: &Settings, row: &CaseRow, lang: Lang) -> MailView {
    let kind: Option<RequestKind> = row.kind.parse().ok();
    let filer: Option<Filer> = row.filer.parse().ok();
    let is_agent = filer.is_some_and(Filer::is_agent);
    MailView {
        lang,
        org_name: settings.org_name().to_owned(),
        org_address: settings.get("org_address").to_owned(),
        window_hours: settings.get("window_hours").to_owned(),
        window_phone: settings.get("window_phone").to_owned(),
        window_email: settings.get("window_email").to_owned(),
        accredited_body: settings.get("accredited_body").to_owned(),
        name: if is_agent { row.agent_name.clone().unwrap_or_default() } else { row.subject_name.clone() },
        reference: row.reference.clone().unwrap_or_default(),
        kind: kind.map(|k| k.label(lang).to_owned()).unwrap_or_default(),
        received_on: row.received_on.clone().unwrap_or_default(),
        due_on: row.due_on.clone().unwrap_or_default(),
        status_url: row
            .reference
            .as_ref()
            .map(|r| app.url(&format!("/status/{r}?token={}", app.keys.status_token(&row.status_nonce))))
            .unwrap_or_default(),
        case_url: row.reference.as_ref().map(|r| app.url(&format!("/staff/cases/{r}"))).unwrap_or_default(),
        payment_instructions: settings.get("payment_instructions").to_owned(),
        payment_methods: settings.schedule().methods.iter().map(|pm| pm.label(lang).to_owned()).collect(),
        is_agent,
        ..MailView::default()
    }
}

fn target_label(target: IdentityTarget, lang: Lang) -> String {
    match (target, lang) {
        (IdentityTarget::Subject, Lang::Ja) => "ご本人の本人確認".into(),
        (IdentityTarget::Subject, Lang::En) => "the identity of the person".into(),
        (IdentityTarget::Agent, Lang::Ja) => "代理人ご自身の本人確認".into(),
        (IdentityTarget::Agent, Lang::En) => "the agent's own identity".into(),
        (IdentityTarget::Authority, Lang::Ja) => "代理権の確認".into(),
        (IdentityTarget::Authority, Lang::En) => "the agent's authority".into(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn mails_for(
    app: &App,
    tx: &mut Tx,
    settings: &Settings,
    row: &CaseRow,
    case: &Case,
    event: &Event,
    text: &str,
    actor: &Actor,
    confirm_url: Option<&str>,
) -> Result<Vec<Outgoing>> {
    let lang: Lang = row.lang.parse().unwrap_or_default();
    let mut m = mail_view(app, settings, row, lang);
    m.text = text.to_owned();
    let requester = row.contact_email.as_deref();
    let render = |kind: Kind, to: &str, m: &MailView| {
        mail::render(kind, to, m).map_err(|e| AppError::Internal(format!("mail template: {e}")))
    };
    let mut out = Vec::new();
    let to_requester = |kind: Kind, m: &MailView, out: &mut Vec<Outgoing>| -> Result<()> {
        if let Some(to) = requester {
            out.push(render(kind, to, m)?);
        }
        Ok(())
    };
    match event {
        Event::Submitted { .. } => {
            if let Some(url) = confirm_url {
                m.confirm_url = url.to_owned();
                to_requester(Kind::Confirm, &m, &mut out)?;
            }
        }
        Event::Received { .. } => {
            to_requester(Kind::Received, &m, &mut out)?;
            for user in users::active_with_roles(tx, &["staff", "manager", "admin"]).await? {
                let staff_view = MailView { lang: Lang::Ja, kind: kind_label(row, Lang::Ja), ..m.clone() };
                out.push(render(Kind::StaffNewCase, &user.email, &staff_view)?);
            }
        }
        Event::Assigned { assignee: Some(id) } if actor.staff_id() != Some(*id) => {
            if let Some(user) = users::by_id_in(tx, *id).await? {
                let staff_view = MailView { lang: Lang::Ja, kind: kind_label(row, Lang::Ja), ..m.clone() };
                out.push(render(Kind::StaffAssigned, &user.email, &staff_view)?);
            }
        }
        Event::IdentityRequested { target, .. } => {
            m.target = target_label(*target, lang);
            to_requester(Kind::IdentityRequested, &m, &mut out)?;
        }
        Event::IdentityVerified { target, .. } => {
            m.target = target_label(*target, lang);
            m.identity_complete = case.identity_complete();
            m.text.clear();
            to_requester(Kind::IdentityVerified, &m, &mut out)?;
        }
        Event::IdentityFailed { target } => {
            m.target = target_label(*target, lang);
            to_requester(Kind::IdentityFailed, &m, &mut out)?;
        }
        Event::FeeRequested { amount, pay_by } => {
            m.amount = *amount;
            m.balance = case.fees.balance();
            m.pay_by = pay_by.to_string();
            m.text.clear();
            to_requester(Kind::FeeRequested, &m, &mut out)?;
        }
        Event::FeeReminderSent { pay_by } => {
            m.balance = case.fees.balance();
            m.pay_by = pay_by.to_string();
            to_requester(Kind::FeeReminder, &m, &mut out)?;
        }
        Event::PaymentRecorded { amount, .. } => {
            m.amount = *amount;
            m.balance = case.fees.balance();
            m.credit = case.fees.credit();
            m.fee_requested = case.fees.requested > 0;
            to_requester(Kind::PaymentReceived, &m, &mut out)?;
        }
        Event::FeeWaived { .. } => to_requester(Kind::FeeWaived, &m, &mut out)?,
        Event::ClarificationRequested => to_requester(Kind::Clarification, &m, &mut out)?,
        Event::MessageSent => to_requester(Kind::Message, &m, &mut out)?,
        Event::DocumentsSubmitted { target, .. } => {
            let recipients = match row.assignee_id {
                Some(id) => users::by_id_in(tx, id).await?.into_iter().filter(|u| u.active).collect(),
                None => users::active_with_roles(tx, &["staff", "manager", "admin"]).await?,
            };
            let staff_view = MailView {
                lang: Lang::Ja,
                target: target.label(Lang::Ja).to_owned(),
                text: String::new(),
                ..m.clone()
            };
            for user in recipients {
                out.push(render(Kind::StaffDocuments, &user.email, &staff_view)?);
            }
        }
        Event::IdentityReminderSent { asked_on } => {
            let recipients = match row.assignee_id {
                Some(id) => users::by_id_in(tx, id).await?.into_iter().filter(|u| u.active).collect(),
                None => users::active_with_roles(tx, &["manager", "admin"]).await?,
            };
            let staff_view =
                MailView { lang: Lang::Ja, received_on: asked_on.to_string(), text: String::new(), ..m.clone() };
            for user in recipients {
                out.push(render(Kind::StaffIdentityOverdue, &user.email, &staff_view)?);
            }
        }
        Event::RequesterReplied => {
            let recipients = match row.assignee_id {
                Some(id) => users::by_id_in(tx, id).await?.into_iter().collect(),
                None => users::active_with_roles(tx, &["staff", "manager", "admin"]).await?,
            };
            for user in recipients {
                let staff_view = MailView { lang: Lang::Ja, text: String::new(), ..m.clone() };
                out.push(render(Kind::StaffReplied, &user.email, &staff_view)?);
            }
        }
        Event::DueSoonNotified { due_on } => {
            let policy = settings.policy_of(&row.policy, case.kind);
            let recipients = match row.assignee_id {
                Some(id) => users::by_id_in(tx, id).await?.into_iter().filter(|u| u.active).collect(),
                None => users::active_with_roles(tx, &["manager", "admin"]).await?,
            };
            let staff_view = MailView {
                lang: Lang::Ja,
                kind: kind_label(row, Lang::Ja),
                due_on: due_on.to_string(),
                days_left: policy.calendar.business_days_between(app.today(), *due_on),
                text: String::new(),
                ..m.clone()
            };
            for user in recipients {
                out.push(render(Kind::StaffDueSoon, &user.email, &staff_view)?);
            }
        }
        Event::OverdueNotified { due_on } => {
            let staff_view = MailView {
                lang: Lang::Ja,
                kind: kind_label(row, Lang::Ja),
                due_on: due_on.to_string(),
                text: String::new(),
                ..m.clone()
            };
            for user in users::active_with_roles(tx, &["manager", "admin"]).await? {
                out.push(render(Kind::StaffOverdue, &user.email, &staff_view)?);
            }
        }
        Event::Extended { from, to } => {
            m.due_on = from.to_string();
            m.new_due_on = to.to_string();
            to_requester(Kind::Extended, &m, &mut out)?;
        }
        Event::Closed { outcome, reasons, .. } => {
            m.outcome = Some(*outcome);
            m.outcome_label = outcome.label(lang).to_owned();
            m.set_reasons(reasons);
            m.delivery = row
                .delivery
                .as_deref()
                .and_then(|d| d.parse::<crate::domain::Delivery>().ok())
                .map(|d| d.label(lang).to_owned())
                .unwrap_or_default();
            to_requester(Kind::Decision, &m, &mut out)?;
        }
        Event::Withdrawn { .. } => {
            m.text.clear();
            to_requester(Kind::Withdrawn, &m, &mut out)?;
        }
        _ => {}
    }
    Ok(out)
}

fn kind_label(row: &CaseRow, lang: Lang) -> String {
    row.kind.parse::<RequestKind>().map(|k| k.label(lang).to_owned()).unwrap_or_default()
}

/// The decision context of today, under a case's deadline policy.
pub fn ctx<'a>(app: &App, settings: &Settings, policy: &'a Policy) -> Ctx<'a> {
    Ctx { today: app.today(), signoff_required: settings.signoff_required(), policy }
}

/// Runs one staff (or requester) command on a case: decide, then persist
/// everything in one transaction, then wake the mail sender.
pub async fn execute(app: &App, reference: &str, cmd: Command, actor: Actor) -> Result<CaseRow> {
    let settings = app.settings().await?;
    let mut tx = app.store.begin().await?;
    let row = sc::by_reference(&mut tx, reference).await?.ok_or(AppError::NotFound)?;
    if let Command::Assign { assignee: Some(id) } = &cmd {
        let user = users::by_id_in(&mut tx, *id).await?;
        if !user.is_some_and(|u| u.active) {
            return Err(AppError::field("assignee", "その担当者は選べません。", "That person cannot be assigned."));
        }
    }
    let before = row.to_case()?;
    let text = cmd.text().map(|(t, v)| (t.to_owned(), v));
    let payment_ref = match &cmd {
        Command::RecordPayment { payment_ref, .. } => Some(payment_ref.clone()),
        _ => None,
    };
    let policy = settings.policy_of(&row.policy, before.kind);
    let events = decide(&before, cmd, &actor, &ctx(app, &settings, &policy))?;
    if events.is_empty() {
        return Ok(row);
    }
    let change = Change { text, payment_ref, ..Change::update(row, before, events, actor) };
    let row = persist(app, &mut tx, &settings, change).await?;
    tx.commit().await?;
    app.mail_wake.notify_one();
    Ok(row)
}

/// What the staff case page shows.
pub struct CaseFile {
    pub row: CaseRow,
    pub case: Case,
    pub events: Vec<sc::EventRow>,
    pub fees: Vec<sc::FeeEntryRow>,
    pub mails: Vec<outbox::SentRow>,
    pub actions: Vec<Action>,
    pub staff: Vec<users::UserRow>,
    pub art39: Option<jiff::civil::Date>,
    pub scheduled_fee: Option<i64>,
    pub chain_ok: bool,
}

/// Reads a case for a staff member, and writes that they looked (access_log).
pub async fn case_file(app: &App, reference: &str, actor: &Actor) -> Result<CaseFile> {
    let row = sc::read_by_reference(&app.store, reference).await?.ok_or(AppError::NotFound)?;
    let case = row.to_case()?;
    if let Some(user_id) = actor.staff_id() {
        let mut tx = app.store.begin().await?;
        store::log_access(&mut tx, user_id, Some(row.id), "case", app.now_us()).await?;
        tx.commit().await?;
    }
    let events = sc::events(&app.store, row.id).await?;
    let chain_ok = verify_chain(row.id, &events);
    let fees = sc::fee_entries(&app.store, row.id).await?;
    let mails = outbox::for_case(&app.store, row.id).await?;
    let actions = Action::ALL
        .iter()
        .copied()
        .filter(|a| !matches!(a, Action::ConfirmEmail | Action::SubmitDocuments | Action::RequesterReply))
        .filter(|a| permitted(&case, *a, actor).is_ok())
        .collect();
    let staff = users::all(&app.store).await?.into_iter().filter(|u| u.active).collect();
    let settings = app.settings().await?;
    let delivery = row.delivery.as_deref().and_then(|d| d.parse().ok());
    Ok(CaseFile {
        art39: case.received_on.map(art39_date),
        scheduled_fee: settings.fee_for(case.kind, delivery),
        row,
        case,
        events,
        fees,
        mails,
        actions,
        staff,
        chain_ok,
    })
}

/// Recomputes a case's hash chain (the audit trail has not been edited).
pub fn verify_chain(case_id: i64, events: &[sc::EventRow]) -> bool {
    let mut prev = String::new();
    for e in events {
        let ne = NewEvent {
            kind: &e.kind,
            data: e.data.clone(),
            actor_kind: &e.actor_kind,
            actor_id: e.actor_id,
            message_id: e.message_id,
            at: e.at,
        };
        if e.prev_hash != prev || sc::chain_hash(&prev, case_id, e.seq, &ne) != e.hash {
            return false;
        }
        prev = e.hash.clone();
    }
    true
}

/// The status secret stored for a case: the hash of its status token.
pub(crate) fn status_hash(app: &App, nonce: &str) -> String {
    keys::hash_token(&app.keys.status_token(nonce))
}

/// Checks every case's chain; returns the references (or ids) of broken ones.
pub async fn verify_all(store: &crate::store::Store) -> Result<Vec<String>> {
    let mut broken = Vec::new();
    for (id, reference) in sc::all_ids(store).await? {
        let events = sc::events(store, id).await?;
        if !verify_chain(id, &events) {
            broken.push(reference.unwrap_or_else(|| format!("#{id}")));
        }
    }
    Ok(broken)
}

/// A payment's receipt (領収書): the case and the ledger entry.
pub struct Receipt {
    pub row: CaseRow,
    pub entry: sc::FeeEntryRow,
    pub settings: Settings,
}

/// Reads the receipt of payment `entry_id` on a case the caller may see.
pub async fn receipt(app: &App, row: CaseRow, entry_id: i64, actor: &Actor) -> Result<Receipt> {
    let entry = sc::fee_entry(&app.store, row.id, entry_id)
        .await?
        .filter(|e| e.entry == "payment")
        .ok_or(AppError::NotFound)?;
    if let Some(user_id) = actor.staff_id() {
        let mut tx = app.store.begin().await?;
        store::log_access(&mut tx, user_id, Some(row.id), "receipt", app.now_us()).await?;
        tx.commit().await?;
    }
    Ok(Receipt { row, entry, settings: app.settings().await? })
}
