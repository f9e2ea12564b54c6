//! The staff queue: its filters as the URL carries them, one page of cases
//! with their days left, and the counts on top.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Deserialize;

use super::records::{Account, CaseRecord, QueueEntry};
use super::store::cases::{self as sc, NO_DUE, Order, QueueFilter};
use super::store::users;
use super::{App, AppError, Result};
use crate::domain::input::FieldError;
use crate::domain::{Actor, Ask, DomainError, Lang, Reference, RequestKind, State};
use crate::mail::{self, Kind};

pub use super::store::cases::QueueCounts;

/// Rows per page.
pub const PAGE_SIZE: i64 = 50;

/// The queue's query string (DESIGN.md §4 "Staff"); unknown values are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct QueueQuery {
    pub state: String,
    pub ask: String,
    pub kind: String,
    pub assignee: String,
    /// `me` or a staff id: cases with a search of the inventory still open for them.
    pub task_owner: String,
    pub due: String,
    pub q: String,
    pub cursor: String,
    /// A saved view: `mine`, `unassigned`, `overdue`, `week`, `waiting`, `letters`.
    pub view: String,
    /// `1`: only repeated requests.
    pub repeat: String,
    /// `due` (the default: nearest due date first) or `received` (latest first).
    pub sort: String,
}

impl QueueQuery {
    /// The query string without the cursor, for the next page's link.
    pub fn without_cursor(&self) -> String {
        let pairs = [
            ("state", &self.state),
            ("ask", &self.ask),
            ("kind", &self.kind),
            ("assignee", &self.assignee),
            ("task_owner", &self.task_owner),
            ("due", &self.due),
            ("q", &self.q),
            ("view", &self.view),
            ("repeat", &self.repeat),
            ("sort", &self.sort),
        ];
        let kept: Vec<(&str, &String)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        serde_urlencoded::to_string(kept).unwrap_or_default()
    }

    /// The filters as the store applies them. `user_id` is "me".
    pub(crate) fn filter(&self, user_id: i64, today: Date, open_only: bool) -> QueueFilter {
        let mut f = QueueFilter { limit: PAGE_SIZE + 1, open_only, ..QueueFilter::default() };
        f.state = self.state.parse::<State>().ok();
        f.kind = self.kind.parse::<RequestKind>().ok();
        f.ask = self.ask.parse::<Ask>().ok();
        f.assignee = match self.assignee.as_str() {
            "" => None,
            "none" => Some(None),
            "me" => Some(Some(user_id)),
            other => other.parse().ok().map(Some),
        };
        f.task_owner = match self.task_owner.as_str() {
            "me" => Some(user_id),
            other => other.parse().ok(),
        };
        // The saved views `overdue` and `week` are the due filters of the same names.
        let due = if matches!(self.view.as_str(), "overdue" | "week") { self.view.as_str() } else { self.due.as_str() };
        match due {
            "overdue" => {
                f.due_until = Some(today.saturating_sub(1.day()));
                f.clock_running = true;
            }
            "week" => {
                // Today through today + 6 (DESIGN.md §3): the overdue are counted apart.
                f.due_from = Some(today);
                f.due_until = Some(today.saturating_add(6.days()));
                f.clock_running = true;
            }
            _ => {}
        }
        match self.view.as_str() {
            "mine" => f.assignee = Some(Some(user_id)),
            "unassigned" => f.assignee = Some(None),
            "waiting" => f.state = Some(State::AwaitingRequester),
            // Letters wait to be posted whatever the state: a decision goes out as the case closes.
            "letters" => {
                f.letters = true;
                f.open_only = false;
            }
            _ => {}
        }
        f.repeat = self.repeat == "1";
        f.order = if self.sort == "received" { Order::Received } else { Order::Due };
        // Control characters count as spaces (SQLite's full-text query stops at a NUL).
        let needle = crate::domain::input::controls_as_spaces(&self.q);
        let needle = needle.trim();
        if !needle.is_empty() {
            f.q = Some(needle.to_owned());
        }
        f.after = self.cursor.rsplit_once('_').and_then(|(due, id)| Some((due.to_owned(), id.parse().ok()?)));
        f
    }
}

/// A queue row with its clock, as the table shows it.
pub struct QueueItem {
    pub entry: QueueEntry,
    /// Calendar days left (negative: overdue), while the clock runs.
    pub days_left: Option<i64>,
    /// "overdue", "soon" (3 business days or fewer) or "".
    pub urgency: &'static str,
}

pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub counts: QueueCounts,
    pub next_cursor: Option<String>,
    /// A search matched too many cases to sort: the message saying in
    /// which order they come instead.
    pub broad: Option<&'static str>,
    /// Why the search was not run (the box says it).
    pub search_error: Option<&'static str>,
    /// Active staff, for the assignee filter.
    pub staff: Vec<Account>,
}

/// One page of the queue for a staff member.
pub async fn page(app: &App, q: &QueueQuery, user_id: i64) -> Result<QueuePage> {
    let today = app.today();
    let Rows { items, next_cursor, order, search_error } = rows(app, q, user_id, PAGE_SIZE).await?;
    let counts = sc::queue_counts(&app.store, today, today.saturating_add(6.days())).await?;
    let staff = users::all(&app.store).await?.into_iter().filter(|u| u.active).collect();
    let broad = (order == Order::Newest).then_some("search-newest-first");
    Ok(QueuePage { items, counts, next_cursor, broad, search_error, staff })
}

/// The saved views (`view=`).
pub const VIEWS: [&str; 6] = ["mine", "unassigned", "overdue", "week", "waiting", "letters"];

/// Whether `s` is a cursor the queue gave (`<sort key>_<id>`).
pub fn is_cursor(s: &str) -> bool {
    s.rsplit_once('_').is_some_and(|(key, id)| id.parse::<i64>().is_ok() && (key == "n" || key.parse::<Date>().is_ok()))
}

/// The most rows one request of the API may ask for.
pub const API_LIMIT_MAX: i64 = 200;

/// Rows of the queue and the cursor after them, as the API lists them
/// (`limit` rows at most; the same filters, order and cursors as the page).
pub async fn list(app: &App, q: &QueueQuery, user_id: i64, limit: i64) -> Result<(Vec<QueueItem>, Option<String>)> {
    let r = rows(app, q, user_id, limit.clamp(1, API_LIMIT_MAX)).await?;
    if let Some(id) = r.search_error {
        return Err(AppError::Invalid(vec![FieldError { field: "q", msg: crate::domain::Msg::new(id) }]));
    }
    Ok((r.items, r.next_cursor))
}

struct Rows {
    items: Vec<QueueItem>,
    next_cursor: Option<String>,
    order: Order,
    search_error: Option<&'static str>,
}

async fn rows(app: &App, q: &QueueQuery, user_id: i64, limit: i64) -> Result<Rows> {
    let today = app.today();
    let mut f = q.filter(user_id, today, true);
    f.limit = limit + 1;
    // One character would match half the cases: ask for two (the page says so at the box).
    let search_error = f.q.as_deref().is_some_and(sc::is_too_short).then_some("search-needs-two-characters");
    let sc::QueueRows { mut rows, order, resume_below } = if search_error.is_some() {
        sc::QueueRows { rows: Vec::new(), order: f.order, resume_below: None }
    } else {
        sc::queue(&app.store, &f).await?
    };
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = match order {
        // A broad search goes on where its window says.
        Order::Newest => resume_below.map(|id| format!("n_{id}")),
        _ if more => rows.last().map(|r| cursor(r, order)),
        _ => None,
    };
    let calendar = app.settings().await?.calendar();
    let items = rows
        .into_iter()
        .map(|entry| {
            // A clock runs unless paused: a CCPA case waiting for the requester can be overdue.
            let running = entry.state.is_open() && !entry.paused;
            let due = entry.due_on.filter(|_| running);
            let days_left = due.map(|d| (d - today).get_days() as i64);
            // Amber within 3 business days, red once overdue (UI.md).
            let urgency = match (days_left, due.map(|d| calendar.business_days_between(today, d))) {
                (Some(d), _) if d < 0 => "overdue",
                (Some(_), Some(b)) if b <= 3 => "soon",
                _ => "",
            };
            QueueItem { entry, days_left, urgency }
        })
        .collect();
    Ok(Rows { items, next_cursor, order, search_error })
}

/// The keyset cursor after `r`: its sort key and id.
fn cursor(r: &QueueEntry, order: Order) -> String {
    let key = match order {
        Order::Due => r.due_on.map(|d| d.to_string()).unwrap_or_else(|| NO_DUE.to_owned()),
        Order::Received => r.received_on.map(|d| d.to_string()).unwrap_or_else(|| "0000-01-01".to_owned()),
        Order::Newest => "n".to_owned(),
    };
    format!("{key}_{}", r.id)
}

/// Compares the queue's counts with a count of the cases themselves and,
/// should they differ (only a change made to the database by hand could do
/// that: triggers keep the tally in each change's transaction), counts the
/// tally afresh. Returns whether they agreed. Run by the hourly housekeeping.
pub async fn check_counts(app: &App) -> Result<bool> {
    let today = app.today();
    // Counts for a wide window, so that every due date is compared.
    let week_end = today.saturating_add(3650.days());
    let kept = sc::queue_counts(&app.store, today, week_end).await?;
    let counted = sc::queue_counts_by_scan(&app.store, today, week_end).await?;
    // The letters each case counts as waiting (the "letters to post" view).
    let letters = super::store::queue::letters_drifted(&app.store).await?;
    if letters > 0 {
        tracing::error!(cases = letters, "the letters waiting had drifted from the notices; counted afresh");
        super::store::queue::recount_letters(&app.store).await?;
    }
    if kept == counted {
        return Ok(letters == 0);
    }
    tracing::error!(?kept, ?counted, "the queue's counts had drifted from the cases; counted afresh");
    sc::rebuild_tally(&app.store).await?;
    Ok(false)
}

/// The most cases one bulk assignment takes (two pages of the queue).
pub const BULK_MAX: usize = 100;

/// What assigning several cases at once did.
#[derive(Debug, Default)]
pub struct Bulk {
    /// The cases that changed hands (each has its own event).
    pub assigned: Vec<Reference>,
    /// The cases already held by that assignee.
    pub unchanged: Vec<Reference>,
    /// The cases that could not be assigned, with why (a catalogue id).
    pub refused: Vec<(String, crate::domain::Msg)>,
    /// Who they went to (`None`: unassigned).
    pub to: Option<Account>,
}

/// Assigns the cases `references` to `assignee` (`None` unassigns): one
/// transaction and one event per case, so that a case someone else changed
/// meanwhile is refused alone, and one e-mail to the assignee listing the
/// cases they received (none when they assigned themselves).
pub async fn assign_many(app: &App, references: &[String], assignee: Option<i64>, actor: Actor) -> Result<Bulk> {
    // Each reference once, in the order ticked; past the bound, refused before any more is read.
    let mut seen = std::collections::HashSet::new();
    let mut wanted: Vec<&str> = Vec::new();
    for r in references.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        if seen.insert(r) {
            if wanted.len() == BULK_MAX {
                return Err(AppError::field("case", "choose-at-most-100-cases"));
            }
            wanted.push(r);
        }
    }
    if wanted.is_empty() {
        return Err(AppError::field("case", "choose-at-least-one-case"));
    }
    let settings = app.settings().await?;
    let to = match assignee {
        Some(id) => Some(
            users::by_id(&app.store, id)
                .await?
                .filter(|u| u.active)
                .ok_or_else(|| AppError::field("assignee", "that-person-cannot-be-assigned"))?,
        ),
        None => None,
    };
    let mut bulk = Bulk { to, ..Bulk::default() };
    // The cases as assigned, for the assignee's message.
    let mut records = Vec::new();
    for raw in wanted {
        let Ok(reference) = raw.parse::<Reference>() else {
            bulk.refused.push((raw.to_owned(), crate::domain::Msg::new("no-such-case")));
            continue;
        };
        match super::cases::assign_one_of_many(app, &settings, &reference, assignee, actor).await {
            Ok(rec) => {
                bulk.assigned.push(reference);
                records.push(rec);
            }
            // Already theirs: nothing to write.
            Err(AppError::Domain(DomainError::Invalid { field: "assignee", .. })) => bulk.unchanged.push(reference),
            Err(AppError::NotFound) => bulk.refused.push((raw.to_owned(), crate::domain::Msg::new("no-such-case"))),
            Err(AppError::Conflict) => {
                bulk.refused.push((raw.to_owned(), crate::domain::Msg::new("someone-else-changed-this-case-first")));
            }
            Err(AppError::Domain(DomainError::Illegal(msg) | DomainError::Forbidden(msg))) => {
                bulk.refused.push((raw.to_owned(), msg));
            }
            Err(AppError::Invalid(errors)) => {
                let msg = errors.into_iter().next().map(|e| e.msg);
                bulk.refused.push((raw.to_owned(), msg.unwrap_or_else(|| crate::domain::Msg::new("no-such-case"))));
            }
            Err(e) => return Err(e),
        }
    }
    if let Some(user) = &bulk.to
        && actor.staff_id() != Some(user.id)
        && !bulk.assigned.is_empty()
    {
        tell_assignee(app, &settings, user, &records).await?;
    }
    Ok(bulk)
}

/// One message to the assignee listing the cases they received (in
/// Japanese, as staff notices are, without the requesters' names).
async fn tell_assignee(app: &App, settings: &super::Settings, user: &Account, assigned: &[CaseRecord]) -> Result<()> {
    let lang = Lang::JA;
    let items: Vec<String> = assigned
        .iter()
        .map(|rec| {
            let due = rec.case.due_on.map(|d| d.to_string()).unwrap_or_else(|| "—".to_owned());
            format!("{}　{}　{due}", rec.reference_str(), rec.case.kind.label(lang))
        })
        .collect();
    let m = mail::MailView {
        count: items.len() as i64,
        items,
        case_url: app.url("/staff?view=mine"),
        ..super::notify::org_view(settings, lang)
    };
    super::notify::send_alone(app, Kind::StaffAssignedMany, &user.email, &m).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_link_keeps_the_filters_and_drops_the_cursor() {
        let q = QueueQuery {
            kind: "disclosure".into(),
            q: "山田 太郎".into(),
            cursor: "x_1".into(),
            ..QueueQuery::default()
        };
        assert_eq!(q.without_cursor(), "kind=disclosure&q=%E5%B1%B1%E7%94%B0+%E5%A4%AA%E9%83%8E");
    }

    #[test]
    fn saved_views_are_filters_by_another_name() {
        let today = jiff::civil::date(2026, 4, 1);
        let view = |v: &str| QueueQuery { view: v.into(), ..QueueQuery::default() }.filter(7, today, true);
        assert_eq!(view("mine").assignee, Some(Some(7)));
        assert_eq!(view("unassigned").assignee, Some(None));
        assert_eq!(view("week").due_until, Some(jiff::civil::date(2026, 4, 7)));
        assert_eq!(view("week").due_from, Some(today), "the overdue are not due this week");
        assert_eq!(view("waiting").state, Some(State::AwaitingRequester));
        let letters = view("letters");
        assert!(letters.letters && !letters.open_only, "letters of closed cases too");
        assert!(!view("").letters);
    }
}
