#![cfg(test)]
//! Property tests of what hostile files and cells meet (issue 17): the
//! upload pipeline never panics nor grows a file, and the CSV writer
//! neutralises formulas and round-trips through the `csv` reader.

use proptest::prelude::*;

use super::documents::{decode_check, is_metadata_segment, is_text_chunk, strip_metadata};
use super::reports::{csv_records, safe_cell};
use crate::domain::documents::{FileKind, sniff};

const JPEG: &[u8] = include_bytes!("../../tests/fixtures/id-with-gps.jpg");
const PNG: &[u8] = include_bytes!("../../tests/fixtures/id-with-text.png");

/// A real photo with bytes changed, cut, or inserted: what a damaged or
/// crafted upload looks like past the first bytes the sniffer reads.
fn mangled() -> impl Strategy<Value = Vec<u8>> {
    let edits = prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 0..12);
    (prop::bool::ANY, edits, prop::collection::vec(any::<u8>(), 0..64), any::<prop::sample::Index>()).prop_map(
        |(png, edits, insert, at)| {
            let mut bytes = if png { PNG.to_vec() } else { JPEG.to_vec() };
            for (i, b, how) in edits {
                let i = i.index(bytes.len());
                match how {
                    0 => bytes[i] = b,
                    1 => bytes.truncate(i.max(1)),
                    _ => bytes.insert(i, b),
                }
            }
            let at = at.index(bytes.len() + 1);
            bytes.splice(at..at, insert);
            bytes
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

    /// Whatever arrives, the sniffer, the metadata stripper and the decoder
    /// answer without panicking, and a stripped file is never larger.
    #[test]
    fn no_upload_panics_the_pipeline_nor_grows_when_stripped(
        bytes in prop_oneof![mangled(), prop::collection::vec(any::<u8>(), 0..512)],
    ) {
        if let Ok(kind) = sniff(&bytes) {
            let len = bytes.len();
            if let Ok(stripped) = strip_metadata(kind, bytes) {
                prop_assert!(stripped.len() <= len, "{kind:?}: {} bytes became {}", len, stripped.len());
                let _ = decode_check(kind, &stripped);
            }
        }
    }

    /// A stripped photo, read again, has no EXIF (where GPS lives), no text
    /// or comment left, and stripping it again changes nothing.
    #[test]
    fn a_stripped_photo_keeps_no_metadata(bytes in mangled()) {
        use img_parts::ImageEXIF;
        let Ok(kind) = sniff(&bytes) else { return Ok(()) };
        let Ok(once) = strip_metadata(kind, bytes) else { return Ok(()) };
        match kind {
            FileKind::Jpeg => {
                let jpeg = img_parts::jpeg::Jpeg::from_bytes(once.clone().into()).expect("its own output reads");
                prop_assert!(jpeg.exif().is_none());
                prop_assert!(jpeg.segments().iter().all(|s| !is_metadata_segment(s.marker())), "a metadata segment is left");
            }
            FileKind::Png => {
                let png = img_parts::png::Png::from_bytes(once.clone().into()).expect("its own output reads");
                prop_assert!(png.exif().is_none());
                prop_assert!(png.chunks().iter().all(|c| !is_text_chunk(&c.kind())), "a text chunk is left");
            }
            FileKind::Pdf => return Ok(()),
        }
        prop_assert_eq!(strip_metadata(kind, once.clone()).expect("strips again"), once);
    }

    /// Every cell is written so that a spreadsheet runs no formula, and the
    /// `csv` reader gets back exactly the neutralised cells.
    #[test]
    fn csv_cells_are_neutralised_and_round_trip(
        rows in (1usize..6).prop_flat_map(|width| prop::collection::vec(
            prop::collection::vec(prop_oneof![any::<String>(), "[=+@\\t\\r-][A-Z0-9(),\"\\n ]{0,12}"], width),
            1..6,
        )),
    ) {
        let cells: Vec<Vec<String>> =
            rows.iter().map(|r| r.iter().map(|c| safe_cell(c).into_owned()).collect()).collect();
        let bytes = csv_records(cells.clone()).expect("written");
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(&bytes[..]);
        let back: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.expect("read").iter().map(str::to_owned).collect())
            .collect();
        prop_assert_eq!(&back, &cells);
        for (row, orig) in back.iter().zip(&rows) {
            for (cell, orig) in row.iter().zip(orig) {
                prop_assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?} runs as a formula");
                prop_assert!(cell == orig || *cell == format!("'{orig}"), "{orig:?} was changed to {cell:?}");
            }
        }
    }
}
