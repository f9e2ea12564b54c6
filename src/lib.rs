#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)]
//! madoguchi: the desk where a business receives and works the requests
//! people make about their own personal data.
//!
//! `start` builds the whole application on a bound listener, so the binary
//! and the tests run the same thing.

pub mod app;
pub mod config;
pub mod domain;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod web;

use anyhow::Context;
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::config::Config;
use crate::mail::transport::Transport;

/// Opens the database named by the configuration, brings its schema up to
/// date, and builds the application around it.
pub async fn open(config: &Config, base_url: String) -> anyhow::Result<App> {
    App::open(config, base_url).await
}

/// A running madoguchi: its address and its application, for the binary and tests.
pub struct Running {
    pub addr: SocketAddr,
    pub app: App,
    server: JoinHandle<()>,
    /// The mail sender and the webhook worker: they stop between messages.
    workers: Vec<JoinHandle<()>>,
    housekeeping: JoinHandle<()>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Running {
    /// Ends everything at once (tests).
    pub async fn shutdown(self) {
        let tasks: Vec<JoinHandle<()>> =
            std::iter::once(self.server).chain(self.workers).chain(std::iter::once(self.housekeeping)).collect();
        for t in &tasks {
            t.abort();
        }
        for t in tasks {
            let _ = t.await;
        }
        self.app.close().await;
    }

    /// Stops as an operator's SIGTERM asks: no new connections, the requests
    /// under way answered, the workers stopped between two messages (the
    /// ones they had claimed and not tried given back), housekeeping ended
    /// (its transaction, if any, rolled back), the database closed. False
    /// when something was still running after `within`.
    pub async fn stop(self, within: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        let _ = self.stop.send(true);
        self.app.begin_stopping();
        self.housekeeping.abort();
        let mut clean = true;
        for task in std::iter::once(self.server).chain(self.workers) {
            if tokio::time::timeout_at(deadline, task).await.is_err() {
                clean = false;
            }
        }
        let _ = self.housekeeping.await;
        self.app.close().await;
        clean
    }

    /// Waits until the server stops (it runs until the process ends).
    pub async fn wait(self) {
        let _ = self.server.await;
    }
}

/// Binds, migrates, starts the mail sender and housekeeping, and serves.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    let listener =
        TcpListener::bind(&config.bind).await.with_context(|| format!("cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;
    let base_url = config.base_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    let app = open(&config, base_url.clone()).await?;
    let sessions = app.session_store().await?;
    let transport =
        Transport::new(config.smtp_url.as_deref(), config.data_dir.join("outbox")).map_err(anyhow::Error::msg)?;

    let state = web::AppState::new(app.clone(), &config, base_url.starts_with("https://"));
    let client_timeout = std::time::Duration::from_secs(config.client_timeout_secs);
    let router = web::router(state, sessions.clone(), client_timeout);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let server = tokio::spawn(web::serve::serve(listener, router, client_timeout, stopped));
    let sender = tokio::spawn(jobs::run_sender(app.clone(), transport));
    let housekeeping = tokio::spawn(jobs::run_housekeeping(app.clone(), sessions));
    let hooks = tokio::spawn(jobs::run_webhooks(app.clone(), app::webhooks::Clients::new()?));

    tracing::info!("listening on http://{addr}");
    app.warn_of_database().await;
    if let Some(link) = app::users::setup_link(&app).await? {
        tracing::info!("no staff user exists yet: open {link} to create the first administrator");
    }
    Ok(Running { addr, app, server, workers: vec![sender, hooks], housekeeping, stop })
}
