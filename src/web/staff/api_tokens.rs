//! `/admin/api-tokens`: the JSON API's tokens (DESIGN.md §4 "JSON API").
//! A new token's secret is shown once, on the page that answers its form.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::AppError;
use crate::app::api_tokens::{self, NewToken, ROLES, Scope};
use crate::web::WebError;
use crate::web::auth::{Admin, StaffUser};
use crate::web::csrf::{CsrfForm, CsrfOnly, HasCsrf};
use crate::web::errors::html;
use crate::web::page::{Ctx, FormErrors, Page};
use crate::web::path::Path;

pub struct TokenLine {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<&'static str>,
    pub role: &'static str,
    pub created: String,
    pub created_by: String,
    pub last_used: String,
    pub revoked: String,
}

#[derive(Template)]
#[template(path = "staff/admin_api_tokens.html")]
struct TokensPage {
    p: Page,
    tokens: Vec<TokenLine>,
    /// (code, label)
    scope_options: Vec<(&'static str, &'static str)>,
    roles: Vec<(&'static str, &'static str)>,
    errors: FormErrors,
    form: NewToken,
    /// The token just created: its name and secret, shown this once.
    created: Option<(String, String)>,
    base_url: String,
}

impl TokensPage {
    fn scope_ticked(&self, code: &str) -> bool {
        self.form.scopes.iter().any(|s| s == code)
    }
}

async fn render(
    ctx: &Ctx,
    user: &StaffUser,
    form: NewToken,
    errors: FormErrors,
    created: Option<(String, String)>,
) -> Result<TokensPage, WebError> {
    let app = &ctx.state.app;
    let p = ctx.page(Some(user)).await?;
    let lang = p.lang;
    let tokens = api_tokens::list(app)
        .await?
        .into_iter()
        .map(|t| TokenLine {
            id: t.id,
            scopes: t.scopes.iter().map(|s| s.code()).collect(),
            role: t.role.label(lang),
            created: app.local_minute(t.created_at),
            created_by: t.created_by,
            last_used: t.last_used_at.map(|at| app.local_minute(at)).unwrap_or_default(),
            revoked: t.revoked_at.map(|at| app.local_minute(at)).unwrap_or_default(),
            name: t.name,
        })
        .collect();
    Ok(TokensPage {
        tokens,
        scope_options: Scope::ALL.iter().map(|s| (s.code(), s.label(lang))).collect(),
        roles: ROLES.iter().map(|r| (r.code(), r.label(lang))).collect(),
        errors,
        form,
        created,
        base_url: app.url(""),
        p,
    })
}

pub async fn tokens_get(Admin(user): Admin, ctx: Ctx) -> Result<Response, WebError> {
    let form = NewToken { role: "staff".into(), scopes: vec![Scope::CasesRead.code().into()], ..NewToken::default() };
    let page = render(&ctx, &user, form, FormErrors::default(), None).await?;
    Ok(html(StatusCode::OK, &page))
}

#[derive(serde::Deserialize)]
pub struct TokenPost {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    role: String,
    #[serde(default)]
    csrf_token: String,
}

impl HasCsrf for TokenPost {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

pub async fn tokens_post(
    Admin(user): Admin,
    ctx: Ctx,
    CsrfForm(post): CsrfForm<TokenPost>,
) -> Result<Response, WebError> {
    let form = NewToken { name: post.name, scopes: post.scopes, role: post.role };
    match api_tokens::create(&ctx.state.app, &user.account(), &form).await {
        Ok((_, secret)) => {
            let name = form.name.trim().to_owned();
            let fresh = NewToken { role: "staff".into(), ..NewToken::default() };
            let page = render(&ctx, &user, fresh, FormErrors::default(), Some((name, secret))).await?;
            let mut res = html(StatusCode::OK, &page);
            // The secret is on this page only: never kept by a cache.
            res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(res)
        }
        Err(AppError::Invalid(errors)) => {
            let errors = FormErrors::new(&errors, ctx.lang);
            let page = render(&ctx, &user, form, errors, None).await?;
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/api-tokens/{id}/revoke`: refused from its next request on.
pub async fn revoke_post(
    Admin(_user): Admin,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> Result<Response, WebError> {
    api_tokens::revoke(&ctx.state.app, id).await?;
    Ok(Redirect::to("/admin/api-tokens").into_response())
}
