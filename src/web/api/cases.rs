//! `/api/v1`: requests in, the queue, a case with its events, the staff's
//! actions, the monthly numbers. Each handler checks the token's scope and
//! calls the service the pages call.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::openapi::{Object, ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiPath, ApiQuery, Caller, Problem, json};
use crate::app::api_tokens::Scope;
use crate::app::queue::{API_LIMIT_MAX, QueueItem, QueueQuery};
use crate::app::records::actor_label;
use crate::app::reports::{self, Period};
use crate::app::{cases, queue, requests};
use crate::domain::action_form::ActionForm;
use crate::domain::input::{FieldError, RequestForm};
use crate::domain::{
    Action, Ask, Channel, Delivery, Filer, Msg, Outcome, Reference, RequestKind, State, is_system_only,
};

fn enum_of<'a>(values: impl IntoIterator<Item = &'a str>) -> Object {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values.into_iter().collect::<Vec<_>>())).build()
}
fn kinds() -> Object {
    enum_of(RequestKind::ALL.iter().map(|k| k.code()))
}
fn filers() -> Object {
    enum_of(Filer::ALL.iter().map(|f| f.code()))
}
fn deliveries() -> Object {
    enum_of(Delivery::ALL.iter().map(|d| d.code()))
}
/// The channels of staff intake: the web form is the requester's own.
fn channels() -> Object {
    enum_of(Channel::ALL.iter().filter(|c| **c != Channel::Web).map(|c| c.code()))
}
fn all_channels() -> Object {
    enum_of(Channel::ALL.iter().map(|c| c.code()))
}
fn langs() -> Object {
    enum_of(["ja", "en"])
}
fn states() -> Object {
    enum_of(State::ALL.iter().filter(|s| **s != State::Unconfirmed).map(|s| s.code()))
}
fn asks() -> Object {
    enum_of(Ask::ALL.iter().map(|a| a.code()))
}
fn ask_list() -> utoipa::openapi::Array {
    utoipa::openapi::ArrayBuilder::new().items(asks()).build()
}
fn api_actions() -> Object {
    enum_of(API_ACTIONS.iter().map(|a| a.code()))
}

/// The actions the API runs: the staff's, but for uploads (multipart,
/// on the case page) and what only the requester or the system does.
static API_ACTIONS: std::sync::LazyLock<Vec<Action>> = std::sync::LazyLock::new(|| {
    Action::ALL
        .iter()
        .copied()
        .filter(|a| !is_system_only(*a))
        .filter(|a| {
            !matches!(
                a,
                Action::ConfirmEmail
                    | Action::SubmitDocuments
                    | Action::RequesterReply
                    | Action::AttachResult
                    | Action::DownloadResult
            )
        })
        .collect()
});

fn date_string(d: Option<jiff::civil::Date>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// A request taken in through the API: the request form's fields, with the
/// channel it came by and the day it arrived, as staff intake takes them.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({
    "kind": "disclosure", "subject_name": "山田 太郎", "subject_name_kana": "ヤマダ タロウ",
    "contact_email": "taro@example.jp", "filer": "self", "delivery": "electronic",
    "details": "会員サービスで保有している私の個人データの開示を求めます。", "channel": "phone",
    "received_on": "2026-12-01", "lang": "ja"
}))]
pub struct NewRequest {
    #[schema(schema_with = kinds)]
    pub kind: String,
    #[schema(min_length = 1, max_length = 100)]
    pub subject_name: String,
    pub subject_name_kana: Option<String>,
    #[schema(format = Date)]
    pub subject_birth_date: Option<String>,
    pub subject_postal_code: Option<String>,
    pub subject_address: Option<String>,
    pub subject_phone: Option<String>,
    pub contact_email: Option<String>,
    #[schema(schema_with = filers)]
    pub filer: String,
    pub agent_name: Option<String>,
    pub agent_relationship: Option<String>,
    /// How a disclosure is to be delivered (disclosure kinds).
    #[schema(schema_with = deliveries)]
    pub delivery: Option<String>,
    #[schema(min_length = 1, max_length = 5000)]
    pub details: String,
    /// The language of the requester's e-mails and letters (default `ja`).
    #[schema(schema_with = langs)]
    pub lang: Option<String>,
    #[schema(schema_with = channels)]
    pub channel: String,
    /// The day the request arrived (default today; never in the future).
    #[schema(format = Date)]
    pub received_on: Option<String>,
}

impl NewRequest {
    fn into_form(self, today: jiff::civil::Date) -> RequestForm {
        let o = |v: Option<String>| v.unwrap_or_default();
        RequestForm {
            kind: self.kind,
            subject_name: self.subject_name,
            subject_name_kana: o(self.subject_name_kana),
            subject_birth_date: o(self.subject_birth_date),
            subject_postal_code: o(self.subject_postal_code),
            subject_address: o(self.subject_address),
            subject_phone: o(self.subject_phone),
            contact_email: o(self.contact_email),
            filer: self.filer,
            agent_name: o(self.agent_name),
            agent_relationship: o(self.agent_relationship),
            delivery: o(self.delivery),
            details: self.details,
            lang: o(self.lang),
            // The web form's channel is the requester's own page.
            channel: if self.channel == "web" { "-".into() } else { self.channel },
            received_on: self.received_on.unwrap_or_else(|| today.to_string()),
            ..RequestForm::default()
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub reference: String,
    #[schema(schema_with = states)]
    pub state: String,
    #[schema(format = Date)]
    pub due_on: Option<String>,
    /// The requester's status link: a secret, for the requester only.
    pub status_url: String,
}

/// Takes in a request (as staff intake: received at once, on `received_on`).
#[utoipa::path(
    post, path = "/api/v1/requests", tag = "requests",
    request_body = NewRequest,
    responses((status = 201, description = "Received: its reference, state, due date and status link.", body = Created,
        headers(("Location" = String, description = "The case in the API")))),
    security(("bearer" = ["cases:write"]))
)]
pub async fn create_request(caller: Caller, ApiJson(body): ApiJson<NewRequest>) -> Result<Response, Problem> {
    caller.require(Scope::CasesWrite)?;
    let app = &caller.app;
    let rec = requests::intake(app, &body.into_form(app.today()), caller.client.actor())
        .await
        .map_err(|e| caller.problem(e))?;
    let reference = rec.reference_str().to_owned();
    let created = Created {
        state: rec.case.state.code().to_owned(),
        due_on: date_string(rec.case.due_on),
        status_url: requests::status_url(app, &rec).unwrap_or_default(),
        reference: reference.clone(),
    };
    let mut res = json(StatusCode::CREATED, &created);
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/cases/{reference}")) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// The queue's filters (as on `/staff`), a page size and a cursor.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct CasesQuery {
    #[param(schema_with = states)]
    pub state: Option<String>,
    /// Cases waiting for the requester on this.
    #[param(schema_with = asks)]
    pub ask: Option<String>,
    #[param(schema_with = kinds)]
    pub kind: Option<String>,
    /// `me` (the token's own account), `none`, or a staff user's id.
    #[param(pattern = "^(me|none|[0-9]{1,18})$")]
    pub assignee: Option<String>,
    /// Cases with a search of the inventory still open for this owner:
    /// `me` (the token's own account) or a staff user's id.
    #[param(pattern = "^(me|[0-9]{1,18})$")]
    pub task_owner: Option<String>,
    #[param(schema_with = dues)]
    pub due: Option<String>,
    /// Searches reference, name, kana, e-mail, phone and details (2 characters or more).
    pub q: Option<String>,
    #[param(schema_with = views)]
    pub view: Option<String>,
    /// Only repeated requests.
    pub repeat: Option<bool>,
    #[param(schema_with = sorts)]
    pub sort: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

fn dues() -> Object {
    enum_of(["overdue", "week"])
}
fn views() -> Object {
    enum_of(queue::VIEWS)
}
fn sorts() -> Object {
    enum_of(["due", "received"])
}

impl CasesQuery {
    /// The queue's query, or the fields at fault.
    fn to_queue(&self) -> Result<QueueQuery, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut check = |field: &'static str, v: &Option<String>, ok: &dyn Fn(&str) -> bool| {
            if v.as_deref().is_some_and(|v| !ok(v)) {
                errors.push(FieldError { field, msg: Msg::new("choose-one-of-the-options") });
            }
        };
        check("state", &self.state, &|v| v.parse::<State>().is_ok_and(|s| s != State::Unconfirmed));
        check("ask", &self.ask, &|v| v.parse::<Ask>().is_ok());
        check("kind", &self.kind, &|v| v.parse::<RequestKind>().is_ok());
        check("assignee", &self.assignee, &|v| {
            v == "me" || v == "none" || (!v.is_empty() && v.len() <= 18 && v.bytes().all(|b| b.is_ascii_digit()))
        });
        check("task_owner", &self.task_owner, &|v| {
            v == "me" || (!v.is_empty() && v.len() <= 18 && v.bytes().all(|b| b.is_ascii_digit()))
        });
        check("due", &self.due, &|v| v == "overdue" || v == "week");
        check("view", &self.view, &|v| queue::VIEWS.contains(&v));
        check("sort", &self.sort, &|v| v == "due" || v == "received");
        check("cursor", &self.cursor, &queue::is_cursor);
        if self.limit.is_some_and(|l| !(1..=API_LIMIT_MAX).contains(&l)) {
            errors.push(FieldError {
                field: "limit",
                msg: Msg::new("setting-range").text("min", "1".to_owned()).text("max", API_LIMIT_MAX.to_string()),
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        Ok(QueueQuery {
            state: s(&self.state),
            ask: s(&self.ask),
            kind: s(&self.kind),
            assignee: s(&self.assignee),
            task_owner: s(&self.task_owner),
            due: s(&self.due),
            q: s(&self.q),
            cursor: s(&self.cursor),
            view: s(&self.view),
            repeat: if self.repeat == Some(true) { "1".into() } else { String::new() },
            sort: s(&self.sort),
        })
    }
}

/// A case as the queue lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseItem {
    pub reference: Option<String>,
    #[schema(schema_with = kinds)]
    pub kind: String,
    #[schema(schema_with = states)]
    pub state: String,
    /// What the case waits for from the requester.
    #[schema(schema_with = ask_list)]
    pub asks: Vec<String>,
    pub subject_name: String,
    #[schema(format = Date)]
    pub received_on: Option<String>,
    #[schema(format = Date)]
    pub due_on: Option<String>,
    /// Calendar days left (negative: overdue), while the clock runs.
    pub days_left: Option<i64>,
    /// `overdue`, `soon` (3 business days or fewer) or null.
    pub urgency: Option<String>,
    /// The assignee's name.
    pub assignee: Option<String>,
    /// The earlier case this one repeats.
    pub repeat_of: Option<String>,
    /// A letter of this case waits to be posted.
    pub letter_waiting: bool,
    /// The clock is paused while the requester is asked for something.
    pub paused: bool,
}

impl From<QueueItem> for CaseItem {
    fn from(i: QueueItem) -> CaseItem {
        let e = i.entry;
        CaseItem {
            reference: e.reference.map(|r| r.to_string()),
            kind: e.kind.code().to_owned(),
            state: e.state.code().to_owned(),
            asks: e.asks.iter().map(|a| a.code().to_owned()).collect(),
            subject_name: e.subject_name,
            received_on: date_string(e.received_on),
            due_on: date_string(e.due_on),
            days_left: i.days_left,
            urgency: (!i.urgency.is_empty()).then(|| i.urgency.to_owned()),
            assignee: e.assignee_name,
            repeat_of: e.repeat_of.map(|r| r.to_string()),
            letter_waiting: e.letter_waiting,
            paused: e.paused,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseList {
    pub items: Vec<CaseItem>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// Lists open cases with the queue's filters, nearest due date first (or the
/// latest received), `limit` at a time (default 50, at most 200).
#[utoipa::path(
    get, path = "/api/v1/cases", tag = "cases",
    params(CasesQuery),
    responses((status = 200, description = "A page of cases.", body = CaseList)),
    security(("bearer" = ["cases:read"]))
)]
pub async fn list_cases(caller: Caller, ApiQuery(q): ApiQuery<CasesQuery>) -> Result<Response, Problem> {
    caller.require(Scope::CasesRead)?;
    let query = q.to_queue().map_err(|errors| Problem::invalid(caller.lang, &errors))?;
    let limit = q.limit.unwrap_or(queue::PAGE_SIZE);
    let (items, next_cursor) =
        queue::list(&caller.app, &query, caller.client.user_id, limit).await.map_err(|e| caller.problem(e))?;
    Ok(json(StatusCode::OK, &CaseList { items: items.into_iter().map(CaseItem::from).collect(), next_cursor }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Person {
    pub subject_name: String,
    pub subject_name_kana: Option<String>,
    #[schema(format = Date)]
    pub subject_birth_date: Option<String>,
    pub subject_postal_code: Option<String>,
    pub subject_address: Option<String>,
    pub subject_phone: Option<String>,
    pub contact_email: Option<String>,
    pub agent_name: Option<String>,
    pub agent_relationship: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventItem {
    pub seq: i64,
    /// The event's code (DESIGN.md §1).
    pub code: String,
    #[schema(format = DateTime)]
    pub at: String,
    /// `requester`, `system` or `staff:<name>`.
    pub actor: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeItem {
    pub id: i64,
    pub kind: String,
    #[schema(format = Date)]
    pub issued_on: String,
    pub by_post: bool,
    #[schema(format = Date)]
    pub posted_on: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentItem {
    pub id: i64,
    /// `identity` or `result`.
    pub purpose: String,
    pub mime: String,
    pub size: i64,
    /// Its content is still stored (not discarded or purged).
    pub stored: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Fees {
    pub requested: i64,
    pub paid: i64,
    pub waived: i64,
    pub refunded: i64,
    /// What the requester still owes.
    pub balance: i64,
}

/// A case with its events (codes and dates; no document contents).
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    pub reference: String,
    #[schema(schema_with = kinds)]
    pub kind: String,
    #[schema(schema_with = states)]
    pub state: String,
    #[schema(schema_with = all_channels)]
    pub channel: String,
    #[schema(schema_with = filers)]
    pub filer: String,
    pub delivery: Option<String>,
    #[schema(schema_with = langs)]
    pub lang: String,
    #[schema(schema_with = ask_list)]
    pub asks: Vec<String>,
    #[schema(format = Date)]
    pub received_on: Option<String>,
    #[schema(format = Date)]
    pub due_on: Option<String>,
    #[schema(format = Date)]
    pub closed_on: Option<String>,
    pub outcome: Option<String>,
    /// The reasons of the last closing (Art. 36).
    pub reasons: Vec<String>,
    /// The assignee's staff id.
    pub assignee: Option<i64>,
    pub repeat_of: Option<String>,
    pub person: Person,
    pub details: String,
    pub fees: Fees,
    pub events: Vec<EventItem>,
    pub notices: Vec<NoticeItem>,
    pub documents: Vec<DocumentItem>,
    /// The actions this token may run on the case now.
    pub actions: Vec<String>,
    /// The searches of the data inventory this case needs (one per system
    /// that its kind must search); a granting close waits for all of them.
    pub tasks: Vec<TaskItem>,
}

/// A search of one system of the data inventory for a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskItem {
    pub id: i64,
    pub system: String,
    pub system_id: i64,
    /// The owner's staff id.
    pub owner: Option<i64>,
    #[schema(schema_with = task_statuses)]
    pub status: String,
    pub note: String,
    #[schema(format = Date)]
    pub due_on: Option<String>,
    #[schema(format = Date)]
    pub done_on: Option<String>,
}

fn task_statuses() -> utoipa::openapi::Object {
    enum_of(["open", "done", "not_applicable"])
}

fn task_item(t: &crate::app::tasks::Task) -> TaskItem {
    TaskItem {
        id: t.id,
        system: t.system_name.clone(),
        system_id: t.system_id,
        owner: t.owner_id,
        status: t.status.clone(),
        note: t.note.clone(),
        due_on: t.due_on.clone(),
        done_on: t.done_on.clone(),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CasePath {
    /// `YYYY-NNNNNN`
    #[param(pattern = "^[0-9]{4}-[0-9]{6}$")]
    pub reference: String,
}

fn parse_reference(s: &str, caller: &Caller) -> Result<Reference, Problem> {
    s.parse().map_err(|_| Problem::not_found(caller.lang))
}

/// A case with its events, notices and documents (no contents), and the
/// actions the token may run on it now.
#[utoipa::path(
    get, path = "/api/v1/cases/{reference}", tag = "cases",
    params(CasePath),
    responses((status = 200, description = "The case.", body = CaseDetail)),
    security(("bearer" = ["cases:read"]))
)]
pub async fn get_case(caller: Caller, ApiPath(p): ApiPath<CasePath>) -> Result<Response, Problem> {
    caller.require(Scope::CasesRead)?;
    let reference = parse_reference(&p.reference, &caller)?;
    let actor = caller.client.actor();
    let file = cases::case_file(&caller.app, &reference, &actor).await.map_err(|e| caller.problem(e))?;
    let (rec, person) = (&file.rec, &file.rec.person);
    let detail = CaseDetail {
        reference: rec.reference_str().to_owned(),
        kind: rec.case.kind.code().to_owned(),
        state: rec.case.state.code().to_owned(),
        channel: rec.channel.code().to_owned(),
        filer: rec.case.filer.code().to_owned(),
        delivery: rec.case.delivery.map(|d| d.code().to_owned()),
        lang: rec.lang.code().to_owned(),
        asks: rec.case.asks.iter().map(|a| a.code().to_owned()).collect(),
        received_on: date_string(rec.case.received_on),
        due_on: date_string(rec.case.due_on),
        closed_on: date_string(rec.case.closed_on),
        outcome: rec.case.outcome.map(|o: Outcome| o.code().to_owned()),
        reasons: rec.case.reasons.iter().map(|r| r.code().to_owned()).collect(),
        assignee: rec.case.assignee,
        repeat_of: rec.repeat_of.as_ref().map(ToString::to_string),
        person: Person {
            subject_name: person.subject_name.clone(),
            subject_name_kana: person.subject_name_kana.clone(),
            subject_birth_date: date_string(person.subject_birth_date),
            subject_postal_code: person.subject_postal_code.clone(),
            subject_address: person.subject_address.clone(),
            subject_phone: person.subject_phone.clone(),
            contact_email: person.contact_email.clone(),
            agent_name: person.agent_name.clone(),
            agent_relationship: person.agent_relationship.clone(),
        },
        details: person.details.clone(),
        fees: Fees {
            requested: rec.case.fees.requested,
            paid: rec.case.fees.paid,
            waived: rec.case.fees.waived,
            refunded: rec.case.fees.refunded,
            balance: rec.case.fees.balance(),
        },
        events: file
            .timeline
            .iter()
            .map(|e| EventItem {
                seq: e.seq,
                code: e.event.code().to_owned(),
                at: caller.app.local_instant(e.at),
                actor: actor_label(e.actor_kind.code(), e.actor_name.as_deref()),
            })
            .collect(),
        notices: file
            .notices
            .iter()
            .map(|n| NoticeItem {
                id: n.id,
                kind: n.kind.code().to_owned(),
                issued_on: n.issued_on.to_string(),
                by_post: n.by_post,
                posted_on: date_string(n.posted_on),
            })
            .collect(),
        documents: file
            .documents
            .iter()
            .map(|d| DocumentItem {
                id: d.id,
                purpose: d.purpose.code().to_owned(),
                mime: d.mime.clone(),
                size: d.size,
                stored: d.stored,
            })
            .collect(),
        actions: file.actions.iter().filter(|a| API_ACTIONS.contains(a)).map(|a| a.code().to_owned()).collect(),
        tasks: file.tasks.iter().map(task_item).collect(),
    };
    Ok(json(StatusCode::OK, &detail))
}

/// The fields of the staff's action forms (DESIGN.md §4 "Staff"); each
/// action reads its own. Numbers are JSON numbers; `reasons` is an array.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ActionBody {
    /// A staff user's id; null unassigns (`assign`).
    pub assignee: Option<i64>,
    pub body: Option<String>,
    pub target: Option<String>,
    pub note: Option<String>,
    pub method: Option<String>,
    pub doc_type: Option<String>,
    pub reason: Option<String>,
    /// Yen.
    pub amount: Option<i64>,
    #[schema(format = Date)]
    pub paid_on: Option<String>,
    pub payment_ref: Option<String>,
    pub days: Option<i64>,
    #[schema(format = Date)]
    pub new_due_on: Option<String>,
    pub outcome: Option<String>,
    pub reasons: Vec<String>,
    pub explanation: Option<String>,
    pub kind: Option<String>,
    pub document: Option<i64>,
    pub answer: Option<String>,
    pub delivery: Option<String>,
    pub notice: Option<i64>,
    #[schema(format = Date)]
    pub posted_on: Option<String>,
    pub tracking_number: Option<String>,
}

impl ActionBody {
    fn into_form(self) -> ActionForm {
        let o = |v: Option<String>| v.unwrap_or_default();
        let n = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        ActionForm {
            assignee: n(self.assignee),
            body: o(self.body),
            target: o(self.target),
            note: o(self.note),
            method: o(self.method),
            doc_type: o(self.doc_type),
            reason: o(self.reason),
            amount: n(self.amount),
            paid_on: o(self.paid_on),
            payment_ref: o(self.payment_ref),
            days: n(self.days),
            new_due_on: o(self.new_due_on),
            outcome: o(self.outcome),
            reasons: self.reasons,
            explanation: o(self.explanation),
            kind: o(self.kind),
            document: n(self.document),
            answer: o(self.answer),
            delivery: o(self.delivery),
            notice: n(self.notice),
            posted_on: o(self.posted_on),
            tracking_number: o(self.tracking_number),
            ..ActionForm::default()
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ActionPath {
    /// `YYYY-NNNNNN`
    #[param(pattern = "^[0-9]{4}-[0-9]{6}$")]
    pub reference: String,
    #[param(schema_with = api_actions)]
    pub action: String,
}

/// The case after an action.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActionDone {
    pub reference: String,
    #[schema(schema_with = states)]
    pub state: String,
    #[schema(format = Date)]
    pub due_on: Option<String>,
    pub outcome: Option<String>,
}

/// Runs a staff action on a case, with the same rules as the case page:
/// 409 when the case's state does not allow it.
#[utoipa::path(
    post, path = "/api/v1/cases/{reference}/actions/{action}", tag = "cases",
    params(ActionPath),
    request_body = ActionBody,
    responses((status = 200, description = "Done (or nothing to do): the case now.", body = ActionDone)),
    security(("bearer" = ["cases:write"]))
)]
pub async fn case_action(
    caller: Caller,
    ApiPath(p): ApiPath<ActionPath>,
    ApiJson(body): ApiJson<ActionBody>,
) -> Result<Response, Problem> {
    caller.require(Scope::CasesWrite)?;
    let reference = parse_reference(&p.reference, &caller)?;
    let action = p.action.parse::<Action>().ok().filter(|a| API_ACTIONS.contains(a));
    let Some(action) = action else {
        return Err(Problem::not_found(caller.lang));
    };
    let rec = cases::perform(&caller.app, &reference, action, &body.into_form(), caller.client.actor())
        .await
        .map_err(|e| caller.problem(e))?;
    let done = ActionDone {
        reference: rec.reference_str().to_owned(),
        state: rec.case.state.code().to_owned(),
        due_on: date_string(rec.case.due_on),
        outcome: rec.case.outcome.map(|o| o.code().to_owned()),
    };
    Ok(json(StatusCode::OK, &done))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct TaskPath {
    /// `YYYY-NNNNNN`
    #[param(pattern = "^[0-9]{4}-[0-9]{6}$")]
    pub reference: String,
    /// The task's id (`tasks[].id` of the case).
    pub id: i64,
}

/// A search marked done, not applicable (with why), or open again.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct TaskBody {
    #[schema(schema_with = task_statuses)]
    pub status: String,
    /// Required for `not_applicable`.
    pub note: Option<String>,
}

/// Changes a search of the data inventory on a case, with the same rules
/// as the case page's checklist: 409 once the case is closed, 422 for
/// `not_applicable` without a note.
#[utoipa::path(
    post, path = "/api/v1/cases/{reference}/tasks/{id}", tag = "cases",
    params(TaskPath),
    request_body = TaskBody,
    responses((status = 200, description = "Done (or nothing to do): the task now.", body = TaskItem)),
    security(("bearer" = ["cases:write"]))
)]
pub async fn case_task(
    caller: Caller,
    ApiPath(p): ApiPath<TaskPath>,
    ApiJson(body): ApiJson<TaskBody>,
) -> Result<Response, Problem> {
    caller.require(Scope::CasesWrite)?;
    let reference = parse_reference(&p.reference, &caller)?;
    let form = crate::app::tasks::TaskForm { status: body.status, note: body.note.unwrap_or_default() };
    let rec = crate::app::tasks::update(&caller.app, &reference, p.id, &form, caller.client.actor())
        .await
        .map_err(|e| caller.problem(e))?;
    let tasks = crate::app::tasks::for_case(&caller.app, rec.id()).await.map_err(|e| caller.problem(e))?;
    let task = tasks.iter().find(|t| t.id == p.id).ok_or_else(|| Problem::not_found(caller.lang))?;
    Ok(json(StatusCode::OK, &task_item(task)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MonthPath {
    /// `YYYY-MM`
    #[param(pattern = "^[0-9]{4}-[0-9]{2}$")]
    pub month: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Count {
    pub code: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KindNumbers {
    #[schema(schema_with = kinds)]
    pub kind: String,
    pub received: i64,
    pub closed: i64,
    /// Granted, partially granted or answered.
    pub complied: i64,
    /// Refused, or no data held.
    pub denied: i64,
    pub withdrawn: i64,
    pub median_days: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeeNumbers {
    pub requested: i64,
    pub collected: i64,
    pub waived: i64,
    pub refunded: i64,
    pub collected_by_method: Vec<Count>,
}

/// A month's numbers (DESIGN.md §5), as on the report page.
#[derive(Debug, Serialize, ToSchema)]
pub struct MonthReport {
    pub month: String,
    /// The day open and overdue cases are counted at.
    #[schema(format = Date)]
    pub as_of: String,
    /// The month is not over: its figures are so far.
    pub so_far: bool,
    pub received: i64,
    pub closed: i64,
    pub withdrawn: i64,
    pub on_time: i64,
    /// On time ÷ closed (withdrawn excluded); null when nothing closed.
    pub on_time_rate: Option<f64>,
    pub open_at_end: i64,
    pub overdue_open: i64,
    pub median_days: Option<f64>,
    pub mean_days: Option<f64>,
    pub median_business_days: Option<f64>,
    pub mean_business_days: Option<f64>,
    pub extensions: i64,
    pub kinds: Vec<KindNumbers>,
    pub by_outcome: Vec<Count>,
    pub by_channel: Vec<Count>,
    pub by_filer: Vec<Count>,
    pub refusals_by_reason: Vec<Count>,
    pub fees: FeeNumbers,
}

fn counts<T: std::fmt::Display>(xs: &[(T, i64)]) -> Vec<Count> {
    xs.iter().map(|(c, n)| Count { code: c.to_string(), count: *n }).collect()
}

/// A month's numbers: received, closed, on time, open, overdue, days to
/// close, extensions, by kind, outcome, channel and filer, refusals by
/// reason, fees.
#[utoipa::path(
    get, path = "/api/v1/reports/{month}", tag = "reports",
    params(MonthPath),
    responses((status = 200, description = "The month's numbers.", body = MonthReport)),
    security(("bearer" = ["reports:read"]))
)]
pub async fn monthly_report(caller: Caller, ApiPath(p): ApiPath<MonthPath>) -> Result<Response, Problem> {
    caller.require(Scope::ReportsRead)?;
    let period = (p.month.len() == 7).then(|| Period::parse(&p.month)).flatten();
    let Some(period) = period else {
        return Err(Problem::not_found(caller.lang));
    };
    let r = reports::report(&caller.app, period).await.map_err(|e| caller.problem(e))?;
    let body = MonthReport {
        month: period.code(),
        as_of: r.as_of.to_string(),
        so_far: r.so_far,
        received: r.received,
        closed: r.closed,
        withdrawn: r.withdrawn,
        on_time: r.on_time,
        on_time_rate: r.on_time_rate,
        open_at_end: r.open_at_end,
        overdue_open: r.overdue_open,
        median_days: r.median_days,
        mean_days: r.mean_days,
        median_business_days: r.median_business_days,
        mean_business_days: r.mean_business_days,
        extensions: r.extensions,
        kinds: r
            .kinds
            .iter()
            .map(|k| KindNumbers {
                kind: k.kind.code().to_owned(),
                received: k.received,
                closed: k.closed,
                complied: k.complied,
                denied: k.denied,
                withdrawn: k.withdrawn,
                median_days: k.median_days,
            })
            .collect(),
        by_outcome: counts(&r.by_outcome),
        by_channel: counts(&r.by_channel),
        by_filer: counts(&r.by_filer),
        refusals_by_reason: counts(&r.refusals_by_reason),
        fees: FeeNumbers {
            requested: r.fees.requested,
            collected: r.fees.collected,
            waived: r.fees.waived,
            refunded: r.fees.refunded,
            collected_by_method: counts(&r.fees.collected_by_method),
        },
    };
    Ok(json(StatusCode::OK, &body))
}
