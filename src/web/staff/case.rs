//! The staff case page: the request as filed, the timeline, and only the
//! actions the domain would accept now.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use crate::app::cases::{CaseFile, case_file};
use crate::app::records::{Account, TimelineEvent};
use crate::domain::action_form::ActionForm;
use crate::domain::{
    ActorKind, Ask, Delivery, DocPurpose, DocType, Event, IdentityTarget, Lang, PaymentMethod, Reference, RequestKind,
    Visibility, allowed_outcomes, id_methods, reasons_offered,
};
use crate::mail::yen;
use crate::web::WebError;
use crate::web::auth::StaffUser;
use crate::web::errors::html;
use crate::web::page::{Ctx, FormErrors, Page};
use crate::web::path::Path;

pub struct TimelineItem {
    pub at: String,
    pub who: String,
    pub label: String,
    pub text: Option<String>,
    pub internal: bool,
}

pub struct FeeLine {
    pub id: i64,
    pub payment: bool,
    pub entry: &'static str,
    pub amount: String,
    pub method: &'static str,
    pub on_date: String,
    pub payment_ref: String,
}

pub struct IdentityLine {
    pub label: &'static str,
    pub status: &'static str,
    pub status_label: &'static str,
}

pub type Choice = (&'static str, &'static str);

#[derive(Template)]
#[template(path = "staff/case.html")]
pub struct CasePage {
    pub p: Page,
    pub f: CaseFile,
    pub reference: String,
    pub kind_label: &'static str,
    pub state_label: &'static str,
    pub outcome_label: &'static str,
    pub filer_label: &'static str,
    pub channel_label: &'static str,
    pub delivery_label: &'static str,
    pub days_left: Option<i64>,
    pub business_days_left: Option<i64>,
    pub profile_label: String,
    pub ack_by: String,
    /// The clock's pauses: (from, to or empty while paused).
    pub pauses: Vec<(String, String)>,
    /// Art. 39: the end of the two weeks and the first day a suit is possible
    /// (empty for kinds it does not cover), and whether a refusal opened the suit at once.
    pub art39_ends: String,
    pub art39_suit: String,
    pub art39_now: bool,
    pub assignee_name: String,
    pub timeline: Vec<TimelineItem>,
    pub fee_lines: Vec<FeeLine>,
    pub fee_status: &'static str,
    pub balance: String,
    pub credit: i64,
    pub identity: Vec<IdentityLine>,
    pub request_targets: Vec<Choice>,
    pub verify_targets: Vec<Choice>,
    pub fail_targets: Vec<Choice>,
    pub outcomes: Vec<Choice>,
    pub reasons: Vec<(&'static str, &'static str, String)>,
    pub methods: Vec<Choice>,
    pub doc_types: Vec<Choice>,
    pub payment_methods: Vec<Choice>,
    pub kinds: Vec<Choice>,
    pub asks: Vec<&'static str>,
    pub errors: FormErrors,
    /// The action whose form failed, to show its fields again as typed.
    pub failed: String,
    pub form: ActionForm,
    pub notice: String,
    pub today: String,
    pub scheduled_fee: String,
    pub documents: Vec<DocLine>,
    /// The day identity was asked for, once the ask has waited too long.
    pub identity_overdue_since: String,
    /// The fee deadline, once it has passed with the fee unpaid.
    pub fee_overdue_since: String,
    pub pay_by: String,
    pub results: Vec<ResultLine>,
    pub notices: Vec<NoticeLine>,
    /// The delivery methods a disclosure may be changed to.
    pub deliveries: Vec<Choice>,
    pub delivery_requested_label: &'static str,
    /// What the close form's answer field is called for this kind, and its first value.
    pub answer_label: &'static str,
    pub answer_prefill: String,
    /// The earlier case this one repeats, if any.
    pub repeat_of: String,
    /// The task whose form failed, and what it carried.
    pub task_failed: i64,
    pub task_status: String,
    pub task_note: String,
    pub task_statuses: Vec<Choice>,
}

/// A result file as the case page lists it.
pub struct ResultLine {
    pub id: i64,
    pub label: String,
    pub file_name: String,
    pub size: String,
    pub at: String,
    pub who: String,
    pub state: &'static str,
    pub stored: bool,
}

/// A notice as the case page lists it, with its posting.
pub struct NoticeLine {
    pub id: i64,
    pub kind: &'static str,
    pub issued: String,
    pub by_post: bool,
    pub posted: String,
    pub tracking: String,
    pub awaits: bool,
}

impl CasePage {
    /// Letters still waiting to be posted.
    pub fn letters_waiting(&self) -> bool {
        self.notices.iter().any(|n| n.awaits)
    }

    pub fn can(&self, action: &str) -> bool {
        self.f.actions.iter().any(|a| a.code() == action)
    }

    pub fn any_actions(&self) -> bool {
        !self.f.actions.is_empty()
    }

    /// The value to show in a field of `action`'s form: what was typed if that form failed.
    pub fn kept<'a>(&'a self, action: &str, value: &'a str) -> &'a str {
        if self.failed == action { value } else { "" }
    }
}

fn who(e: &TimelineEvent, lang: Lang) -> String {
    match (e.actor_kind, &e.actor_name) {
        (ActorKind::Staff, Some(name)) => name.clone(),
        (ActorKind::Staff, None) | (ActorKind::System, _) => ActorKind::System.label(lang).to_owned(),
        (ActorKind::Requester, _) => lang.t("requester").to_owned(),
    }
}

fn describe(event: &Event, lang: Lang, staff: &[Account], systems: &[(i64, String)]) -> String {
    let t = |id: &str| lang.t(id).to_owned();
    let system =
        |id: &i64| systems.iter().find(|(s, _)| s == id).map(|(_, n)| n.clone()).unwrap_or_else(|| format!("#{id}"));
    let person = |id: &Option<i64>| {
        id.and_then(|id| staff.iter().find(|u| u.id == id))
            .map(|u| u.display_name.clone())
            .unwrap_or_else(|| t("nobody"))
    };
    match event {
        Event::Submitted { channel } => format!("{}（{}）", t("request-submitted"), channel.label(lang)),
        Event::EmailConfirmed => t("e-mail-address-confirmed"),
        Event::Received { received_on, due_on } => format!(
            "{} {received_on} / {} {}",
            t("received-2"),
            t("due-3"),
            due_on.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
        ),
        Event::Assigned { assignee } => {
            let name = assignee
                .and_then(|id| staff.iter().find(|u| u.id == id))
                .map(|u| u.display_name.clone())
                .unwrap_or_else(|| t("nobody"));
            format!("{} → {name}", t("assigned"))
        }
        Event::NoteAdded => t("internal-note"),
        Event::MessageSent => t("message-to-the-requester"),
        Event::IdentityRequested { target, .. } => {
            format!("{}：{}", t("identity-documents-requested"), target.label(lang))
        }
        Event::ClarificationRequested => t("details-asked-for"),
        Event::FeeRequested { amount, pay_by } => {
            format!("{}：{}{}（{} {pay_by}）", t("fee-requested"), yen(*amount), t("yen"), t("pay-by-3"))
        }
        Event::FeeReminderSent { pay_by } => {
            format!("{}（{} {pay_by}）", t("fee-reminder-sent"), t("pay-by-3"))
        }
        Event::DocumentsSubmitted { target, .. } => {
            format!("{}：{}", t("documents-submitted"), target.label(lang))
        }
        Event::RequesterReplied => t("requester-replied"),
        Event::IdentityVerified { target, method, doc_type } => format!(
            "{}：{}（{}{}）",
            t("identity-verified-2"),
            target.label(lang),
            method.label(lang),
            doc_type.map(|d| format!("、{}", d.label(lang))).unwrap_or_default()
        ),
        Event::IdentityFailed { target } => {
            format!("{}：{}", t("identity-not-verified-2"), target.label(lang))
        }
        Event::PaymentRecorded { amount, method, paid_on } => {
            format!("{}：{}{}（{}、{paid_on}）", t("payment"), yen(*amount), t("yen"), method.label(lang))
        }
        Event::FeeWaived { amount } => {
            format!("{}：{}{}", t("fee-waived"), yen(*amount), t("yen"))
        }
        Event::RefundRecorded { amount } => format!("{}：{}{}", t("refund"), yen(*amount), t("yen")),
        Event::AskMet { ask } => format!("{}：{}", t("ask-met"), ask.label(lang)),
        Event::AsksCancelled { asks } => {
            format!("{}：{}", t("asks-cancelled"), asks.iter().map(|a| a.label(lang)).collect::<Vec<_>>().join("、"))
        }
        Event::DueSoonNotified { due_on } => {
            format!("{}（{} {due_on}）", t("assignee-told-the-due-date-is"), t("due-3"))
        }
        Event::OverdueNotified { due_on } => {
            format!("{}（{} {due_on}）", t("managers-told-the-case-is-overdue"), t("due-3"))
        }
        Event::ClockStarted { on, due_on } => {
            format!("{}（{on}）/ {} {due_on}", t("clock-started-identity-verified"), t("due-3"))
        }
        Event::ClockPaused { on } => format!("{}（{on}〜）", t("clock-paused")),
        Event::ClockResumed { on, due_on } => format!(
            "{}（{on}）/ {} {}",
            t("clock-resumed"),
            t("due-3"),
            due_on.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
        ),
        Event::Extended { from, to } => format!("{}：{from} → {to}", t("deadline-extended")),
        Event::Started => t("work-started"),
        Event::Closed { outcome, reasons, .. } => {
            let mut s = format!("{}：{}", t("closed"), outcome.label(lang));
            if !reasons.is_empty() {
                s.push_str(&format!(
                    "（{}）",
                    reasons
                        .iter()
                        .map(|r| match r.citation(lang) {
                            Some(c) => format!("{} {c}", r.label(lang)),
                            None => r.label(lang).to_owned(),
                        })
                        .collect::<Vec<_>>()
                        .join("、")
                ));
            }
            s
        }
        Event::Withdrawn { .. } => t("withdrawn"),
        Event::Reopened => t("reopened"),
        Event::KindChanged { from, to } => {
            format!("{}：{} → {}", t("kind-corrected"), from.label(lang), to.label(lang))
        }
        Event::DocumentDiscarded { document } => format!("{} #{document}", t("document-discarded")),
        Event::DocumentsPurged { documents } => format!(
            "{}：{}",
            t("documents-purged-after-retention"),
            documents.iter().map(|d| format!("#{d}")).collect::<Vec<_>>().join(" ")
        ),
        Event::IdentityReminderSent { asked_on } => {
            format!("{}（{} {asked_on}）", t("assignee-told-identity-documents-are-overdue"), t("asked-on"))
        }
        Event::ResultAttached { document } => format!("{} #{document}", t("result-attached")),
        Event::ResultRemoved { document } => format!("{} #{document}", t("result-removed")),
        Event::DeliveryChanged { from, to } => {
            format!("{}：{} → {}", t("delivery-changed"), from.map(|d| d.label(lang)).unwrap_or("—"), to.label(lang))
        }
        Event::NoticePosted { notice, posted_on } => format!("{} #{notice}（{posted_on}）", t("notice-posted")),
        Event::ResultDownloaded { document } => format!("{} #{document}", t("result-downloaded")),
        Event::ResultsPurged { documents } => format!(
            "{}：{}",
            t("results-purged"),
            documents.iter().map(|d| format!("#{d}")).collect::<Vec<_>>().join(" ")
        ),
        Event::StatusLinkRevoked => t("status-link-revoked").to_owned(),
        Event::Anonymised => t("case-anonymised").to_owned(),
        Event::TaskOpened { system: s, owner, due_on, .. } => format!(
            "{}：{}（{} {} / {} {}）",
            t("task-opened"),
            system(s),
            t("task-owner"),
            person(owner),
            t("due-3"),
            due_on.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
        ),
        Event::TaskWithdrawn { system: s, .. } => format!("{}：{}", t("task-withdrawn"), system(s)),
        Event::TaskUpdated { system: s, status, .. } => {
            format!("{}：{} → {}", t("task-updated"), system(s), status.label(lang))
        }
        Event::TaskOverdueNotified { system: s, owner, due_on, .. } => {
            format!("{}：{}（{} / {} {due_on}）", t("task-owner-told-overdue"), system(s), person(owner), t("due-3"))
        }
    }
}

fn choices<T: Copy>(
    all: &[T],
    lang: Lang,
    code: fn(T) -> &'static str,
    label: fn(T, Lang) -> &'static str,
) -> Vec<Choice> {
    all.iter().map(|x| (code(*x), label(*x, lang))).collect()
}

fn target_choices(targets: Vec<IdentityTarget>, lang: Lang) -> Vec<Choice> {
    targets.into_iter().map(|t| (t.code(), t.label(lang))).collect()
}

/// Builds the page; `errors`, `failed` and `form` refill a failed action.
pub async fn case_page(
    ctx: &Ctx,
    user: &StaffUser,
    reference: &Reference,
    errors: FormErrors,
    failed: &str,
    form: ActionForm,
    notice: String,
) -> Result<CasePage, WebError> {
    let app = &ctx.state.app;
    let f = case_file(app, reference, &user.actor()).await?;
    let p = ctx.page(Some(user)).await?;
    let lang = p.lang;
    let case = &f.rec.case;
    let today = app.today();
    // The clock runs unless paused: a profile that does not pause can be overdue while waiting.
    let running = case.state.is_open() && case.paused_on.is_none();
    let results = f
        .documents
        .iter()
        .filter(|d| d.purpose == DocPurpose::Result)
        .map(|d| ResultLine {
            id: d.id,
            label: d.label.clone().unwrap_or_default(),
            file_name: d.file_name.clone().unwrap_or_default(),
            size: format!("{} KB", (d.size + 1023) / 1024),
            at: app.local_time(d.uploaded_at),
            who: d
                .actor_id
                .and_then(|id| f.staff.iter().find(|u| u.id == id))
                .map(|u| u.display_name.clone())
                .unwrap_or_default(),
            state: if d.removed_at.is_some() {
                lang.t("removed-before-closing")
            } else if d.purged_at.is_some() {
                lang.t("purged-after-retention")
            } else {
                lang.t("stored-encrypted")
            },
            stored: d.stored,
        })
        .collect();
    let notices = f
        .notices
        .iter()
        .map(|n| NoticeLine {
            id: n.id,
            kind: n.kind.label(lang),
            issued: n.issued_on.to_string(),
            by_post: n.by_post,
            posted: n.posted_on.map(|d| d.to_string()).unwrap_or_default(),
            tracking: n.tracking_number.clone().unwrap_or_default(),
            awaits: n.awaits_posting(),
        })
        .collect();
    let (answer_label, answer_prefill) = match case.kind {
        RequestKind::PurposeNotice => (lang.t("answer-purposes-told"), f.settings.get("purposes_of_use").to_owned()),
        RequestKind::Correction => (lang.t("answer-what-was-corrected"), String::new()),
        k if k.is_disclosure() => (lang.t("answer-what-is-disclosed"), String::new()),
        RequestKind::Complaint => (lang.t("answer-to-the-complaint"), String::new()),
        _ => (lang.t("answer-what-was-done"), String::new()),
    };
    let documents = f
        .documents
        .iter()
        .filter(|d| d.purpose == DocPurpose::Identity)
        .map(|d| DocLine {
            id: d.id,
            at: app.local_time(d.uploaded_at),
            doc_type: d.doc_type.map(|t| t.label(lang)).unwrap_or(""),
            target: d.target.map(|t| t.label(lang)).unwrap_or(""),
            size: format!("{} KB", (d.size + 1023) / 1024),
            stored: d.stored,
            is_pdf: d.mime == "application/pdf",
            state: if d.discarded_at.is_some() {
                lang.t("discarded-2")
            } else if d.purged_at.is_some() {
                lang.t("purged-after-retention")
            } else {
                lang.t("stored-encrypted")
            },
        })
        .collect();
    let identity_overdue_since = case
        .identity_asked_on
        .filter(|d| d.saturating_add(jiff::ToSpan::days(f.settings.identity_ask_days())) < today)
        .filter(|_| case.has_ask(Ask::Identity))
        .map(|d| d.to_string())
        .unwrap_or_default();
    let mut pauses: Vec<(String, String)> = Vec::new();
    for e in &f.timeline {
        match &e.event {
            Event::ClockPaused { on } => pauses.push((on.to_string(), String::new())),
            Event::ClockResumed { on, .. } => {
                if let Some(last) = pauses.last_mut() {
                    last.1 = on.to_string();
                }
            }
            _ => {}
        }
    }
    let timeline = f
        .timeline
        .iter()
        .map(|e| TimelineItem {
            at: app.local_time(e.at),
            who: who(e, lang),
            label: describe(&e.event, lang, &f.staff, &f.system_names),
            text: e.message.as_ref().map(|(_, body)| body.clone()),
            internal: e.message.as_ref().is_some_and(|(v, _)| *v == Visibility::Internal),
        })
        .collect();
    let fee_lines = f
        .fees
        .iter()
        .map(|fe| FeeLine {
            id: fe.id,
            payment: fe.entry == crate::domain::FeeEntryKind::Payment,
            entry: fe.entry.label(lang),
            amount: yen(fe.amount),
            method: fe.method.map(|m| m.label(lang)).unwrap_or(""),
            on_date: fe.on_date.to_string(),
            payment_ref: fe.payment_ref.clone().unwrap_or_default(),
        })
        .collect();
    let identity = case
        .identity_targets()
        .iter()
        .map(|t| {
            let s = case.identity.get(*t);
            IdentityLine { label: t.label(lang), status: s.code(), status_label: s.label(lang) }
        })
        .collect();
    let assignee_name = case
        .assignee
        .and_then(|id| f.staff.iter().find(|u| u.id == id))
        .map(|u| u.display_name.clone())
        .unwrap_or_default();
    let policy = &f.policy;
    let task_statuses = crate::domain::inventory::TaskStatus::ALL.iter().map(|s| (s.code(), s.label(lang))).collect();
    Ok(CasePage {
        task_failed: 0,
        task_status: String::new(),
        task_note: String::new(),
        task_statuses,
        reference: reference.to_string(),
        kind_label: case.kind.label(lang),
        state_label: case.state.label(lang),
        outcome_label: case.outcome.map(|o| o.label(lang)).unwrap_or(""),
        filer_label: case.filer.label(lang),
        channel_label: f.rec.channel.label(lang),
        delivery_label: f.rec.case.delivery.map(|d| d.label(lang)).unwrap_or(""),
        days_left: case.due_on.filter(|_| running).map(|d| (d - today).get_days() as i64),
        business_days_left: case.due_on.filter(|_| running).map(|d| policy.calendar.business_days_between(today, d)),
        profile_label: policy.profile.label(lang),
        ack_by: case.received_on.and_then(|r| policy.acknowledge_by(r)).map(|d| d.to_string()).unwrap_or_default(),
        pauses,
        art39_ends: f.art39.map(|a| a.ends_on.to_string()).unwrap_or_default(),
        art39_suit: f.art39.map(|a| a.suit_from.to_string()).unwrap_or_default(),
        art39_now: f.art39.is_some()
            && matches!(case.outcome, Some(crate::domain::Outcome::Refused | crate::domain::Outcome::PartiallyGranted)),
        assignee_name,
        timeline,
        fee_lines,
        fee_status: case.fees.status().label(lang),
        balance: yen(case.fees.balance()),
        credit: case.fees.credit(),
        identity,
        request_targets: target_choices(case.requestable_targets(), lang),
        verify_targets: target_choices(case.verifiable_targets(), lang),
        fail_targets: target_choices(case.failable_targets(), lang),
        outcomes: allowed_outcomes(case).into_iter().map(|o| (o.code(), o.label(lang))).collect(),
        reasons: reasons_offered(case)
            .into_iter()
            .map(|r| (r.code(), r.label(lang), r.citation(lang).unwrap_or_default()))
            .collect(),
        methods: id_methods(case).into_iter().map(|m| (m.code(), m.label(lang))).collect(),
        doc_types: choices(DocType::ALL, lang, DocType::code, DocType::label),
        payment_methods: choices(PaymentMethod::ALL, lang, PaymentMethod::code, PaymentMethod::label),
        kinds: case.other_kinds().into_iter().map(|k: RequestKind| (k.code(), k.label(lang))).collect(),
        asks: case.asks.iter().map(|a| a.label(lang)).collect(),
        errors,
        failed: failed.to_owned(),
        form,
        notice,
        today: today.to_string(),
        scheduled_fee: f.scheduled_fee.map(|n| n.to_string()).unwrap_or_default(),
        fee_overdue_since: case
            .fee_pay_by
            .filter(|d| *d < today && case.has_ask(Ask::Fee))
            .map(|d| d.to_string())
            .unwrap_or_default(),
        pay_by: case.fee_pay_by.map(|d| d.to_string()).unwrap_or_default(),
        documents,
        identity_overdue_since,
        results,
        notices,
        deliveries: Delivery::ALL
            .iter()
            .filter(|d| Some(**d) != case.delivery)
            .map(|d| (d.code(), d.label(lang)))
            .collect(),
        delivery_requested_label: f.rec.delivery_requested.map(|d| d.label(lang)).unwrap_or(""),
        answer_label,
        answer_prefill,
        repeat_of: f.rec.repeat_of.as_ref().map(|r| r.to_string()).unwrap_or_default(),
        p,
        f,
    })
}

pub async fn case_get(user: StaffUser, ctx: Ctx, Path(reference): Path<Reference>) -> Result<Response, WebError> {
    let page =
        case_page(&ctx, &user, &reference, FormErrors::default(), "", ActionForm::default(), String::new()).await?;
    Ok(html(StatusCode::OK, &page))
}

pub async fn receipt_get(
    user: StaffUser,
    ctx: Ctx,
    Path((reference, id)): Path<(Reference, i64)>,
) -> Result<Response, WebError> {
    let app = &ctx.state.app;
    let r = crate::app::cases::staff_receipt(app, &reference, id, &user.actor()).await?;
    Ok(crate::web::receipt::render(&r, ctx.lang, app.today().to_string(), format!("/staff/cases/{reference}")))
}

/// A document: a checked image is shown in the browser, anything else (a
/// PDF, which was not inspected) is downloaded, never opened in our origin;
/// never cached, never framed, and every view written to the access log.
pub async fn document_get(
    user: StaffUser,
    ctx: Ctx,
    Path((reference, id)): Path<(Reference, i64)>,
) -> Result<Response, WebError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let (doc, bytes) = crate::app::documents::view(&ctx.state.app, &reference, id, &user.actor()).await?;
    let kind = crate::domain::documents::FileKind::from_mime(&doc.mime);
    let ext = kind.map(|k| k.extension()).unwrap_or("bin");
    let disposition = if kind.is_some_and(|k| k.is_image()) { "inline" } else { "attachment" };
    Ok((
        [
            (header::CONTENT_TYPE, doc.mime.clone()),
            (header::CONTENT_DISPOSITION, format!("{disposition}; filename=\"{reference}-{id}.{ext}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'".to_owned(),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// A document as the case page lists it.
pub struct DocLine {
    pub id: i64,
    pub at: String,
    pub doc_type: &'static str,
    pub target: &'static str,
    pub size: String,
    pub stored: bool,
    /// Downloaded, not shown: its content was not inspected.
    pub is_pdf: bool,
    pub state: &'static str,
}

impl CasePage {
    /// Searches of the inventory still open.
    pub fn open_tasks(&self) -> usize {
        self.f.tasks.iter().filter(|t| t.status == "open").count()
    }

    /// A task's status label.
    pub fn task_label(&self, status: &str) -> &'static str {
        status.parse::<crate::domain::inventory::TaskStatus>().map(|s| s.label(self.p.lang)).unwrap_or("")
    }

    /// Whether a task is past its due date while open.
    pub fn task_late(&self, t: &crate::app::tasks::Task) -> bool {
        t.status == "open" && t.due_on.as_deref().is_some_and(|d| d < self.today.as_str())
    }

    /// The status a task's form shows as chosen: what was posted if it failed.
    pub fn task_chosen(&self, t: &crate::app::tasks::Task, code: &str) -> bool {
        if self.task_failed == t.id { self.task_status == code } else { t.status == code }
    }

    /// The provision records' direction and basis labels.
    pub fn direction_label(&self, code: &str) -> &'static str {
        super::inventory::direction_label(code, self.p.lang)
    }

    pub fn basis_label(&self, code: &str) -> &'static str {
        super::inventory::basis_label(code, self.p.lang)
    }
}
