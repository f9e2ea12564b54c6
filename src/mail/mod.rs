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
    /// Reasons with their article as the notice cites it ("" for none).
    pub reasons: Vec<(String, String)>,
    /// A decision's answer: the purposes told, what was corrected, what was sent.
    pub answer: String,
    pub delivery: String,
    pub new_due_on: String,
    pub identity_complete: bool,
    /// The request is for provision records (its "no data" speaks of records).
    pub provision_records: bool,
    /// Business days left before the due date (staff notices).
    pub days_left: i64,
    pub is_agent: bool,
    /// A staff account's own address (security notices).
    pub account_email: String,
    /// How many times something happened (failed sign-ins, cases assigned).
    pub count: i64,
    /// One line per case (cases assigned at once).
    pub items: Vec<String>,
}

impl MailView {
    /// A message of the catalogue, given every fact of this view as its
    /// values (`{ $reference }`, `{ $amount_yen }`, …).
    pub fn t(&self, id: &str) -> String {
        self.with(id, &[])
    }

    /// A message with one more value (a loop's item).
    pub fn with1(&self, id: &str, name: &str, value: &str) -> String {
        self.with(id, &[(name, value)])
    }

    /// A message with two more values.
    pub fn with2(&self, id: &str, a: &str, va: &str, b: &str, vb: &str) -> String {
        self.with(id, &[(a, va), (b, vb)])
    }

    fn with(&self, id: &str, extra: &[(&str, &str)]) -> String {
        use crate::i18n::Arg;
        let (amount, balance, credit) = (yen(self.amount), yen(self.balance), yen(self.credit));
        let methods = self.payment_methods.join(", ");
        let mut args: Vec<(&str, Arg<'_>)> = vec![
            ("org_name", Arg::Text(&self.org_name)),
            ("org_address", Arg::Text(&self.org_address)),
            ("window_hours", Arg::Text(&self.window_hours)),
            ("window_phone", Arg::Text(&self.window_phone)),
            ("window_email", Arg::Text(&self.window_email)),
            ("accredited_body", Arg::Text(&self.accredited_body)),
            ("name", Arg::Text(&self.name)),
            ("reference", Arg::Text(&self.reference)),
            ("kind", Arg::Text(&self.kind)),
            ("received_on", Arg::Text(&self.received_on)),
            ("due_on", Arg::Text(&self.due_on)),
            ("status_url", Arg::Text(&self.status_url)),
            ("confirm_url", Arg::Text(&self.confirm_url)),
            ("case_url", Arg::Text(&self.case_url)),
            ("text", Arg::Text(&self.text)),
            ("target", Arg::Text(&self.target)),
            ("amount_yen", Arg::Text(&amount)),
            ("balance_yen", Arg::Text(&balance)),
            ("credit_yen", Arg::Text(&credit)),
            ("payment_methods", Arg::Text(&methods)),
            ("pay_by", Arg::Text(&self.pay_by)),
            ("payment_instructions", Arg::Text(&self.payment_instructions)),
            ("outcome_label", Arg::Text(&self.outcome_label)),
            ("delivery", Arg::Text(&self.delivery)),
            ("new_due_on", Arg::Text(&self.new_due_on)),
            ("answer", Arg::Text(&self.answer)),
            ("days_left", Arg::Num(self.days_left)),
            ("account_email", Arg::Text(&self.account_email)),
            ("count", Arg::Num(self.count)),
        ];
        args.extend(extra.iter().map(|(k, v)| (*k, Arg::Text(v))));
        self.lang.f(id, &args)
    }

    pub fn yen(&self, n: &i64) -> String {
        yen(*n)
    }

    pub fn set_reasons(&mut self, reasons: &[Reason]) {
        self.reasons = reasons
            .iter()
            .map(|r| (r.label(self.lang).to_owned(), r.citation(self.lang).unwrap_or_default()))
            .collect();
    }

    pub fn is(&self, o: &str) -> bool {
        self.outcome.is_some_and(|x| x.code() == o)
    }
}

/// Whole yen with thousands separators: 1,000.
pub fn yen(n: i64) -> String {
    crate::i18n::grouped(n)
}

macro_rules! mails {
    ($($name:ident => $path:literal, $code:literal;)+) => {
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
            pub const ALL: &'static [Kind] = &[$(Kind::$name,)+];

            pub fn code(self) -> &'static str {
                match self { $(Kind::$name => $code,)+ }
            }

            fn subject(self, lang: Lang) -> &'static str {
                match self { $(Kind::$name => lang.t(concat!("mail-subject-", $code)),)+ }
            }

            fn body(self, m: &MailView) -> askama::Result<String> {
                match self { $(Kind::$name => tpl::$name { m }.render(),)+ }
            }
        }
    };
}

mails! {
    Confirm => "mail/confirm.txt", "confirm";
    Received => "mail/received.txt", "received";
    IdentityRequested => "mail/identity_requested.txt", "identity_requested";
    IdentityVerified => "mail/identity_verified.txt", "identity_verified";
    IdentityFailed => "mail/identity_failed.txt", "identity_failed";
    FeeRequested => "mail/fee_requested.txt", "fee_requested";
    PaymentReceived => "mail/payment_received.txt", "payment_received";
    FeeReminder => "mail/fee_reminder.txt", "fee_reminder";
    FeeWaived => "mail/fee_waived.txt", "fee_waived";
    Clarification => "mail/clarification.txt", "clarification";
    Message => "mail/message.txt", "message";
    Extended => "mail/extended.txt", "extended";
    Decision => "mail/decision.txt", "decision";
    ResultsReady => "mail/results_ready.txt", "results_ready";
    Withdrawn => "mail/withdrawn.txt", "withdrawn";
    StatusLink => "mail/status_link.txt", "status_link";
    StaffNewCase => "mail/staff_new_case.txt", "staff_new_case";
    StaffAssigned => "mail/staff_assigned.txt", "staff_assigned";
    StaffAssignedMany => "mail/staff_assigned_many.txt", "staff_assigned_many";
    StaffDueSoon => "mail/staff_due_soon.txt", "staff_due_soon";
    StaffOverdue => "mail/staff_overdue.txt", "staff_overdue";
    StaffDocuments => "mail/staff_documents.txt", "staff_documents";
    StaffIdentityOverdue => "mail/staff_identity_overdue.txt", "staff_identity_overdue";
    StaffReplied => "mail/staff_replied.txt", "staff_replied";
    StaffLoginFailures => "mail/staff_login_failures.txt", "staff_login_failures";
    StaffPasswordReset => "mail/staff_password_reset.txt", "staff_password_reset";
    StaffTaskOpened => "mail/staff_task_opened.txt", "staff_task_opened";
    StaffTaskOverdue => "mail/staff_task_overdue.txt", "staff_task_overdue";
}

#[derive(askama::Template)]
#[template(path = "mail/layout.html")]
struct HtmlBody<'a> {
    lang: Lang,
    subject: &'a str,
    paragraphs: Vec<Vec<Line<'a>>>,
}

struct Line<'a> {
    /// A link of ours, alone on its line.
    link: Option<&'a str>,
    /// Any other line, escaped and defused (`defuse`).
    html: String,
}

/// Escapes a line for HTML and breaks what a mail client would turn into a
/// link by itself (`evil.example`, `https://…`, `a@b`) with an invisible
/// zero-width space, so that nothing a requester typed becomes a link.
fn defuse(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 16);
    for c in line.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '.' | ':' | '@' | '/' => {
                out.push(c);
                out.push_str("&#8203;");
            }
            _ => out.push(c),
        }
    }
    out
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
    // Only our own links are links: the URLs this view was given.
    let ours = [&m.status_url, &m.confirm_url, &m.case_url];
    let is_ours = |l: &str| ours.iter().any(|u| !u.is_empty() && u.as_str() == l);
    let paragraphs = text
        .split("\n\n")
        .map(|p| {
            p.lines()
                .map(|l| {
                    if is_ours(l) {
                        Line { link: Some(l), html: String::new() }
                    } else {
                        Line { link: None, html: defuse(l) }
                    }
                })
                .collect()
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
        for lang in [Lang::JA, Lang::EN] {
            let out = render(Kind::Received, "taro@example.jp", &view(lang)).expect("renders");
            assert!(out.subject.contains("2026-000001"));
            assert!(out.text.contains("2026-12-07"));
            assert!(out.text.lines().any(|l| l == "http://127.0.0.1:8080/status/2026-000001?token=abc"));
            assert!(out.html.contains(r#"<a href="http://127.0.0.1:8080/status/2026-000001?token=abc">"#));
        }
    }

    #[test]
    fn a_requester_typed_address_never_becomes_a_link_in_the_html_part() {
        let m = MailView {
            name: "https://evil.example/login?x=1 <a href=x>".into(),
            text: "www.evil.example or evil@example.com".into(),
            ..view(Lang::JA)
        };
        let out = render(Kind::Message, "taro@example.jp", &m).expect("renders");
        let links: Vec<&str> = out.html.match_indices("<a ").map(|(i, _)| &out.html[i..]).collect();
        assert!(links.iter().all(|l| l.starts_with(r#"<a href="http://127.0.0.1:8080/status/"#)), "{}", out.html);
        assert!(!out.html.contains("evil.example"), "the domain is broken up: {}", out.html);
        assert!(!out.html.contains("https://evil"), "{}", out.html);
        assert!(out.html.contains("evil.&#8203;example"));
        assert!(!out.html.contains("<a href=x>"));
        // The text part keeps what was typed, as typed.
        assert!(out.text.contains("https://evil.example/login?x=1"));
    }

    #[test]
    fn html_escapes_what_staff_typed() {
        let m = MailView { text: "<script>x</script>".into(), ..view(Lang::JA) };
        let out = render(Kind::Message, "taro@example.jp", &m).expect("renders");
        assert!(!out.html.contains("<script>"));
        assert!(out.text.contains("<script>x</script>"));
    }
}
