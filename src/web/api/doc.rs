//! The OpenAPI 3.1 document: built from the handlers' annotations, then
//! given the security scheme and the problems every operation may answer.

use utoipa::OpenApi;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, HeaderBuilder, ObjectBuilder, Ref, RefOr, Type};

use super::problem::{FieldProblem, PROBLEM_JSON, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "madoguchi",
        version = "1",
        description = "The desk for personal-data requests (APPI), for the systems around it. \
            Authenticate with `Authorization: Bearer <token>` (tokens: /admin/api-tokens). \
            Field names are the request forms'; dates are YYYY-MM-DD; errors are application/problem+json \
            (RFC 9457) in the language of Accept-Language (English unless Japanese comes first)."
    ),
    components(schemas(Problem, FieldProblem))
)]
struct ApiDoc;

pub fn base() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    if let Some(c) = doc.components.as_mut() {
        c.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
    doc
}

fn problem(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
        .build()
        .into()
}

/// Adds to each operation the problems it may answer, so that the document
/// lists every status a client can see.
pub fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_path_params = path.contains('{');
        for (method, op) in [(HttpMethod::Get, item.get.as_mut()), (HttpMethod::Post, item.post.as_mut())] {
            let Some(op) = op else { continue };
            add_problems(op, method, has_path_params, path);
        }
    }
    doc
}

fn add_problems(op: &mut Operation, method: HttpMethod, has_path_params: bool, path: &str) {
    let r = &mut op.responses.responses;
    let mut add = |status: &str, resp: RefOr<Response>| {
        r.entry(status.to_owned()).or_insert(resp);
    };
    add("401", problem("No token, or not a live one."));
    add("403", problem("The token lacks the scope, or its role may not do this."));
    let retry = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(PROBLEM_JSON, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
            .header(
                "Retry-After",
                HeaderBuilder::new()
                    .schema(ObjectBuilder::new().schema_type(Type::Integer))
                    .description(Some("Seconds to wait."))
                    .build(),
            )
            .build()
    };
    add("429", retry("Past the token's requests a minute (`api_rate_per_minute`).").into());
    add("503", retry("The database is briefly out of reach: nothing was saved; send it again.").into());
    if has_path_params {
        add("404", problem("No such case, month or action."));
    }
    if method == HttpMethod::Post {
        add("400", problem("The body is not JSON."));
        add("413", problem("The body is too large."));
        add("415", problem("The body is not sent as application/json."));
        add("422", problem("A field is missing or wrong: `errors` says which and why."));
    } else if !has_path_params || path.ends_with("/cases") {
        add("422", problem("A query parameter is wrong."));
    }
    if path.contains("/actions/") || path.contains("/tasks/") {
        add("409", problem("Not possible in the case's present state, or changed meanwhile."));
    }
}
