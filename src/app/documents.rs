//! Identity documents: uploads checked by content and stripped of metadata,
//! stored encrypted in the database (XChaCha20-Poly1305), viewed by staff
//! with an access log, and forgotten on schedule.

use bytes::Bytes;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use img_parts::ImageEXIF;
use jiff::ToSpan;
use rand::RngCore;

use super::cases::{ctx, execute, log_access};
use super::persist::{Change, persist};
use super::records::Document;
use super::requests::status_case;
use super::store::cases as sc;
use super::store::documents::{self as sd, NewDocument};
use super::{App, AppError, Result};
use crate::domain::documents::{FileKind, NotAccepted, accepted_for, sniff};
use crate::domain::input::FieldError;
use crate::domain::{
    Action, Actor, ActorKind, Command, DocPurpose, DocType, IdentityTarget, Msg, Reference, decide, permitted,
};

/// The most any setting may allow; the upload route's body limit.
pub const HARD_MAX_BYTES: usize = 30 * 1024 * 1024;

fn aad(case_id: i64) -> Vec<u8> {
    format!("madoguchi document v1 case {case_id}").into_bytes()
}

/// Encrypts a document's bytes for a case: a random 192-bit nonce, then the ciphertext.
pub fn encrypt(app: &App, case_id: i64, plain: &[u8]) -> Result<Vec<u8>> {
    seal(app, &aad(case_id), plain)
}

pub fn decrypt(app: &App, case_id: i64, stored: &[u8]) -> Result<Vec<u8>> {
    unseal(app, &aad(case_id), stored)
}

/// Encrypts under the data key, bound to `aad` (what the bytes are, whose).
pub(crate) fn seal(app: &App, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>> {
    let cipher = XChaCha20Poly1305::new(&app.keys.document_key().into());
    let mut nonce = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad })
        .map_err(|_| AppError::Internal(anyhow::anyhow!("encryption failed")))?;
    let mut out = nonce.to_vec();
    out.extend(sealed);
    Ok(out)
}

pub(crate) fn unseal(app: &App, aad: &[u8], stored: &[u8]) -> Result<Vec<u8>> {
    if stored.len() < 24 {
        return Err(AppError::Internal(anyhow::anyhow!("stored ciphertext is truncated")));
    }
    let (nonce, sealed) = stored.split_at(24);
    let cipher = XChaCha20Poly1305::new(&app.keys.document_key().into());
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad })
        .map_err(|_| AppError::Internal(anyhow::anyhow!("stored ciphertext does not decrypt with this key")))
}

/// The file could not be read as the image it claims to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the image is damaged")]
pub struct Damaged;

/// A JPEG segment that says something besides the picture: every
/// application segment but APP0 (JFIF), APP2 (ICC colour) and APP14 (Adobe
/// colour), and comments.
pub(crate) fn is_metadata_segment(marker: u8) -> bool {
    ((0xE1..=0xEF).contains(&marker) && marker != 0xE2 && marker != 0xEE) || marker == 0xFE
}

/// A PNG chunk of text, EXIF or time.
pub(crate) fn is_text_chunk(kind: &[u8; 4]) -> bool {
    matches!(kind, b"tEXt" | b"zTXt" | b"iTXt" | b"eXIf" | b"tIME")
}

/// Removes what a photo says besides the picture: EXIF (with GPS), XMP,
/// comments and text chunks. PDFs are kept as sent.
pub fn strip_metadata(kind: FileKind, bytes: Vec<u8>) -> std::result::Result<Vec<u8>, Damaged> {
    match kind {
        FileKind::Jpeg => {
            let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(Bytes::from(bytes)).map_err(|_| Damaged)?;
            jpeg.set_exif(None);
            jpeg.segments_mut().retain(|s| !is_metadata_segment(s.marker()));
            Ok(jpeg.encoder().bytes().to_vec())
        }
        FileKind::Png => {
            let mut png = img_parts::png::Png::from_bytes(Bytes::from(bytes)).map_err(|_| Damaged)?;
            png.set_exif(None);
            png.chunks_mut().retain(|c| !is_text_chunk(&c.kind()));
            Ok(png.encoder().bytes().to_vec())
        }
        FileKind::Pdf => Ok(bytes),
    }
}

/// The largest picture accepted, per side and in pixels: a 48-megapixel
/// phone photo is refused (the page asks for a smaller one), and a small
/// file that claims 20000×20000 pixels (a decompression bomb) never gets
/// its memory.
pub const MAX_SIDE: u32 = 10_000;
pub const MAX_PIXELS: u64 = 30_000_000;
/// What decoding may allocate at most.
const MAX_DECODE_BYTES: u64 = 160 * 1024 * 1024;

/// Why an image was not accepted after decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undecodable {
    /// Wider, taller or with more pixels than we take.
    TooManyPixels,
    /// Not a whole picture of its kind.
    Damaged,
}

/// Decodes a JPEG or PNG whole, within the caps: a file that only starts
/// like an image is refused. PDFs are not inspected (staff download them).
pub fn decode_check(kind: FileKind, bytes: &[u8]) -> std::result::Result<(), Undecodable> {
    let format = match kind {
        FileKind::Jpeg => image::ImageFormat::Jpeg,
        FileKind::Png => image::ImageFormat::Png,
        FileKind::Pdf => return Ok(()),
    };
    let header = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let (w, h) = header.into_dimensions().map_err(|_| Undecodable::Damaged)?;
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(Undecodable::TooManyPixels);
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    reader.limits(limits);
    match reader.decode() {
        Ok(_) => Ok(()),
        Err(image::ImageError::Limits(_)) => Err(Undecodable::TooManyPixels),
        Err(_) => Err(Undecodable::Damaged),
    }
}

fn bad(field: &'static str, id: &'static str) -> AppError {
    AppError::Invalid(vec![FieldError { field, msg: Msg::new(id) }])
}

/// The requester sends a document for an identity check.
pub async fn upload(
    app: &App,
    reference: &Reference,
    token: &str,
    target: &str,
    doc_type: &str,
    bytes: Vec<u8>,
) -> Result<i64> {
    let found = status_case(app, reference, token).await?;
    permitted(&found.case, Action::SubmitDocuments, &Actor::Requester)?;
    let target: IdentityTarget = target.parse().map_err(|_| bad("target", "choose-what-the-document-is-for"))?;
    let doc_type: DocType = doc_type.parse().map_err(|_| bad("doc_type", "choose-the-type-of-document"))?;
    if !accepted_for(target, doc_type) {
        return Err(bad("doc_type", "this-document-cannot-be-used-for"));
    }
    let settings = app.settings().await?;
    let max_bytes = settings.document_max_bytes();
    if bytes.len() as i64 > max_bytes {
        return Err(AppError::TooLarge(Msg::new("the-file-is-too-large-for")));
    }
    let kind = match sniff(&bytes) {
        Ok(k) => k,
        Err(NotAccepted::Empty) => {
            return Err(bad("file", "the-file-is-empty-please-choose"));
        }
        Err(NotAccepted::Heic) => {
            return Err(bad("file", "heic-photos-are-not-accepted-set"));
        }
        Err(NotAccepted::Other) => {
            return Err(bad("file", "only-jpeg-or-png-images-and"));
        }
    };
    // Decoded on the bounded worker threads (with the password hashes), so
    // that parallel uploads cannot take the memory of many decodes at once.
    let (bytes, checked) = app
        .hasher
        .run(move || {
            let checked = decode_check(kind, &bytes);
            (bytes, checked)
        })
        .await
        .ok_or(AppError::Busy)?;
    match checked {
        Ok(()) => {}
        Err(Undecodable::TooManyPixels) => {
            let msg = Msg::new("the-picture-has-too-many-pixels")
                .num("max", i64::try_from(MAX_PIXELS / 1_000_000).unwrap_or(0));
            return Err(AppError::Invalid(vec![FieldError { field: "file", msg }]));
        }
        Err(Undecodable::Damaged) => return Err(bad("file", "the-file-is-damaged-and-cannot")),
    }
    let cleaned = strip_metadata(kind, bytes).map_err(|Damaged| bad("file", "the-file-is-damaged-and-cannot"))?;

    let mut tx = app.store.begin().await?;
    let rec = sc::by_reference(&mut tx, reference).await?.ok_or(AppError::NotFound)?;
    let max = settings.document_max_count();
    if sd::count_for_case(&mut tx, rec.id(), DocPurpose::Identity).await? >= max {
        let msg = Msg::new("documents-too-many").num("max", max);
        return Err(AppError::Invalid(vec![FieldError { field: "file", msg }]));
    }
    let before = rec.case.clone();
    let content = encrypt(app, rec.id(), &cleaned)?;
    let doc = NewDocument {
        case_id: rec.id(),
        purpose: DocPurpose::Identity,
        target: Some(target),
        doc_type: Some(doc_type),
        mime: kind.mime(),
        size: cleaned.len() as i64,
        content: &content,
        uploaded_by: ActorKind::Requester,
        at: app.now_us(),
        label: None,
        file_name: None,
        actor_id: None,
    };
    let id = sd::insert(&mut tx, &doc).await?;
    let policy = settings.policy(rec.profile);
    let events = decide(
        &before,
        Command::SubmitDocuments { target, document: id },
        &Actor::Requester,
        &ctx(app, &settings, &policy),
    )?;
    let change = Change::new(rec, before, events, Actor::Requester);
    persist(app, &mut tx, &settings, change).await?;
    tx.commit().await?;
    app.wake_workers();
    Ok(id)
}

/// A document for a staff member to look at; the look is logged.
pub async fn view(app: &App, reference: &Reference, id: i64, actor: &Actor) -> Result<(Document, Vec<u8>)> {
    let rec = sc::read_by_reference(&app.store, reference).await?.ok_or(AppError::NotFound)?;
    let doc = sd::get(&app.store, rec.id(), id).await?.ok_or(AppError::NotFound)?;
    let stored = sd::content(&app.store, rec.id(), id).await?.ok_or(AppError::NotFound)?;
    let plain = decrypt(app, rec.id(), &stored)?;
    if let Some(user_id) = actor.staff_id() {
        log_access(app, user_id, Some(rec.id()), &format!("document:{id}")).await?;
    }
    Ok((doc, plain))
}

/// (reference, document id) rows, ordered by case, as one entry per case.
pub(crate) fn by_case(rows: Vec<(Reference, i64)>) -> Vec<(Reference, Vec<i64>)> {
    let mut grouped: Vec<(Reference, Vec<i64>)> = Vec::new();
    for (reference, id) in rows {
        match grouped.last_mut() {
            Some((r, ids)) if *r == reference => ids.push(id),
            _ => grouped.push((reference, vec![id])),
        }
    }
    grouped
}

/// Retention: destroys identity document contents N days (setting) after
/// verification or closing, keeping the record; each purge is an event.
/// With `dry_run`, only lists what would go: (reference, document ids).
pub async fn purge(app: &App, dry_run: bool) -> Result<Vec<(Reference, Vec<i64>)>> {
    let settings = app.settings().await?;
    let cutoff = app.today().saturating_sub(settings.document_retention_days().days());
    let grouped = by_case(sd::due_for_purge(&app.store, cutoff).await?);
    if !dry_run {
        for (reference, ids) in &grouped {
            execute(app, reference, Command::PurgeDocuments { documents: ids.clone() }, Actor::System).await?;
        }
    }
    Ok(grouped)
}

/// Tells the assignee when identity documents were asked for long ago
/// (setting, default 30 days), once.
pub async fn identity_reminders(app: &App) -> Result<usize> {
    let settings = app.settings().await?;
    let asked_before = app.today().saturating_sub(settings.identity_ask_days().days());
    let mut sent = 0;
    for reference in sd::identity_reminders_due(&app.store, asked_before).await? {
        sent += usize::from(super::housekeeping::remind(app, &reference, Command::RemindIdentity).await?);
    }
    Ok(sent)
}
