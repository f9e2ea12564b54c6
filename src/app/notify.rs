//! Who hears about what (DESIGN.md §6): `notices` is the table, a pure
//! function of the event and the case; `enqueue_for` resolves its recipients
//! once (active accounts only), renders each message and writes it to the
//! outbox in the transaction of the change.

use super::records::{Account, CaseRecord};
use super::store::Tx;
use super::store::{outbox, users};
use super::{App, AppError, Result, Settings};
use crate::domain::{Actor, Case, Delivery, Event, IdentityTarget, Lang, Role};
use crate::mail::{self, Kind, MailView, Outgoing};

const ALL_STAFF: &[Role] = &[Role::Staff, Role::Manager, Role::Admin];
const MANAGERS: &[Role] = &[Role::Manager, Role::Admin];

/// Whom a notice goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// The requester's contact address (none for letters by post).
    Requester,
    /// One staff member.
    User(i64),
    /// The case's assignee, or, while nobody (active) is assigned, everyone with these roles.
    AssigneeOr(&'static [Role]),
    /// Everyone with these roles.
    Roles(&'static [Role]),
    /// A system's owner; while that account is disabled, the case's
    /// assignee or else everyone with these roles (a search never goes unasked).
    OwnerOr(i64, &'static [Role]),
}

/// The messages an event calls for. `actor` is who caused it: nobody is
/// told of an assignment they made to themselves.
pub fn notices(event: &Event, case: &Case, actor: &Actor) -> Vec<(Kind, Recipient)> {
    use Recipient::*;
    match event {
        Event::Submitted { channel: crate::domain::Channel::Web } => vec![(Kind::Confirm, Requester)],
        Event::Received { .. } => vec![(Kind::Received, Requester), (Kind::StaffNewCase, Roles(ALL_STAFF))],
        Event::Assigned { assignee: Some(id) } if actor.staff_id() != Some(*id) => {
            vec![(Kind::StaffAssigned, User(*id))]
        }
        Event::IdentityRequested { .. } => vec![(Kind::IdentityRequested, Requester)],
        Event::IdentityVerified { .. } => vec![(Kind::IdentityVerified, Requester)],
        Event::IdentityFailed { .. } => vec![(Kind::IdentityFailed, Requester)],
        Event::FeeRequested { .. } => vec![(Kind::FeeRequested, Requester)],
        Event::FeeReminderSent { .. } => vec![(Kind::FeeReminder, Requester)],
        Event::PaymentRecorded { .. } => vec![(Kind::PaymentReceived, Requester)],
        Event::FeeWaived { .. } => vec![(Kind::FeeWaived, Requester)],
        Event::ClarificationRequested => vec![(Kind::Clarification, Requester)],
        Event::MessageSent => vec![(Kind::Message, Requester)],
        Event::DocumentsSubmitted { .. } => vec![(Kind::StaffDocuments, AssigneeOr(ALL_STAFF))],
        Event::IdentityReminderSent { .. } => vec![(Kind::StaffIdentityOverdue, AssigneeOr(MANAGERS))],
        Event::RequesterReplied => vec![(Kind::StaffReplied, AssigneeOr(ALL_STAFF))],
        Event::DueSoonNotified { .. } => vec![(Kind::StaffDueSoon, AssigneeOr(MANAGERS))],
        Event::OverdueNotified { .. } => vec![(Kind::StaffOverdue, Roles(MANAGERS))],
        Event::Extended { .. } => vec![(Kind::Extended, Requester)],
        // Results to download are announced beside the decision (electronic delivery).
        Event::Closed { outcome, .. }
            if outcome.is_granting() && case.results > 0 && case.delivery != Some(Delivery::Postal) =>
        {
            vec![(Kind::Decision, Requester), (Kind::ResultsReady, Requester)]
        }
        Event::Closed { .. } => vec![(Kind::Decision, Requester)],
        Event::Withdrawn { .. } => vec![(Kind::Withdrawn, Requester)],
        // A system without an owner: the case's assignee, or the managers, search it.
        Event::TaskOpened { owner: Some(id), .. } if actor.staff_id() != Some(*id) => {
            vec![(Kind::StaffTaskOpened, OwnerOr(*id, MANAGERS))]
        }
        Event::TaskOpened { owner: None, .. } => vec![(Kind::StaffTaskOpened, AssigneeOr(MANAGERS))],
        Event::TaskOverdueNotified { owner: Some(id), .. } => vec![(Kind::StaffTaskOverdue, OwnerOr(*id, MANAGERS))],
        Event::TaskOverdueNotified { owner: None, .. } => vec![(Kind::StaffTaskOverdue, AssigneeOr(MANAGERS))],
        _ => Vec::new(),
    }
}

/// The addresses of a staff recipient among the active accounts.
fn staff_addresses<'a>(to: Recipient, case: &Case, active: &'a [Account]) -> Vec<&'a str> {
    let with_roles =
        |roles: &[Role]| active.iter().filter(|u| roles.contains(&u.role)).map(|u| u.email.as_str()).collect();
    let user = |id: i64| active.iter().find(|u| u.id == id).map(|u| u.email.as_str());
    match to {
        Recipient::Requester => Vec::new(),
        Recipient::User(id) => user(id).into_iter().collect(),
        Recipient::AssigneeOr(roles) => match case.assignee.and_then(user) {
            Some(email) => vec![email],
            None => with_roles(roles),
        },
        Recipient::Roles(roles) => with_roles(roles),
        Recipient::OwnerOr(id, roles) => match user(id) {
            Some(email) => vec![email],
            None => staff_addresses(Recipient::AssigneeOr(roles), case, active),
        },
    }
}

/// The common facts of every message about a case.
/// The organisation's facts that every message's footer shows.
pub(crate) fn org_view(settings: &Settings, lang: Lang) -> MailView {
    MailView {
        lang,
        org_name: settings.org_name().to_owned(),
        org_address: settings.get("org_address").to_owned(),
        window_hours: settings.get("window_hours").to_owned(),
        window_phone: settings.get("window_phone").to_owned(),
        window_email: settings.get("window_email").to_owned(),
        accredited_body: settings.get("accredited_body").to_owned(),
        ..MailView::default()
    }
}

pub(crate) fn mail_view(app: &App, settings: &Settings, rec: &CaseRecord, lang: Lang) -> MailView {
    let reference = rec.reference_str();
    MailView {
        name: rec.addressee().to_owned(),
        reference: reference.to_owned(),
        kind: rec.case.kind.label(lang).to_owned(),
        received_on: rec.case.received_on.map(|d| d.to_string()).unwrap_or_default(),
        due_on: rec.case.due_on.map(|d| d.to_string()).unwrap_or_default(),
        status_url: super::requests::status_url(app, rec).unwrap_or_default(),
        case_url: if reference.is_empty() { String::new() } else { app.url(&format!("/staff/cases/{reference}")) },
        payment_instructions: settings.get("payment_instructions").to_owned(),
        payment_methods: settings.schedule().methods.iter().map(|pm| pm.label(lang).to_owned()).collect(),
        is_agent: rec.case.filer.is_agent(),
        ..org_view(settings, lang)
    }
}

fn target_label(target: IdentityTarget, lang: Lang) -> String {
    let id = match target {
        IdentityTarget::Subject => "the-identity-of-the-person",
        IdentityTarget::Agent => "the-agents-own-identity",
        IdentityTarget::Authority => "the-agents-authority",
    };
    lang.t(id).to_owned()
}

/// What a message about `event` shows besides the common facts.
fn fill(app: &App, settings: &Settings, rec: &CaseRecord, event: &Event, m: &mut MailView, systems: &[(i64, String)]) {
    let case = &rec.case;
    let lang = m.lang;
    match event {
        Event::IdentityRequested { target, .. } | Event::IdentityFailed { target } => {
            m.target = target_label(*target, lang)
        }
        Event::IdentityVerified { target, .. } => {
            m.target = target_label(*target, lang);
            m.identity_complete = case.identity_complete();
            m.text.clear();
        }
        Event::FeeRequested { amount, pay_by } => {
            m.amount = *amount;
            m.balance = case.fees.balance();
            m.pay_by = pay_by.to_string();
            m.text.clear();
        }
        Event::FeeReminderSent { pay_by } => {
            m.balance = case.fees.balance();
            m.pay_by = pay_by.to_string();
        }
        Event::PaymentRecorded { amount, .. } => {
            m.amount = *amount;
            m.balance = case.fees.balance();
            m.credit = case.fees.credit();
            m.fee_requested = case.fees.requested > 0;
        }
        Event::DocumentsSubmitted { target, .. } => m.target = target.label(lang).to_owned(),
        Event::IdentityReminderSent { asked_on } => m.received_on = asked_on.to_string(),
        Event::DueSoonNotified { due_on } => {
            let calendar = settings.policy(rec.profile).calendar;
            m.due_on = due_on.to_string();
            m.days_left = calendar.business_days_between(app.today(), *due_on);
        }
        Event::OverdueNotified { due_on } => m.due_on = due_on.to_string(),
        Event::Extended { from, to } => {
            m.due_on = from.to_string();
            m.new_due_on = to.to_string();
        }
        Event::Closed { outcome, reasons, closed_on } => {
            m.outcome = Some(*outcome);
            m.outcome_label = outcome.label(lang).to_owned();
            m.provision_records = case.kind == crate::domain::RequestKind::ProvisionRecord;
            m.set_reasons(reasons);
            m.delivery = rec.case.delivery.map(|d| d.label(lang).to_owned()).unwrap_or_default();
            m.new_due_on = settings.results_until(*closed_on).to_string();
        }
        Event::Withdrawn { .. } => m.text.clear(),
        Event::TaskOpened { system, due_on, .. } => {
            m.target = systems.iter().find(|(id, _)| id == system).map(|(_, n)| n.clone()).unwrap_or_default();
            m.new_due_on = due_on.map(|d| d.to_string()).unwrap_or_default();
        }
        Event::TaskOverdueNotified { system, due_on, .. } => {
            m.target = systems.iter().find(|(id, _)| id == system).map(|(_, n)| n.clone()).unwrap_or_default();
            m.new_due_on = due_on.to_string();
        }
        _ => {}
    }
}

fn render(kind: Kind, to: &str, m: &MailView) -> Result<Outgoing> {
    mail::render(kind, to, m).map_err(|e| AppError::internal("a mail template failed", e))
}

/// Renders and enqueues the messages `events` call for.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn enqueue_for(
    app: &App,
    tx: &mut Tx,
    settings: &Settings,
    rec: &CaseRecord,
    events: &[Event],
    quoted: &super::notices::Quoted<'_>,
    actor: &Actor,
    confirm_url: Option<&str>,
    known: &super::persist::Known,
) -> Result<()> {
    let planned: Vec<(&Event, Kind, Recipient)> =
        events.iter().flat_map(|e| notices(e, &rec.case, actor).into_iter().map(move |(k, to)| (e, k, to))).collect();
    if planned.is_empty() {
        return Ok(());
    }
    let read;
    let active: &[Account] = match &known.staff {
        _ if planned.iter().all(|(_, _, to)| *to == Recipient::Requester) => &[],
        Some(staff) => staff,
        None => {
            read = users::active_in(tx).await?;
            &read
        }
    };
    // Opened tasks are of live systems (known before a receipt); an overdue
    // one's system may have been retired since.
    let opened = planned.iter().any(|(e, _, _)| matches!(e, Event::TaskOpened { .. }));
    let overdue = planned.iter().any(|(e, _, _)| matches!(e, Event::TaskOverdueNotified { .. }));
    let systems = match &known.systems {
        _ if !opened && !overdue => Vec::new(),
        Some(live) if !overdue => live.iter().map(|s| (s.id, s.name.clone())).collect(),
        _ => super::store::inventory::system_names_in(tx).await?,
    };
    let mut out = Vec::new();
    for (event, kind, to) in planned {
        if to == Recipient::Requester {
            let Some(address) = rec.person.contact_email.as_deref() else { continue };
            // Held back when its recipient had enough confirmations this hour.
            if kind == Kind::Confirm && confirm_url.is_none() {
                continue;
            }
            let mut m = mail_view(app, settings, rec, rec.lang);
            m.text = quoted.text.to_owned();
            m.answer = quoted.answer.to_owned();
            m.confirm_url = confirm_url.unwrap_or_default().to_owned();
            fill(app, settings, rec, event, &mut m, &systems);
            out.push(render(kind, address, &m)?);
        } else {
            // Staff read their notices in Japanese, without the requester's free text.
            let mut m = mail_view(app, settings, rec, Lang::JA);
            fill(app, settings, rec, event, &mut m, &systems);
            m.text.clear();
            m.answer.clear();
            for address in staff_addresses(to, &rec.case, active) {
                out.push(render(kind, address, &m)?);
            }
        }
    }
    enqueue_all(app, tx, Some(rec.id()), &out).await
}

/// Renders a message that belongs to no case (a staff notice) and puts it in
/// the outbox in a transaction of its own.
pub(crate) async fn send_alone(app: &App, kind: Kind, to: &str, m: &MailView) -> Result<()> {
    let out = mail::render(kind, to, m).map_err(|e| AppError::internal("a mail template failed", e))?;
    let mut tx = app.store.begin().await?;
    enqueue(app, &mut tx, None, &out).await?;
    tx.commit().await?;
    app.wake_workers();
    Ok(())
}

/// Writes one rendered message to the outbox, with a stable Message-ID.
pub(crate) async fn enqueue(app: &App, tx: &mut Tx, case_id: Option<i64>, m: &Outgoing) -> Result<()> {
    enqueue_all(app, tx, case_id, std::slice::from_ref(m)).await
}

/// Writes rendered messages to the outbox in one statement, each with a
/// stable Message-ID.
async fn enqueue_all(app: &App, tx: &mut Tx, case_id: Option<i64>, out: &[Outgoing]) -> Result<()> {
    let domain = app.mail_from.rsplit_once('@').map(|(_, d)| d).unwrap_or("madoguchi.localhost");
    let ids: Vec<String> = out.iter().map(|_| format!("<{}@{}>", uuid::Uuid::new_v4(), domain)).collect();
    let at = app.now_us();
    let mails: Vec<outbox::NewMail<'_>> = out
        .iter()
        .zip(&ids)
        .map(|(m, message_id)| outbox::NewMail {
            message_id,
            case_id,
            template: m.template,
            to_addr: &m.to,
            subject: &m.subject,
            body_text: &m.text,
            body_html: &m.html,
            at,
        })
        .collect();
    outbox::enqueue_all(tx, &mails).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::domain::{Channel, Filer, RequestKind};

    fn case() -> Case {
        Case::blank(RequestKind::Disclosure, Filer::SelfFiler, date(2026, 4, 1))
    }

    fn account(id: i64, role: Role) -> Account {
        Account {
            id,
            email: format!("{id}@example.jp"),
            display_name: String::new(),
            role,
            active: true,
            sessions_after: 0,
            totp_on: false,
            api: false,
        }
    }

    #[test]
    fn the_requester_hears_of_each_step_of_their_case() {
        let c = case();
        let to_requester = |e: Event| notices(&e, &c, &Actor::System).iter().any(|(_, to)| *to == Recipient::Requester);
        assert!(to_requester(Event::Received { received_on: date(2026, 4, 1), due_on: None }));
        assert!(to_requester(Event::ClarificationRequested));
        assert!(to_requester(Event::Extended { from: date(2026, 4, 15), to: date(2026, 5, 1) }));
        assert!(!to_requester(Event::NoteAdded), "an internal note is never mailed");
        assert!(!to_requester(Event::RequesterReplied));
    }

    #[test]
    fn only_web_submissions_ask_to_confirm_the_address() {
        let c = case();
        assert_eq!(
            notices(&Event::Submitted { channel: Channel::Web }, &c, &Actor::Requester),
            [(Kind::Confirm, Recipient::Requester)]
        );
        assert!(notices(&Event::Submitted { channel: Channel::Post }, &c, &Actor::System).is_empty());
    }

    #[test]
    fn nobody_is_told_of_an_assignment_they_made_themselves() {
        let c = case();
        let me = Actor::Staff { id: 4, role: Role::Staff };
        assert!(notices(&Event::Assigned { assignee: Some(4) }, &c, &me).is_empty());
        assert_eq!(
            notices(&Event::Assigned { assignee: Some(5) }, &c, &me),
            [(Kind::StaffAssigned, Recipient::User(5))]
        );
    }

    #[test]
    fn replies_go_to_the_active_assignee_or_else_to_everyone() {
        let mut c = case();
        let active = [account(1, Role::Admin), account(2, Role::Staff), account(3, Role::Manager)];
        let to = Recipient::AssigneeOr(ALL_STAFF);
        assert_eq!(staff_addresses(to, &c, &active).len(), 3);
        c.assignee = Some(2);
        assert_eq!(staff_addresses(to, &c, &active), ["2@example.jp"]);
        // A disabled assignee is not among the active accounts: the others hear of it.
        c.assignee = Some(9);
        assert_eq!(staff_addresses(to, &c, &active).len(), 3);
    }

    #[test]
    fn a_search_whose_owner_is_disabled_goes_to_the_assignee_or_the_managers() {
        let mut c = case();
        let active = [account(1, Role::Admin), account(2, Role::Staff), account(3, Role::Manager)];
        let opened = Event::TaskOpened { task: 1, system: 1, owner: Some(2), due_on: None };
        let n = notices(&opened, &c, &Actor::System);
        assert_eq!(staff_addresses(n[0].1, &c, &active), ["2@example.jp"], "the owner");
        let gone = Event::TaskOpened { task: 1, system: 1, owner: Some(9), due_on: None };
        let n = notices(&gone, &c, &Actor::System);
        assert_eq!(staff_addresses(n[0].1, &c, &active), ["1@example.jp", "3@example.jp"], "managers");
        c.assignee = Some(2);
        assert_eq!(staff_addresses(n[0].1, &c, &active), ["2@example.jp"], "the assignee");
    }

    #[test]
    fn overdue_cases_are_told_to_managers_only() {
        let c = case();
        let active = [account(1, Role::Admin), account(2, Role::Staff), account(3, Role::Manager)];
        let n = notices(&Event::OverdueNotified { due_on: date(2026, 4, 15) }, &c, &Actor::System);
        assert_eq!(n.len(), 1);
        assert_eq!(staff_addresses(n[0].1, &c, &active), ["1@example.jp", "3@example.jp"]);
    }
}
