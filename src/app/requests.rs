//! The requester's use cases: submit, confirm, see the status, reply, and
//! staff's manual intake of letters and calls.

use super::cases::{Change, ctx, execute, mail_view, persist, status_hash};
use super::{App, AppError, Result, keys};
use crate::domain::deadline::{DeadlinePolicy, Policy};
use crate::domain::input::{Intake, NewRequest, RequestForm, parse_request};
use crate::domain::{Actor, Case, Channel, Command, Lang, open_case};
use crate::mail::{self, Kind};
use crate::store::cases::{self as sc, CaseRow};

/// The result of a web submission.
pub struct Submitted {
    /// The address the confirmation went to.
    pub email: String,
}

/// A new case row for a request, as a submission would write it.
pub fn new_row(
    app: &App,
    req: &NewRequest,
    lang: Lang,
    submitted_on: jiff::civil::Date,
    policy: &Policy,
) -> (CaseRow, Case) {
    let case = Case::blank(req.kind, req.filer, submitted_on);
    let nonce = keys::random_token();
    let mut row = CaseRow {
        id: 0,
        reference: None,
        kind: req.kind.to_string(),
        filer: req.filer.to_string(),
        channel: req.channel.to_string(),
        delivery: req.delivery.map(|d| d.to_string()),
        lang: lang.to_string(),
        state: String::new(),
        resume_state: None,
        outcome: None,
        reasons: String::new(),
        asks: String::new(),
        identity_subject: String::new(),
        identity_agent: String::new(),
        identity_authority: String::new(),
        fee_requested: 0,
        fee_paid: 0,
        fee_waived: 0,
        fee_refunded: 0,
        stored_documents: 0,
        policy: policy.code(),
        submitted_on: submitted_on.to_string(),
        received_on: None,
        due_on: None,
        first_due_on: None,
        closed_on: None,
        paused_on: None,
        open_due: None,
        fee_pay_by: None,
        fee_reminded: 0,
        identity_asked_on: None,
        identity_reminded: 0,
        due_soon_sent_for: None,
        overdue_sent_for: None,
        assignee_id: None,
        subject_name: req.subject_name.clone(),
        subject_name_kana: req.subject_name_kana.clone(),
        subject_birth_date: req.subject_birth_date.map(|d| d.to_string()),
        subject_postal_code: req.subject_postal_code.clone(),
        subject_address: req.subject_address.clone(),
        subject_phone: req.subject_phone.clone(),
        contact_email: req.contact_email.as_ref().map(|e| e.as_str().to_owned()),
        agent_name: req.agent_name.clone(),
        agent_relationship: req.agent_relationship.clone(),
        details: req.details.clone(),
        confirm_token_hash: None,
        status_token_hash: Some(status_hash(app, &nonce)),
        status_nonce: nonce,
        created_at: 0,
        updated_at: 0,
        version: 0,
    };
    row.set_case(&case);
    (row, case)
}

/// A request from the public form: stored as `unconfirmed`, and a link to
/// confirm it is e-mailed. A filled honeypot gets the same answer and nothing
/// is stored or sent.
pub async fn submit(app: &App, form: &RequestForm, lang: Lang) -> Result<Submitted> {
    let today = app.today();
    let req = parse_request(form, Intake::Web, today).map_err(AppError::Invalid)?;
    let email = req.contact_email.as_ref().map(|e| e.as_str().to_owned()).unwrap_or_default();
    if form.is_honeypot_filled() {
        return Ok(Submitted { email });
    }
    let settings = app.settings().await?;
    let policy = settings.policy(settings.profile_for(req.kind));
    let (mut row, before) = new_row(app, &req, lang, today, &policy);
    let token = keys::random_token();
    row.confirm_token_hash = Some(keys::hash_token(&token));
    let events = open_case(&before, Channel::Web, None, &ctx(app, &settings, &policy));
    let change = Change {
        confirm_url: Some(app.url(&format!("/requests/confirm?token={token}"))),
        is_new: true,
        ..Change::update(row, before, events, Actor::Requester)
    };
    let mut tx = app.store.begin().await?;
    persist(app, &mut tx, &settings, change).await?;
    tx.commit().await?;
    app.mail_wake.notify_one();
    Ok(Submitted { email })
}

/// A letter, e-mail, call or visit taken in by staff: received at once, on
/// its arrival date. Returns the reference.
pub async fn intake(app: &App, form: &RequestForm, actor: Actor) -> Result<String> {
    let today = app.today();
    let req = parse_request(form, Intake::Staff { today }, today).map_err(AppError::Invalid)?;
    let lang = form.lang.parse().unwrap_or_default();
    let settings = app.settings().await?;
    let received_on = req.received_on.unwrap_or(today);
    let policy = settings.policy(settings.profile_for(req.kind));
    let (row, before) = new_row(app, &req, lang, received_on, &policy);
    let events = open_case(&before, req.channel, Some(received_on), &ctx(app, &settings, &policy));
    let change = Change { is_new: true, ..Change::update(row, before, events, actor) };
    let mut tx = app.store.begin().await?;
    let row = persist(app, &mut tx, &settings, change).await?;
    tx.commit().await?;
    app.mail_wake.notify_one();
    row.reference.ok_or_else(|| AppError::Internal("intake without a reference".into()))
}

/// Whether a confirmation token is one we sent (the GET page changes nothing).
pub async fn confirmation_exists(app: &App, token: &str) -> Result<()> {
    sc::read_by_confirm_hash(&app.store, &keys::hash_token(token)).await?.ok_or(AppError::NotFound)?;
    Ok(())
}

/// The requester confirms their address: the case is received, gets its
/// reference and due date. Confirming again changes nothing. Returns the
/// reference and the status token for the browser's cookie.
pub async fn confirm(app: &App, token: &str) -> Result<(String, String)> {
    let hash = keys::hash_token(token);
    let settings = app.settings().await?;
    let mut tx = app.store.begin().await?;
    let row = sc::by_confirm_hash(&mut tx, &hash).await?.ok_or(AppError::NotFound)?;
    let before = row.to_case()?;
    let policy = settings.policy_of(&row.policy, before.kind);
    let events =
        crate::domain::decide(&before, Command::ConfirmEmail, &Actor::Requester, &ctx(app, &settings, &policy))?;
    let row = if events.is_empty() {
        row
    } else {
        persist(app, &mut tx, &settings, Change::update(row, before, events, Actor::Requester)).await?
    };
    tx.commit().await?;
    app.mail_wake.notify_one();
    let reference = row.reference.clone().ok_or_else(|| AppError::Internal("confirmed without a reference".into()))?;
    Ok((reference, app.keys.status_token(&row.status_nonce)))
}

/// The case behind a status link, if the token is its own.
pub async fn status_case(app: &App, reference: &str, token: &str) -> Result<CaseRow> {
    let row = sc::read_by_reference(&app.store, reference).await?.ok_or(AppError::NotFound)?;
    let given = keys::hash_token(token);
    match &row.status_token_hash {
        Some(stored) if keys::eq(stored, &given) => Ok(row),
        _ => Err(AppError::NotFound),
    }
}

/// What the requester's status page shows besides the case.
pub struct StatusPage {
    pub row: CaseRow,
    pub case: Case,
    pub messages: Vec<sc::MessageRow>,
    pub payments: Vec<sc::FeeEntryRow>,
    pub documents: Vec<crate::store::documents::DocumentRow>,
    pub settings: super::Settings,
}

pub async fn status_page(app: &App, reference: &str, token: &str) -> Result<StatusPage> {
    let row = status_case(app, reference, token).await?;
    let case = row.to_case()?;
    let messages = sc::requester_messages(&app.store, row.id).await?;
    let payments = sc::fee_entries(&app.store, row.id).await?.into_iter().filter(|e| e.entry == "payment").collect();
    let documents = crate::store::documents::for_case(&app.store, row.id)
        .await?
        .into_iter()
        .filter(|d| d.purpose == "identity")
        .collect();
    let settings = app.settings().await?;
    Ok(StatusPage { row, case, messages, payments, documents, settings })
}

/// The requester writes to the desk from the status page.
pub async fn reply(app: &App, reference: &str, token: &str, body: &str) -> Result<()> {
    status_case(app, reference, token).await?;
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::field("body", "メッセージを入力してください。", "Please write your message."));
    }
    if body.chars().count() > crate::domain::input::DETAILS_MAX {
        return Err(AppError::field("body", "5,000文字以内で入力してください。", "Use at most 5,000 characters."));
    }
    execute(app, reference, Command::RequesterReply { body: body.to_owned() }, Actor::Requester).await?;
    Ok(())
}

/// E-mails the status link again when reference and address match; the
/// caller answers the same either way, so nothing is revealed.
pub async fn resend(app: &App, reference: &str, email: &str) -> Result<()> {
    let reference = reference.trim();
    let Some(row) = sc::read_by_reference(&app.store, reference).await? else {
        return Ok(());
    };
    let wanted = crate::domain::input::ContactEmail::parse(
        &unicode_normalization::UnicodeNormalization::nfkc(email).collect::<String>(),
    );
    let matches = match (&row.contact_email, wanted) {
        (Some(stored), Some(given)) => keys::eq(&stored.to_lowercase(), &given.as_str().to_lowercase()),
        _ => false,
    };
    if !matches {
        return Ok(());
    }
    let settings = app.settings().await?;
    let lang: Lang = row.lang.parse().unwrap_or_default();
    let m = mail_view(app, &settings, &row, lang);
    let to = row.contact_email.clone().unwrap_or_default();
    let out = mail::render(Kind::StatusLink, &to, &m).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut tx = app.store.begin().await?;
    super::cases::enqueue(app, &mut tx, Some(row.id), &out).await?;
    tx.commit().await?;
    app.mail_wake.notify_one();
    Ok(())
}
