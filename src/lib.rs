#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)]
//! madoguchi: the desk where a business receives and works the requests
//! people make about their own personal data.
//!
//! `start` builds the whole application on a bound listener, so the binary
//! and the tests run the same thing.

pub mod app;
pub mod config;
pub mod domain;
pub mod jobs;
pub mod mail;
pub mod store;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::app::keys::Keys;
use crate::config::Config;
use crate::mail::transport::Transport;
use crate::store::Store;
use crate::store::sessions::SessionStore;

/// Opens the database named by the configuration and brings its schema up to date.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create the data directory {}", config.data_dir.display()))?;
    let store = Store::connect(&config.database_url()).await.context("cannot open the database")?;
    store.migrate().await.context("database migration failed")?;
    Ok(store)
}

/// Builds the application around an open store.
pub async fn build_app(config: &Config, store: Store, base_url: String) -> anyhow::Result<App> {
    let tz = jiff::tz::TimeZone::get(&config.timezone).map_err(|_| {
        anyhow::anyhow!("MADOGUCHI_TIMEZONE={:?} is not a known time zone (for example Asia/Tokyo)", config.timezone)
    })?;
    let keys = Keys::load(config.data_key.as_deref(), &config.data_dir, store.is_postgres())?;
    keys.check(&store).await?;
    if let Some(name) = &config.org_name {
        store::seed_setting(&store, "org_name", name).await?;
    }
    Ok(App {
        store,
        tz,
        base_url: base_url.into(),
        mail_from: config.mail_from.clone().into(),
        data_dir: config.data_dir.clone(),
        smtp_url: config.smtp_url.clone().map(Into::into),
        keys: Arc::new(keys),
        clock: Arc::default(),
        mail_wake: Arc::default(),
        setup_token_hash: Arc::default(),
    })
}

/// A running madoguchi: its address and its application, for the binary and tests.
pub struct Running {
    pub addr: SocketAddr,
    pub app: App,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    pub async fn shutdown(self) {
        for t in &self.tasks {
            t.abort();
        }
        for t in self.tasks {
            let _ = t.await;
        }
        self.app.store.close().await;
    }

    /// Waits until the server stops (it runs until the process ends).
    pub async fn wait(mut self) {
        if !self.tasks.is_empty() {
            let server = self.tasks.remove(0);
            let _ = server.await;
        }
    }
}

/// Binds, migrates, starts the mail sender and housekeeping, and serves.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    let listener =
        TcpListener::bind(&config.bind).await.with_context(|| format!("cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;
    let base_url = config.base_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    let store = open_store(&config).await?;
    let app = build_app(&config, store, base_url.clone()).await?;
    let sessions = SessionStore::open(&app.store).await?;
    let transport =
        Transport::new(config.smtp_url.as_deref(), config.data_dir.join("outbox")).map_err(anyhow::Error::msg)?;

    let state = web::AppState::new(app.clone(), base_url.starts_with("https://"));
    let router = web::router(state, sessions.clone());
    let server = tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(listener, service).await {
            tracing::error!(error = %e, "server stopped");
        }
    });
    let sender = tokio::spawn(jobs::run_sender(app.clone(), transport));
    let housekeeping = tokio::spawn(jobs::run_housekeeping(app.clone(), sessions));

    tracing::info!("listening on http://{addr}");
    if let Some(link) = app::users::setup_link(&app).await? {
        tracing::info!("no staff user exists yet: open {link} to create the first administrator");
    }
    Ok(Running { addr, app, tasks: vec![server, sender, housekeeping] })
}
