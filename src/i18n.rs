//! The message catalogue: every text a page, an e-mail or an error shows is
//! a Fluent message in `locales/<code>/*.ftl`, embedded in the binary at
//! build time. A language is a folder: add `locales/vi/` with the same
//! message ids and Vietnamese is offered on every page and in every e-mail,
//! without a line of code. Japanese (`ja`) is the source language; a
//! message missing in another language falls back to English, then to
//! Japanese, and the miss is recorded for the test that renders every page
//! and mail in every language (`tests/languages.rs`).

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::{LazyLock, Mutex};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use include_dir::{Dir, include_dir};

use crate::domain::UnknownCode;

static LOCALES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/locales");

/// The language of a page, a case and every e-mail about it: one of the
/// catalogue's folders.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lang(&'static str);

impl Lang {
    /// Japanese, the language of the law and the default of every page.
    pub const JA: Lang = Lang("ja");
    pub const EN: Lang = Lang("en");

    pub fn code(self) -> &'static str {
        self.0
    }

    pub fn is_ja(self) -> bool {
        self == Lang::JA
    }

    /// Every language of the catalogue: Japanese, English, then the others
    /// by code.
    pub fn all() -> impl Iterator<Item = Lang> {
        CATALOGUE.languages.iter().map(|l| Lang(l.code))
    }

    /// The language's own name (`日本語`, `English`), for the switcher.
    pub fn name(self) -> &'static str {
        self.t("language-name")
    }

    /// A message without arguments.
    pub fn t(self, id: &str) -> &'static str {
        CATALOGUE.plain(self, id)
    }

    /// A message with arguments.
    pub fn f(self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fargs = FluentArgs::new();
        for (name, value) in args {
            match value {
                Arg::Text(s) => fargs.set(*name, FluentValue::from(*s)),
                Arg::Num(n) => fargs.set(*name, FluentValue::from(*n)),
            }
        }
        CATALOGUE.format(self, id, Some(&fargs))
    }
}

impl Default for Lang {
    fn default() -> Lang {
        Lang::JA
    }
}

impl fmt::Debug for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Lang({})", self.0)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl FromStr for Lang {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Lang, UnknownCode> {
        CATALOGUE.languages.iter().find(|l| l.code == s).map(|l| Lang(l.code)).ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

impl TryFrom<String> for Lang {
    type Error = UnknownCode;
    fn try_from(s: String) -> Result<Lang, UnknownCode> {
        s.parse()
    }
}

/// A whole number with thousands separators: 1,000 (both languages write
/// numbers so).
pub fn grouped(n: i64) -> String {
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

/// A value a message takes: text, or a number (which also picks plural
/// forms).
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Text(&'a str),
    Num(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Arg<'a> {
        Arg::Text(s)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Arg<'a> {
        Arg::Text(s)
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Num(n)
    }
}

struct Language {
    code: &'static str,
    bundle: FluentBundle<FluentResource>,
    /// Messages without arguments, formatted once.
    plain: HashMap<String, &'static str>,
}

struct Catalogue {
    languages: Vec<Language>,
}

/// Messages that were asked for in a language that lacks them, or failed
/// to format (`lang:id: why`).
static MISSES: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(Catalogue::load);

fn miss(lang: Lang, id: &str, why: &str) {
    tracing::warn!(lang = lang.0, id, why, "message catalogue miss");
    if let Ok(mut m) = MISSES.lock() {
        m.insert(format!("{}:{id}: {why}", lang.0));
    }
}

/// The misses recorded so far (the language test asserts there are none).
pub fn misses() -> Vec<String> {
    MISSES.lock().map(|m| m.iter().cloned().collect()).unwrap_or_default()
}

impl Catalogue {
    fn load() -> Catalogue {
        let mut languages = Vec::new();
        for dir in LOCALES.dirs() {
            let Some(code) = dir.path().file_name().and_then(|n| n.to_str()) else { continue };
            let id: unic_langid::LanguageIdentifier = match code.parse() {
                Ok(id) => id,
                Err(_) => {
                    tracing::error!(code, "a locales folder is not a language code; skipped");
                    continue;
                }
            };
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            bundle.set_use_isolating(false);
            let mut files: Vec<_> = dir.files().filter(|f| f.path().extension().is_some_and(|e| e == "ftl")).collect();
            files.sort_by_key(|f| f.path());
            for file in files {
                let text = file.contents_utf8().unwrap_or_default().to_owned();
                let resource = FluentResource::try_new(text).unwrap_or_else(|(resource, errors)| {
                    tracing::error!(file = %file.path().display(), ?errors, "a message file has syntax errors");
                    resource
                });
                if let Err(errors) = bundle.add_resource(resource) {
                    tracing::error!(file = %file.path().display(), ?errors, "a message file repeats messages");
                }
            }
            languages.push(Language { code, bundle, plain: HashMap::new() });
        }
        let rank = |c: &str| match c {
            "ja" => (0, c.to_owned()),
            "en" => (1, c.to_owned()),
            _ => (2, c.to_owned()),
        };
        languages.sort_by_key(|l| rank(l.code));
        let mut catalogue = Catalogue { languages };
        for i in 0..catalogue.languages.len() {
            let lang = Lang(catalogue.languages[i].code);
            let ids = catalogue.ids(lang);
            let mut plain = HashMap::new();
            for id in ids {
                let text = catalogue.format(lang, &id, None);
                plain.insert(id, &*Box::leak(text.into_boxed_str()));
            }
            catalogue.languages[i].plain = plain;
        }
        catalogue
    }

    fn language(&self, lang: Lang) -> Option<&Language> {
        self.languages.iter().find(|l| l.code == lang.0)
    }

    /// The message ids of one language, as its files define them.
    fn ids(&self, lang: Lang) -> Vec<String> {
        let Some(dir) = LOCALES.get_dir(lang.0) else { return Vec::new() };
        let mut ids = Vec::new();
        for file in dir.files() {
            let text = file.contents_utf8().unwrap_or_default();
            for line in text.lines() {
                if let Some((id, _)) = line.split_once('=') {
                    let id = id.trim_end();
                    if !id.is_empty() && !line.starts_with([' ', '#', '-', '.', '[', '*', '}']) {
                        ids.push(id.to_owned());
                    }
                }
            }
        }
        ids
    }

    fn plain(&self, lang: Lang, id: &str) -> &'static str {
        if let Some(text) = self.language(lang).and_then(|l| l.plain.get(id)) {
            return text;
        }
        miss(lang, id, "missing");
        for fallback in [Lang::EN, Lang::JA] {
            if let Some(text) = self.language(fallback).and_then(|l| l.plain.get(id)) {
                return text;
            }
        }
        Box::leak(id.to_owned().into_boxed_str())
    }

    fn format(&self, lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let found = [lang, Lang::EN, Lang::JA].into_iter().enumerate().find_map(|(i, l)| {
            let language = self.language(l)?;
            let message = language.bundle.get_message(id)?;
            Some((i, language, message.value()?))
        });
        let Some((i, language, pattern)) = found else {
            miss(lang, id, "missing");
            return id.to_owned();
        };
        if i > 0 {
            miss(lang, id, "missing");
        }
        let mut errors = Vec::new();
        let text = language.bundle.format_pattern(pattern, args, &mut errors).into_owned();
        // Formatting without arguments (to cache plain messages) is expected
        // to miss the variables of messages that take some.
        if args.is_some() {
            for e in errors {
                miss(lang, id, &e.to_string());
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_and_english_are_offered_first() {
        let all: Vec<&str> = Lang::all().map(Lang::code).collect();
        assert_eq!(&all[..2], ["ja", "en"]);
        assert_eq!(Lang::JA.name(), "日本語");
        assert_eq!(Lang::EN.name(), "English");
        assert!("xx".parse::<Lang>().is_err());
    }

    #[test]
    fn every_language_defines_every_message_of_the_source_language() {
        let source: BTreeSet<String> = CATALOGUE.ids(Lang::JA).into_iter().collect();
        assert!(source.len() > 100, "the Japanese catalogue is loaded");
        for lang in Lang::all() {
            let ids: BTreeSet<String> = CATALOGUE.ids(lang).into_iter().collect();
            let missing: Vec<_> = source.difference(&ids).collect();
            let extra: Vec<_> = ids.difference(&source).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
            assert!(extra.is_empty(), "{lang} has messages Japanese lacks: {extra:?}");
        }
    }

    #[test]
    fn every_message_file_parses_and_no_message_is_defined_twice() {
        for dir in LOCALES.dirs() {
            let mut seen = BTreeSet::new();
            for file in dir.files().filter(|f| f.path().extension().is_some_and(|e| e == "ftl")) {
                let text = file.contents_utf8().unwrap_or_default().to_owned();
                let resource = match FluentResource::try_new(text) {
                    Ok(r) => r,
                    Err((_, errors)) => panic!("{}: {errors:?}", file.path().display()),
                };
                for entry in resource.entries() {
                    if let fluent_syntax::ast::Entry::Message(m) = entry {
                        assert!(seen.insert(m.id.name.to_owned()), "{}: {} twice", file.path().display(), m.id.name);
                    }
                }
            }
        }
    }

    #[test]
    fn messages_take_values() {
        let text = Lang::JA.f("documents-too-many", &[("max", Arg::Num(7))]);
        assert!(text.contains('7'), "{text}");
        let text = Lang::EN.f("documents-too-many", &[("max", Arg::Num(7))]);
        assert!(text.contains('7'), "{text}");
    }
}
