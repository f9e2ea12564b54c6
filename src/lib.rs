#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)]
//! madoguchi: the desk where a business receives and works the requests
//! people make about their own personal data.

pub mod app;
pub mod config;
pub mod domain;
pub mod jobs;
pub mod mail;
pub mod store;
