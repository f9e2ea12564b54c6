//! The printable receipt (領収書) of a payment, for staff and requester alike.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use super::errors::html;
use crate::app::cases::Receipt;
use crate::domain::{Filer, Lang, PaymentMethod};
use crate::mail::yen;

#[derive(Template)]
#[template(path = "shared/receipt.html")]
struct ReceiptPage {
    lang: Lang,
    number: String,
    issued: String,
    name: String,
    amount: String,
    reference: String,
    paid_on: String,
    method: &'static str,
    payment_ref: String,
    org_name: String,
    org_address: String,
    back: String,
}

pub fn render(r: &Receipt, lang: Lang, issued: String, back: String) -> Response {
    let is_agent = r.row.filer.parse::<Filer>().is_ok_and(Filer::is_agent);
    let reference = r.row.reference.clone().unwrap_or_default();
    let page = ReceiptPage {
        lang,
        number: format!("{reference}-{}", r.entry.id),
        issued,
        name: if is_agent { r.row.agent_name.clone().unwrap_or_default() } else { r.row.subject_name.clone() },
        amount: yen(r.entry.amount),
        paid_on: r.entry.on_date.clone(),
        method: r
            .entry
            .method
            .as_deref()
            .and_then(|m| m.parse::<PaymentMethod>().ok())
            .map(|m| m.label(lang))
            .unwrap_or(""),
        payment_ref: r.entry.payment_ref.clone().unwrap_or_default(),
        org_name: r.settings.org_name().to_owned(),
        org_address: r.settings.get("org_address").to_owned(),
        reference,
        back,
    };
    html(StatusCode::OK, &page)
}
