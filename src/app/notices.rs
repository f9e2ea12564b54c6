//! Notices the desk issues (DESIGN.md §4 "Answers, notices and results"):
//! decision, extension, fee request, identity request and receipt
//! acknowledgement. Each is rendered once, in the transaction of the event
//! that calls for it, and stored with its body, so a notice never changes
//! afterwards (settings edited later do not touch it). A person without
//! e-mail, or who chose postal delivery, gets it by post: it waits in the
//! "letters to post" view until staff record the posting.

use askama::Template;
use jiff::civil::Date;

use super::records::{CaseRecord, Document, Notice};
use super::store::Tx;
use super::store::cases as sc;
use super::store::documents as sd;
use super::store::notices::{self as sn, NewNotice};
use super::{App, AppError, Result, Settings};
use crate::domain::deadline::Profile;
use crate::domain::{
    Delivery, DocPurpose, Event, IdentityTarget, Lang, NoticeKind, Outcome, Reference, RequestKind, cite,
};
use crate::i18n::Arg;

/// The notice an event calls for, if any.
pub fn notice_for(event: &Event) -> Option<NoticeKind> {
    Some(match event {
        Event::Received { .. } => NoticeKind::ReceiptAck,
        Event::IdentityRequested { .. } => NoticeKind::IdentityRequest,
        Event::FeeRequested { .. } => NoticeKind::FeeRequest,
        Event::Extended { .. } => NoticeKind::Extension,
        Event::Closed { .. } => NoticeKind::Decision,
        _ => return None,
    })
}

/// A note in brackets as each language sets it: 「（第34条）」, " (Art. 34)".
fn paren(text: &str, lang: Lang) -> String {
    if lang.is_ja() { format!("（{text}）") } else { format!(" ({text})") }
}

/// A date as a letter writes it: 2026年12月2日, or 2 December 2026.
pub fn letter_date(d: Date, lang: Lang) -> String {
    if lang.is_ja() {
        format!("{}年{}月{}日", d.year(), d.month(), d.day())
    } else {
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let month = MONTHS.get(usize::try_from(d.month() - 1).unwrap_or(0)).copied().unwrap_or("");
        format!("{} {month} {}", d.day(), d.year())
    }
}

/// One printed A4 letter: `<article class="notice" data-notice-kind="…">`.
#[derive(Template)]
#[template(path = "notices/letter.html")]
struct Letter {
    lang: Lang,
    kind: NoticeKind,
    title: String,
    issued_on: Date,
    issued: String,
    reference: String,
    addressee: String,
    postal_code: String,
    address: String,
    org_name: String,
    org_address: String,
    org_representative: String,
    privacy_officer: String,
    lead: String,
    /// The request as understood: (label, value).
    facts: Vec<(String, String)>,
    decision: String,
    answer_heading: String,
    answer: String,
    method: String,
    results: Vec<String>,
    results_until: String,
    /// Reasons with their article (Art. 36): (label, the citation in brackets or "").
    reasons: Vec<(String, String)>,
    explanation: String,
    /// Further paragraphs: what to send, how to pay, why the deadline moved.
    paragraphs: Vec<String>,
    ask_again: String,
    /// Where to complain: the desk, the accredited body, the Commission (and a GDPR authority).
    complaints: Vec<String>,
}

impl Letter {
    fn t(&self, id: &str) -> &'static str {
        self.lang.t(id)
    }
}

/// What a change carries that a notice may quote: the free text of the
/// command (a note, a reason, an explanation) and the answer of a decision.
pub(crate) struct Quoted<'a> {
    pub text: &'a str,
    pub answer: &'a str,
}

fn msg(lang: Lang, id: &str, args: &[(&str, &str)]) -> String {
    let args: Vec<(&str, Arg<'_>)> = args.iter().map(|(k, v)| (*k, Arg::Text(v))).collect();
    lang.f(id, &args)
}

/// The places to complain (Art. 32(1)(iv), DESIGN.md §6): the desk, the
/// accredited body with its contact, the Commission, and for a GDPR case
/// the supervisory authority.
fn complaints(settings: &Settings, lang: Lang, profile: Profile) -> Vec<String> {
    let mut out = vec![msg(
        lang,
        "notice-complain-desk",
        &[
            ("org_name", settings.org_name()),
            ("phone", settings.get("window_phone")),
            ("email", settings.get("window_email")),
            ("hours", settings.get("window_hours")),
        ],
    )];
    let body = settings.get("accredited_body").trim();
    if !body.is_empty() {
        let contact = settings.get("accredited_body_contact").trim();
        out.push(msg(lang, "notice-complain-accredited", &[("name", body), ("contact", contact)]));
    }
    out.push(lang.t("notice-complain-commission").to_owned());
    let authority = settings.get("supervisory_authority").trim();
    if profile == Profile::Gdpr && !authority.is_empty() {
        out.push(msg(lang, "notice-complain-gdpr", &[("authority", authority)]));
    }
    out
}

fn decision_sentence(kind: RequestKind, outcome: Outcome, lang: Lang) -> String {
    let kind_label = kind.label(lang);
    let id = match (kind, outcome) {
        (RequestKind::Correction, Outcome::Refused) => "notice-decision-correction-refused",
        (RequestKind::Correction, Outcome::Granted) => "notice-decision-correction-granted",
        (RequestKind::ProvisionRecord, Outcome::NoData) => "notice-decision-no-records",
        (_, Outcome::Granted) => "notice-decision-granted",
        (_, Outcome::PartiallyGranted) => "notice-decision-partially-granted",
        (_, Outcome::Refused) => "notice-decision-refused",
        (_, Outcome::NoData) => "notice-decision-no-data",
        (_, Outcome::Answered) => "notice-decision-answered",
        (_, Outcome::Withdrawn) => "notice-decision-withdrawn",
    };
    msg(lang, id, &[("kind", kind_label)])
}

fn answer_heading(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::PurposeNotice => "notice-answer-purposes",
        RequestKind::Correction => "notice-answer-corrections",
        RequestKind::Disclosure | RequestKind::ProvisionRecord => "notice-answer-disclosed",
        RequestKind::Suspension | RequestKind::StopProvision => "notice-answer-measures",
        RequestKind::Complaint => "notice-answer-complaint",
    }
}

fn target_label(target: IdentityTarget, lang: Lang) -> &'static str {
    target.label(lang)
}

/// Renders the letter `kind` calls for, as of this change.
#[allow(clippy::too_many_arguments)]
fn render(
    settings: &Settings,
    rec: &CaseRecord,
    event: &Event,
    kind: NoticeKind,
    quoted: &Quoted<'_>,
    results: &[Document],
    today: Date,
) -> Result<String> {
    let lang = rec.lang;
    let case = &rec.case;
    let d = |d: Option<Date>| d.map(|d| letter_date(d, lang)).unwrap_or_default();
    let kind_label = case.kind.label(lang);
    let mut facts = vec![
        (lang.t("notice-fact-reference").to_owned(), rec.reference_str().to_owned()),
        (
            lang.t("notice-fact-kind").to_owned(),
            format!("{kind_label}{}", paren(&cite(case.kind.article(), lang), lang)),
        ),
        (lang.t("notice-fact-received").to_owned(), d(case.received_on)),
    ];
    let mut l = Letter {
        lang,
        kind,
        title: msg(lang, &format!("notice-title-{}", kind.code()), &[("kind", kind_label)]),
        issued_on: today,
        issued: letter_date(today, lang),
        reference: rec.reference_str().to_owned(),
        addressee: rec.addressee().to_owned(),
        postal_code: rec.person.subject_postal_code.clone().unwrap_or_default(),
        address: rec.person.subject_address.clone().unwrap_or_default(),
        org_name: settings.org_name().to_owned(),
        org_address: settings.get("org_address").to_owned(),
        org_representative: settings.get("org_representative").to_owned(),
        privacy_officer: settings.get("privacy_officer").to_owned(),
        lead: String::new(),
        facts: Vec::new(),
        decision: String::new(),
        answer_heading: String::new(),
        answer: String::new(),
        method: String::new(),
        results: Vec::new(),
        results_until: String::new(),
        reasons: Vec::new(),
        explanation: String::new(),
        paragraphs: Vec::new(),
        ask_again: String::new(),
        complaints: Vec::new(),
    };
    let received = d(case.received_on);
    match event {
        Event::Received { due_on, .. } => {
            l.lead = msg(lang, "notice-lead-receipt_ack", &[("received", &received)]);
            let due = match due_on {
                Some(due) => letter_date(*due, lang),
                None => lang.t("notice-due-after-identity").to_owned(),
            };
            facts.push((lang.t("notice-fact-due").to_owned(), due));
            facts.push((lang.t("notice-fact-details").to_owned(), rec.person.details.clone()));
            l.paragraphs.push(lang.t("notice-receipt-next").to_owned());
        }
        Event::IdentityRequested { target, .. } => {
            l.lead = msg(lang, "notice-lead-identity_request", &[("received", &received)]);
            facts.push((lang.t("notice-fact-target").to_owned(), target_label(*target, lang).to_owned()));
            let docs = if *target == IdentityTarget::Authority {
                "notice-identity-authority-documents"
            } else {
                "notice-identity-documents"
            };
            l.paragraphs.push(lang.t(docs).to_owned());
            l.paragraphs.push(lang.t("notice-identity-masking").to_owned());
            l.paragraphs.push(msg(lang, "notice-identity-how", &[("address", settings.get("org_address"))]));
            if !quoted.text.trim().is_empty() {
                l.explanation = quoted.text.to_owned();
            }
        }
        Event::FeeRequested { amount, pay_by } => {
            l.lead = msg(lang, "notice-lead-fee_request", &[("received", &received)]);
            let yen = format!("{}{}", crate::mail::yen(*amount), lang.t("yen"));
            facts.push((lang.t("notice-fact-amount").to_owned(), yen));
            facts.push((lang.t("notice-fact-pay-by").to_owned(), letter_date(*pay_by, lang)));
            let methods: Vec<&str> = settings.schedule().methods.iter().map(|m| m.label(lang)).collect();
            facts.push((lang.t("notice-fact-methods").to_owned(), methods.join(lang.t("text"))));
            let instructions = settings.get("payment_instructions").trim();
            if !instructions.is_empty() {
                l.paragraphs.push(instructions.to_owned());
            }
            l.paragraphs.push(lang.t("notice-fee-basis").to_owned());
        }
        Event::Extended { from, to } => {
            l.lead = msg(lang, "notice-lead-extension", &[("received", &received)]);
            facts.push((lang.t("notice-fact-old-due").to_owned(), letter_date(*from, lang)));
            facts.push((lang.t("notice-fact-new-due").to_owned(), letter_date(*to, lang)));
            l.explanation = quoted.text.to_owned();
        }
        Event::Closed { outcome, reasons, closed_on } => {
            l.lead = msg(lang, "notice-lead-decision", &[("received", &received)]);
            facts.push((lang.t("notice-fact-details").to_owned(), rec.person.details.clone()));
            l.decision = decision_sentence(case.kind, *outcome, lang);
            let granting = outcome.is_granting();
            if !quoted.answer.trim().is_empty() {
                l.answer_heading = lang.t(answer_heading(case.kind)).to_owned();
                l.answer = quoted.answer.to_owned();
            }
            if case.kind.is_disclosure() && granting {
                let used = case.delivery.unwrap_or(Delivery::Electronic);
                l.method = match (rec.delivery_requested, used) {
                    (Some(asked), used) if asked != used => {
                        msg(lang, "notice-method-changed", &[("asked", asked.label(lang)), ("used", used.label(lang))])
                    }
                    _ => msg(lang, "notice-method", &[("used", used.label(lang))]),
                };
                if used == Delivery::Electronic {
                    l.results = results.iter().map(|r| r.label.clone().unwrap_or_default()).collect();
                    let until = settings.results_until(*closed_on);
                    l.results_until = msg(lang, "notice-results-until", &[("until", &letter_date(until, lang))]);
                }
            }
            let act = lang.t("notice-act");
            l.reasons = reasons
                .iter()
                .map(|r| {
                    let cited = r.citation(lang).map(|c| paren(&format!("{act}{c}"), lang)).unwrap_or_default();
                    (r.label(lang).to_owned(), cited)
                })
                .collect();
            l.explanation = quoted.text.to_owned();
            l.ask_again = lang.t("notice-ask-again").to_owned();
            l.complaints = complaints(settings, lang, rec.profile);
        }
        _ => return Err(AppError::Internal(anyhow::anyhow!("no notice for event {}", event.code()))),
    }
    l.facts = facts;
    l.render().map_err(|e| AppError::internal("a notice template failed", e))
}

/// Issues the notices `events` call for, in the caller's transaction.
pub(crate) async fn issue(
    app: &App,
    tx: &mut Tx,
    settings: &Settings,
    rec: &CaseRecord,
    events: &[Event],
    quoted: &Quoted<'_>,
) -> Result<()> {
    let today = app.today();
    let by_post = rec.person.contact_email.is_none() || rec.case.delivery == Some(Delivery::Postal);
    for event in events {
        let Some(kind) = notice_for(event) else { continue };
        let results = if kind == NoticeKind::Decision {
            sd::for_case_in(tx, rec.id())
                .await?
                .into_iter()
                .filter(|d| d.purpose == DocPurpose::Result && d.stored)
                .collect()
        } else {
            Vec::new()
        };
        let body = render(settings, rec, event, kind, quoted, &results, today)?;
        let notice = NewNotice {
            case_id: rec.id(),
            kind,
            lang: rec.lang,
            issued_on: today,
            body: &body,
            by_post,
            at: app.now_us(),
        };
        sn::insert(tx, &notice).await?;
    }
    Ok(())
}

/// A notice of a case for staff to print; the look is logged.
pub async fn staff_notice(app: &App, reference: &Reference, id: i64, actor: &crate::domain::Actor) -> Result<Notice> {
    let rec = sc::read_by_reference(&app.store, reference).await?.ok_or(AppError::NotFound)?;
    let notice = sn::get(&app.store, rec.id(), id).await?.ok_or(AppError::NotFound)?;
    if let Some(user_id) = actor.staff_id() {
        super::cases::log_access(app, user_id, Some(rec.id()), &format!("notice:{id}")).await?;
    }
    Ok(notice)
}

/// A notice of the requester's own case (status token checked).
pub async fn requester_notice(app: &App, reference: &Reference, token: &str, id: i64) -> Result<Notice> {
    let rec = super::requests::status_case(app, reference, token).await?;
    sn::get(&app.store, rec.id(), id).await?.ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_are_dated_as_a_japanese_company_writes_them() {
        assert_eq!(letter_date(jiff::civil::date(2026, 12, 2), Lang::JA), "2026年12月2日");
        assert_eq!(letter_date(jiff::civil::date(2026, 12, 2), Lang::EN), "2 December 2026");
    }

    #[test]
    fn the_events_that_issue_a_notice() {
        let d = jiff::civil::date(2026, 4, 1);
        assert_eq!(notice_for(&Event::Received { received_on: d, due_on: None }), Some(NoticeKind::ReceiptAck));
        assert_eq!(notice_for(&Event::Extended { from: d, to: d }), Some(NoticeKind::Extension));
        assert_eq!(notice_for(&Event::NoteAdded), None);
        assert_eq!(notice_for(&Event::Withdrawn { closed_on: d }), None);
    }
}
