//! The domain: pure types and rules, no I/O (DESIGN.md §1).

#[macro_use]
pub mod codes;
pub mod action_form;
pub mod calendar;
pub mod case;
pub mod deadline;
pub mod decide;
pub mod documents;
pub mod fees;
pub mod input;
#[cfg(test)]
mod input_props;
pub mod inventory;
pub mod us_calendar;

pub use case::{Case, FeeLedger, IdentityChecks};
pub use codes::*;
pub use decide::{
    Action, Actor, Command, Ctx, DomainError, Event, Visibility, allowed_outcomes, apply, decide, id_methods,
    is_system_only, open_case, permitted, reasons_for, reasons_offered,
};

use std::fmt;
use std::str::FromStr;

pub use crate::i18n::{Arg, Lang};

/// A message for a person: a catalogue id and its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// The catalogue's message id.
    pub id: &'static str,
    pub args: Vec<(&'static str, MsgArg)>,
}

/// A value of a message: text or a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MsgArg {
    Text(String),
    Num(i64),
}

impl Msg {
    pub const fn new(id: &'static str) -> Msg {
        Msg { id, args: Vec::new() }
    }

    /// The message with a number (`{ $name }` in the catalogue).
    pub fn num(mut self, name: &'static str, value: i64) -> Msg {
        self.args.push((name, MsgArg::Num(value)));
        self
    }

    /// The message with a text (`{ $name }` in the catalogue).
    pub fn text(mut self, name: &'static str, value: impl Into<String>) -> Msg {
        self.args.push((name, MsgArg::Text(value.into())));
        self
    }

    pub fn get(&self, lang: Lang) -> String {
        if self.args.is_empty() {
            return lang.t(self.id).to_owned();
        }
        let args: Vec<(&str, Arg<'_>)> = self
            .args
            .iter()
            .map(|(k, v)| {
                (
                    *k,
                    match v {
                        MsgArg::Text(t) => Arg::Text(t),
                        MsgArg::Num(n) => Arg::Num(*n),
                    },
                )
            })
            .collect();
        lang.f(self.id, &args)
    }
}

/// A case reference, `YYYY-NNNNNN`, assigned when a case becomes `received`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference(String);

impl Reference {
    pub fn new(year: i16, number: i64) -> Reference {
        Reference(format!("{year:04}-{number:06}"))
    }

    pub fn parse(s: &str) -> Option<Reference> {
        let (y, n) = s.split_once('-')?;
        let ok = y.len() == 4
            && n.len() >= 6
            && n.len() <= 9
            && y.bytes().all(|b| b.is_ascii_digit())
            && n.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| Reference(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Reference {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, UnknownCode> {
        Reference::parse(s).ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

impl TryFrom<String> for Reference {
    type Error = UnknownCode;
    fn try_from(s: String) -> Result<Self, UnknownCode> {
        s.parse()
    }
}

impl<'de> serde::Deserialize<'de> for Reference {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for Reference {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_year_dash_six_digits() {
        assert_eq!(Reference::new(2026, 42).as_str(), "2026-000042");
        assert!(Reference::parse("2026-000042").is_some());
        assert!(Reference::parse("2026-42").is_none());
        assert!(Reference::parse("20x6-000042").is_none());
        assert!(Reference::parse("../etc/passwd").is_none());
    }
}
