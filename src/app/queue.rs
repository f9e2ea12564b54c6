//! The staff queue: its filters as the URL carries them, one page of cases
//! with their days left, and the counts on top.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Deserialize;

use super::records::{Account, QueueEntry};
use super::store::cases::{self as sc, NO_DUE, QueueFilter};
use super::store::users;
use super::{App, Result};
use crate::domain::{Ask, RequestKind, State};

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
    pub due: String,
    pub q: String,
    pub cursor: String,
    /// A saved view: `mine`, `unassigned`, `overdue`, `week`, `waiting`, `letters`.
    pub view: String,
    /// `1`: only repeated requests.
    pub repeat: String,
}

impl QueueQuery {
    /// The query string without the cursor, for the next page's link.
    pub fn without_cursor(&self) -> String {
        let pairs = [
            ("state", &self.state),
            ("ask", &self.ask),
            ("kind", &self.kind),
            ("assignee", &self.assignee),
            ("due", &self.due),
            ("q", &self.q),
            ("view", &self.view),
            ("repeat", &self.repeat),
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
        // The saved views `overdue` and `week` are the due filters of the same names.
        let due = if matches!(self.view.as_str(), "overdue" | "week") { self.view.as_str() } else { self.due.as_str() };
        match due {
            "overdue" => {
                f.due_until = Some(today.saturating_sub(1.day()));
                f.clock_running = true;
            }
            "week" => {
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
        let needle = self.q.trim();
        if !needle.is_empty() {
            f.q = Some(needle.to_owned());
        }
        f.after = self.cursor.split_once('_').and_then(|(due, id)| Some((due.to_owned(), id.parse().ok()?)));
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
    /// Active staff, for the assignee filter.
    pub staff: Vec<Account>,
}

/// One page of the queue for a staff member.
pub async fn page(app: &App, q: &QueueQuery, user_id: i64) -> Result<QueuePage> {
    let today = app.today();
    let f = q.filter(user_id, today, true);
    let mut rows = sc::queue(&app.store, &f).await?;
    let next_cursor = if rows.len() as i64 > PAGE_SIZE {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|r| format!("{}_{}", r.due_on.map(|d| d.to_string()).as_deref().unwrap_or(NO_DUE), r.id))
    } else {
        None
    };
    let counts = sc::queue_counts(&app.store, today, today.saturating_add(6.days())).await?;
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
    let staff = users::all(&app.store).await?.into_iter().filter(|u| u.active).collect();
    Ok(QueuePage { items, counts, next_cursor, staff })
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
        assert_eq!(view("waiting").state, Some(State::AwaitingRequester));
        let letters = view("letters");
        assert!(letters.letters && !letters.open_only, "letters of closed cases too");
        assert!(!view("").letters);
    }
}
