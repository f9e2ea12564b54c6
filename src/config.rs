//! Deployment settings (DESIGN.md §7), from the environment or the command line.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Listen address (port 0 picks a free port; the log says `listening on http://ADDR`).
    #[arg(long, env = "MADOGUCHI_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Used in links inside e-mails; cookies are `Secure` when it is https.
    #[arg(long, env = "MADOGUCHI_BASE_URL")]
    pub base_url: Option<String>,
    /// SQLite file, key file, `.eml` outbox.
    #[arg(long, env = "MADOGUCHI_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// `sqlite://…` (default: `<data dir>/madoguchi.db`) or `postgres://…` / `postgresql://…`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// e.g. `smtp://127.0.0.1:2525` or `smtps://user:pass@host`; unset writes `.eml` files.
    #[arg(long, env = "MADOGUCHI_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender address of every e-mail.
    #[arg(long, env = "MADOGUCHI_MAIL_FROM", default_value = "madoguchi@localhost")]
    pub mail_from: String,
    /// 32 bytes, base64: the key for status links and stored documents (required with PostgreSQL).
    #[arg(long, env = "MADOGUCHI_DATA_KEY", hide_env_values = true)]
    pub data_key: Option<String>,
    /// The organisation's time zone; legal dates are counted in it.
    #[arg(long, env = "MADOGUCHI_TIMEZONE", default_value = "Asia/Tokyo")]
    pub timezone: String,
    /// Seeds the organisation's name on first start (then edited on /admin/settings).
    #[arg(long, env = "MADOGUCHI_ORG_NAME")]
    pub org_name: Option<String>,
}

impl Config {
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("madoguchi.db").display()))
    }
}
