//! The answer itself, on the staff side: result files attached to a
//! disclosure (multipart) and the notices printed as A4 letters.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::case::case_page;
use crate::app::AppError;
use crate::app::results::{self, Upload};
use crate::domain::action_form::ActionForm;
use crate::domain::{DomainError, Reference};
use crate::web::WebError;
use crate::web::auth::StaffUser;
use crate::web::csrf::CsrfMultipart;
use crate::web::errors::html;
use crate::web::page::{Ctx, FormErrors};
use crate::web::path::Path;

/// `POST /staff/cases/{reference}/attach-result`: multipart `file`, `label`,
/// `csrf_token` (checked after every part is read).
pub async fn attach_result_post(
    user: StaffUser,
    ctx: Ctx,
    Path(reference): Path<Reference>,
    upload: CsrfMultipart,
) -> Result<Response, WebError> {
    let mut multipart = upload.multipart;
    let app = &ctx.state.app;
    let max = usize::try_from(app.settings().await?.result_max_bytes()).unwrap_or(usize::MAX);
    let (mut bytes, mut too_large) = (Vec::new(), false);
    let (mut label, mut file_name, mut token) = (String::new(), String::new(), String::new());
    let broken = || WebError::Unprocessable(crate::domain::Msg::new("the-upload-was-cut-off-please"));
    while let Some(mut field) = multipart.next_field().await.map_err(|_| broken())? {
        match field.name().unwrap_or("") {
            "file" => {
                file_name = field.file_name().unwrap_or("").to_owned();
                while let Some(chunk) = field.chunk().await.map_err(|_| broken())? {
                    if bytes.len() + chunk.len() > max {
                        too_large = true;
                    } else if !too_large {
                        bytes.extend_from_slice(&chunk);
                    }
                }
            }
            "label" => label = field.text().await.map_err(|_| broken())?,
            "csrf_token" => token = field.text().await.map_err(|_| broken())?,
            _ => {}
        }
    }
    crate::web::csrf::check(&upload.session, &token).await?;
    let result = if too_large {
        Err(AppError::TooLarge(crate::domain::Msg::new("the-result-file-is-too-large")))
    } else {
        results::attach(app, &reference, Upload { label: label.clone(), file_name, bytes }, user.actor()).await
    };
    let lang = ctx.lang;
    let (status, errors, notice) = match result {
        Ok(_) => return Ok(Redirect::to(&format!("/staff/cases/{reference}#results-h")).into_response()),
        Err(AppError::Invalid(errors)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, FormErrors::new(&errors, lang), String::new())
        }
        Err(AppError::TooLarge(msg)) => {
            (StatusCode::PAYLOAD_TOO_LARGE, FormErrors::one("file", &msg.get(lang), lang), String::new())
        }
        Err(AppError::Domain(DomainError::Illegal(msg))) => {
            (StatusCode::CONFLICT, FormErrors::default(), msg.get(lang).to_owned())
        }
        Err(AppError::Domain(DomainError::Forbidden(msg))) => {
            (StatusCode::FORBIDDEN, FormErrors::default(), msg.get(lang).to_owned())
        }
        Err(e) => return Err(e.into()),
    };
    let form = ActionForm { label, ..ActionForm::default() };
    let page = case_page(&ctx, &user, &reference, errors, "attach-result", form, notice).await?;
    Ok(html(status, &page))
}

/// `GET /staff/cases/{reference}/notices/{id}`: the letter as issued, to print.
pub async fn notice_get(
    user: StaffUser,
    ctx: Ctx,
    Path((reference, id)): Path<(Reference, i64)>,
) -> Result<Response, WebError> {
    let notice = crate::app::notices::staff_notice(&ctx.state.app, &reference, id, &user.actor()).await?;
    Ok(crate::web::receipt::notice_page(&notice, ctx.lang, format!("/staff/cases/{reference}")))
}
