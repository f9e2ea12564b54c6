//! Fulfilment tasks (issue 19): one per system of the inventory that a
//! case's kind must search, planned in the transaction that receives the
//! case (or changes its kind), owned by the system's owner, due some
//! business days before the case. Every change is an event on the case.

use super::persist::{Change, persist};
use super::records::CaseRecord;
use super::store::Tx;
use super::store::cases as sc;
use super::store::inventory::{self as si, NewTask, TaskChange};
use super::{App, AppError, Result, Settings};
use crate::domain::inventory::{TaskStatus, applies, check_task_change, close_allowed, task_due};
use crate::domain::{Actor, Command, Event, Reference, Visibility};

pub use si::TaskRow as Task;

/// The events the inventory adds to a change: tasks opened when the case is
/// received, re-planned when its kind changes; open tasks follow the case's
/// due date. Called by `persist` once the case row is written.
pub(crate) async fn plan(
    tx: &mut Tx,
    settings: &Settings,
    rec: &CaseRecord,
    before_due: Option<jiff::civil::Date>,
    events: &[Event],
    now: i64,
    known: Option<&[si::SystemRow]>,
) -> Result<Vec<Event>> {
    let received = events.iter().any(|e| matches!(e, Event::Received { .. }));
    let rekinded = events.iter().any(|e| matches!(e, Event::KindChanged { .. }));
    let case = &rec.case;
    let replan = (received || rekinded) && case.received_on.is_some();
    let redate = case.due_on != before_due && !received;
    // Most changes neither receive, re-kind nor move the due date: they
    // leave the tasks alone (and the calendar unread).
    if !replan && !redate {
        return Ok(Vec::new());
    }
    let calendar = settings.policy(rec.profile).calendar;
    let due = task_due(case.due_on, settings.task_days_before_due(), &calendar);
    let mut out = Vec::new();
    if replan {
        let read;
        let systems = match known {
            Some(systems) => systems,
            None => {
                read = si::live_systems_in(tx).await?;
                &read[..]
            }
        };
        let searched: Vec<&si::SystemRow> =
            systems.iter().filter(|s| applies(&super::inventory::parse_kinds(&s.kinds), case.kind)).collect();
        // Nothing to open, nothing to withdraw: no need to read the tasks.
        let existing =
            if searched.is_empty() && !rekinded { Vec::new() } else { si::tasks_for_case_in(tx, rec.id()).await? };
        for s in searched.iter().filter(|s| !existing.iter().any(|t| t.system_id == s.id)) {
            let task = NewTask {
                case_id: rec.id(),
                system_id: s.id,
                owner_id: s.owner_id,
                due_on: due.map(|d| d.to_string()),
                at: now,
            };
            let id = si::insert_task(tx, &task).await?;
            out.push(Event::TaskOpened { task: id, system: s.id, owner: s.owner_id, due_on: due });
        }
        // A kind that no longer searches a system drops its task while open
        // (what was done stays done).
        if rekinded {
            let dropped = existing
                .iter()
                .filter(|t| t.status == TaskStatus::Open.code() && !searched.iter().any(|s| s.id == t.system_id));
            for t in dropped {
                si::delete_task(tx, t.id).await?;
                out.push(Event::TaskWithdrawn { task: t.id, system: t.system_id });
            }
        }
    }
    if redate {
        si::redate_open_tasks(tx, rec.id(), due.map(|d| d.to_string())).await?;
    }
    Ok(out)
}

/// The systems whose search is still open on a case, by name: a granting
/// close is refused while there are any (`close_allowed`).
pub(crate) async fn check_close(tx: &mut Tx, case_id: i64, cmd: &Command) -> Result<()> {
    let Command::Close { outcome, .. } = cmd else { return Ok(()) };
    if !outcome.is_granting() {
        return Ok(());
    }
    let open: Vec<String> = si::tasks_for_case_in(tx, case_id)
        .await?
        .into_iter()
        .filter(|t| t.status == TaskStatus::Open.code())
        .map(|t| t.system_name)
        .collect();
    close_allowed(*outcome, &open)?;
    Ok(())
}

/// A task's form: `status` (`open`, `done`, `not_applicable`) and `note`.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct TaskForm {
    pub status: String,
    pub note: String,
}

/// `POST /staff/cases/{reference}/tasks/{id}`: a staff member marks a
/// search done, not applicable (with why), or open again.
pub async fn update(
    app: &App,
    reference: &Reference,
    task_id: i64,
    form: &TaskForm,
    actor: Actor,
) -> Result<CaseRecord> {
    let Some(staff_id) = actor.staff_id() else {
        return Err(AppError::Domain(crate::domain::DomainError::Forbidden(crate::domain::Msg::new(
            "only-staff-can-do-this",
        ))));
    };
    let settings = app.settings().await?;
    let mut tx = app.store.begin().await?;
    let rec = sc::by_reference_for_update(&mut tx, reference).await?.ok_or(AppError::NotFound)?;
    let task = si::task_in(&mut tx, rec.id(), task_id).await?.ok_or(AppError::NotFound)?;
    let note = form.note.trim().replace("\r\n", "\n").replace('\r', "\n");
    let status = check_task_change(rec.case.state, &form.status, &note)?;
    if status.code() == task.status && note == task.note {
        return Ok(rec);
    }
    let done = status != TaskStatus::Open;
    let change = TaskChange {
        id: task.id,
        status: status.code(),
        note: &note,
        done_on: done.then(|| app.today().to_string()),
        done_by: done.then_some(staff_id),
        at: app.now_us(),
    };
    si::set_task(&mut tx, &change).await?;
    let before = rec.case.clone();
    let event = Event::TaskUpdated { task: task.id, system: task.system_id, status };
    let text = (!note.is_empty()).then(|| (note.clone(), Visibility::Internal));
    let change = Change { text, ..Change::new(rec, before, vec![event], actor) };
    let rec = persist(app, &mut tx, &settings, change).await?;
    tx.commit().await?;
    app.wake_workers();
    Ok(rec)
}

/// The checklist of a case.
pub async fn for_case(app: &App, case_id: i64) -> Result<Vec<Task>> {
    Ok(si::tasks_for_case(&app.store, case_id).await?)
}

/// Tells owners of tasks past their due date (once per task). Each case's
/// note is its own transaction with the version check: a case changed
/// meanwhile (or told by another instance) is skipped and tried next run.
pub async fn notify_overdue(app: &App) -> Result<usize> {
    let settings = app.settings().await?;
    let rows = si::overdue_unnotified(&app.store, &app.today().to_string(), 200).await?;
    let mut told = 0;
    for (reference, task_id) in rows {
        let Ok(reference) = reference.parse::<Reference>() else { continue };
        match notify_one(app, &settings, &reference, task_id).await {
            Ok(true) => told += 1,
            Ok(false) | Err(AppError::Conflict) => {}
            Err(e) => return Err(e),
        }
    }
    if told > 0 {
        app.wake_workers();
    }
    Ok(told)
}

async fn notify_one(app: &App, settings: &Settings, reference: &Reference, task_id: i64) -> Result<bool> {
    let mut tx = app.store.begin().await?;
    let Some(rec) = sc::by_reference(&mut tx, reference).await? else { return Ok(false) };
    let Some(task) = si::task_in(&mut tx, rec.id(), task_id).await? else { return Ok(false) };
    let Some(due_on) = task.due_on.as_deref().and_then(|d| d.parse().ok()) else { return Ok(false) };
    if !si::mark_overdue_notified(&mut tx, task_id).await? {
        return Ok(false);
    }
    let before = rec.case.clone();
    let event = Event::TaskOverdueNotified { task: task_id, system: task.system_id, owner: task.owner_id, due_on };
    let change = Change::new(rec, before, vec![event], Actor::System);
    persist(app, &mut tx, settings, change).await?;
    tx.commit().await?;
    Ok(true)
}

/// A system's searches in a report's period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchLine {
    pub system: String,
    /// Finished (done or not applicable) in the period.
    pub finished: i64,
    /// Of those, finished after their due date.
    pub late: i64,
    /// Open now and past their due date (cases still worked).
    pub open_overdue: i64,
}

/// The searches of the inventory in a period, per system, and the live
/// systems never searched (no task of theirs ever marked done).
pub struct SearchReport {
    pub lines: Vec<SearchLine>,
    pub never_searched: Vec<String>,
}

pub async fn report(app: &App, from: jiff::civil::Date, to: jiff::civil::Date) -> Result<SearchReport> {
    let rows = si::lateness(&app.store, &from.to_string(), &to.to_string(), &app.today().to_string()).await?;
    let lines = rows
        .into_iter()
        .map(|r| SearchLine { system: r.system_name, finished: r.finished, late: r.late, open_overdue: r.open_overdue })
        .collect();
    let never_searched = super::inventory::list(app)
        .await?
        .into_iter()
        .filter(|s| !s.retired && s.last_searched.is_none())
        .map(|s| s.name)
        .collect();
    Ok(SearchReport { lines, never_searched })
}
