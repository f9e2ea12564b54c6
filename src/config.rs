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
    /// Proxies (CIDR list, comma-separated) whose `X-Forwarded-For` is believed
    /// for throttling and logs; from anyone else it is ignored.
    #[arg(long, env = "MADOGUCHI_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_net)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Mails anyone can trigger without a login (confirmations, resent status
    /// links) per recipient and hour.
    #[arg(long, env = "MADOGUCHI_MAIL_LIMIT_PER_RECIPIENT", default_value_t = 5)]
    pub mail_limit_per_recipient: u32,
    /// Request-form submissions per client address and hour (0 = no limit).
    #[arg(long, env = "MADOGUCHI_INTAKE_LIMIT_PER_ADDRESS", default_value_t = 30)]
    pub intake_limit_per_address: u32,
    /// Seconds a client may stay silent: sending a request's headers, between
    /// two parts of a body, or idle between requests on a kept-alive
    /// connection. Past it the request fails and the connection is closed.
    #[arg(long, env = "MADOGUCHI_CLIENT_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub client_timeout_secs: u64,
}

/// A CIDR (`10.0.0.0/8`) or a single address (`127.0.0.1`).
fn parse_net(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{s:?} is not an address or a CIDR range such as 10.0.0.0/8"))
}

impl Config {
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("madoguchi.db").display()))
    }

    /// A desk's settings for the crate's own tests: data in `data_dir`, on
    /// SQLite or on the PostgreSQL database `database_url` (then with a
    /// fixed data key, which PostgreSQL requires), mail to files, no abuse
    /// limit on intake.
    #[cfg(test)]
    pub(crate) fn for_tests(data_dir: &std::path::Path, database_url: Option<String>) -> Config {
        Config {
            bind: "127.0.0.1:0".into(),
            base_url: None,
            data_dir: data_dir.to_owned(),
            // Any 32 bytes: the tests read no secret.
            data_key: database_url.is_some().then(|| "bWFkb2d1Y2hpIHF1ZXVlIHRlc3QgZGF0YSBrZXkgMzI=".into()),
            database_url,
            smtp_url: None,
            mail_from: "madoguchi@example.jp".into(),
            timezone: "Asia/Tokyo".into(),
            org_name: None,
            trusted_proxies: Vec::new(),
            mail_limit_per_recipient: 5,
            intake_limit_per_address: 0,
            client_timeout_secs: 10,
        }
    }
}
