//! The public form's submissions, written together (SQLite).
//!
//! SQLite has one writer: every submission waits its turn for it, and each
//! turn cost a transaction of its own (`BEGIN`, the case, its event, its
//! confirmation mail, `COMMIT`, each a round trip to the connection's
//! thread, and a commit writing the same last pages of each table and index
//! to the log again). Here the submissions that arrived while the writer was
//! busy are written in one transaction, each through `persist` as before,
//! and each request is answered once that transaction has committed: none is
//! told it was received before it is on disk, and a quiet desk's single
//! submission is written at once, alone.
//!
//! If the transaction of a group fails, nothing of it was written; each of
//! its submissions is then written in a transaction of its own, so that one
//! that cannot be written fails alone, with its own error.

use tokio::sync::{mpsc, oneshot};

use super::persist::{Change, persist};
use super::{App, AppError, Result, Settings};

/// At most this many submissions share one transaction.
const GROUP: usize = 64;

struct Job {
    settings: Settings,
    change: Change,
    done: oneshot::Sender<Result<()>>,
}

/// Where submissions wait for the writer.
#[derive(Clone)]
pub(crate) struct Submissions {
    queue: mpsc::Sender<Job>,
}

impl Submissions {
    /// Starts the writing task with `app` (an `App` without submissions of
    /// its own, so that the task ends when the last `App` clone holding this
    /// queue is dropped).
    pub(crate) fn start(app: App) -> Submissions {
        let (queue, mut rx) = mpsc::channel::<Job>(4 * GROUP);
        tokio::spawn(async move {
            let mut jobs = Vec::new();
            while rx.recv_many(&mut jobs, GROUP).await > 0 {
                write_group(&app, std::mem::take(&mut jobs)).await;
            }
        });
        Submissions { queue }
    }

    /// Writes one submission's change; returns once it is committed.
    pub(crate) async fn write(&self, app: &App, settings: Settings, change: Change) -> Result<()> {
        let (done, answer) = oneshot::channel();
        if let Err(mpsc::error::SendError(job)) = self.queue.send(Job { settings, change, done }).await {
            // The writing task has ended (its runtime with it): write here.
            return write_alone(app, &job.settings, job.change).await;
        }
        answer.await.map_err(|_| AppError::Internal(anyhow::anyhow!("a submission's write was abandoned")))?
    }
}

/// Writes a web submission's change: with the others waiting for SQLite's
/// writer, or alone (PostgreSQL). Returns once it is committed.
pub(crate) async fn write(app: &App, settings: Settings, change: Change) -> Result<()> {
    match &app.submissions {
        Some(queue) => queue.write(app, settings, change).await,
        None => write_alone(app, &settings, change).await,
    }
}

async fn write_group(app: &App, jobs: Vec<Job>) {
    if jobs.len() > 1 {
        match write_together(app, &jobs).await {
            Ok(()) => {
                app.wake_workers();
                for job in jobs {
                    let _ = job.done.send(Ok(()));
                }
                return;
            }
            Err(e) => {
                tracing::warn!(error = ?anyhow::Error::from(e), submissions = jobs.len(),
                    "a group of submissions could not be written together; writing each alone");
            }
        }
    }
    for job in jobs {
        let _ = job.done.send(write_alone(app, &job.settings, job.change).await);
    }
}

async fn write_together(app: &App, jobs: &[Job]) -> Result<()> {
    let mut tx = app.store.begin().await?;
    for job in jobs {
        persist(app, &mut tx, &job.settings, job.change.clone()).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Writes one submission in a transaction of its own, then wakes the mail
/// sender for its confirmation.
async fn write_alone(app: &App, settings: &Settings, change: Change) -> Result<()> {
    let mut tx = app.store.begin().await?;
    persist(app, &mut tx, settings, change).await?;
    tx.commit().await?;
    app.wake_workers();
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::app::store::{cases as sc, outbox};
    use crate::domain::Lang;
    use crate::domain::input::{Intake, RequestForm, parse_request};

    async fn desk(dir: &std::path::Path) -> App {
        let config = crate::config::Config::for_tests(dir, None);
        App::open(&config, "http://127.0.0.1".into()).await.expect("open the desk")
    }

    fn change(app: &App, settings: &Settings, name: &str, email: &str) -> Change {
        let form = RequestForm {
            kind: "disclosure".into(),
            subject_name: name.into(),
            contact_email: email.into(),
            filer: "self".into(),
            delivery: "electronic".into(),
            details: "会員情報の開示を求めます。".into(),
            consent: "yes".into(),
            ..RequestForm::default()
        };
        let req = parse_request(&form, Intake::Web, app.today()).expect("a valid form");
        crate::app::requests::submission(app, settings, &req, Lang::JA, true)
    }

    async fn answers(app: &App, changes: Vec<Change>, settings: &Settings) -> Vec<Result<()>> {
        let mut waiting = Vec::new();
        let jobs = changes
            .into_iter()
            .map(|change| {
                let (done, answer) = oneshot::channel();
                waiting.push(answer);
                Job { settings: settings.clone(), change, done }
            })
            .collect();
        write_group(app, jobs).await;
        let mut out = Vec::new();
        for answer in waiting {
            out.push(answer.await.expect("every submission is answered"));
        }
        out
    }

    #[tokio::test]
    async fn submissions_written_together_are_each_stored_with_their_own_confirmation_mail() {
        let dir = tempfile::tempdir().unwrap();
        let app = desk(dir.path()).await;
        let settings = app.settings().await.unwrap();
        let changes: Vec<Change> =
            (0..5).map(|i| change(&app, &settings, &format!("山田 {i}郎"), &format!("p{i}@example.jp"))).collect();
        let hashes: Vec<String> = changes.iter().map(|c| c.rec.confirm_token_hash.clone().unwrap()).collect();
        let written = answers(&app, changes, &settings).await;
        assert!(written.iter().all(Result::is_ok), "{written:?}");
        assert_eq!(sc::count_unconfirmed(&app.store, i64::MAX).await.unwrap(), 5);
        assert_eq!(outbox::pending_count(&app.store).await.unwrap(), 5, "one confirmation mail each");
        for (i, hash) in hashes.iter().enumerate() {
            let rec = sc::read_by_confirm_hash(&app.store, hash).await.unwrap().expect("stored");
            assert_eq!(rec.person.subject_name, format!("山田 {i}郎"));
            assert_eq!(rec.person.contact_email.as_deref(), Some(format!("p{i}@example.jp").as_str()));
        }
    }

    #[tokio::test]
    async fn a_submission_that_cannot_be_written_fails_alone_and_the_rest_of_its_group_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let app = desk(dir.path()).await;
        let settings = app.settings().await.unwrap();
        let first = change(&app, &settings, "山田 一郎", "p1@example.jp");
        let second = change(&app, &settings, "山田 二郎", "p2@example.jp");
        // The third cannot be stored: its confirmation's hash is the first's,
        // which the database holds once.
        let mut third = change(&app, &settings, "山田 三郎", "p3@example.jp");
        third.rec.confirm_token_hash = first.rec.confirm_token_hash.clone();
        let second_hash = second.rec.confirm_token_hash.clone().unwrap();

        let written = answers(&app, vec![first, second, third], &settings).await;
        assert!(written[0].is_ok() && written[1].is_ok(), "{written:?}");
        assert!(written[2].is_err(), "the third is refused: {written:?}");
        assert_eq!(sc::count_unconfirmed(&app.store, i64::MAX).await.unwrap(), 2);
        assert_eq!(outbox::pending_count(&app.store).await.unwrap(), 2, "no mail for the third");
        let rec = sc::read_by_confirm_hash(&app.store, &second_hash).await.unwrap().expect("stored");
        assert_eq!(rec.person.subject_name, "山田 二郎");
    }
}
