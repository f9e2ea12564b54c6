//! The stable codes of DESIGN.md §1: each enum parses from and prints as its
//! code, and carries its Japanese and English labels.

use super::Lang;

/// A code that was not one of the known values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown code {0:?}")]
pub struct UnknownCode(pub String);

macro_rules! codes {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal, $ja:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            pub fn label(self, lang: $crate::domain::Lang) -> &'static str {
                match lang {
                    $crate::domain::Lang::Ja => match self { $($name::$variant => $ja,)+ },
                    $crate::domain::Lang::En => match self { $($name::$variant => $en,)+ },
                }
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
    RequestKind {
        PurposeNotice = "purpose_notice", "利用目的の通知", "Notification of purpose of use";
        Disclosure = "disclosure", "保有個人データの開示", "Disclosure of retained personal data";
        ProvisionRecord = "provision_record", "第三者提供記録の開示", "Disclosure of third-party provision records";
        Correction = "correction", "訂正・追加・削除", "Correction, addition or deletion";
        Suspension = "suspension", "利用停止・消去", "Stopping use or erasure";
        StopProvision = "stop_provision", "第三者提供の停止", "Stopping provision to third parties";
        Complaint = "complaint", "苦情・相談", "Complaint or enquiry";
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
            RequestKind::Suspension => "35(1)(5)",
            RequestKind::StopProvision => "35(3)(5)",
            RequestKind::Complaint => "40",
        }
    }

    pub fn summary(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (RequestKind::PurposeNotice, Lang::Ja) => "あなたの個人データを何のために使っているかをお知らせします。",
            (RequestKind::PurposeNotice, Lang::En) => "We tell you what we use your personal data for.",
            (RequestKind::Disclosure, Lang::Ja) => "当社が保有するあなたの個人データの内容を開示します。",
            (RequestKind::Disclosure, Lang::En) => "We disclose the personal data about you that we hold.",
            (RequestKind::ProvisionRecord, Lang::Ja) => {
                "あなたのデータを第三者に提供した・受け取った記録を開示します。"
            }
            (RequestKind::ProvisionRecord, Lang::En) => {
                "We disclose our records of giving your data to, or receiving it from, third parties."
            }
            (RequestKind::Correction, Lang::Ja) => "事実と異なる個人データを調査し、訂正・追加・削除します。",
            (RequestKind::Correction, Lang::En) => {
                "We investigate untrue data about you and correct, add to or delete it."
            }
            (RequestKind::Suspension, Lang::Ja) => "不適正な利用などがある場合、利用を停止し、または消去します。",
            (RequestKind::Suspension, Lang::En) => {
                "Where data is used improperly or no longer needed, we stop using or erase it."
            }
            (RequestKind::StopProvision, Lang::Ja) => "法令に反する第三者提供を停止します。",
            (RequestKind::StopProvision, Lang::En) => {
                "We stop providing your data to third parties where the law requires it."
            }
            (RequestKind::Complaint, Lang::Ja) => "個人情報の取扱いについての苦情やご相談を受け付けます。",
            (RequestKind::Complaint, Lang::En) => "Tell us about a concern with how we handle personal information.",
        }
    }
}

codes! {
    /// Where the ball is (DESIGN.md §1).
    State {
        Unconfirmed = "unconfirmed", "メール未確認", "Unconfirmed";
        Received = "received", "受付", "Received";
        AwaitingRequester = "awaiting_requester", "ご本人対応待ち", "Awaiting requester";
        InProgress = "in_progress", "対応中", "In progress";
        Closed = "closed", "完了", "Closed";
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
    Outcome {
        Granted = "granted", "対応済み（請求どおり）", "Granted";
        PartiallyGranted = "partially_granted", "一部対応", "Partially granted";
        Refused = "refused", "不対応（拒否）", "Refused";
        NoData = "no_data", "保有なし", "No data held";
        Answered = "answered", "回答済み", "Answered";
        Withdrawn = "withdrawn", "取下げ", "Withdrawn";
    }
}

impl Outcome {
    /// Art. 36: refusing, or doing other than asked, calls for reasons.
    pub fn needs_reasons(self) -> bool {
        matches!(self, Outcome::Refused | Outcome::PartiallyGranted)
    }
}

codes! {
    Reason {
        HarmToPerson = "harm_to_person", "本人又は第三者の生命・身体・財産その他の権利利益を害するおそれ", "Risk of harm to the person or a third party";
        BusinessHindrance = "business_hindrance", "業務の適正な実施に著しい支障を及ぼすおそれ", "Serious hindrance to the proper conduct of business";
        LawViolation = "law_violation", "他の法令に違反することとなる", "Would breach another law";
        OtherLawProcedure = "other_law_procedure", "他の法令に開示の手続がある", "Another law provides its own disclosure procedure";
        PurposeAlreadyClear = "purpose_already_clear", "利用目的が明らかである", "The purpose of use is already clear";
        ContentIsFactual = "content_is_factual", "内容が事実である", "The data is factual";
        NoStatutoryGround = "no_statutory_ground", "法定の要件に該当しない", "No statutory ground applies";
        AlternativeMeasure = "alternative_measure", "代替措置を講じた", "An alternative measure was taken";
        MethodImpracticable = "method_impracticable", "請求された方法による開示が困難（書面で交付）", "The requested method is impracticable (paper used)";
        NotRetainedData = "not_retained_data", "保有個人データに該当しない", "Not retained personal data";
        IdentityUnverified = "identity_unverified", "本人確認ができない", "Identity could not be verified";
        AgentUnauthorized = "agent_unauthorized", "代理権が確認できない", "The agent's authority could not be confirmed";
        ProcedureNotFollowed = "procedure_not_followed", "所定の手続によらない", "The published procedure was not followed";
        FeeUnpaid = "fee_unpaid", "手数料の未納", "The fee was not paid";
        RepeatedRequest = "repeated_request", "同一内容の繰り返しの請求", "Repeated identical request";
        Other = "other", "その他", "Other";
    }
}

impl Reason {
    /// The article a reason rests on (DESIGN.md §1 "Reasons").
    pub fn basis(self) -> &'static str {
        match self {
            Reason::HarmToPerson => "33(2)(i)",
            Reason::BusinessHindrance => "33(2)(ii)",
            Reason::LawViolation => "33(2)(iii)",
            Reason::OtherLawProcedure => "33(4)",
            Reason::PurposeAlreadyClear => "32(2)",
            Reason::ContentIsFactual => "34",
            Reason::NoStatutoryGround | Reason::AlternativeMeasure => "35",
            Reason::MethodImpracticable => "33(1)",
            Reason::NotRetainedData => "16(4)",
            _ => "37",
        }
    }

    /// Whether this reason is offered for a request of `kind`.
    pub fn offered_for(self, kind: RequestKind) -> bool {
        match self {
            Reason::HarmToPerson
            | Reason::BusinessHindrance
            | Reason::LawViolation
            | Reason::OtherLawProcedure
            | Reason::MethodImpracticable => kind.is_disclosure(),
            Reason::PurposeAlreadyClear => kind == RequestKind::PurposeNotice,
            Reason::ContentIsFactual => kind == RequestKind::Correction,
            Reason::NoStatutoryGround | Reason::AlternativeMeasure => {
                matches!(kind, RequestKind::Suspension | RequestKind::StopProvision)
            }
            _ => true,
        }
    }
}

codes! {
    Filer {
        SelfFiler = "self", "本人", "The person themself";
        LegalAgent = "legal_agent", "法定代理人", "Legal representative";
        AppointedAgent = "appointed_agent", "任意代理人", "Appointed agent";
    }
}

impl Filer {
    pub fn is_agent(self) -> bool {
        self != Filer::SelfFiler
    }
}

codes! {
    Channel {
        Web = "web", "ウェブ", "Web";
        Email = "email", "電子メール", "E-mail";
        Post = "post", "郵送", "Post";
        Phone = "phone", "電話", "Phone";
        InPerson = "in_person", "窓口", "In person";
    }
}

codes! {
    Delivery {
        Electronic = "electronic", "電磁的記録（電子データ）", "Electronic record";
        Postal = "postal", "書面（郵送）", "Paper, by post";
    }
}

codes! {
    /// What the desk is waiting for the requester to provide.
    Ask {
        Identity = "identity", "本人確認書類", "Identity documents";
        Fee = "fee", "手数料", "Fee";
        Clarification = "clarification", "確認事項", "Details";
    }
}

codes! {
    IdentityTarget {
        Subject = "subject", "本人", "The person";
        Agent = "agent", "代理人", "The agent";
        Authority = "authority", "代理権", "The agent's authority";
    }
}

codes! {
    IdentityStatus {
        NotChecked = "not_checked", "未確認", "Not checked";
        Requested = "requested", "書類依頼中", "Requested";
        Submitted = "submitted", "書類受領", "Submitted";
        Verified = "verified", "確認済み", "Verified";
        Failed = "failed", "確認できず", "Failed";
    }
}

codes! {
    IdMethod {
        DocumentUpload = "document_upload", "書類のアップロード", "Document upload";
        PostalCopy = "postal_copy", "写しの郵送", "Copy by post";
        InPerson = "in_person", "窓口で提示", "In person";
        AccountMatch = "account_match", "会員情報との照合", "Account match";
        RestrictedDeliveryMail = "restricted_delivery_mail", "本人限定受取郵便", "Restricted-delivery mail";
    }
}

codes! {
    DocType {
        DriversLicense = "drivers_license", "運転免許証", "Driver's licence";
        Passport = "passport", "パスポート", "Passport";
        MyNumberCardFront = "my_number_card_front", "マイナンバーカード（表面のみ）", "My Number card (front only)";
        ResidenceCard = "residence_card", "在留カード", "Residence card";
        HealthInsuranceCardMasked = "health_insurance_card_masked", "健康保険証・資格確認書（番号等をマスキング）", "Health insurance card (numbers masked)";
        ResidentRecord = "resident_record", "住民票の写し", "Certificate of residence";
        PowerOfAttorney = "power_of_attorney", "委任状", "Power of attorney";
        SealCertificate = "seal_certificate", "印鑑登録証明書", "Seal registration certificate";
        FamilyRegister = "family_register", "戸籍謄本", "Family register";
        GuardianshipCertificate = "guardianship_certificate", "登記事項証明書", "Certificate of guardianship";
        Other = "other", "その他", "Other";
    }
}

codes! {
    PaymentMethod {
        BankTransfer = "bank_transfer", "銀行振込", "Bank transfer";
        PostalMoneyOrder = "postal_money_order", "定額小為替", "Postal money order";
        Stamps = "stamps", "郵便切手", "Postage stamps";
        Cash = "cash", "現金", "Cash";
        Card = "card", "クレジットカード", "Card";
        Other = "other", "その他", "Other";
    }
}

codes! {
    FeeStatus {
        None = "none", "なし", "None";
        Requested = "requested", "請求中", "Requested";
        PartiallyPaid = "partially_paid", "一部入金", "Partially paid";
        Paid = "paid", "入金済み", "Paid";
        Waived = "waived", "免除", "Waived";
        RefundDue = "refund_due", "返金予定", "Refund due";
        Refunded = "refunded", "返金済み", "Refunded";
    }
}

codes! {
    /// The lines of the fee ledger (DESIGN.md §1).
    FeeEntryKind {
        Requested = "requested", "請求", "Requested";
        Payment = "payment", "入金", "Payment";
        Waiver = "waiver", "免除", "Waiver";
        Refund = "refund", "返金", "Refund";
    }
}

codes! {
    /// Who an event is recorded as the work of.
    ActorKind {
        Requester = "requester", "ご本人", "Requester";
        Staff = "staff", "担当者", "Staff";
        System = "system", "システム", "System";
    }
}

codes! {
    /// What a stored file is for.
    DocPurpose {
        Identity = "identity", "本人確認書類", "Identity document";
        Result = "result", "開示結果", "Result";
    }
}

codes! {
    Role {
        Staff = "staff", "担当者", "Staff";
        Manager = "manager", "管理者", "Manager";
        Admin = "admin", "システム管理者", "Administrator";
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
    fn roles_are_ordered() {
        assert!(Role::Admin.at_least(Role::Manager));
        assert!(Role::Manager.at_least(Role::Staff));
        assert!(!Role::Staff.at_least(Role::Manager));
    }
}
