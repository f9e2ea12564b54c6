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
        let PageLang(lang) = PageLang::from_request_parts(parts, state).await.unwrap_or(PageLang(Lang::Ja));
        let session =
            Session::from_request_parts(parts, state).await.map_err(|(_, m)| WebError::internal("no session", m))?;
        Ok(Ctx { lang, path: parts.uri.path().to_owned(), session, state: state.clone() })
    }
}

impl Ctx {
    pub async fn page(&self, user: Option<&StaffUser>) -> Result<Page, WebError> {
        let csrf = csrf::token(&self.session).await?;
        let settings = self.state.app.settings().await.map_err(WebError::from)?;
        let other = self.lang.other();
        Ok(Page {
            lang: self.lang,
            org_name: settings.org_name().to_owned(),
            switch_href: format!("{}?lang={}", self.path, other.code()),
            switch_label: if other == Lang::En { "English" } else { "日本語" },
            csrf,
            user: user.cloned(),
            path: self.path.clone(),
        })
    }
}

/// The common part of every page template (`p` in the templates).
#[derive(Debug, Clone)]
pub struct Page {
    pub lang: Lang,
    pub org_name: String,
    pub switch_href: String,
    pub switch_label: &'static str,
    pub csrf: String,
    pub user: Option<StaffUser>,
    pub path: String,
}

impl Page {
    pub fn t<'a>(&self, ja: &'a str, en: &'a str) -> &'a str {
        self.lang.t(ja, en)
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
    let (ja, en) = match field {
        "kind" => ("請求の種類", "What you ask for"),
        "details" => ("請求の内容", "Details"),
        "delivery" => ("開示の方法", "How to receive the answer"),
        "subject_name" => ("氏名", "Full name"),
        "subject_name_kana" => ("フリガナ", "Name in kana"),
        "subject_birth_date" => ("生年月日", "Date of birth"),
        "subject_postal_code" => ("郵便番号", "Postal code"),
        "subject_address" => ("住所", "Address"),
        "subject_phone" => ("電話番号", "Phone"),
        "contact_email" => ("メールアドレス", "E-mail address"),
        "filer" => ("請求する方", "Who is making the request"),
        "agent_name" => ("代理人の氏名", "Agent's name"),
        "agent_relationship" => ("ご本人との関係", "Relationship to the person"),
        "consent" => ("同意", "Consent"),
        "channel" => ("受付経路", "Channel"),
        "received_on" => ("到達日", "Arrival date"),
        "email" => ("メールアドレス", "E-mail address"),
        "password" => ("パスワード", "Password"),
        "password_confirm" => ("パスワード（確認）", "Password (again)"),
        "display_name" => ("氏名", "Name"),
        "role" => ("役割", "Role"),
        "body" => ("本文", "Message"),
        "reference" => ("受付番号", "Reference"),
        "amount" => ("金額", "Amount"),
        "method" => ("方法", "Method"),
        "paid_on" => ("受領日", "Date received"),
        "reason" => ("理由", "Reason"),
        "reasons" => ("理由", "Reasons"),
        "explanation" => ("説明", "Explanation"),
        "outcome" => ("結果", "Outcome"),
        "target" => ("確認の対象", "What to verify"),
        "doc_type" => ("書類の種類", "Document type"),
        "assignee" => ("担当者", "Assignee"),
        "new_due_on" | "days" => ("新しい期限", "New due date"),
        "form" => ("送信", "Sending"),
        _ => ("入力", "Input"),
    };
    lang.t(ja, en)
}
