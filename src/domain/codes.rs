//! The stable codes of DESIGN.md §1: each enum parses from and prints as its
//! code; its labels are the catalogue's messages `<prefix>-<code>`.

use super::Lang;

/// A code that was not one of the known values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown code {0:?}")]
pub struct UnknownCode(pub String);

macro_rules! codes {
    ($(#[$meta:meta])* $name:ident $prefix:literal { $($variant:ident = $code:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The label, from the catalogue (`<prefix>-<code>`).
            pub fn label(self, lang: $crate::domain::Lang) -> &'static str {
                match self { $($name::$variant => lang.t(concat!($prefix, "-", $code)),)+ }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::domain::codes::UnknownCode;
            fn from_str(s: &str) -> Result<Self, $crate::domain::codes::UnknownCode> {
                match s {
                    $($code => Ok($name::$variant),)+
                    other => Err($crate::domain::codes::UnknownCode(other.to_owned())),
                }
            }
        }

        impl ::std::convert::TryFrom<String> for $name {
            type Error = $crate::domain::codes::UnknownCode;
            fn try_from(s: String) -> Result<Self, $crate::domain::codes::UnknownCode> {
                s.parse()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

codes! {
    /// What the person asks for.
    RequestKind "request-kind" {
        PurposeNotice = "purpose_notice";
        Disclosure = "disclosure";
        ProvisionRecord = "provision_record";
        Correction = "correction";
        Suspension = "suspension";
        StopProvision = "stop_provision";
        Complaint = "complaint";
    }
}

impl RequestKind {
    /// APPI Art. 38: a fee may be charged only for purpose notices and disclosures.
    pub fn fee_allowed(self) -> bool {
        matches!(self, RequestKind::PurposeNotice | RequestKind::Disclosure | RequestKind::ProvisionRecord)
    }

    /// Art. 33(1): the person chooses how a disclosure is delivered.
    pub fn is_disclosure(self) -> bool {
        matches!(self, RequestKind::Disclosure | RequestKind::ProvisionRecord)
    }

    pub fn article(self) -> &'static str {
        match self {
            RequestKind::PurposeNotice => "32(2)",
            RequestKind::Disclosure => "33(1)",
            RequestKind::ProvisionRecord => "33(5)",
            RequestKind::Correction => "34",
            RequestKind::Suspension => "35(1), 35(5)",
            RequestKind::StopProvision => "35(3), 35(5)",
            RequestKind::Complaint => "40",
        }
    }

    /// One sentence on what the desk does for this kind (the public page).
    pub fn summary(self, lang: Lang) -> &'static str {
        lang.t(&format!("request-kind-summary-{}", self.code()))
    }
}

codes! {
    /// Where the ball is (DESIGN.md §1).
    State "state" {
        Unconfirmed = "unconfirmed";
        Received = "received";
        AwaitingRequester = "awaiting_requester";
        InProgress = "in_progress";
        Closed = "closed";
    }
}

impl State {
    /// "Open" means received, awaiting the requester, or in progress.
    pub fn is_open(self) -> bool {
        matches!(self, State::Received | State::AwaitingRequester | State::InProgress)
    }

    /// Waiting for the requester (with open asks).
    pub fn is_awaiting(self) -> bool {
        self == State::AwaitingRequester
    }
}

codes! {
    Outcome "outcome" {
        Granted = "granted";
        PartiallyGranted = "partially_granted";
        Refused = "refused";
        NoData = "no_data";
        Answered = "answered";
        Withdrawn = "withdrawn";
    }
}

impl Outcome {
    /// Art. 36: refusing, or doing other than asked, calls for reasons.
    pub fn needs_reasons(self) -> bool {
        matches!(self, Outcome::Refused | Outcome::PartiallyGranted)
    }

    /// Whether the answer gives (some of) what was asked: results are
    /// delivered, and the answer must say what was done.
    pub fn is_granting(self) -> bool {
        matches!(self, Outcome::Granted | Outcome::PartiallyGranted)
    }
}

codes! {
    Reason "reason" {
        HarmToPerson = "harm_to_person";
        BusinessHindrance = "business_hindrance";
        LawViolation = "law_violation";
        OtherLawProcedure = "other_law_procedure";
        PurposeAlreadyClear = "purpose_already_clear";
        PurposeException = "purpose_exception";
        ContentIsFactual = "content_is_factual";
        NotNeededForPurpose = "not_needed_for_purpose";
        CorrectionByOtherLaw = "correction_by_other_law";
        RecordExcluded = "record_excluded";
        NoStatutoryGround = "no_statutory_ground";
        AlternativeMeasure = "alternative_measure";
        MethodImpracticable = "method_impracticable";
        NotRetainedData = "not_retained_data";
        IdentityUnverified = "identity_unverified";
        AgentUnauthorized = "agent_unauthorized";
        ProcedureNotFollowed = "procedure_not_followed";
        FeeUnpaid = "fee_unpaid";
        RepeatedRequest = "repeated_request";
        Other = "other";
    }
}

impl Reason {
    /// The article a reason rests on (APPI unless marked `CO`, the Cabinet
    /// Order); `other` rests on none.
    pub fn basis(self) -> &'static str {
        match self {
            Reason::HarmToPerson => "33(2)(i)",
            // Repeating the same complex request to tie up the desk is the
            // textbook case of a serious hindrance to the business.
            Reason::BusinessHindrance | Reason::RepeatedRequest => "33(2)(ii)",
            Reason::LawViolation => "33(2)(iii)",
            Reason::OtherLawProcedure => "33(4)",
            Reason::PurposeAlreadyClear => "32(2)(i)",
            // Art. 21(4)(i)–(iii): telling the purpose would harm someone, the business or the state.
            Reason::PurposeException => "32(2)(ii)",
            Reason::ContentIsFactual | Reason::NotNeededForPurpose => "34(1)",
            Reason::CorrectionByOtherLaw => "34(2)",
            Reason::NoStatutoryGround | Reason::AlternativeMeasure => "35",
            Reason::MethodImpracticable => "33(1)",
            Reason::RecordExcluded => "CO 11",
            Reason::NotRetainedData => "16(4)",
            Reason::FeeUnpaid => "38",
            Reason::IdentityUnverified | Reason::AgentUnauthorized | Reason::ProcedureNotFollowed => "37",
            Reason::Other => "",
        }
    }

    /// A ground of Art. 33(2) that judges the content of a disclosure:
    /// only once identity is verified may the desk look at what it would disclose.
    pub fn is_substantive(self) -> bool {
        matches!(
            self,
            Reason::HarmToPerson | Reason::BusinessHindrance | Reason::LawViolation | Reason::RepeatedRequest
        )
    }

    /// Whether this reason is offered for a request of `kind`: each ground
    /// belongs to the kinds the law gives it to (APPI.md "Grounds belong to kinds").
    pub fn offered_for(self, kind: RequestKind) -> bool {
        match self {
            Reason::HarmToPerson
            | Reason::BusinessHindrance
            | Reason::LawViolation
            | Reason::OtherLawProcedure
            | Reason::MethodImpracticable
            | Reason::RepeatedRequest => kind.is_disclosure(),
            Reason::PurposeAlreadyClear | Reason::PurposeException => kind == RequestKind::PurposeNotice,
            Reason::ContentIsFactual | Reason::NotNeededForPurpose | Reason::CorrectionByOtherLaw => {
                kind == RequestKind::Correction
            }
            Reason::NoStatutoryGround | Reason::AlternativeMeasure => {
                matches!(kind, RequestKind::Suspension | RequestKind::StopProvision)
            }
            Reason::RecordExcluded => kind == RequestKind::ProvisionRecord,
            // Art. 38: an unpaid fee is a ground only where a fee may be charged.
            Reason::FeeUnpaid => kind.fee_allowed(),
            Reason::NotRetainedData
            | Reason::IdentityUnverified
            | Reason::AgentUnauthorized
            | Reason::ProcedureNotFollowed
            | Reason::Other => true,
        }
    }
}

codes! {
    Filer "filer" {
        SelfFiler = "self";
        LegalAgent = "legal_agent";
        AppointedAgent = "appointed_agent";
    }
}

impl Filer {
    pub fn is_agent(self) -> bool {
        self != Filer::SelfFiler
    }
}

codes! {
    Channel "channel" {
        Web = "web";
        Email = "email";
        Post = "post";
        Phone = "phone";
        InPerson = "in_person";
    }
}

codes! {
    Delivery "delivery" {
        Electronic = "electronic";
        Postal = "postal";
    }
}

codes! {
    /// What the desk is waiting for the requester to provide.
    Ask "ask" {
        Identity = "identity";
        Fee = "fee";
        Clarification = "clarification";
    }
}

codes! {
    IdentityTarget "identity-target" {
        Subject = "subject";
        Agent = "agent";
        Authority = "authority";
    }
}

codes! {
    IdentityStatus "identity-status" {
        NotChecked = "not_checked";
        Requested = "requested";
        Submitted = "submitted";
        Verified = "verified";
        Failed = "failed";
    }
}

codes! {
    IdMethod "id-method" {
        DocumentUpload = "document_upload";
        PostalCopy = "postal_copy";
        InPerson = "in_person";
        AccountMatch = "account_match";
        RestrictedDeliveryMail = "restricted_delivery_mail";
    }
}

codes! {
    DocType "doc-type" {
        DriversLicense = "drivers_license";
        Passport = "passport";
        MyNumberCardFront = "my_number_card_front";
        ResidenceCard = "residence_card";
        SpecialPermanentResidentCertificate = "special_permanent_resident_certificate";
        HealthInsuranceCardMasked = "health_insurance_card_masked";
        ResidentRecord = "resident_record";
        PowerOfAttorney = "power_of_attorney";
        SealCertificate = "seal_certificate";
        FamilyRegister = "family_register";
        GuardianshipCertificate = "guardianship_certificate";
        Other = "other";
    }
}

codes! {
    PaymentMethod "payment-method" {
        BankTransfer = "bank_transfer";
        PostalMoneyOrder = "postal_money_order";
        Stamps = "stamps";
        Cash = "cash";
        Card = "card";
        Other = "other";
    }
}

codes! {
    FeeStatus "fee-status" {
        None = "none";
        Requested = "requested";
        PartiallyPaid = "partially_paid";
        Paid = "paid";
        Waived = "waived";
        RefundDue = "refund_due";
        Refunded = "refunded";
    }
}

codes! {
    /// The lines of the fee ledger (DESIGN.md §1).
    FeeEntryKind "fee-entry-kind" {
        Requested = "requested";
        Payment = "payment";
        Waiver = "waiver";
        Refund = "refund";
    }
}

codes! {
    /// Who an event is recorded as the work of.
    ActorKind "actor-kind" {
        Requester = "requester";
        Staff = "staff";
        System = "system";
    }
}

codes! {
    /// What a stored file is for.
    DocPurpose "doc-purpose" {
        Identity = "identity";
        Result = "result";
    }
}

codes! {
    /// The documents the desk issues (DESIGN.md §4 "Answers, notices and results").
    NoticeKind "notice-kind" {
        Decision = "decision";
        Extension = "extension";
        FeeRequest = "fee_request";
        IdentityRequest = "identity_request";
        ReceiptAck = "receipt_ack";
    }
}

/// An article as a Japanese notice writes it (「第33条第2項第1号」) or an
/// English one ("Art. 33(2)(i)"), from its short form `33(2)(i)`. Several,
/// comma-separated, print joined: 「第35条第1項・第5項」, "Art. 35(1), (5)".
/// `CO 11` is an article of the Cabinet Order (施行令).
pub fn cite(basis: &str, lang: Lang) -> String {
    if let Some(article) = basis.strip_prefix("CO ") {
        return if lang.is_ja() {
            format!("施行令第{article}条")
        } else {
            format!("Cabinet Order Art. {article}")
        };
    }
    let mut out = String::new();
    let mut last = "";
    for part in basis.split(", ") {
        let (article, subs) = match part.find('(') {
            Some(i) => part.split_at(i),
            None => (part, ""),
        };
        let same = article == last;
        if lang.is_ja() {
            if !out.is_empty() {
                out.push('・');
            }
            if !same {
                out.push_str(&format!("第{article}条"));
            }
            // (2)(i) → 第2項第1号: paragraphs in digits, items in roman numerals.
            for (n, sub) in subs.split(')').map(|s| s.trim_start_matches('(')).filter(|s| !s.is_empty()).enumerate() {
                if n == 0 {
                    out.push_str(&format!("第{sub}項"));
                } else {
                    let item = match sub {
                        "i" => "1",
                        "ii" => "2",
                        "iii" => "3",
                        "iv" => "4",
                        "v" => "5",
                        other => other,
                    };
                    out.push_str(&format!("第{item}号"));
                }
            }
        } else {
            out.push_str(if out.is_empty() { "Art. " } else { ", " });
            if !same {
                out.push_str(article);
            }
            out.push_str(subs);
        }
        last = article;
    }
    out
}

impl Reason {
    /// The article a notice cites for this reason; `other` cites none.
    pub fn citation(self, lang: Lang) -> Option<String> {
        (!self.basis().is_empty()).then(|| cite(self.basis(), lang))
    }
}

codes! {
    Role "role" {
        Staff = "staff";
        Manager = "manager";
        Admin = "admin";
    }
}

impl Role {
    /// Roles are ordered: a manager may do all a staff member may, and so on.
    pub fn at_least(self, needed: Role) -> bool {
        self >= needed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_from_str() {
        for k in RequestKind::ALL {
            assert_eq!(k.code().parse::<RequestKind>(), Ok(*k));
        }
        for s in State::ALL {
            assert_eq!(s.code().parse::<State>(), Ok(*s));
        }
        for r in Reason::ALL {
            assert_eq!(r.code().parse::<Reason>(), Ok(*r));
        }
        assert!("bogus".parse::<RequestKind>().is_err());
    }

    #[test]
    fn fees_are_allowed_only_for_purpose_notices_and_disclosures() {
        let allowed: Vec<_> = RequestKind::ALL.iter().filter(|k| k.fee_allowed()).collect();
        assert_eq!(allowed, [&RequestKind::PurposeNotice, &RequestKind::Disclosure, &RequestKind::ProvisionRecord]);
    }

    #[test]
    fn disclosure_grounds_are_offered_only_for_disclosure_kinds() {
        assert!(Reason::HarmToPerson.offered_for(RequestKind::Disclosure));
        assert!(!Reason::HarmToPerson.offered_for(RequestKind::Correction));
        assert!(Reason::ContentIsFactual.offered_for(RequestKind::Correction));
        assert!(Reason::IdentityUnverified.offered_for(RequestKind::Complaint));
    }

    #[test]
    fn articles_print_as_a_japanese_notice_writes_them_art_36() {
        assert_eq!(cite("33(2)(i)", Lang::JA), "第33条第2項第1号");
        assert_eq!(cite("33(2)(iii)", Lang::JA), "第33条第2項第3号");
        assert_eq!(cite("16(4)", Lang::JA), "第16条第4項");
        assert_eq!(cite("34", Lang::JA), "第34条");
        assert_eq!(cite("33(2)(i)", Lang::EN), "Art. 33(2)(i)");
        assert_eq!(cite(RequestKind::Suspension.article(), Lang::JA), "第35条第1項・第5項");
        assert_eq!(cite(RequestKind::StopProvision.article(), Lang::EN), "Art. 35(3), (5)");
        assert_eq!(Reason::HarmToPerson.citation(Lang::JA).as_deref(), Some("第33条第2項第1号"));
        assert_eq!(Reason::Other.citation(Lang::JA), None, "'other' cites no article");
    }

    #[test]
    fn repeated_request_is_not_offered_for_corrections_art_34() {
        assert!(!Reason::RepeatedRequest.offered_for(RequestKind::Correction));
        assert!(Reason::RepeatedRequest.offered_for(RequestKind::Disclosure));
        assert_eq!(Reason::RepeatedRequest.basis(), "33(2)(ii)", "an instance of a serious hindrance");
    }

    #[test]
    fn fee_unpaid_is_offered_only_where_a_fee_may_be_charged_art_38() {
        for kind in RequestKind::ALL {
            assert_eq!(Reason::FeeUnpaid.offered_for(*kind), kind.fee_allowed(), "{kind}");
        }
    }

    #[test]
    fn purpose_notices_cite_the_proviso_of_art_32() {
        assert_eq!(cite(Reason::PurposeAlreadyClear.basis(), Lang::JA), "第32条第2項第1号");
        assert_eq!(cite(Reason::PurposeException.basis(), Lang::JA), "第32条第2項第2号");
        assert!(!Reason::PurposeException.offered_for(RequestKind::Disclosure));
    }

    #[test]
    fn corrections_are_declined_as_not_untrue_not_needed_or_by_another_law_art_34() {
        let offered: Vec<Reason> =
            Reason::ALL.iter().copied().filter(|r| r.offered_for(RequestKind::Correction)).collect();
        for r in [Reason::ContentIsFactual, Reason::NotNeededForPurpose, Reason::CorrectionByOtherLaw] {
            assert!(offered.contains(&r), "{r}");
        }
        assert_eq!(cite(Reason::CorrectionByOtherLaw.basis(), Lang::JA), "第34条第2項");
        assert!(!offered.contains(&Reason::HarmToPerson) && !offered.contains(&Reason::FeeUnpaid));
    }

    #[test]
    fn provision_records_may_be_withheld_under_the_cabinet_order_art_11() {
        assert!(Reason::RecordExcluded.offered_for(RequestKind::ProvisionRecord));
        assert!(!Reason::RecordExcluded.offered_for(RequestKind::Disclosure));
        assert_eq!(Reason::RecordExcluded.citation(Lang::JA).as_deref(), Some("施行令第11条"));
        assert_eq!(Reason::RecordExcluded.citation(Lang::EN).as_deref(), Some("Cabinet Order Art. 11"));
    }

    #[test]
    fn only_the_grounds_of_art_33_2_are_substantive() {
        let substantive: Vec<Reason> = Reason::ALL.iter().copied().filter(|r| r.is_substantive()).collect();
        assert_eq!(
            substantive,
            [Reason::HarmToPerson, Reason::BusinessHindrance, Reason::LawViolation, Reason::RepeatedRequest]
        );
        assert!(substantive.iter().all(|r| r.basis().starts_with("33(2)")));
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin.at_least(Role::Manager));
        assert!(Role::Manager.at_least(Role::Staff));
        assert!(!Role::Staff.at_least(Role::Manager));
    }
}
