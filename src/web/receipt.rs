//! The printable receipt (領収書) of a payment, for staff and requester alike.

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;

use super::errors::html;
use crate::app::cases::Receipt;
use crate::domain::Lang;
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
    let reference = r.rec.reference_str().to_owned();
    let page = ReceiptPage {
        lang,
        number: format!("{reference}-{}", r.entry.id),
        issued,
        name: r.rec.addressee().to_owned(),
        amount: yen(r.entry.amount),
        paid_on: r.entry.on_date.to_string(),
        method: r.entry.method.map(|m| m.label(lang)).unwrap_or(""),
        payment_ref: r.entry.payment_ref.clone().unwrap_or_default(),
        org_name: r.settings.org_name().to_owned(),
        org_address: r.settings.get("org_address").to_owned(),
        reference,
        back,
    };
    html(StatusCode::OK, &page)
}

/// A notice as issued, in the print layout (A4, print CSS): the stored body,
/// never rendered again.
#[derive(Template)]
#[template(path = "shared/notice.html")]
struct NoticePage<'a> {
    lang: Lang,
    notice: &'a crate::app::records::Notice,
    kind_label: &'static str,
    back: String,
}

pub fn notice_page(notice: &crate::app::records::Notice, lang: Lang, back: String) -> Response {
    html(StatusCode::OK, &NoticePage { lang, notice, kind_label: notice.kind.label(lang), back })
}
