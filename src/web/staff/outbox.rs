//! `/admin/outbox`: mail the server refused for good, with its answer, "send
//! again" and "mark as handled" (issue 17).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::housekeeping::MAIL_PERMANENT_TRIES;
use crate::app::outbox;
use crate::web::WebError;
use crate::web::auth::Admin;
use crate::web::csrf::{CsrfForm, CsrfOnly};
use crate::web::errors::html;
use crate::web::page::{Ctx, Page};
use crate::web::path::Path;

pub struct FailedLine {
    pub id: i64,
    pub reference: String,
    pub template: String,
    pub to: String,
    pub created: String,
    pub failed: String,
    pub attempts: i64,
    pub error: String,
}

#[derive(Template)]
#[template(path = "staff/admin_outbox.html")]
struct OutboxPage {
    p: Page,
    failed: Vec<FailedLine>,
    waiting: i64,
    tries: i64,
}

pub async fn outbox_get(Admin(user): Admin, ctx: Ctx) -> Result<Response, WebError> {
    let app = &ctx.state.app;
    let failed = outbox::failures(app)
        .await?
        .into_iter()
        .map(|f| FailedLine {
            id: f.id,
            reference: f.reference.unwrap_or_default(),
            template: f.template,
            to: f.to_addr,
            created: app.local_minute(f.created_at),
            failed: app.local_minute(f.failed_at),
            attempts: f.attempts,
            error: f.last_error.unwrap_or_default(),
        })
        .collect();
    let waiting = crate::app::housekeeping::pending_mail(app).await?;
    let page = OutboxPage { failed, waiting, tries: MAIL_PERMANENT_TRIES, p: ctx.page(Some(&user)).await? };
    Ok(html(StatusCode::OK, &page))
}

/// `POST /admin/outbox/{id}/resend`
pub async fn resend_post(
    Admin(_user): Admin,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> Result<Response, WebError> {
    outbox::send_again(&ctx.state.app, id).await?;
    Ok(Redirect::to("/admin/outbox").into_response())
}

/// `POST /admin/outbox/{id}/handled`
pub async fn handled_post(
    Admin(user): Admin,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> Result<Response, WebError> {
    outbox::mark_handled(&ctx.state.app, &user.account(), id).await?;
    Ok(Redirect::to("/admin/outbox").into_response())
}
