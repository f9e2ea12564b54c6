//! The transition table of DESIGN.md §1: `decide` is the only place its rules
//! live, `apply` folds the events it returns into a case. Split by concern:
//! `command` (what can be asked), `event` (what happened, and `apply`),
//! `permitted` (which actions are legal now), `options` (the choices inside
//! each action that the pages show), `rules` (`decide` and the clock).

mod command;
mod event;
mod options;
mod permitted;
mod rules;

pub use command::{Action, Actor, Command, Visibility, is_system_only};
pub use event::{Event, apply};
pub use options::{allowed_outcomes, id_methods, reasons_for, reasons_offered};
pub use permitted::permitted;
pub use rules::{decide, open_case};

use jiff::civil::Date;

use super::Msg;
use super::deadline::DeadlinePolicy;

/// What `decide` needs to know besides the case.
pub struct Ctx<'a> {
    pub today: Date,
    /// Refusals and partial grants need a manager (the sign-off setting).
    pub signoff_required: bool,
    pub policy: &'a dyn DeadlinePolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Not legal in the case's present state (HTTP 409).
    #[error("illegal move: {}", .0.id)]
    Illegal(Msg),
    /// The actor's role is too low (HTTP 403).
    #[error("forbidden: {}", .0.id)]
    Forbidden(Msg),
    /// A field of the command is wrong (HTTP 422).
    #[error("invalid {field}: {}", .msg.id)]
    Invalid { field: &'static str, msg: Msg },
}

fn illegal(id: &'static str) -> DomainError {
    DomainError::Illegal(Msg::new(id))
}

fn invalid(field: &'static str, id: &'static str) -> DomainError {
    DomainError::Invalid { field, msg: Msg::new(id) }
}

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
