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

pub use case::{Case, FeeLedger, IdentityChecks};
pub use codes::*;
pub use decide::{
    Action, Actor, Command, Ctx, DomainError, Event, Visibility, allowed_outcomes, apply, decide, id_methods,
    is_system_only, open_case, permitted, reasons_for,
};

use std::fmt;
use std::str::FromStr;

/// The language of a page, a case and every e-mail about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// Picks the text for this language; templates call `lang.t("…", "…")`.
    pub fn t<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    pub fn is_ja(self) -> bool {
        self == Lang::Ja
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        }
    }
}

impl TryFrom<String> for Lang {
    type Error = UnknownCode;
    fn try_from(s: String) -> Result<Self, UnknownCode> {
        s.parse()
    }
}

impl FromStr for Lang {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, UnknownCode> {
        match s {
            "ja" => Ok(Lang::Ja),
            "en" => Ok(Lang::En),
            other => Err(UnknownCode(other.to_owned())),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A message for a person, in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Msg(pub &'static str, pub &'static str);

impl Msg {
    pub fn get(self, lang: Lang) -> &'static str {
        lang.t(self.0, self.1)
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
