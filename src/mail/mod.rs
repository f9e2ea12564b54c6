//! E-mail: what each event tells whom (DESIGN.md §6), rendered from askama
//! templates in Japanese and English, plain text with an HTML alternative.

pub mod transport;

use askama::Template;

use crate::domain::{Lang, Outcome, Reason};

/// A rendered message, ready for the outbox.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub to: String,
    pub template: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The facts a message may show. Filled by the service that enqueues it.
#[derive(Debug, Clone, Default)]
pub struct MailView {
    pub lang: Lang,
    pub org_name: String,
    pub org_address: String,
    pub window_hours: String,
    pub window_phone: String,
    pub window_email: String,
    pub accredited_body: String,
    /// The addressee: the person, or their agent.
    pub name: String,
    pub reference: String,
    pub kind: String,
    pub received_on: String,
    pub due_on: String,
    pub status_url: String,
    pub confirm_url: String,
    pub case_url: String,
    /// Free text from staff (a note, a question, an explanation).
    pub text: String,
    pub target: String,
    pub amount: i64,
    pub balance: i64,
    /// Paid beyond what is owed, to be refunded.
    pub credit: i64,
    pub fee_requested: bool,
    pub payment_methods: Vec<String>,
    pub pay_by: String,
    pub payment_instructions: String,
    pub outcome: Option<Outcome>,
    pub outcome_label: String,
    pub reasons: Vec<(String, String)>,
    pub delivery: String,
    pub new_due_on: String,
    pub identity_complete: bool,
    /// Business days left before the due date (staff notices).
    pub days_left: i64,
    pub is_agent: bool,
}

impl MailView {
    pub fn t<'a>(&self, ja: &'a str, en: &'a str) -> &'a str {
        self.lang.t(ja, en)
    }

    pub fn yen(&self, n: &i64) -> String {
        yen(*n)
    }

    pub fn set_reasons(&mut self, reasons: &[Reason]) {
        self.reasons = reasons.iter().map(|r| (r.label(self.lang).to_owned(), r.basis().to_owned())).collect();
    }

    pub fn is(&self, o: &str) -> bool {
        self.outcome.is_some_and(|x| x.code() == o)
    }
}

/// Whole yen with thousands separators: 1,000.
pub fn yen(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

macro_rules! mails {
    ($($name:ident => $path:literal, $code:literal, $ja:literal, $en:literal;)+) => {
        /// Every message madoguchi sends.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Kind { $($name,)+ }

        mod tpl {
            use super::MailView;
            $(
                #[derive(askama::Template)]
                #[template(path = $path)]
                pub struct $name<'a> {
                    pub m: &'a MailView,
                }
            )+
        }

        impl Kind {
            pub fn code(self) -> &'static str {
                match self { $(Kind::$name => $code,)+ }
            }

            fn subject(self, lang: Lang) -> &'static str {
                match self { $(Kind::$name => lang.t($ja, $en),)+ }
            }

            fn body(self, m: &MailView) -> askama::Result<String> {
                match self { $(Kind::$name => tpl::$name { m }.render(),)+ }
            }
        }
    };
}

mails! {
    Confirm => "mail/confirm.txt", "confirm", "メールアドレスの確認のお願い", "Please confirm your e-mail address";
    Received => "mail/received.txt", "received", "ご請求を受け付けました", "We have received your request";
    IdentityRequested => "mail/identity_requested.txt", "identity_requested", "本人確認書類のご提出のお願い", "Please send proof of identity";
    IdentityVerified => "mail/identity_verified.txt", "identity_verified", "本人確認ができました", "Your identity has been verified";
    IdentityFailed => "mail/identity_failed.txt", "identity_failed", "本人確認ができませんでした", "We could not verify your identity";
    FeeRequested => "mail/fee_requested.txt", "fee_requested", "手数料のお支払いのお願い", "Please pay the fee";
    PaymentReceived => "mail/payment_received.txt", "payment_received", "手数料の入金を確認しました", "We have received your payment";
    FeeReminder => "mail/fee_reminder.txt", "fee_reminder", "手数料のお支払い期限が近づいています", "The fee is due soon";
    FeeWaived => "mail/fee_waived.txt", "fee_waived", "手数料を免除しました", "The fee has been waived";
    Clarification => "mail/clarification.txt", "clarification", "ご請求内容の確認のお願い", "We need a few details";
    Message => "mail/message.txt", "message", "担当者からのご連絡", "A message about your request";
    Extended => "mail/extended.txt", "extended", "回答期限の延長のお知らせ（延長通知）", "Notice of extension of the deadline";
    Decision => "mail/decision.txt", "decision", "ご請求に対する決定のお知らせ", "Our decision on your request";
    Withdrawn => "mail/withdrawn.txt", "withdrawn", "ご請求の取下げを承りました", "Your request has been withdrawn";
    StatusLink => "mail/status_link.txt", "status_link", "状況確認ページのご案内", "Your status page link";
    StaffNewCase => "mail/staff_new_case.txt", "staff_new_case", "新しい請求が届きました", "A new request has arrived";
    StaffAssigned => "mail/staff_assigned.txt", "staff_assigned", "担当に割り当てられました", "A case was assigned to you";
    StaffDueSoon => "mail/staff_due_soon.txt", "staff_due_soon", "回答期限が近づいています", "A case is due soon";
    StaffOverdue => "mail/staff_overdue.txt", "staff_overdue", "回答期限を過ぎた請求があります", "A case is overdue";
    StaffDocuments => "mail/staff_documents.txt", "staff_documents", "本人確認書類が提出されました", "Identity documents were submitted";
    StaffIdentityOverdue => "mail/staff_identity_overdue.txt", "staff_identity_overdue", "本人確認書類が届いていません", "Identity documents have not arrived";
    StaffReplied => "mail/staff_replied.txt", "staff_replied", "ご本人から返信がありました", "The requester replied";
}

#[derive(askama::Template)]
#[template(path = "mail/layout.html")]
struct HtmlBody<'a> {
    lang: Lang,
    subject: &'a str,
    paragraphs: Vec<Vec<Line<'a>>>,
}

struct Line<'a> {
    text: &'a str,
    link: bool,
}

/// Renders a message: subject `【org】…` (with the reference when there is one),
/// the text body, and an HTML body built from the same text.
pub fn render(kind: Kind, to: &str, m: &MailView) -> askama::Result<Outgoing> {
    let mut subject = format!("【{}】{}", m.org_name, kind.subject(m.lang));
    if !m.reference.is_empty() {
        subject.push_str(&format!(" ({})", m.reference));
    }
    let text = kind.body(m)?;
    let text = tidy(&text);
    let paragraphs = text
        .split("\n\n")
        .map(|p| {
            p.lines().map(|l| Line { text: l, link: l.starts_with("http://") || l.starts_with("https://") }).collect()
        })
        .collect();
    let html = HtmlBody { lang: m.lang, subject: &subject, paragraphs }.render()?;
    Ok(Outgoing { to: to.to_owned(), template: kind.code(), subject, text, html })
}

/// Collapses the blank lines that template branches leave behind.
fn tidy(text: &str) -> String {
    let mut out = String::new();
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(lang: Lang) -> MailView {
        MailView {
            lang,
            org_name: "株式会社サンプル".into(),
            reference: "2026-000001".into(),
            status_url: "http://127.0.0.1:8080/status/2026-000001?token=abc".into(),
            due_on: "2026-12-07".into(),
            ..MailView::default()
        }
    }

    #[test]
    fn yen_has_thousands_separators() {
        assert_eq!(yen(0), "0");
        assert_eq!(yen(300), "300");
        assert_eq!(yen(1000), "1,000");
        assert_eq!(yen(1234567), "1,234,567");
    }

    #[test]
    fn the_receipt_names_the_reference_and_due_date_with_the_link_alone_on_a_line() {
        for lang in [Lang::Ja, Lang::En] {
            let out = render(Kind::Received, "taro@example.jp", &view(lang)).expect("renders");
            assert!(out.subject.contains("2026-000001"));
            assert!(out.text.contains("2026-12-07"));
            assert!(out.text.lines().any(|l| l == "http://127.0.0.1:8080/status/2026-000001?token=abc"));
            assert!(out.html.contains(r#"<a href="http://127.0.0.1:8080/status/2026-000001?token=abc">"#));
        }
    }

    #[test]
    fn html_escapes_what_staff_typed() {
        let m = MailView { text: "<script>x</script>".into(), ..view(Lang::Ja) };
        let out = render(Kind::Message, "taro@example.jp", &m).expect("renders");
        assert!(!out.html.contains("<script>"));
        assert!(out.text.contains("<script>x</script>"));
    }
}
