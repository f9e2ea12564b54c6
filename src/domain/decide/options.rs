//! The choices inside each action, as the domain allows them now: the
//! identity targets that may be asked, verified, failed or sent for, the
//! outcomes and reasons a case may close with, and the ways identity may be
//! verified. `decide` checks against these lists and the pages only show
//! them, so a form can never offer what `decide` would refuse.

use crate::domain::case::Case;
use crate::domain::codes::*;

impl Case {
    /// Targets whose documents may be (re)requested: not yet asked, or
    /// submitted or failed and worth asking again.
    pub fn requestable_targets(&self) -> Vec<IdentityTarget> {
        self.targets_where(|s| {
            matches!(s, IdentityStatus::NotChecked | IdentityStatus::Submitted | IdentityStatus::Failed)
        })
    }

    /// Targets that may be marked verified.
    pub fn verifiable_targets(&self) -> Vec<IdentityTarget> {
        self.targets_where(|s| s != IdentityStatus::Verified)
    }

    /// Targets whose check may be marked failed: documents asked or sent.
    pub fn failable_targets(&self) -> Vec<IdentityTarget> {
        self.targets_where(|s| matches!(s, IdentityStatus::Requested | IdentityStatus::Submitted))
    }

    /// Targets the requester may send a document for now (the identity ask is open).
    pub fn upload_targets(&self) -> Vec<IdentityTarget> {
        if !(self.state.is_open() && self.has_ask(Ask::Identity)) {
            return Vec::new();
        }
        self.targets_where(|s| {
            matches!(s, IdentityStatus::Requested | IdentityStatus::Failed | IdentityStatus::Submitted)
        })
    }

    /// The kinds a case may be corrected to.
    pub fn other_kinds(&self) -> Vec<RequestKind> {
        RequestKind::ALL.iter().copied().filter(|k| *k != self.kind).collect()
    }

    fn targets_where(&self, keep: impl Fn(IdentityStatus) -> bool) -> Vec<IdentityTarget> {
        self.identity_targets().iter().copied().filter(|t| keep(self.identity.get(*t))).collect()
    }
}

/// The outcomes a case may close with now: complaints are answered (or
/// refused), other kinds granted, partly granted, refused or "no data";
/// before work starts, only a refusal. Withdrawal is its own action.
pub fn allowed_outcomes(case: &Case) -> Vec<Outcome> {
    outcomes_for_kind(case.kind)
        .into_iter()
        .filter(|o| case.state == State::InProgress || *o == Outcome::Refused)
        .collect()
}

/// The outcomes that fit a kind at all, whatever the state.
pub fn outcomes_for_kind(kind: RequestKind) -> Vec<Outcome> {
    Outcome::ALL
        .iter()
        .copied()
        .filter(|o| match kind {
            RequestKind::Complaint => matches!(o, Outcome::Answered | Outcome::Refused),
            _ => matches!(o, Outcome::Granted | Outcome::PartiallyGranted | Outcome::Refused | Outcome::NoData),
        })
        .collect()
}

/// The reasons offered for a request of `kind` (DESIGN.md §1 "Reasons").
pub fn reasons_for(kind: RequestKind) -> Vec<Reason> {
    Reason::ALL.iter().copied().filter(|r| r.offered_for(kind)).collect()
}

/// The reasons offered on this case now: those of its kind, and the
/// substantive grounds of Art. 33(2) only once identity is verified (before
/// that the desk cannot judge what it would disclose; procedural grounds
/// such as `identity_unverified` remain).
pub fn reasons_offered(case: &Case) -> Vec<Reason> {
    reasons_for(case.kind).into_iter().filter(|r| !r.is_substantive() || case.identity_complete()).collect()
}

/// How identity may be verified on this case: by an uploaded document only
/// once one is stored.
pub fn id_methods(case: &Case) -> Vec<IdMethod> {
    IdMethod::ALL.iter().copied().filter(|m| *m != IdMethod::DocumentUpload || case.stored_documents > 0).collect()
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn case(kind: RequestKind, filer: Filer, state: State) -> Case {
        let mut c = Case::blank(kind, filer, date(2026, 4, 1));
        c.state = state;
        c
    }

    #[test]
    fn before_work_starts_only_a_refusal_is_offered() {
        let c = case(RequestKind::Disclosure, Filer::SelfFiler, State::Received);
        assert_eq!(allowed_outcomes(&c), [Outcome::Refused]);
        let c = case(RequestKind::Disclosure, Filer::SelfFiler, State::InProgress);
        assert_eq!(
            allowed_outcomes(&c),
            [Outcome::Granted, Outcome::PartiallyGranted, Outcome::Refused, Outcome::NoData]
        );
        let c = case(RequestKind::Complaint, Filer::SelfFiler, State::InProgress);
        assert_eq!(allowed_outcomes(&c), [Outcome::Refused, Outcome::Answered]);
    }

    #[test]
    fn targets_follow_each_check_and_agents_add_two() {
        let mut c = case(RequestKind::Disclosure, Filer::AppointedAgent, State::Received);
        assert_eq!(c.requestable_targets().len(), 3);
        assert!(c.failable_targets().is_empty());
        c.identity.set(IdentityTarget::Agent, IdentityStatus::Requested);
        c.identity.set(IdentityTarget::Subject, IdentityStatus::Verified);
        assert_eq!(c.requestable_targets(), [IdentityTarget::Authority]);
        assert_eq!(c.verifiable_targets(), [IdentityTarget::Agent, IdentityTarget::Authority]);
        assert_eq!(c.failable_targets(), [IdentityTarget::Agent]);
        assert!(c.upload_targets().is_empty(), "no identity ask is open");
        c.asks.insert(Ask::Identity);
        c.state = State::AwaitingRequester;
        assert_eq!(c.upload_targets(), [IdentityTarget::Agent]);
    }

    #[test]
    fn a_substantive_ground_is_not_offered_before_identity_is_verified_art_33() {
        let mut c = case(RequestKind::Disclosure, Filer::SelfFiler, State::Received);
        let offered = reasons_offered(&c);
        assert!(!offered.contains(&Reason::HarmToPerson) && !offered.contains(&Reason::RepeatedRequest));
        assert!(offered.contains(&Reason::IdentityUnverified), "procedural grounds stay");
        c.identity.set(IdentityTarget::Subject, IdentityStatus::Verified);
        assert!(reasons_offered(&c).contains(&Reason::HarmToPerson));
    }

    #[test]
    fn upload_is_a_method_only_once_a_document_is_stored() {
        let mut c = case(RequestKind::Disclosure, Filer::SelfFiler, State::Received);
        assert!(!id_methods(&c).contains(&IdMethod::DocumentUpload));
        c.stored_documents = 1;
        assert!(id_methods(&c).contains(&IdMethod::DocumentUpload));
    }
}
