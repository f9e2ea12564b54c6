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
        Err(AppError::Invalid(errors)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, FormErrors::new(&errors, lang), String::new())
        }
        Err(AppError::Domain(DomainError::Invalid { field, msg })) => {
            (StatusCode::UNPROCESSABLE_ENTITY, FormErrors::one(field, &msg.get(lang), lang), String::new())
        }
        Err(AppError::Domain(DomainError::Illegal(msg))) => {
            (StatusCode::CONFLICT, FormErrors::default(), msg.get(lang).to_owned())
        }
        Err(AppError::Domain(DomainError::Forbidden(msg))) => {
            (StatusCode::FORBIDDEN, FormErrors::default(), msg.get(lang).to_owned())
        }
        Err(AppError::Conflict) => {
            (StatusCode::CONFLICT, FormErrors::default(), lang.t("someone-else-changed-this-case-first").to_owned())
        }
        Err(e) => return Err(e.into()),
    };
    let page = case_page(&ctx, &user, &reference, errors, action.code(), form, notice).await?;
    Ok(html(status, &page))
}
