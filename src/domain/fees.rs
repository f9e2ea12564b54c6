//! The fee schedule: an amount in yen per request kind and, for disclosures,
//! per delivery method. APPI Art. 38 allows fees for purpose notices and
//! disclosures only.

use super::Msg;
use super::codes::{Delivery, PaymentMethod, RequestKind};
use super::input::FieldError;

/// The most the schedule accepts for one line (a sanity bound, not the law's).
pub const MAX_FEE: i64 = 100_000;

/// One line of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub kind: RequestKind,
    /// `Some` for disclosure kinds, where the person chooses the delivery (Art. 33(1)).
    pub delivery: Option<Delivery>,
    pub amount: i64,
}

impl Line {
    /// The setting key of this line: `fee_disclosure_postal`, `fee_correction`, …
    pub fn key(&self) -> String {
        key(self.kind, self.delivery)
    }
}

pub fn key(kind: RequestKind, delivery: Option<Delivery>) -> String {
    match delivery {
        Some(d) => format!("fee_{}_{}", kind.code(), d.code()),
        None => format!("fee_{}", kind.code()),
    }
}

/// Published practice: ¥300 for a purpose notice, ¥500 electronic and
/// ¥1,000 by post for disclosures; nothing for the rest.
fn default_amount(kind: RequestKind, delivery: Option<Delivery>) -> i64 {
    match (kind, delivery) {
        (RequestKind::PurposeNotice, _) => 300,
        (k, Some(Delivery::Electronic)) if k.is_disclosure() => 500,
        (k, Some(Delivery::Postal)) if k.is_disclosure() => 1000,
        _ => 0,
    }
}

/// Every (kind, delivery) the schedule has a line for.
pub fn slots() -> Vec<(RequestKind, Option<Delivery>)> {
    RequestKind::ALL
        .iter()
        .flat_map(|k| {
            if k.is_disclosure() {
                Delivery::ALL.iter().map(|d| (*k, Some(*d))).collect::<Vec<_>>()
            } else {
                vec![(*k, None)]
            }
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeSchedule {
    pub lines: Vec<Line>,
    /// The payment methods the desk accepts, in the order shown to requesters.
    pub methods: Vec<PaymentMethod>,
}

pub const DEFAULT_METHODS: &str = "postal_money_order,bank_transfer,cash";

impl FeeSchedule {
    /// Reads the schedule from stored settings; a missing or unreadable line
    /// takes its default, and a kind without fees is always free.
    pub fn from_settings<'a>(get: impl Fn(&str) -> Option<&'a str>) -> FeeSchedule {
        let lines = slots()
            .into_iter()
            .map(|(kind, delivery)| {
                let stored = get(&key(kind, delivery)).and_then(|v| v.trim().parse::<i64>().ok());
                let amount =
                    if kind.fee_allowed() { stored.unwrap_or_else(|| default_amount(kind, delivery)) } else { 0 };
                Line { kind, delivery, amount }
            })
            .collect();
        let methods = get("fee_methods").unwrap_or(DEFAULT_METHODS);
        FeeSchedule { lines, methods: parse_methods(methods) }
    }

    /// The scheduled fee for a request, if one is charged.
    pub fn amount(&self, kind: RequestKind, delivery: Option<Delivery>) -> Option<i64> {
        if !kind.fee_allowed() {
            return None;
        }
        let delivery = if kind.is_disclosure() { Some(delivery.unwrap_or(Delivery::Postal)) } else { None };
        self.lines.iter().find(|l| l.kind == kind && l.delivery == delivery).map(|l| l.amount).filter(|a| *a > 0)
    }

    /// The lowest and highest fee of a kind (for the public page).
    pub fn range(&self, kind: RequestKind) -> Option<(i64, i64)> {
        let amounts: Vec<i64> =
            self.lines.iter().filter(|l| l.kind == kind && l.amount > 0).map(|l| l.amount).collect();
        Some((*amounts.iter().min()?, *amounts.iter().max()?))
    }
}

fn parse_methods(s: &str) -> Vec<PaymentMethod> {
    s.split(',').filter_map(|c| c.trim().parse().ok()).collect()
}

/// Checks submitted schedule values (setting key → text). Every error at once.
pub fn validate(get: impl Fn(&str) -> Option<String>) -> Result<Vec<(String, String)>, Vec<FieldError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (kind, delivery) in slots() {
        let k = key(kind, delivery);
        let raw = get(&k).unwrap_or_default();
        let text: String =
            unicode_normalization::UnicodeNormalization::nfkc(raw.trim()).collect::<String>().replace([',', '円'], "");
        let text = if text.is_empty() { "0".to_owned() } else { text };
        let field: &'static str = leak_key(&k);
        match text.parse::<i64>() {
            Ok(n) if !(0..=MAX_FEE).contains(&n) => {
                errors.push(FieldError { field, msg: Msg::new("enter-whole-yen-from-0-to") })
            }
            Ok(n) if n > 0 && !kind.fee_allowed() => {
                errors.push(FieldError { field, msg: Msg::new("no-fee-may-be-set-for") })
            }
            Ok(n) => out.push((k, n.to_string())),
            Err(_) => errors.push(FieldError { field, msg: Msg::new("enter-whole-yen-digits-only-e") }),
        }
    }
    let methods = get("fee_methods").unwrap_or_default();
    let parsed = parse_methods(&methods);
    if parsed.is_empty() || parsed.len() != methods.split(',').filter(|s| !s.trim().is_empty()).count() {
        errors.push(FieldError { field: "fee_methods", msg: Msg::new("choose-at-least-one-accepted-payment") });
    } else {
        out.push(("fee_methods".to_owned(), parsed.iter().map(|m| m.code()).collect::<Vec<_>>().join(",")));
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// Field names are static in `FieldError`; the schedule's keys are a fixed set.
fn leak_key(k: &str) -> &'static str {
    const KEYS: &[&str] = &[
        "fee_purpose_notice",
        "fee_disclosure_electronic",
        "fee_disclosure_postal",
        "fee_provision_record_electronic",
        "fee_provision_record_postal",
        "fee_correction",
        "fee_suspension",
        "fee_stop_provision",
        "fee_complaint",
    ];
    KEYS.iter().find(|x| **x == k).copied().unwrap_or("fee")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn schedule(pairs: &[(&str, &str)]) -> FeeSchedule {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        FeeSchedule::from_settings(|k| map.get(k).copied())
    }

    #[test]
    fn every_slot_has_a_known_key() {
        for (kind, delivery) in slots() {
            assert_ne!(leak_key(&key(kind, delivery)), "fee");
        }
        assert_eq!(slots().len(), 9);
    }

    #[test]
    fn the_default_schedule_follows_published_practice() {
        let s = schedule(&[]);
        assert_eq!(s.amount(RequestKind::PurposeNotice, None), Some(300));
        assert_eq!(s.amount(RequestKind::Disclosure, Some(Delivery::Electronic)), Some(500));
        assert_eq!(s.amount(RequestKind::Disclosure, Some(Delivery::Postal)), Some(1000));
        assert_eq!(s.amount(RequestKind::Correction, None), None);
        assert_eq!(s.range(RequestKind::Disclosure), Some((500, 1000)));
        assert_eq!(s.methods, [PaymentMethod::PostalMoneyOrder, PaymentMethod::BankTransfer, PaymentMethod::Cash]);
    }

    #[test]
    fn a_stored_fee_on_a_kind_without_fees_is_ignored() {
        let s = schedule(&[("fee_correction", "500"), ("fee_disclosure_postal", "0")]);
        assert_eq!(s.amount(RequestKind::Correction, None), None);
        assert_eq!(s.amount(RequestKind::Disclosure, Some(Delivery::Postal)), None, "0 means free");
    }

    #[test]
    fn setting_a_fee_on_a_correction_is_refused_citing_article_38() {
        let input: HashMap<String, String> = [("fee_correction", "300"), ("fee_methods", "cash")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let errors = validate(|k| input.get(k).cloned()).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "fee_correction");
        assert!(errors[0].msg.get(crate::domain::Lang::EN).contains("Art. 38"));
    }

    #[test]
    fn schedule_amounts_are_whole_yen_within_bounds() {
        for bad in ["-1", "1.5", "abc", "100001"] {
            let input: HashMap<String, String> = [("fee_disclosure_postal", bad), ("fee_methods", "cash")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let errors = validate(|k| input.get(k).cloned()).unwrap_err();
            assert_eq!(errors[0].field, "fee_disclosure_postal", "{bad}");
        }
        let input: HashMap<String, String> =
            [("fee_disclosure_postal", "１，０００円"), ("fee_methods", "cash,stamps")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let ok = validate(|k| input.get(k).cloned()).expect("valid");
        assert!(ok.contains(&("fee_disclosure_postal".to_owned(), "1000".to_owned())));
        assert!(ok.contains(&("fee_methods".to_owned(), "cash,stamps".to_owned())));
    }

    #[test]
    fn at_least_one_known_payment_method_is_accepted() {
        for bad in ["", "bitcoin", "cash,bitcoin"] {
            let input: HashMap<String, String> =
                [("fee_methods", bad)].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            let errors = validate(|k| input.get(k).cloned()).unwrap_err();
            assert_eq!(errors[0].field, "fee_methods", "{bad:?}");
        }
    }
}
