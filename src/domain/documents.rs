//! Identity documents: what may be sent for which check, and what a file is,
//! judged by its content (magic bytes), never by its name or declared type.

use super::codes::{DocType, IdentityTarget};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    Pdf,
}

impl FileKind {
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Pdf => "application/pdf",
        }
    }

    pub fn from_mime(mime: &str) -> Option<FileKind> {
        match mime {
            "image/jpeg" => Some(FileKind::Jpeg),
            "image/png" => Some(FileKind::Png),
            "application/pdf" => Some(FileKind::Pdf),
            _ => None,
        }
    }

    /// A picture we decoded and can show; a PDF is only downloaded.
    pub fn is_image(self) -> bool {
        matches!(self, FileKind::Jpeg | FileKind::Png)
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::Pdf => "pdf",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAccepted {
    Empty,
    /// iPhone photos (HEIC/HEIF): the browser converts them when asked for JPEG.
    Heic,
    Other,
}

/// What a file really is.
pub fn sniff(bytes: &[u8]) -> Result<FileKind, NotAccepted> {
    if bytes.is_empty() {
        return Err(NotAccepted::Empty);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(FileKind::Jpeg);
    }
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Ok(FileKind::Png);
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(FileKind::Pdf);
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = &bytes[8..12];
        if [b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif"].iter().any(|b| brand == *b) {
            return Err(NotAccepted::Heic);
        }
    }
    Err(NotAccepted::Other)
}

/// The documents accepted for each check (APPI Art. 37; published practice).
pub fn accepted_for(target: IdentityTarget, doc_type: DocType) -> bool {
    use DocType::*;
    match target {
        IdentityTarget::Subject | IdentityTarget::Agent => matches!(
            doc_type,
            DriversLicense
                | Passport
                | MyNumberCardFront
                | ResidenceCard
                | SpecialPermanentResidentCertificate
                | HealthInsuranceCardMasked
                | ResidentRecord
                | Other
        ),
        IdentityTarget::Authority => {
            matches!(
                doc_type,
                PowerOfAttorney | SealCertificate | FamilyRegister | GuardianshipCertificate | ResidentRecord | Other
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_judged_by_their_content() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Ok(FileKind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Ok(FileKind::Png));
        assert_eq!(sniff(b"%PDF-1.7\n"), Ok(FileKind::Pdf));
        assert_eq!(sniff(b""), Err(NotAccepted::Empty));
        assert_eq!(sniff(b"hello, this is text named photo.jpg"), Err(NotAccepted::Other));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"), Err(NotAccepted::Heic));
        assert_eq!(sniff(b"GIF89a"), Err(NotAccepted::Other));
    }

    #[test]
    fn authority_is_shown_by_a_power_of_attorney_not_a_licence() {
        assert!(accepted_for(IdentityTarget::Authority, DocType::PowerOfAttorney));
        assert!(!accepted_for(IdentityTarget::Authority, DocType::DriversLicense));
        assert!(accepted_for(IdentityTarget::Agent, DocType::Passport));
        assert!(!accepted_for(IdentityTarget::Subject, DocType::SealCertificate));
    }

    #[test]
    fn a_special_permanent_resident_certificate_proves_identity_art_37() {
        assert!(accepted_for(IdentityTarget::Subject, DocType::SpecialPermanentResidentCertificate));
        assert!(accepted_for(IdentityTarget::Agent, DocType::SpecialPermanentResidentCertificate));
        assert!(!accepted_for(IdentityTarget::Authority, DocType::SpecialPermanentResidentCertificate));
    }
}
