//! `/admin/webhooks`: where the desk's events are POSTed, what became of each
//! delivery, and "send again" (DESIGN.md §4 "JSON API").

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::webhooks::{self, MAX_ATTEMPTS, NewHook};
use crate::app::{AppError, WebhookDelivery};
use crate::domain::Event;
use crate::web::WebError;
use crate::web::auth::{Admin, StaffUser};
use crate::web::csrf::{CsrfForm, CsrfOnly, HasCsrf};
use crate::web::errors::html;
use crate::web::page::{Ctx, FormErrors, Page};
use crate::web::path::Path;

/// The deliveries the page lists.
const RECENT: i64 = 100;

pub struct HookLine {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub created: String,
    pub created_by: String,
    pub disabled: String,
    pub waiting: i64,
    pub failed: i64,
    pub delivered: i64,
}

pub struct DeliveryLine {
    pub id: i64,
    pub url: String,
    pub reference: String,
    pub event: String,
    pub created: String,
    /// `delivered`, `waiting` or `failed`.
    pub state: &'static str,
    /// When it arrived, or when it is tried next.
    pub when: String,
    pub attempts: i64,
    pub last: String,
}

#[derive(Template)]
#[template(path = "staff/admin_webhooks.html")]
struct HooksPage {
    p: Page,
    hooks: Vec<HookLine>,
    deliveries: Vec<DeliveryLine>,
    codes: &'static [&'static str],
    errors: FormErrors,
    form: NewHook,
    /// The secret just made for a new webhook, shown this once.
    made: Option<String>,
    allow_private: bool,
    max_attempts: i64,
}

impl HooksPage {
    fn ticked(&self, code: &str) -> bool {
        self.form.events.iter().any(|e| e == code)
    }
}

fn delivery_line(app: &crate::app::App, d: WebhookDelivery) -> DeliveryLine {
    let (state, when) = match (d.delivered_at, d.failed_at) {
        (Some(at), _) => ("delivered", app.local_minute(at)),
        (None, Some(at)) => ("failed", app.local_minute(at)),
        (None, None) => ("waiting", app.local_minute(d.next_attempt_at)),
    };
    let last = match (d.last_status, d.last_error) {
        (_, Some(e)) => e,
        (Some(s), None) => format!("HTTP {s}"),
        (None, None) => String::new(),
    };
    DeliveryLine {
        id: d.id,
        url: d.url,
        reference: d.reference,
        event: d.event_code,
        created: app.local_minute(d.created_at),
        state,
        when,
        attempts: d.attempts,
        last,
    }
}

async fn render(
    ctx: &Ctx,
    user: &StaffUser,
    form: NewHook,
    errors: FormErrors,
    made: Option<String>,
) -> Result<HooksPage, WebError> {
    let app = &ctx.state.app;
    let p = ctx.page(Some(user)).await?;
    let hooks = webhooks::list(app)
        .await?
        .into_iter()
        .map(|h| HookLine {
            id: h.id,
            url: h.url,
            events: h.events,
            created: app.local_minute(h.created_at),
            created_by: h.created_by,
            disabled: h.disabled_at.map(|at| app.local_minute(at)).unwrap_or_default(),
            waiting: h.waiting,
            failed: h.failed,
            delivered: h.delivered,
        })
        .collect();
    let deliveries = webhooks::recent(app, RECENT).await?.into_iter().map(|d| delivery_line(app, d)).collect();
    Ok(HooksPage {
        hooks,
        deliveries,
        codes: Event::CODES,
        errors,
        form,
        made,
        allow_private: app.settings().await?.webhooks_allow_private(),
        max_attempts: MAX_ATTEMPTS,
        p,
    })
}

fn blank() -> NewHook {
    NewHook { which: "all".into(), ..NewHook::default() }
}

pub async fn hooks_get(Admin(user): Admin, ctx: Ctx) -> Result<Response, WebError> {
    let page = render(&ctx, &user, blank(), FormErrors::default(), None).await?;
    Ok(html(StatusCode::OK, &page))
}

#[derive(serde::Deserialize)]
pub struct HookPost {
    #[serde(default)]
    url: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    which: String,
    #[serde(default)]
    events: Vec<String>,
    #[serde(default)]
    csrf_token: String,
}

impl HasCsrf for HookPost {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn hooks_post(
    Admin(user): Admin,
    ctx: Ctx,
    CsrfForm(post): CsrfForm<HookPost>,
) -> Result<Response, WebError> {
    let form = NewHook { url: post.url, secret: post.secret, which: post.which, events: post.events };
    match webhooks::create(&ctx.state.app, &user.account(), &form).await {
        Ok((_, made)) => {
            let page = render(&ctx, &user, blank(), FormErrors::default(), made).await?;
            let mut res = html(StatusCode::OK, &page);
            // A secret made here is on this page only: never kept by a cache.
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(res)
        }
        Err(AppError::Invalid(errors)) => {
            let errors = FormErrors::new(&errors, ctx.lang);
            // The secret typed is not sent back into the page.
            let form = NewHook { secret: String::new(), ..form };
            let page = render(&ctx, &user, form, errors, None).await?;
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/webhooks/{id}/disable`: nothing more is sent to it.
pub async fn disable_post(
    Admin(_user): Admin,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> Result<Response, WebError> {
    webhooks::disable(&ctx.state.app, id).await?;
    Ok(Redirect::to("/admin/webhooks").into_response())
}

/// `POST /admin/webhooks/deliveries/{id}/resend`: "send again".
pub async fn resend_post(
    Admin(_user): Admin,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> Result<Response, WebError> {
    webhooks::resend(&ctx.state.app, id).await?;
    Ok(Redirect::to("/admin/webhooks#deliveries").into_response())
}
