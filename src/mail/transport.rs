//! Where mail goes: an SMTP server when `MADOGUCHI_SMTP_URL` is set, `.eml`
//! files under `<data dir>/outbox/` otherwise.

use std::path::PathBuf;

use lettre::message::{Mailbox, MultiPart, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::app::QueuedMail as MailRow;

/// Why a message was not sent. Permanent: the server refused it for good
/// (SMTP 5xx) or it cannot be built; anything else may pass on a later try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    pub permanent: bool,
    pub text: String,
}

impl SendFailure {
    fn permanent(text: impl Into<String>) -> SendFailure {
        SendFailure { permanent: true, text: text.into() }
    }
}

impl std::fmt::Display for SendFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>),
}

impl Transport {
    pub fn new(smtp_url: Option<&str>, outbox_dir: PathBuf) -> Result<Transport, String> {
        match smtp_url {
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|b| Transport::Smtp(b.build()))
                .map_err(|e| format!("MADOGUCHI_SMTP_URL is not usable: {e}")),
            None => {
                std::fs::create_dir_all(&outbox_dir)
                    .map_err(|e| format!("cannot create {}: {e}", outbox_dir.display()))?;
                Ok(Transport::Files(AsyncFileTransport::new(outbox_dir)))
            }
        }
    }

    /// Sends one outbox row. The error text names no address or content.
    pub async fn send(&self, from: &str, row: &MailRow) -> Result<(), SendFailure> {
        let from: Mailbox =
            from.parse().map_err(|_| SendFailure::permanent("MADOGUCHI_MAIL_FROM is not a valid address"))?;
        let to: Mailbox = row.to_addr.parse().map_err(|_| SendFailure::permanent("recipient address is not valid"))?;
        let text = row.body_text.clone().unwrap_or_default();
        let body = match &row.body_html {
            Some(html) => MultiPart::alternative_plain_html(text, html.clone()),
            None => MultiPart::alternative()
                .singlepart(lettre::message::SinglePart::builder().header(ContentType::TEXT_PLAIN).body(text)),
        };
        let msg = Message::builder()
            .message_id(Some(row.message_id.clone()))
            .from(from)
            .to(to)
            .subject(row.subject.clone())
            .multipart(body)
            .map_err(|e| SendFailure::permanent(format!("message could not be built: {e}")))?;
        match self {
            Transport::Smtp(t) => t
                .send(msg)
                .await
                .map(|_| ())
                .map_err(|e| SendFailure { permanent: e.is_permanent(), text: format!("smtp: {e}") }),
            Transport::Files(t) => {
                t.send(msg).await.map(|_| ()).map_err(|e| SendFailure { permanent: false, text: format!("file: {e}") })
            }
        }
    }
}
