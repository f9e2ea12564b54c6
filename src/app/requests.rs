//! The requester's use cases: submit, confirm, see the status, reply, and
//! staff's manual intake of letters and calls.

use jiff::civil::Date;

use super::cases::{ctx, execute, status_hash};
use super::notify::{enqueue, mail_view};
use super::persist::{Change, Known, persist};
use super::records::{CaseRecord, Document, FeeEntry, Message, Person};
use super::store::cases as sc;
use super::store::documents as sd;
use super::{App, AppError, Result, Settings, keys};
use crate::domain::deadline::Profile;
use crate::domain::input::{
    ContactEmail, DETAILS_MAX, FieldError, Intake, NewRequest, RequestForm, parse_request, too_long,
};
use crate::domain::{Actor, Case, Channel, Command, FeeEntryKind, Lang, Reference, open_case};
use crate::mail::{self, Kind};

/// The result of a web submission.
pub struct Submitted {
    /// The address the confirmation went to.
    pub email: String,
}

/// A new case record for a request, as a submission would write it.
pub fn new_record(app: &App, req: &NewRequest, lang: Lang, submitted_on: Date, profile: Profile) -> CaseRecord {
    let case = Case { delivery: req.delivery, ..Case::blank(req.kind, req.filer, submitted_on) };
    let nonce = keys::random_token();
    CaseRecord {
        case,
        reference: None,
        channel: req.channel,
        delivery_requested: req.delivery,
        repeat_of: None,
        lang,
        profile,
        person: Person {
            subject_name: req.subject_name.clone(),
            subject_name_kana: req.subject_name_kana.clone(),
            subject_birth_date: req.subject_birth_date,
            subject_postal_code: req.subject_postal_code.clone(),
            subject_address: req.subject_address.clone(),
            subject_phone: req.subject_phone.clone(),
            contact_email: req.contact_email.as_ref().map(|e| e.as_str().to_owned()),
            agent_name: req.agent_name.clone(),
            agent_relationship: req.agent_relationship.clone(),
            details: req.details.clone(),
        },
        confirm_token_hash: None,
        status_token_hash: Some(status_hash(app, &nonce)),
        status_nonce: nonce,
        created_at: 0,
        updated_at: 0,
        version: 0,
    }
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
    // Past the recipient's limit the request is kept, unconfirmed, and no
    // mail goes out; the page says the same either way.
    let mail_allowed = super::abuse::may_mail_publicly(app, &email).await?;
    let change = submission(app, &settings, &req, lang, mail_allowed);
    super::submissions::write(app, settings, change).await?;
    Ok(Submitted { email })
}

/// What a web submission writes: the request, unconfirmed, its first event
/// and, when mail to its address is allowed, the link that confirms it.
pub(crate) fn submission(app: &App, settings: &Settings, req: &NewRequest, lang: Lang, mail_allowed: bool) -> Change {
    let profile = settings.profile_for(req.kind);
    let mut rec = new_record(app, req, lang, app.today(), profile);
    let token = keys::random_token();
    rec.confirm_token_hash = Some(keys::hash_token(&token));
    let before = rec.case.clone();
    let events = open_case(&before, Channel::Web, None, &ctx(app, settings, &settings.policy(profile)));
    Change {
        confirm_url: mail_allowed.then(|| app.url(&format!("/requests/confirm?token={token}"))),
        ..Change::new(rec, before, events, Actor::Requester)
    }
}

/// A letter, e-mail, call or visit taken in by staff (or by an API client):
/// received at once, on its arrival date. Returns the case as stored, with
/// its reference.
pub async fn intake(app: &App, form: &RequestForm, actor: Actor) -> Result<CaseRecord> {
    let today = app.today();
    let req = parse_request(form, Intake::Staff { today }, today).map_err(AppError::Invalid)?;
    let lang = form.lang.parse().unwrap_or_default();
    let settings = app.settings().await?;
    let received_on = req.received_on.unwrap_or(today);
    let profile = settings.profile_for(req.kind);
    let rec = new_record(app, &req, lang, received_on, profile);
    let before = rec.case.clone();
    let events = open_case(&before, req.channel, Some(received_on), &ctx(app, &settings, &settings.policy(profile)));
    let change = Change { known: Known::for_receipt(app).await?, ..Change::new(rec, before, events, actor) };
    let mut tx = app.store.begin().await?;
    let rec = persist(app, &mut tx, &settings, change).await?;
    tx.commit().await?;
    app.wake_workers();
    if rec.reference.is_none() {
        return Err(AppError::Internal(anyhow::anyhow!("intake without a reference")));
    }
    Ok(rec)
}

/// The requester's status link of a case (a secret: it opens the case's status page).
pub fn status_url(app: &App, rec: &CaseRecord) -> Option<String> {
    let reference = rec.reference.as_ref()?;
    Some(app.url(&format!("/status/{reference}?token={}", app.keys.status_token(&rec.status_nonce))))
}

/// Whether a confirmation token is one we sent (the GET page changes nothing).
pub async fn confirmation_exists(app: &App, token: &str) -> Result<()> {
    sc::read_by_confirm_hash(&app.store, &keys::hash_token(token)).await?.ok_or(AppError::NotFound)?;
    Ok(())
}

/// The requester confirms their address: the case is received, gets its
/// reference and due date. Confirming again changes nothing. Returns the
/// reference and the status token for the browser's cookie.
pub async fn confirm(app: &App, token: &str) -> Result<(Reference, String)> {
    let hash = keys::hash_token(token);
    let settings = app.settings().await?;
    let known = Known::for_receipt(app).await?;
    let mut tx = app.store.begin().await?;
    let rec = sc::by_confirm_hash(&mut tx, &hash).await?.ok_or(AppError::NotFound)?;
    let before = rec.case.clone();
    let policy = settings.policy(rec.profile);
    let events =
        crate::domain::decide(&before, Command::ConfirmEmail, &Actor::Requester, &ctx(app, &settings, &policy))?;
    let rec = if events.is_empty() {
        rec
    } else {
        let change = Change { known, ..Change::new(rec, before, events, Actor::Requester) };
        persist(app, &mut tx, &settings, change).await?
    };
    tx.commit().await?;
    app.wake_workers();
    let reference =
        rec.reference.clone().ok_or_else(|| AppError::Internal(anyhow::anyhow!("confirmed without a reference")))?;
    Ok((reference, app.keys.status_token(&rec.status_nonce)))
}

/// The case behind a status link, if the token is its own and the link has
/// not ended (`status_link_days` after closing, or after a new link was sent).
pub async fn status_case(app: &App, reference: &Reference, token: &str) -> Result<CaseRecord> {
    let rec = sc::read_by_reference(&app.store, reference).await?.ok_or(AppError::NotFound)?;
    let given = keys::hash_token(token);
    match &rec.status_token_hash {
        Some(stored) if keys::eq(stored, &given) => {}
        _ => return Err(AppError::NotFound),
    }
    if let Some(until) = link_until(app, &rec).await?
        && app.today() > until
    {
        let days = app.settings().await?.status_link_days();
        return Err(AppError::LinkEnded { days });
    }
    Ok(rec)
}

/// The last day the case's status link works; none while the case is open.
async fn link_until(app: &App, rec: &CaseRecord) -> Result<Option<Date>> {
    let Some(closed_on) = rec.case.closed_on.filter(|_| !rec.case.state.is_open()) else {
        return Ok(None);
    };
    let sent_on = sc::status_link_on(&app.store, rec.id()).await?;
    Ok(Some(app.settings().await?.status_link_until(closed_on, sent_on)))
}

/// What the requester's status page shows besides the case.
pub struct StatusFile {
    pub rec: CaseRecord,
    pub messages: Vec<Message>,
    pub payments: Vec<FeeEntry>,
    pub documents: Vec<Document>,
    pub notices: Vec<super::records::Notice>,
    /// Result files to download, and the last day they can be.
    pub results: Vec<Document>,
    pub results_until: Option<Date>,
    pub settings: super::Settings,
}

pub async fn status_file(app: &App, reference: &Reference, token: &str) -> Result<StatusFile> {
    let rec = status_case(app, reference, token).await?;
    let messages = sc::requester_messages(&app.store, rec.id()).await?;
    let payments =
        sc::fee_entries(&app.store, rec.id()).await?.into_iter().filter(|e| e.entry == FeeEntryKind::Payment).collect();
    let documents = super::cases::identity_documents(sd::for_case(&app.store, rec.id()).await?);
    let settings = app.settings().await?;
    let notices = super::store::notices::for_case(&app.store, rec.id()).await?;
    let (results, results_until) = super::results::for_requester(app, &rec).await?;
    Ok(StatusFile { rec, messages, payments, documents, notices, results, results_until, settings })
}

/// The requester writes to the desk from the status page.
pub async fn reply(app: &App, reference: &Reference, token: &str, body: &str) -> Result<()> {
    status_case(app, reference, token).await?;
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::field("body", "please-write-your-message"));
    }
    if body.chars().count() > DETAILS_MAX {
        return Err(AppError::Invalid(vec![FieldError { field: "body", msg: too_long(5000) }]));
    }
    if let Some(msg) = crate::domain::input::text_problem(body) {
        return Err(AppError::Invalid(vec![FieldError { field: "body", msg }]));
    }
    execute(app, reference, Command::RequesterReply { body: body.to_owned() }, Actor::Requester).await?;
    Ok(())
}

/// E-mails the status link again when reference and address match; the
/// caller answers the same either way, so nothing is revealed.
pub async fn resend(app: &App, reference: &Reference, email: &str) -> Result<()> {
    let Some(rec) = sc::read_by_reference(&app.store, reference).await? else {
        return Ok(());
    };
    let wanted = ContactEmail::parse(&unicode_normalization::UnicodeNormalization::nfkc(email).collect::<String>());
    let matches = match (&rec.person.contact_email, wanted) {
        (Some(stored), Some(given)) => keys::eq(&stored.to_lowercase(), &given.as_str().to_lowercase()),
        _ => false,
    };
    let to = rec.person.contact_email.clone().unwrap_or_default();
    if !matches || !super::abuse::may_mail_publicly(app, &to).await? {
        return Ok(());
    }
    let mut rec = rec;
    let settings = app.settings().await?;
    // Past its end, the link is replaced by a new one that works another
    // `status_link_days` from today; the ended one stays dead.
    let renew = link_until(app, &rec).await?.is_some_and(|until| app.today() > until);
    let mut tx = app.store.begin().await?;
    if renew {
        let nonce = keys::random_token();
        let hash = status_hash(app, &nonce);
        sc::set_status_link(&mut tx, rec.id(), &nonce, &hash, Some(app.today())).await?;
        rec.status_nonce = nonce;
        rec.status_token_hash = Some(hash);
    }
    let m = mail_view(app, &settings, &rec, rec.lang);
    let out = mail::render(Kind::StatusLink, &to, &m).map_err(|e| AppError::internal("a mail template failed", e))?;
    enqueue(app, &mut tx, Some(rec.id()), &out).await?;
    tx.commit().await?;
    app.wake_workers();
    Ok(())
}
