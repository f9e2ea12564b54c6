//! Deadline settings for managers and administrators: the profile of each
//! kind, pauses, extensions, reminders, closure days, and the holidays ahead.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::ToSpan;

use crate::app::settings::{SETTINGS, Screen};
use crate::domain::calendar::{self, parse_closures};
use crate::domain::deadline::Profile;
use crate::domain::{Lang, RequestKind};
use crate::web::WebError;
use crate::web::auth::Manager;
use crate::web::csrf::{CsrfForm, Pairs};
use crate::web::errors::html;
use crate::web::page::{Ctx, FormErrors, Page};

pub struct KindLine {
    pub kind: &'static str,
    pub label: &'static str,
    /// `appi`, `gdpr`, `ccpa` or `custom`.
    pub profile: String,
    pub days: String,
    pub unit: String,
    pub invalid: bool,
}

pub struct HolidayLine {
    pub date: String,
    pub weekday: &'static str,
    pub name: &'static str,
    pub provisional: bool,
}

#[derive(Template)]
#[template(path = "staff/deadlines.html")]
struct DeadlinesPage {
    p: Page,
    kinds: Vec<KindLine>,
    profiles: Vec<(&'static str, &'static str)>,
    clock_start: String,
    pause: String,
    max_extension_days: String,
    reminder_days: String,
    escalation: String,
    closure_days: String,
    holidays: Vec<HolidayLine>,
    errors: FormErrors,
    saved: bool,
}

fn weekday(d: jiff::civil::Date, lang: Lang) -> &'static str {
    use jiff::civil::Weekday::*;
    lang.t(match d.weekday() {
        Monday => "weekday-mon",
        Tuesday => "weekday-tue",
        Wednesday => "weekday-wed",
        Thursday => "weekday-thu",
        Friday => "weekday-fri",
        Saturday => "weekday-sat",
        Sunday => "weekday-sun",
    })
}

/// The next 12 months of national holidays and closure days.
fn holidays_ahead(today: jiff::civil::Date, closures: &str, lang: Lang) -> Vec<HolidayLine> {
    let end = today.saturating_add(12.months());
    let cal = crate::domain::calendar::Calendar { closures: parse_closures(closures).unwrap_or_default() };
    let mut out = Vec::new();
    let mut d = today;
    while d <= end {
        let holiday = calendar::holiday(d);
        let closed = cal.is_closure(d);
        if holiday.is_some() || closed {
            out.push(HolidayLine {
                date: d.to_string(),
                weekday: weekday(d, lang),
                name: holiday.map(|h| h.name).unwrap_or(if lang == Lang::JA {
                    "休業日（事業者）"
                } else {
                    "Closure day"
                }),
                provisional: holiday.is_some() && calendar::is_provisional(d.year(), today),
            });
        }
        d = d.saturating_add(1.day());
    }
    out
}

fn profiles(lang: Lang) -> Vec<(&'static str, &'static str)> {
    vec![
        ("appi", lang.t("appi-14-days")),
        ("gdpr", lang.t("gdpr-one-month")),
        ("ccpa", lang.t("ccpa-45-days")),
        ("custom", lang.t("profile-custom")),
    ]
}

fn kind_lines(lang: Lang, get: impl Fn(&str) -> String) -> Vec<KindLine> {
    RequestKind::ALL
        .iter()
        .map(|k| {
            let (profile, days, unit) = match Profile::parse(&get(&format!("deadline_profile_{}", k.code())))
                .unwrap_or(Profile::Appi)
            {
                Profile::Custom { days, business } => {
                    ("custom".to_owned(), days.to_string(), if business { "business" } else { "calendar" }.to_owned())
                }
                p => (p.code(), "30".to_owned(), "calendar".to_owned()),
            };
            KindLine { kind: k.code(), label: k.label(lang), profile, days, unit, invalid: false }
        })
        .collect()
}

pub async fn deadlines_get(
    Manager(user): Manager,
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Result<Response, WebError> {
    let app = &ctx.state.app;
    let s = app.settings().await?;
    let p = ctx.page(Some(&user)).await?;
    let lang = p.lang;
    // Stored values over the declared defaults (app::settings::SETTINGS).
    let get = |k: &str| s.get(k).to_owned();
    let closure_days = get("closure_days");
    let page = DeadlinesPage {
        profiles: profiles(lang),
        kinds: kind_lines(lang, get),
        clock_start: get("deadline_clock_start"),
        pause: get("deadline_pause"),
        max_extension_days: get("deadline_max_extension_days"),
        reminder_days: get("deadline_reminder_days"),
        escalation: get("deadline_escalation"),
        holidays: holidays_ahead(app.today(), &closure_days, lang),
        closure_days,
        errors: FormErrors::default(),
        saved: q.contains_key("saved"),
        p,
    };
    Ok(html(StatusCode::OK, &page))
}

pub async fn deadlines_post(
    Manager(user): Manager,
    ctx: Ctx,
    CsrfForm(Pairs(pairs)): CsrfForm<Pairs>,
) -> Result<Response, WebError> {
    let one = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    let lang = ctx.lang;
    let mut errors = FormErrors::default();
    let mut err = |field: &str, label: &str, msg: &str| {
        errors.list.push((field.to_owned(), label.to_owned(), lang.t(msg).to_owned()));
    };
    let mut values: Vec<(String, String)> = Vec::new();
    for k in RequestKind::ALL {
        let code = match one(&format!("profile_{}", k.code())).as_str() {
            "custom" => format!(
                "custom:{}:{}",
                one(&format!("custom_days_{}", k.code())),
                one(&format!("custom_unit_{}", k.code()))
            ),
            other => other.to_owned(),
        };
        if Profile::parse(&code).is_none() {
            err(&format!("custom_days_{}", k.code()), k.label(lang), "choose-a-profile-for-a-custom");
        }
        values.push((format!("deadline_profile_{}", k.code()), code));
    }
    // The page's other settings are checked by their declarations.
    let clock_start = one("deadline_clock_start");
    let closure_days = one("closure_days").replace("\r\n", "\n");
    for def in SETTINGS.iter().filter(|d| d.screen == Screen::Deadlines) {
        let value = if def.key == "closure_days" { closure_days.clone() } else { one(def.key) };
        if let Err(msg) = def.validate(&value) {
            errors.list.push((def.key.to_owned(), def.label(lang).to_owned(), msg.get(lang)));
        }
    }
    let app = &ctx.state.app;
    if errors.any() {
        let p = ctx.page(Some(&user)).await?;
        let mut kinds = kind_lines(lang, |k| {
            let kind = k.trim_start_matches("deadline_profile_");
            match one(&format!("profile_{kind}")).as_str() {
                "custom" => {
                    format!("custom:{}:{}", one(&format!("custom_days_{kind}")), one(&format!("custom_unit_{kind}")))
                }
                other => other.to_owned(),
            }
        });
        for k in kinds.iter_mut() {
            k.invalid = errors.has(&format!("custom_days_{}", k.kind));
            if k.invalid {
                k.profile = "custom".to_owned();
                k.days = one(&format!("custom_days_{}", k.kind));
            }
        }
        let page = DeadlinesPage {
            profiles: profiles(lang),
            kinds,
            clock_start,
            pause: one("deadline_pause"),
            max_extension_days: one("deadline_max_extension_days"),
            reminder_days: one("deadline_reminder_days"),
            escalation: one("deadline_escalation"),
            holidays: holidays_ahead(app.today(), calendar::DEFAULT_CLOSURES, lang),
            closure_days,
            errors,
            saved: false,
            p,
        };
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    for def in SETTINGS.iter().filter(|d| d.screen == Screen::Deadlines) {
        let value = if def.key == "closure_days" { closure_days.clone() } else { one(def.key) };
        values.push((def.key.to_owned(), value));
    }
    crate::app::settings::save(app, &values).await?;
    Ok(Redirect::to("/staff/deadlines?saved=1").into_response())
}
