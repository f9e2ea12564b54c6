//! Result files of disclosures (DESIGN.md §4 "Results"): attached by staff
//! while the case is in progress, stored encrypted like identity documents,
//! downloaded by the requester after a granting decision for `result_days`,
//! then destroyed by the retention job (the record stays).

use jiff::ToSpan;

use super::cases::{ctx, execute};
use super::documents::{by_case, decrypt, encrypt};
use super::persist::{Change, persist};
use super::records::Document;
use super::requests::status_case;
use super::store::cases as sc;
use super::store::documents::{self as sd, NewDocument};
use super::{App, AppError, Result};
use crate::domain::{Action, Actor, ActorKind, Command, DocPurpose, Msg, Outcome, Reference, decide, permitted};

/// A file to attach, as sent by the browser.
pub struct Upload {
    pub label: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The MIME type a download is sent with: from the name, since results are
/// any file the desk prepared; unknown kinds go as octet-stream.
fn mime_of(file_name: &str) -> &'static str {
    let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "csv" => "text/csv",
        "txt" => "text/plain",
        "zip" => "application/zip",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "json" => "application/json",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

/// A file name safe to store and to send back: no path, no control characters.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control() && *c != '"').take(120).collect();
    if cleaned.trim().is_empty() { "result".to_owned() } else { cleaned.trim().to_owned() }
}

/// Staff attach a result file to a disclosure in progress.
pub async fn attach(app: &App, reference: &Reference, upload: Upload, actor: Actor) -> Result<i64> {
    let settings = app.settings().await?;
    let label = upload.label.trim();
    // The label is shown to the requester and named in mail: one clean line
    // (and PostgreSQL stores no NUL).
    if let Some(msg) = crate::domain::input::line_problem(label) {
        return Err(AppError::Invalid(vec![crate::domain::input::FieldError { field: "label", msg }]));
    }
    if label.chars().count() > 200 {
        return Err(AppError::Invalid(vec![crate::domain::input::FieldError {
            field: "label",
            msg: crate::domain::input::too_long(200),
        }]));
    }
    if upload.bytes.is_empty() {
        return Err(AppError::field("file", "the-file-is-empty-please-choose"));
    }
    if upload.bytes.len() as i64 > settings.result_max_bytes() {
        return Err(AppError::TooLarge(Msg::new("the-result-file-is-too-large")));
    }
    let file_name = clean_name(&upload.file_name);
    let label = if label.is_empty() { file_name.clone() } else { label.to_owned() };
    let mut tx = app.store.begin().await?;
    let rec = sc::by_reference(&mut tx, reference).await?.ok_or(AppError::NotFound)?;
    permitted(&rec.case, Action::AttachResult, &actor)?;
    let content = encrypt(app, rec.id(), &upload.bytes)?;
    let doc = NewDocument {
        case_id: rec.id(),
        purpose: DocPurpose::Result,
        target: None,
        doc_type: None,
        mime: mime_of(&file_name),
        size: upload.bytes.len() as i64,
        content: &content,
        uploaded_by: ActorKind::Staff,
        at: app.now_us(),
        label: Some(&label),
        file_name: Some(&file_name),
        actor_id: actor.staff_id(),
    };
    let id = sd::insert(&mut tx, &doc).await?;
    let before = rec.case.clone();
    let policy = settings.policy(rec.profile);
    let events = decide(&before, Command::AttachResult { document: id }, &actor, &ctx(app, &settings, &policy))?;
    persist(app, &mut tx, &settings, Change::new(rec, before, events, actor)).await?;
    tx.commit().await?;
    Ok(id)
}

/// The result files the requester sees on the status page, with the last
/// day they can be downloaded (none before a granting decision).
pub async fn for_requester(
    app: &App,
    rec: &super::records::CaseRecord,
) -> Result<(Vec<Document>, Option<jiff::civil::Date>)> {
    let granted = rec.case.outcome.is_some_and(Outcome::is_granting);
    let Some(closed_on) = rec.case.closed_on.filter(|_| granted) else {
        return Ok((Vec::new(), None));
    };
    let docs = sd::for_case(&app.store, rec.id())
        .await?
        .into_iter()
        .filter(|d| d.purpose == DocPurpose::Result && d.removed_at.is_none())
        .collect();
    let settings = app.settings().await?;
    Ok((docs, Some(settings.results_until(closed_on))))
}

/// The requester downloads a result file: each download is an event. Past
/// `result_days`, or once the content is destroyed, it is gone (410).
pub async fn download(app: &App, reference: &Reference, token: &str, id: i64) -> Result<(Document, Vec<u8>)> {
    let rec = status_case(app, reference, token).await?;
    let doc = sd::get(&app.store, rec.id(), id)
        .await?
        .filter(|d| d.purpose == DocPurpose::Result && d.removed_at.is_none())
        .ok_or(AppError::NotFound)?;
    let granted = rec.case.outcome.is_some_and(Outcome::is_granting);
    let Some(closed_on) = rec.case.closed_on.filter(|_| granted) else {
        return Err(AppError::NotFound);
    };
    let settings = app.settings().await?;
    if app.today() > settings.results_until(closed_on) || !doc.stored {
        return Err(AppError::Gone);
    }
    let stored = sd::content(&app.store, rec.id(), id).await?.ok_or(AppError::Gone)?;
    let plain = decrypt(app, rec.id(), &stored)?;
    execute(app, reference, Command::DownloadResult { document: id }, Actor::Requester).await?;
    Ok((doc, plain))
}

/// Retention: destroys result contents `result_days` after closing; each
/// purge is an event. Returns how many cases were purged.
pub async fn purge(app: &App, dry_run: bool) -> Result<Vec<(Reference, Vec<i64>)>> {
    let settings = app.settings().await?;
    let cutoff = app.today().saturating_sub(settings.result_days().days()).saturating_sub(1.day());
    let grouped = by_case(sd::results_due_for_purge(&app.store, cutoff).await?);
    if !dry_run {
        for (reference, ids) in &grouped {
            execute(app, reference, Command::PurgeResults { documents: ids.clone() }, Actor::System).await?;
        }
    }
    Ok(grouped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_their_path_and_quotes() {
        assert_eq!(clean_name("C:\\Users\\x\\開示結果.pdf"), "開示結果.pdf");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\"b.csv"), "ab.csv");
        assert_eq!(clean_name(""), "result");
        assert_eq!(mime_of("開示結果.PDF"), "application/pdf");
        assert_eq!(mime_of("data.bin"), "application/octet-stream");
    }
}
