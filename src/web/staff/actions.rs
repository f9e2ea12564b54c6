//! `POST /staff/cases/{reference}/{action}`: the fields of DESIGN.md §4 go
//! to the action's service, which answers 303, 422, 403 or 409.

use crate::web::path::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::case::case_page;
use crate::app::{AppError, cases};
use crate::domain::action_form::ActionForm;
use crate::domain::{Action, DomainError, Reference};
use crate::web::WebError;
use crate::web::auth::StaffUser;
use crate::web::csrf::{CsrfForm, HasCsrf};
use crate::web::errors::html;
use crate::web::page::{Ctx, FormErrors};

impl HasCsrf for ActionForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// How a refused change of a case is shown on its page: the status, the
/// errors at their fields, or the notice on top; other failures go on.
fn refusal(e: AppError, lang: crate::domain::Lang) -> Result<(StatusCode, FormErrors, String), WebError> {
    Ok(match e {
        AppError::Invalid(errors) => (StatusCode::UNPROCESSABLE_ENTITY, FormErrors::new(&errors, lang), String::new()),
        AppError::Domain(DomainError::Invalid { field, msg }) => {
            (StatusCode::UNPROCESSABLE_ENTITY, FormErrors::one(field, &msg.get(lang), lang), String::new())
        }
        AppError::Domain(DomainError::Illegal(msg)) => {
            (StatusCode::CONFLICT, FormErrors::default(), msg.get(lang).to_owned())
        }
        AppError::Domain(DomainError::Forbidden(msg)) => {
            (StatusCode::FORBIDDEN, FormErrors::default(), msg.get(lang).to_owned())
        }
        AppError::Conflict => {
            (StatusCode::CONFLICT, FormErrors::default(), lang.t("someone-else-changed-this-case-first").to_owned())
        }
        e => return Err(e.into()),
    })
}

pub async fn case_action_post(
    user: StaffUser,
    ctx: Ctx,
    Path((reference, action)): Path<(Reference, Action)>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Result<Response, WebError> {
    let result = cases::perform(&ctx.state.app, &reference, action, &form, user.actor()).await;
    let lang = ctx.lang;
    let (status, errors, notice) = match result {
        Ok(_) => return Ok(Redirect::to(&format!("/staff/cases/{reference}")).into_response()),
        Err(e) => refusal(e, lang)?,
    };
    let page = case_page(&ctx, &user, &reference, errors, action.code(), form, notice).await?;
    Ok(html(status, &page))
}

/// A task's form as posted: `status`, `note`.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct TaskPost {
    status: String,
    note: String,
    csrf_token: String,
}

impl HasCsrf for TaskPost {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// `POST /staff/cases/{reference}/tasks/{id}`: a search of the inventory
/// marked done, not applicable (with why), or open again.
pub async fn task_post(
    user: StaffUser,
    ctx: Ctx,
    Path((reference, id)): Path<(Reference, i64)>,
    CsrfForm(post): CsrfForm<TaskPost>,
) -> Result<Response, WebError> {
    let form = crate::app::tasks::TaskForm { status: post.status, note: post.note };
    let result = crate::app::tasks::update(&ctx.state.app, &reference, id, &form, user.actor()).await;
    let lang = ctx.lang;
    let (status, errors, notice) = match result {
        Ok(_) => return Ok(Redirect::to(&format!("/staff/cases/{reference}#task-{id}")).into_response()),
        Err(e) => refusal(e, lang)?,
    };
    let failed = format!("task-{id}");
    let mut page = case_page(&ctx, &user, &reference, errors, &failed, ActionForm::default(), notice).await?;
    page.task_failed = id;
    page.task_status = form.status;
    page.task_note = form.note;
    Ok(html(status, &page))
}

/// `POST /staff/cases/{reference}/attach-provisions`: the person's records
/// of provision and receipt, attached as a result file for the answer.
pub async fn attach_provisions_post(
    user: StaffUser,
    ctx: Ctx,
    Path(reference): Path<Reference>,
    CsrfForm(_): CsrfForm<crate::web::csrf::CsrfOnly>,
) -> Result<Response, WebError> {
    let result = crate::app::provisions::attach_to_answer(&ctx.state.app, &reference, user.actor()).await;
    let (status, errors, notice) = match result {
        Ok(_) => return Ok(Redirect::to(&format!("/staff/cases/{reference}#results-h")).into_response()),
        Err(e) => refusal(e, ctx.lang)?,
    };
    let page = case_page(&ctx, &user, &reference, errors, "", ActionForm::default(), notice).await?;
    Ok(html(status, &page))
}
