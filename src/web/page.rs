//! What every page needs: its language, the switch to the other one, the
//! organisation's name, the CSRF token and the logged-in user, if any.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use tower_sessions::Session;

use super::auth::StaffUser;
use super::{AppState, WebError, csrf};
use crate::domain::Lang;
use crate::domain::input::FieldError;

/// The request's language: `?lang=` first, then the `lang` cookie, then Japanese.
#[derive(Debug, Clone, Copy)]
pub struct PageLang(pub Lang);

pub fn lang_from_query(query: Option<&str>) -> Option<Lang> {
    query?.split('&').find_map(|kv| kv.strip_prefix("lang=")).and_then(|v| v.parse().ok())
}

impl<S: Send + Sync> FromRequestParts<S> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(l) = lang_from_query(parts.uri.query()) {
            return Ok(PageLang(l));
        }
        let jar = CookieJar::from_request_parts(parts, state).await?;
        Ok(PageLang(jar.get("lang").and_then(|c| c.value().parse().ok()).unwrap_or_default()))
    }
}

/// Collected per request by the `Ctx` extractor.
pub struct Ctx {
    pub lang: Lang,
    pub path: String,
    pub session: Session,
    pub state: AppState,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let PageLang(lang) = PageLang::from_request_parts(parts, state).await.unwrap_or(PageLang(Lang::JA));
        let session =
            Session::from_request_parts(parts, state).await.map_err(|(_, m)| WebError::internal("no session", m))?;
        Ok(Ctx { lang, path: parts.uri.path().to_owned(), session, state: state.clone() })
    }
}

impl Ctx {
    /// A page with a form: its CSRF token is created if the session has none
    /// (which stores the session).
    pub async fn page(&self, user: Option<&StaffUser>) -> Result<Page, WebError> {
        let csrf = csrf::token(&self.session).await?;
        self.page_with(user, csrf).await
    }

    /// A page without a form, for anyone: no session is created for it, so
    /// a crawler's or a glance's visit writes nothing.
    pub async fn glance(&self) -> Result<Page, WebError> {
        let csrf = csrf::existing(&self.session).await?.unwrap_or_default();
        self.page_with(None, csrf).await
    }

    async fn page_with(&self, user: Option<&StaffUser>, csrf: String) -> Result<Page, WebError> {
        let settings = self.state.app.settings().await.map_err(WebError::from)?;
        let switch = Lang::all()
            .filter(|l| *l != self.lang)
            .map(|l| LangLink { href: format!("{}?lang={}", self.path, l.code()), name: l.name(), lang: l })
            .collect();
        Ok(Page {
            lang: self.lang,
            org_name: settings.org_name().to_owned(),
            switch,
            csrf,
            user: user.cloned(),
            path: self.path.clone(),
        })
    }
}

/// A link to the same page in another language.
#[derive(Debug, Clone)]
pub struct LangLink {
    pub href: String,
    pub name: &'static str,
    pub lang: Lang,
}

/// The common part of every page template (`p` in the templates).
#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    pub org_name: String,
    /// Links to this page in every other language.
    pub switch: Vec<LangLink>,
    pub csrf: String,
    pub user: Option<StaffUser>,
    pub path: String,
}

impl Page {
    /// A message of the catalogue in the page's language.
    pub fn t(&self, id: &str) -> &'static str {
        self.lang.t(id)
    }

    /// A message with one value.
    pub fn f(&self, id: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.lang.f(id, &[(name, crate::i18n::Arg::Text(&value.to_string()))])
    }

    pub fn is_staff(&self) -> bool {
        self.user.is_some()
    }

    pub fn user_name(&self) -> &str {
        self.user.as_ref().map(|u| u.name.as_str()).unwrap_or("")
    }

    pub fn user_email(&self) -> &str {
        self.user.as_ref().map(|u| u.email.as_str()).unwrap_or("")
    }

    pub fn is_manager(&self) -> bool {
        self.user.as_ref().is_some_and(StaffUser::is_manager)
    }

    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(StaffUser::is_admin)
    }

    pub fn nav(&self, prefix: &str) -> &'static str {
        if self.path == prefix || (prefix != "/staff" && self.path.starts_with(prefix)) { "page" } else { "false" }
    }
}

/// Field errors of a form, in the page's language.
#[derive(Debug, Clone, Default)]
pub struct FormErrors {
    pub list: Vec<(String, String, String)>,
}

impl FormErrors {
    pub fn new(errors: &[FieldError], lang: Lang) -> FormErrors {
        FormErrors {
            list: errors
                .iter()
                .map(|e| (e.field.to_owned(), field_label(e.field, lang).to_owned(), e.msg.get(lang).to_owned()))
                .collect(),
        }
    }

    pub fn one(field: &str, msg: &str, lang: Lang) -> FormErrors {
        FormErrors { list: vec![(field.to_owned(), field_label(field, lang).to_owned(), msg.to_owned())] }
    }

    pub fn any(&self) -> bool {
        !self.list.is_empty()
    }

    pub fn has(&self, field: &str) -> bool {
        self.list.iter().any(|(f, _, _)| f == field)
    }

    pub fn get(&self, field: &str) -> &str {
        self.list.iter().find(|(f, _, _)| f == field).map(|(_, _, m)| m.as_str()).unwrap_or("")
    }

    /// `aria-describedby`/`aria-invalid` attributes for a field.
    pub fn aria(&self, field: &str) -> String {
        if self.has(field) { format!(r#"aria-invalid="true" aria-describedby="{field}-error""#) } else { String::new() }
    }
}

/// The label of a form field, for the error summary.
pub fn field_label(field: &str, lang: Lang) -> &'static str {
    let id = match field {
        "kind" => "what-you-ask-for",
        "details" => "details",
        "delivery" => "how-to-receive-the-answer",
        "subject_name" => "full-name",
        "subject_name_kana" => "name-in-kana",
        "subject_birth_date" => "date-of-birth",
        "subject_postal_code" => "postal-code",
        "subject_address" => "address",
        "subject_phone" => "phone-2",
        "contact_email" => "e-mail-address",
        "filer" => "who-is-making-the-request",
        "agent_name" => "agents-name",
        "agent_relationship" => "relationship-to-the-person",
        "consent" => "consent",
        "channel" => "channel",
        "received_on" => "arrival-date",
        "email" => "e-mail-address",
        "password" => "password",
        "password_confirm" => "password-again-2",
        "display_name" => "name",
        "role" => "role",
        "body" => "message",
        "reference" => "reference",
        "amount" => "amount",
        "method" => "method",
        "paid_on" => "date-received",
        "reason" => "reason",
        "reasons" => "reasons",
        "explanation" => "explanation",
        "outcome" => "outcome",
        "target" => "what-to-verify",
        "doc_type" => "document-type",
        "assignee" => "assignee",
        "new_due_on" | "days" => "new-due-date",
        "current_password" => "current-password",
        "new_password" => "new-password",
        "new_password_confirm" => "new-password-again",
        "code" => "authentication-code",
        "form" => "sending",
        "month" => "month",
        "from" => "from-month",
        "to" => "to-month",
        "year" => "year",
        "events_from" => "first-day",
        "events_to" => "last-day",
        "name" => "name",
        "scopes" => "api-token-scopes",
        "url" => "webhook-url",
        "secret" => "webhook-secret",
        "which" | "events" => "webhook-events",
        "owner" => "inventory-owner",
        "categories" => "inventory-categories",
        "purposes" => "inventory-purposes",
        "retention" => "inventory-retention",
        "location" => "inventory-location",
        "recipients" => "inventory-recipients",
        "kinds" => "inventory-kinds",
        "status" => "task-status-label",
        "note" => "task-note",
        "direction" => "provision-direction",
        "on_date" => "provision-on-date",
        "counterparty" => "provision-counterparty",
        "counterparty_address" => "provision-counterparty-address",
        "subject" => "provision-subject",
        "items" => "provision-items",
        "basis" => "provision-basis",
        "source_obtained" => "provision-source-obtained",
        "record_form" => "provision-record-form",
        _ => "input",
    };
    lang.t(id)
}
