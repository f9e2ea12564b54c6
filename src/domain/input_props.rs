#![cfg(test)]
//! Property tests of the request parser (issue 17): any form, typed or
//! crafted, is parsed without panicking; what it accepts is clean, one-line
//! where it should be, within its lengths, and unchanged by parsing again.

use jiff::civil::date;
use proptest::prelude::*;

use super::input::{DETAILS_MAX, Intake, RequestForm, line_problem, parse_request};

/// A field's value: anything at all, or something near what people type
/// (全角, kana, line breaks, bidi marks, e-mail-ish and date-ish text).
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => any::<String>(),
        2 => "[a-zA-Z0-9@._ ＠０-９ア-ンあ-ん山田\\-\n\r\t\u{202e}]{0,24}",
        1 => Just(String::new()),
        1 => "[a-z]{1,8}@[a-z]{1,8}\\.(jp|com)",
        1 => "(19|20)[0-9]{2}-[01][0-9]-[0-3][0-9]",
        1 => "[0-9０-９]{3}[-ー−]?[0-9０-９]{4}",
    ]
}

fn choice(codes: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![3 => prop::sample::select(codes).prop_map(str::to_owned), 1 => value()]
}

fn form() -> impl Strategy<Value = RequestForm> {
    let who = (value(), value(), value(), value(), value(), value(), value());
    let what = (
        choice(&["disclosure", "correction", "purpose_notice", "complaint", "suspension", "provision_record"]),
        choice(&["self", "legal_agent", "appointed_agent"]),
        value(),
        value(),
        choice(&["electronic", "postal"]),
        prop_oneof![4 => value(), 1 => (4998usize..5003, value()).prop_map(|(n, v)| "あ\r\n".repeat(n / 2) + &v)],
        choice(&["yes", "on", ""]),
    );
    let staff = (choice(&["post", "phone", "in_person", "email", "web"]), value());
    (who, what, staff).prop_map(|(who, what, staff)| RequestForm {
        subject_name: who.0,
        subject_name_kana: who.1,
        subject_birth_date: who.2,
        subject_postal_code: who.3,
        subject_address: who.4,
        subject_phone: who.5,
        contact_email: who.6,
        kind: what.0,
        filer: what.1,
        agent_name: what.2,
        agent_relationship: what.3,
        delivery: what.4,
        details: what.5,
        consent: what.6,
        website: String::new(),
        lang: "ja".into(),
        channel: staff.0,
        received_on: staff.1,
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn the_request_parser_never_panics_and_accepts_only_clean_values(form in form(), staff in any::<bool>()) {
        let today = date(2026, 4, 3);
        let intake = if staff { Intake::Staff { today } } else { Intake::Web };
        let parsed = parse_request(&form, intake, today);
        let again = parse_request(&form.normalised(), intake, today);
        prop_assert_eq!(&parsed, &again, "parsing the normalised form gives another answer");
        match parsed {
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                let mut fields: Vec<_> = errors.iter().map(|e| e.field).collect();
                fields.dedup();
                prop_assert_eq!(fields.len(), errors.len(), "one message per field");
            }
            Ok(r) => {
                let lines = [
                    Some(&r.subject_name),
                    r.subject_name_kana.as_ref(),
                    r.subject_address.as_ref(),
                    r.subject_phone.as_ref(),
                    r.agent_name.as_ref(),
                    r.agent_relationship.as_ref(),
                ];
                for v in lines.into_iter().flatten() {
                    prop_assert!(line_problem(v).is_none(), "{v:?} is not one clean line");
                    prop_assert!(!v.is_empty() && v.trim() == v, "{v:?} is empty or untrimmed");
                }
                prop_assert!(r.subject_name.chars().count() <= 100);
                prop_assert!(!r.details.is_empty() && r.details.chars().count() <= DETAILS_MAX);
                prop_assert!(!r.details.contains('\r'), "details keep a carriage return");
                if let Some(p) = &r.subject_postal_code {
                    prop_assert!(p.len() == 8 && p.as_bytes()[3] == b'-', "postal code {p:?}");
                }
                if let Some(d) = r.subject_birth_date {
                    prop_assert!(d <= today && d.year() >= 1900);
                }
                if let Some(d) = r.received_on {
                    prop_assert!(staff && d <= today);
                }
                prop_assert!(staff || r.contact_email.is_some(), "a web request without an address");
            }
        }
    }
}
