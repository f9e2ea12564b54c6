//! `madoguchi backup FILE`: SQLite writes an online, consistent copy with
//! `VACUUM INTO`; PostgreSQL is backed up with its own tools. The data key is
//! never in the database, so never in a backup: keep it apart (README).

use std::path::Path;

use super::{App, AppError, Result};

/// What a backup did.
#[derive(Debug)]
pub enum Outcome {
    /// The copy was written: its size in bytes.
    Written { bytes: u64 },
    /// PostgreSQL: the command to run instead.
    UsePgDump { command: String },
}

pub async fn to_file(app: &App, file: &Path, database_url: &str) -> Result<Outcome> {
    if app.is_postgres() {
        // The URL's password, if any, is not printed.
        let safe = match database_url.split_once('@') {
            Some((scheme_user, host)) => {
                let user =
                    scheme_user.rsplit_once(':').filter(|(s, _)| s.contains("//")).map_or(scheme_user, |(s, _)| s);
                format!("{user}@{host}")
            }
            None => database_url.to_owned(),
        };
        return Ok(Outcome::UsePgDump {
            command: format!("pg_dump --format=custom --file={} '{safe}'", file.display()),
        });
    }
    if file.exists() {
        return Err(AppError::Internal(anyhow::anyhow!("{} exists already: choose a new file", file.display())));
    }
    let path = file.to_str().ok_or_else(|| AppError::Internal(anyhow::anyhow!("the file name is not UTF-8")))?;
    app.store.vacuum_into(path).await?;
    let bytes = std::fs::metadata(file).map(|m| m.len()).map_err(|e| AppError::internal("the backup file", e))?;
    Ok(Outcome::Written { bytes })
}
