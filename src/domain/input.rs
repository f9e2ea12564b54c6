//! Parsing the request form (DESIGN.md §4): raw strings in, domain values or
//! field errors out. Past this edge nothing is a raw string.

use jiff::civil::Date;
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

use super::Msg;
use super::codes::*;

/// The request form as typed, kept to show it again with its errors.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RequestForm {
    pub kind: String,
    pub subject_name: String,
    pub subject_name_kana: String,
    pub subject_birth_date: String,
    pub subject_postal_code: String,
    pub subject_address: String,
    pub subject_phone: String,
    pub contact_email: String,
    pub filer: String,
    pub agent_name: String,
    pub agent_relationship: String,
    pub delivery: String,
    pub details: String,
    pub consent: String,
    pub website: String,
    pub lang: String,
    // Staff intake only.
    pub channel: String,
    pub received_on: String,
}

impl RequestForm {
    /// NFKC-normalises every field (全角 digits and ＠ become ASCII) and trims it.
    pub fn normalised(&self) -> RequestForm {
        let n = |s: &str| s.nfkc().collect::<String>().trim().to_owned();
        RequestForm {
            kind: n(&self.kind),
            subject_name: n(&self.subject_name),
            subject_name_kana: n(&self.subject_name_kana),
            subject_birth_date: n(&self.subject_birth_date),
            subject_postal_code: n(&self.subject_postal_code),
            subject_address: n(&self.subject_address),
            subject_phone: n(&self.subject_phone),
            contact_email: n(&self.contact_email),
            filer: n(&self.filer),
            agent_name: n(&self.agent_name),
            agent_relationship: n(&self.agent_relationship),
            delivery: n(&self.delivery),
            details: self.details.nfkc().collect::<String>().trim().replace("\r\n", "\n").replace('\r', "\n"),
            consent: n(&self.consent),
            website: self.website.clone(),
            lang: n(&self.lang),
            channel: n(&self.channel),
            received_on: n(&self.received_on),
        }
    }

    /// A bot filled the field people never see.
    pub fn is_honeypot_filled(&self) -> bool {
        !self.website.trim().is_empty()
    }
}

/// A validated request, ready to become a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub kind: RequestKind,
    pub subject_name: String,
    pub subject_name_kana: Option<String>,
    pub subject_birth_date: Option<Date>,
    pub subject_postal_code: Option<String>,
    pub subject_address: Option<String>,
    pub subject_phone: Option<String>,
    pub contact_email: Option<ContactEmail>,
    pub filer: Filer,
    pub agent_name: Option<String>,
    pub agent_relationship: Option<String>,
    pub delivery: Option<Delivery>,
    pub details: String,
    pub channel: Channel,
    pub received_on: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub msg: Msg,
}

/// An e-mail address that passed the syntax check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactEmail(String);

impl ContactEmail {
    pub fn parse(s: &str) -> Option<ContactEmail> {
        let s = s.trim();
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return None;
        }
        let (local, domain) = s.rsplit_once('@')?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        (local_ok && domain_ok).then(|| ContactEmail(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where the form comes from: the public page, or staff taking in a letter or call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intake {
    Web,
    Staff { today: Date },
}

/// "Use at most N characters."
pub fn too_long(max: usize) -> Msg {
    Msg::new("text-too-long").text("max", crate::i18n::grouped(i64::try_from(max).unwrap_or(i64::MAX)))
}

struct Check {
    errors: Vec<FieldError>,
}

impl Check {
    fn err(&mut self, field: &'static str, id: &'static str) {
        self.msg(field, Msg::new(id));
    }

    fn msg(&mut self, field: &'static str, msg: Msg) {
        if !self.errors.iter().any(|e| e.field == field) {
            self.errors.push(FieldError { field, msg });
        }
    }

    fn required(&mut self, field: &'static str, value: &str) -> bool {
        if value.is_empty() {
            self.err(field, "please-fill-this-in");
            false
        } else {
            true
        }
    }

    fn max_len(&mut self, field: &'static str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.msg(field, too_long(max));
        }
    }

    /// A one-line field: no line breaks, controls or bidi marks.
    fn line(&mut self, field: &'static str, value: &str) {
        if let Some(m) = line_problem(value) {
            self.msg(field, m);
        }
    }

    fn choice<T: std::str::FromStr>(&mut self, field: &'static str, value: &str) -> Option<T> {
        if value.is_empty() {
            self.err(field, "please-choose-one");
            return None;
        }
        let parsed = value.parse().ok();
        if parsed.is_none() {
            self.err(field, "choose-one-of-the-options");
        }
        parsed
    }
}

pub const DETAILS_MAX: usize = 5000;

/// Characters that reorder or hide text: bidi embeddings, overrides and
/// isolates, and the invisible marks. "U+202E" makes `gpj.exe` read `exe.jpg`.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Why a one-line field (a name, an address, a phone number) is refused:
/// a line break, a control character or a bidi control. Each would let the
/// text break out of its line in our e-mails and letters, or disguise it.
pub fn line_problem(s: &str) -> Option<Msg> {
    if s.chars().any(|c| c == '\n' || c == '\r') {
        return Some(Msg::new("no-line-breaks-here"));
    }
    if s.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Some(Msg::new("no-control-characters"));
    }
    None
}

/// Why free text (details, a message) is refused: control characters or
/// bidi controls. Line breaks and tabs are text.
/// A search as typed, with control characters counted as spaces: they are
/// no part of a name, an address or a number (and neither SQLite's
/// full-text query nor PostgreSQL takes a NUL).
pub fn controls_as_spaces(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

pub fn text_problem(s: &str) -> Option<Msg> {
    let bad = |c: char| (c.is_control() && c != '\n' && c != '\t' && c != '\r') || is_bidi_control(c);
    s.chars().any(bad).then(|| Msg::new("no-control-characters"))
}

fn optional(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// Parses a `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<Date> {
    if s.len() != 10 {
        return None;
    }
    s.parse::<Date>().ok()
}

/// Checks the request form; on failure every field error is returned at once.
pub fn parse_request(form: &RequestForm, intake: Intake, today: Date) -> Result<NewRequest, Vec<FieldError>> {
    let f = form.normalised();
    let mut c = Check { errors: Vec::new() };

    let kind: Option<RequestKind> = c.choice("kind", &f.kind);
    for (field, value) in [
        ("subject_name", &f.subject_name),
        ("subject_name_kana", &f.subject_name_kana),
        ("subject_address", &f.subject_address),
        ("subject_phone", &f.subject_phone),
        ("agent_name", &f.agent_name),
        ("agent_relationship", &f.agent_relationship),
        ("contact_email", &f.contact_email),
    ] {
        c.line(field, value);
    }
    if let Some(m) = text_problem(&f.details) {
        c.msg("details", m);
    }

    if c.required("subject_name", &f.subject_name) {
        c.max_len("subject_name", &f.subject_name, 100);
    }
    c.max_len("subject_name_kana", &f.subject_name_kana, 100);

    let birth_date = if f.subject_birth_date.is_empty() {
        None
    } else {
        match parse_date(&f.subject_birth_date) {
            Some(d) if d <= today && d.year() >= 1900 => Some(d),
            Some(_) => {
                c.err("subject_birth_date", "enter-a-real-date-of-birth");
                None
            }
            None => {
                c.err("subject_birth_date", "enter-the-date-as-yyyy-mm-2");
                None
            }
        }
    };

    let postal = f.subject_postal_code.replace(['-', 'ー', '−'], "");
    let postal_ok = postal.len() == 7 && postal.bytes().all(|b| b.is_ascii_digit());
    if !postal.is_empty() && !postal_ok {
        c.err("subject_postal_code", "enter-a-7-digit-postal-code");
    }
    c.max_len("subject_address", &f.subject_address, 300);
    let phone_ok = f.subject_phone.chars().all(|ch| ch.is_ascii_digit() || "-+() ".contains(ch))
        && f.subject_phone.chars().filter(char::is_ascii_digit).count() >= 9;
    if !f.subject_phone.is_empty() && !phone_ok {
        c.err("subject_phone", "enter-a-phone-number-with-digits");
    }
    c.max_len("subject_phone", &f.subject_phone, 30);

    let email_required = intake == Intake::Web;
    let contact_email = if f.contact_email.is_empty() {
        if email_required {
            c.required("contact_email", "");
        }
        None
    } else {
        let parsed = ContactEmail::parse(&f.contact_email);
        if parsed.is_none() {
            c.err("contact_email", "this-is-not-a-valid-e-2");
        }
        parsed
    };

    let filer: Option<Filer> = c.choice("filer", &f.filer);
    if filer.is_some_and(Filer::is_agent) {
        if c.required("agent_name", &f.agent_name) {
            c.max_len("agent_name", &f.agent_name, 100);
        }
        if c.required("agent_relationship", &f.agent_relationship) {
            c.max_len("agent_relationship", &f.agent_relationship, 100);
        }
    }

    // Art. 33(1): the person chooses how a disclosure is delivered.
    let delivery: Option<Delivery> = match kind {
        Some(k) if k.is_disclosure() => c.choice("delivery", &f.delivery),
        _ if !f.delivery.is_empty() => {
            let d: Option<Delivery> = f.delivery.parse().ok();
            if d.is_none() {
                c.err("delivery", "choose-one-of-the-options");
            }
            None
        }
        _ => None,
    };
    if delivery == Some(Delivery::Postal) && f.subject_address.is_empty() {
        c.err("subject_address", "an-address-is-needed-to-send");
    }

    if c.required("details", &f.details) {
        c.max_len("details", &f.details, DETAILS_MAX);
    }

    if email_required && f.consent != "yes" && f.consent != "on" && f.consent != "true" {
        c.err("consent", "please-agree-to-how-we-handle");
    }

    let (channel, received_on) = match intake {
        Intake::Web => (Channel::Web, None),
        Intake::Staff { today } => {
            let channel: Option<Channel> = c.choice("channel", &f.channel);
            if channel == Some(Channel::Web) {
                c.err("channel", "choose-how-the-request-arrived-not");
            }
            let received_on = if c.required("received_on", &f.received_on) {
                match parse_date(&f.received_on) {
                    Some(d) if d <= today => Some(d),
                    Some(_) => {
                        c.err("received_on", "the-date-cannot-be-in-the");
                        None
                    }
                    None => {
                        c.err("received_on", "enter-the-date-as-yyyy-mm");
                        None
                    }
                }
            } else {
                None
            };
            (channel.unwrap_or(Channel::Post), received_on)
        }
    };

    if !c.errors.is_empty() {
        return Err(c.errors);
    }
    let (Some(kind), Some(filer)) = (kind, filer) else {
        return Err(c.errors);
    };
    let agent = filer.is_agent();
    Ok(NewRequest {
        kind,
        subject_name: f.subject_name,
        subject_name_kana: optional(&f.subject_name_kana),
        subject_birth_date: birth_date,
        subject_postal_code: optional(&postal).map(|p| format!("{}-{}", &p[..3], &p[3..])),
        subject_address: optional(&f.subject_address),
        subject_phone: optional(&f.subject_phone),
        contact_email,
        filer,
        agent_name: if agent { optional(&f.agent_name) } else { None },
        agent_relationship: if agent { optional(&f.agent_relationship) } else { None },
        delivery,
        details: f.details,
        channel,
        received_on,
    })
}

/// A reference as a person types it (全角 digits allowed): `2026-000123`.
pub fn parse_reference(s: &str) -> Result<super::Reference, FieldError> {
    let normalised: String = s.trim().nfkc().collect();
    super::Reference::parse(normalised.trim())
        .ok_or(FieldError { field: "reference", msg: Msg::new("enter-the-reference-as-2026-000123") })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = date(2026, 11, 23);

    fn valid() -> RequestForm {
        RequestForm {
            kind: "disclosure".into(),
            subject_name: "山田 太郎".into(),
            contact_email: "taro@example.jp".into(),
            filer: "self".into(),
            delivery: "electronic".into(),
            details: "会員情報の開示を求めます。".into(),
            consent: "yes".into(),
            ..RequestForm::default()
        }
    }

    fn fields(form: &RequestForm) -> Vec<&'static str> {
        match parse_request(form, Intake::Web, TODAY) {
            Ok(_) => vec![],
            Err(errors) => errors.iter().map(|e| e.field).collect(),
        }
    }

    #[test]
    fn a_name_with_a_line_break_nul_or_bidi_override_is_refused_with_its_own_message() {
        for bad in
            ["山田\r\nBcc: x@example.com", "山田\n太郎", "山田\0太郎", "山田\u{202E}郎太", "a\u{2066}b", "x\u{7}"]
        {
            let form = RequestForm { subject_name: bad.into(), ..valid() };
            let errors = parse_request(&form, Intake::Web, TODAY).expect_err("refused");
            let e = errors.iter().find(|e| e.field == "subject_name").expect("the name is refused");
            assert!(["no-line-breaks-here", "no-control-characters"].contains(&e.msg.id), "{bad:?}: {:?}", e.msg);
        }
        for field in ["agent_name", "subject_address", "subject_phone", "subject_name_kana"] {
            let mut form = RequestForm {
                filer: "agent_legal".into(),
                agent_name: "代理 人".into(),
                agent_relationship: "親".into(),
                ..valid()
            };
            match field {
                "agent_name" => form.agent_name = "代理\n人".into(),
                "subject_address" => form.subject_address = "東京都\u{202E}港区".into(),
                "subject_phone" => form.subject_phone = "03-1234\r5678".into(),
                _ => form.subject_name_kana = "ヤマダ\u{0}".into(),
            }
            assert!(fields(&form).contains(&field), "{field} is refused");
        }
    }

    #[test]
    fn free_text_keeps_its_line_breaks_but_not_control_characters() {
        let form = RequestForm { details: "一行目\r\n二行目\n\t三行目".into(), ..valid() };
        let req = parse_request(&form, Intake::Web, TODAY).expect("line breaks and tabs are text");
        assert_eq!(req.details, "一行目\n二行目\n\t三行目");
        for bad in ["本文\0", "本文\u{202E}", "本文\u{1b}[31m"] {
            let form = RequestForm { details: bad.into(), ..valid() };
            assert_eq!(fields(&form), vec!["details"], "{bad:?}");
        }
    }

    #[test]
    fn a_complete_form_parses() {
        let req = parse_request(&valid(), Intake::Web, TODAY).expect("valid");
        assert_eq!(req.kind, RequestKind::Disclosure);
        assert_eq!(req.delivery, Some(Delivery::Electronic));
        assert_eq!(req.contact_email.as_ref().map(ContactEmail::as_str), Some("taro@example.jp"));
    }

    #[test]
    fn an_empty_form_names_every_required_field() {
        assert_eq!(
            fields(&RequestForm::default()),
            ["kind", "subject_name", "contact_email", "filer", "details", "consent"]
        );
    }

    #[test]
    fn full_width_input_is_normalised_first() {
        let form = RequestForm {
            contact_email: "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ".into(),
            subject_postal_code: "１００ー０００１".into(),
            ..valid()
        };
        let req = parse_request(&form, Intake::Web, TODAY).expect("valid");
        assert_eq!(req.contact_email.map(|e| e.as_str().to_owned()).as_deref(), Some("taro@example.jp"));
        assert_eq!(req.subject_postal_code.as_deref(), Some("100-0001"));
    }

    #[test]
    fn bad_values_are_refused_field_by_field() {
        assert_eq!(fields(&RequestForm { contact_email: "taro@".into(), ..valid() }), ["contact_email"]);
        assert_eq!(fields(&RequestForm { contact_email: "a b@example.jp".into(), ..valid() }), ["contact_email"]);
        assert_eq!(fields(&RequestForm { kind: "everything".into(), ..valid() }), ["kind"]);
        assert_eq!(fields(&RequestForm { filer: "friend".into(), ..valid() }), ["filer"]);
        assert_eq!(fields(&RequestForm { delivery: "fax".into(), ..valid() }), ["delivery"]);
        assert_eq!(fields(&RequestForm { delivery: String::new(), ..valid() }), ["delivery"]);
        assert_eq!(fields(&RequestForm { consent: String::new(), ..valid() }), ["consent"]);
        assert_eq!(fields(&RequestForm { subject_name: "あ".repeat(101), ..valid() }), ["subject_name"]);
        assert_eq!(fields(&RequestForm { details: "x".repeat(DETAILS_MAX + 1), ..valid() }), ["details"]);
        assert_eq!(fields(&RequestForm { subject_birth_date: "1980/04/01".into(), ..valid() }), ["subject_birth_date"]);
        assert_eq!(fields(&RequestForm { subject_birth_date: "2030-01-01".into(), ..valid() }), ["subject_birth_date"]);
        assert_eq!(fields(&RequestForm { subject_postal_code: "12345".into(), ..valid() }), ["subject_postal_code"]);
        assert_eq!(fields(&RequestForm { subject_phone: "call me".into(), ..valid() }), ["subject_phone"]);
    }

    #[test]
    fn an_agent_must_say_who_they_are() {
        let form = RequestForm { filer: "appointed_agent".into(), ..valid() };
        assert_eq!(fields(&form), ["agent_name", "agent_relationship"]);
    }

    #[test]
    fn postal_delivery_needs_an_address() {
        let form = RequestForm { delivery: "postal".into(), ..valid() };
        assert_eq!(fields(&form), ["subject_address"]);
    }

    #[test]
    fn delivery_is_asked_only_for_disclosure_kinds() {
        let form = RequestForm { kind: "correction".into(), delivery: String::new(), ..valid() };
        assert_eq!(fields(&form), Vec::<&str>::new());
    }

    #[test]
    fn staff_intake_needs_a_channel_and_a_past_arrival_date_but_no_email() {
        let base = RequestForm { contact_email: String::new(), consent: String::new(), ..valid() };
        let staff = Intake::Staff { today: TODAY };
        let errors: Vec<_> = parse_request(&base, staff, TODAY).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(errors, ["channel", "received_on"]);
        let future = RequestForm { channel: "post".into(), received_on: "2026-11-24".into(), ..base.clone() };
        let errors: Vec<_> = parse_request(&future, staff, TODAY).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(errors, ["received_on"]);
        let ok = RequestForm { channel: "post".into(), received_on: "2026-11-20".into(), ..base };
        let req = parse_request(&ok, staff, TODAY).expect("valid intake");
        assert_eq!((req.channel, req.received_on), (Channel::Post, Some(date(2026, 11, 20))));
    }
}
