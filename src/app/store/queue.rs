//! The staff queue's SQL: filters, keyset pages, counts and the streamed
//! export (the SQLite speed trick of joining lines stays here).

use jiff::civil::Date;

use super::{Result, Store, StoreError, code, date, on, opt_code, opt_date, split_codes};
use crate::app::records::{ExportRow, QueueEntry};
use crate::domain::{Ask, FeeLedger, RequestKind, State};

/// A row of the staff queue as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
struct QueueRow {
    id: i64,
    reference: Option<String>,
    kind: String,
    state: String,
    asks: String,
    subject_name: String,
    due_on: Option<String>,
    received_on: Option<String>,
    assignee_name: Option<String>,
    repeat_of: Option<String>,
    letter_waiting: i64,
    paused_on: Option<String>,
}

impl QueueRow {
    fn into_entry(self) -> Result<QueueEntry> {
        Ok(QueueEntry {
            id: self.id,
            reference: opt_code(&self.reference)?,
            kind: code(&self.kind)?,
            state: code(&self.state)?,
            asks: split_codes(&self.asks)?,
            subject_name: self.subject_name,
            due_on: opt_date(&self.due_on)?,
            received_on: opt_date(&self.received_on)?,
            assignee_name: self.assignee_name,
            repeat_of: opt_code(&self.repeat_of)?,
            letter_waiting: self.letter_waiting != 0,
            paused: self.paused_on.is_some(),
        })
    }
}

/// The queue's filters, already parsed.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub state: Option<State>,
    pub kind: Option<RequestKind>,
    pub ask: Option<Ask>,
    /// `Some(None)` means unassigned.
    pub assignee: Option<Option<i64>>,
    /// Due on or before this date (overdue: yesterday; week: today + 6).
    pub due_until: Option<Date>,
    /// Due on or after this date (the week: from today).
    pub due_from: Option<Date>,
    /// Open cases only (the default view).
    pub open_only: bool,
    /// Only cases whose clock runs (a paused case is never overdue).
    pub clock_running: bool,
    pub q: Option<String>,
    /// Only cases with a notice waiting to be posted.
    pub letters: bool,
    /// Only cases with a search of the inventory open for this owner.
    pub task_owner: Option<i64>,
    /// Only repeated requests.
    pub repeat: bool,
    /// Keyset cursor: the (sort key, id) of the last row of the previous page.
    pub after: Option<(String, i64)>,
    pub order: Order,
    pub limit: i64,
}

/// How a page of the queue is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    /// The nearest due date first (cases without one last).
    #[default]
    Due,
    /// The latest received first.
    Received,
    /// The latest filed first: a search that matches too many cases to sort
    /// them all walks them in the order the index holds them.
    Newest,
}

/// The most matches a search sorts as the queue is sorted; beyond this it
/// shows the newest first.
pub const SORTED_HITS: i64 = 500;

/// Cases without a due date sort last.
pub const NO_DUE: &str = "9999-12-31";

/// A value bound to a query built at run time.
#[derive(Debug, Clone)]
pub enum Bind {
    T(String),
    I(i64),
}

/// What a search looks for: the text NFKC-normalised as the form stores
/// input (全角 ASCII, half-width kana), in hiragana and in katakana, so that
/// 「やまだ」 finds 「ヤマダ」 and the other way round.
pub fn search_variants(q: &str) -> Vec<String> {
    use unicode_normalization::UnicodeNormalization;
    let q: String = q.nfkc().collect::<String>().trim().to_owned();
    let shift = |c: char, from: std::ops::RangeInclusive<u32>, by: i64| -> char {
        let u = u32::from(c);
        if from.contains(&u) { char::from_u32((i64::from(u) + by) as u32).unwrap_or(c) } else { c }
    };
    let katakana: String = q.chars().map(|c| shift(c, 0x3041..=0x3096, 0x60)).collect();
    let hiragana: String = q.chars().map(|c| shift(c, 0x30A1..=0x30F6, -0x60)).collect();
    let mut out = vec![q];
    for v in [katakana, hiragana] {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// The columns a search of two characters matches the start of, each with
/// an index of its first two characters and the id (migration 0008).
const NAME_STARTS: [&str; 2] = ["subject_name", "subject_name_kana"];

/// A search of two characters cannot use trigrams: it matches the first
/// two characters of the name or of the kana (a family name, 「山田」),
/// each an index of those two characters and the id (migration 0008).
fn is_short(q: &str) -> bool {
    search_variants(q)[0].chars().count() < 3
}

/// Whether a search is too short to search for (one character).
pub fn is_too_short(q: &str) -> bool {
    search_variants(q)[0].chars().count() < 2
}

/// The condition matching a search (without the exact reference), numbered
/// after `taken` values already bound, and its values.
fn search_sql(q: &str, postgres: bool, taken: usize) -> (String, Vec<Bind>) {
    let variants = search_variants(q);
    let mut binds = Vec::new();
    let mut parts = Vec::new();
    let next = |v: Bind, binds: &mut Vec<Bind>| {
        binds.push(v);
        format!("${}", taken + binds.len())
    };
    if is_short(q) {
        for v in &variants {
            for col in NAME_STARTS {
                parts.push(format!("substr(c.{col}, 1, 2) = {}", next(Bind::T(v.clone()), &mut binds)));
            }
        }
    } else if postgres {
        let likes: Vec<String> =
            variants.iter().map(|v| format!("s.body LIKE lower({})", next(Bind::T(pg_like(v)), &mut binds))).collect();
        parts.push(format!("c.id IN (SELECT s.id FROM case_search s WHERE {})", likes.join(" OR ")));
    } else {
        let m = next(Bind::T(fts_phrases(&variants)), &mut binds);
        parts.push(format!("c.id IN (SELECT rowid FROM cases_search WHERE cases_search MATCH {m})"));
    }
    (parts.join(" OR "), binds)
}

/// PostgreSQL's pattern for a variant: the trigram index of `case_search`
/// (migration 0009, in lower case) serves `LIKE lower(…)` of three
/// characters or more.
fn pg_like(v: &str) -> String {
    format!("%{}%", v.replace(['%', '_', '\\'], ""))
}

/// The condition that `column` holds one of a search's variants, each
/// pattern bound after the values already in `binds`.
fn pg_matches(q: &str, column: &str, binds: &mut Vec<Bind>) -> String {
    let likes: Vec<String> = search_variants(q)
        .iter()
        .map(|v| {
            binds.push(Bind::T(pg_like(v)));
            format!("{column} LIKE lower(${})", binds.len())
        })
        .collect();
    likes.join(" OR ")
}

/// FTS5's trigram tokenizer: each variant a phrase.
fn fts_phrases(variants: &[String]) -> String {
    variants.iter().map(|v| format!("\"{}\"", v.replace('"', "\"\""))).collect::<Vec<_>>().join(" OR ")
}

/// The queue's filters as SQL conditions (after `WHERE`) and their values.
fn filter_sql(f: &QueueFilter, postgres: bool) -> (String, Vec<Bind>) {
    let mut sql = String::from("c.state <> 'unconfirmed'");
    let mut binds = Vec::new();
    let mut p = |sql: &mut String, clause: &str, v: Bind| {
        binds.push(v);
        sql.push_str(&clause.replace("$?", &format!("${}", binds.len())));
    };
    // Among open cases the due date is also `open_due`, the key of the
    // open queue's index (in its order: the walk stops at the page). A range
    // on it says the case is open: PostgreSQL would count `IS NOT NULL`
    // once more, expect a handful of rows, and sort them all.
    let open = f.state.map_or(f.open_only, |s| s.is_open());
    let ranged = open && (f.due_from.is_some() || f.due_until.is_some());
    if let Some(state) = &f.state {
        p(&mut sql, " AND c.state = $?", Bind::T(state.code().to_owned()));
    }
    if ((f.state.is_none() && f.open_only) || f.clock_running) && !ranged {
        sql.push_str(" AND c.open_due IS NOT NULL");
    }
    if f.clock_running {
        sql.push_str(" AND c.paused_on IS NULL");
    }
    if let Some(kind) = &f.kind {
        p(&mut sql, " AND c.kind = $?", Bind::T(kind.code().to_owned()));
    }
    if let Some(ask) = &f.ask {
        p(&mut sql, " AND (',' || c.asks || ',') LIKE $?", Bind::T(format!("%,{ask},%")));
    }
    match f.assignee {
        Some(Some(id)) => p(&mut sql, " AND c.assignee_id = $?", Bind::I(id)),
        // SQLite would take the assignee index for IS NULL (a quarter of a
        // million closed cases among them) and sort; among open cases the
        // open queue's index holds the assignee, in the page's order.
        Some(None) if open && !postgres => sql.push_str(" AND +c.assignee_id IS NULL"),
        Some(None) => sql.push_str(" AND c.assignee_id IS NULL"),
        None => {}
    }
    let due = if open { "c.open_due" } else { "c.due_on" };
    if let Some(d) = &f.due_from {
        p(&mut sql, &format!(" AND {due} >= $?"), Bind::T(d.to_string()));
        if open && f.due_until.is_none() {
            p(&mut sql, " AND c.open_due <> $?", Bind::T(NO_DUE.to_owned()));
        }
    }
    if let Some(d) = &f.due_until {
        p(&mut sql, &format!(" AND {due} <= $?"), Bind::T(d.to_string()));
    }
    if f.letters {
        sql.push_str(" AND c.letters_waiting > 0");
    }
    if f.repeat {
        sql.push_str(" AND c.repeat_of IS NOT NULL");
    }
    if let Some(owner) = f.task_owner {
        p(
            &mut sql,
            " AND c.id IN (SELECT t.case_id FROM case_tasks t WHERE t.owner_id = $? AND t.status = 'open')",
            Bind::I(owner),
        );
    }
    if let Some(q) = &f.q {
        p(&mut sql, " AND (c.reference = $?", Bind::T(q.trim().to_owned()));
        let (clause, values) = search_sql(q, postgres, binds.len());
        sql.push_str(" OR ");
        sql.push_str(&clause);
        binds.extend(values);
        sql.push(')');
    }
    (sql, binds)
}

macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut q = $query;
        for b in $binds {
            q = match b {
                Bind::T(t) => q.bind(t.clone()),
                Bind::I(i) => q.bind(*i),
            };
        }
        q
    }};
}

/// The newest cases a search matches, at most `limit`, below the id
/// `below` when given. Only index entries are read, newest first, stopping
/// at `limit`: the full-text index walks its matches in id order; a search
/// of two characters reads the indexes of the first two characters of the
/// name and kana (one arm per column and script, merged); PostgreSQL's
/// trigram index answers the rest.
/// `estimate` keeps what PostgreSQL's statistics said of the term (see
/// [`pg_trigram_window`]) from one window of a page to the next.
async fn search_window(
    store: &Store,
    q: &str,
    estimate: &mut Option<PgEstimate>,
    below: Option<i64>,
    limit: i64,
) -> Result<Vec<i64>> {
    let postgres = store.is_postgres();
    let below = below.unwrap_or(i64::MAX);
    let (sql, binds): (String, Vec<Bind>) = if is_short(q) {
        let mut binds = vec![Bind::I(below), Bind::I(limit)];
        let mut arms = Vec::new();
        for v in search_variants(q) {
            for col in NAME_STARTS {
                binds.push(Bind::T(v.clone()));
                arms.push(format!(
                    "SELECT * FROM (SELECT c.id FROM cases c WHERE c.state <> 'unconfirmed' \
                     AND substr(c.{col}, 1, 2) = ${} AND c.id < $1 ORDER BY c.id DESC LIMIT $2) t{}",
                    binds.len(),
                    arms.len()
                ));
            }
        }
        (format!("SELECT DISTINCT id FROM ({}) a ORDER BY id DESC LIMIT $2", arms.join(" UNION ALL ")), binds)
    } else if postgres {
        return pg_trigram_window(store, q, estimate, below, limit).await;
    } else {
        // The reference is in the full-text index too.
        let sql = "SELECT rowid AS id FROM cases_search WHERE cases_search MATCH $1 AND rowid < $2 \
                   ORDER BY rowid DESC LIMIT $3";
        (sql.to_owned(), vec![Bind::T(fts_phrases(&search_variants(q))), Bind::I(below), Bind::I(limit)])
    };
    joined_ids(store, &sql, &binds).await
}

/// The ids a query of one column `id` selects, newest first. They come
/// joined in one text: a driver hands rows over one at a time (sqlx's
/// SQLite driver from a worker thread, each row a wake-up), which cost more
/// than the search itself for a window of thousands.
async fn joined_ids(store: &Store, sql: &str, binds: &[Bind]) -> Result<Vec<i64>> {
    let joined = if store.is_postgres() {
        format!("SELECT string_agg(id::text, ',') FROM ({sql}) w")
    } else {
        format!("SELECT group_concat(id, ',') FROM ({sql}) w")
    };
    let (text,): (Option<String>,) =
        on!(read store, c => bind_all!(sqlx::query_as(&joined), binds).fetch_one(c).await)?;
    let mut ids = parse_ids(text)?;
    // Newest first, whatever order the join kept.
    ids.sort_unstable_by(|a, b| b.cmp(a));
    Ok(ids)
}

/// Ids joined with commas by the database (none when NULL).
fn parse_ids(text: Option<String>) -> Result<Vec<i64>> {
    text.unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<i64>().map_err(|_| StoreError::Corrupt(format!("bad id {s:?}"))))
        .collect()
}

/// How many of the newest rows PostgreSQL's search reads in order first.
const PG_WALK: i64 = 2048;
/// How many rows a second, longer walk may read when the term is common
/// enough to fill the window that way.
const PG_LONG_WALK: i64 = 65_536;
/// At most how many matches PostgreSQL's statistics may expect of a term
/// for its search to go straight to the trigram index and read every match
/// (about 2 µs each on a warm cache).
const PG_RARE: f64 = 2048.0;
/// The search index's buckets span 2^18 ids (migration 0020: `id >> 18`).
const PG_BUCKET_BITS: u32 = 18;
/// At most how many buckets one statement of the bucket road reads.
const PG_MOST_BUCKETS: i64 = 32;

/// Whether a term found in `share` of the rows should fill `wanted` by
/// walking [`PG_LONG_WALK`] rows, twice over (at a million cases, a term
/// in one case of 65 or more).
fn long_walk_fills(share: f64, wanted: i64) -> bool {
    share * PG_LONG_WALK as f64 >= 2.0 * wanted as f64
}

/// What PostgreSQL's statistics say of a search's term, asked once a page.
#[derive(Debug, Clone, Copy)]
struct PgEstimate {
    /// The rows the planner expects the term to match, when its plan says.
    matches: Option<f64>,
    /// The rows of `case_search` (-1 before its first `ANALYZE`); only read
    /// for a term that is not rare.
    rows: f64,
}

/// PostgreSQL's search of three characters or more, in the narrow table of
/// searched text (migration 0009; the reference is in it, unconfirmed
/// requests are not). The trigram index finds a term's matches, but must
/// visit each one (its row in the table) before the newest can be picked:
/// for a common term (an e-mail domain: most cases) hundreds of thousands.
/// So the planner's statistics (`estimate`, asked at the page's first
/// window) choose the road: a rare term is looked up in the trigram index at
/// once; a common one reads the newest rows in order, stopping at the
/// window; a term between them reads its newest buckets of ids first (the
/// index is keyed by bucket too). Every road lists the same matches: the
/// statistics only choose the fastest.
async fn pg_trigram_window(
    store: &Store,
    q: &str,
    estimate: &mut Option<PgEstimate>,
    below: i64,
    limit: i64,
) -> Result<Vec<i64>> {
    let said = match *estimate {
        Some(e) => e,
        None => *estimate.insert(pg_estimate(store, q).await?),
    };
    let Some(expected) = said.matches else {
        return pg_walk_window(store, q, below, limit).await;
    };
    if expected <= PG_RARE {
        pg_trigram_below(store, q, below, limit).await
    } else if said.rows > 0.0 && !long_walk_fills(expected / said.rows, limit) {
        pg_bucket_window(store, q, below, limit).await
    } else {
        pg_walk_window(store, q, below, limit).await
    }
}

/// What PostgreSQL's statistics say of a term (see [`PgEstimate`]).
async fn pg_estimate(store: &Store, q: &str) -> Result<PgEstimate> {
    let matches = pg_expected_matches(store, q).await?;
    if !matches.is_some_and(|m| m > PG_RARE) {
        return Ok(PgEstimate { matches, rows: -1.0 });
    }
    let (rows,): (f64,) = on!(read store, c => sqlx::query_as(
        "SELECT reltuples::float8 FROM pg_class WHERE oid = 'case_search'::regclass").fetch_one(c).await)?;
    Ok(PgEstimate { matches, rows })
}

/// A search's window read by walking the newest rows first, and on for a
/// longer walk when the first showed the term common enough to fill it
/// that way; then bucket by bucket below what was read.
async fn pg_walk_window(store: &Store, q: &str, below: i64, limit: i64) -> Result<Vec<i64>> {
    let mut binds = vec![Bind::I(below), Bind::I(limit), Bind::I(PG_WALK)];
    let matches = pg_matches(q, "r.body", &mut binds);
    let newest = |columns: &str| format!("SELECT {columns} FROM case_search WHERE id < $1 ORDER BY id DESC LIMIT $3");
    let (walk, count) = (newest("id, body"), newest("id"));
    let matched = format!("({matches})");
    let (mut ids, read) = stopping_walk(store, &walk, &matched, &count, "$2", &binds).await?;
    let wanted = |ids: &Vec<i64>| limit - ids.len() as i64;
    // Where a walk stopped when it read all its rows without filling the
    // window: there is more below.
    let below_walk = |read: Option<(i64, i64)>, walked: i64| read.filter(|&(_, rows)| rows == walked).map(|(f, _)| f);
    let mut floor = below_walk(read, PG_WALK);
    if let Some(from) = floor
        && long_walk_fills(ids.len() as f64 / PG_WALK as f64, wanted(&ids))
    {
        binds[0] = Bind::I(from);
        binds[1] = Bind::I(wanted(&ids));
        binds[2] = Bind::I(PG_LONG_WALK);
        let (more, read) = stopping_walk(store, &walk, &matched, &count, "$2", &binds).await?;
        ids.extend(more);
        floor = below_walk(read, PG_LONG_WALK);
    }
    if let Some(from) = floor {
        ids.extend(pg_bucket_window(store, q, from, wanted(&ids)).await?);
    }
    Ok(ids)
}

/// The newest `limit` matches of a search below the id `below`, bucket by
/// bucket of ids from the top: one bucket, then twice as many each time
/// the window is not full, each a lookup of the bucket's matches in the
/// trigram index (migration 0020). Newest first.
async fn pg_bucket_window(store: &Store, q: &str, below: i64, limit: i64) -> Result<Vec<i64>> {
    let (top,): (Option<i64>,) = on!(read store, c => sqlx::query_as(
        "SELECT MAX(id) FROM case_search WHERE id < $1").bind(below).fetch_one(c).await)?;
    let Some(top) = top else { return Ok(Vec::new()) };
    let mut ids = Vec::new();
    let (mut bucket, mut arms) = (top >> PG_BUCKET_BITS, 1);
    while bucket >= 0 && (ids.len() as i64) < limit {
        let lowest = (bucket - arms + 1).max(0);
        let mut binds = vec![Bind::I(below), Bind::I(limit - ids.len() as i64)];
        let matches = pg_matches(q, "body", &mut binds);
        let selects: Vec<String> = (lowest..=bucket)
            .rev()
            .map(|b| {
                binds.push(Bind::I(b));
                format!(
                    "SELECT id FROM case_search WHERE (id >> {PG_BUCKET_BITS}) = ${} AND id < $1 AND ({matches})",
                    binds.len()
                )
            })
            .collect();
        ids.extend(joined_ids(store, &newest_of(&selects.join(" UNION ALL ")), &binds).await?);
        bucket = lowest - 1;
        arms = (arms * 2).min(PG_MOST_BUCKETS);
    }
    Ok(ids)
}

/// The newest `limit` matches of a search below the id `below`, from the
/// trigram index of `case_search`, newest first: every match is visited.
async fn pg_trigram_below(store: &Store, q: &str, below: i64, limit: i64) -> Result<Vec<i64>> {
    let mut binds = vec![Bind::I(below), Bind::I(limit)];
    let matches = pg_matches(q, "body", &mut binds);
    let matched = format!("SELECT id FROM case_search WHERE ({matches}) AND id < $1");
    joined_ids(store, &newest_of(&matched), &binds).await
}

/// The newest `$2` ids that `matched` (an index lookup) selects. Its
/// matches are materialised first: told to stop at the window, the planner
/// would walk the primary key backwards, expecting a match every few rows.
fn newest_of(matched: &str) -> String {
    format!("WITH m AS MATERIALIZED ({matched}) SELECT id FROM m ORDER BY id DESC LIMIT $2")
}

/// How many rows of `case_search` PostgreSQL's planner expects a search to
/// match: its statistics hold a sample of the searched text (1,000 values,
/// migration 0020) and it counts the sample's matches. Planning only, no
/// row is read. `None` when the plan does not say (then the search walks).
async fn pg_expected_matches(store: &Store, q: &str) -> Result<Option<f64>> {
    let mut binds = Vec::new();
    let matches = pg_matches(q, "body", &mut binds);
    let sql = format!("EXPLAIN SELECT id FROM case_search WHERE {matches}");
    let (top,): (String,) = on!(read store, c => bind_all!(sqlx::query_as(&sql), &binds).fetch_one(c).await)?;
    Ok(planned_rows(&top))
}

/// The rows a plan's top line (`Bitmap Heap Scan on t  (cost=1.00..2.00
/// rows=100 width=8)`) expects.
fn planned_rows(line: &str) -> Option<f64> {
    let (_, after) = line.split_once(" rows=")?;
    after.split(' ').next()?.parse().ok()
}

/// One walk in id order: the rows of `walk` (ids, newest first, a bounded
/// read) that `matched` keeps, stopping at `wanted` (a placeholder) of
/// them, so that a common term reads the window's rows, not the whole walk.
/// Only when they did not fill it is `count` (the same rows, by id alone)
/// read, for its lowest id and how many rows it has: a subquery is run when
/// used. Returns the matches, newest first, and that.
async fn stopping_walk(
    store: &Store,
    walk: &str,
    matched: &str,
    count: &str,
    wanted: &str,
    binds: &[Bind],
) -> Result<(Vec<i64>, Option<(i64, i64)>)> {
    let joined = if store.is_postgres() { "string_agg(id::text, ',')" } else { "group_concat(id, ',')" };
    let sql = format!(
        "WITH m AS MATERIALIZED (SELECT r.id FROM ({walk}) r WHERE {matched} ORDER BY r.id DESC LIMIT {wanted}), \
         k AS (SELECT COUNT(*) AS hits FROM m) \
         SELECT CASE WHEN k.hits < {wanted} THEN (SELECT COALESCE(MIN(id), 0) || ',' || COUNT(*) FROM ({count}) w) END, \
         (SELECT {joined} FROM m) FROM k"
    );
    let (read, ids): (Option<String>, Option<String>) =
        on!(read store, c => bind_all!(sqlx::query_as(&sql), binds).fetch_one(c).await)?;
    let read = match *parse_ids(read)?.as_slice() {
        [lowest, rows] => Some((lowest, rows)),
        _ => None,
    };
    let mut ids = parse_ids(ids)?;
    ids.sort_unstable_by(|a, b| b.cmp(a));
    Ok((ids, read))
}

/// The columns a search looks in, as the full-text index holds them
/// (SQLite's `cases_search`, migration 0006; PostgreSQL's `case_search`).
const SEARCHED: [&str; 6] =
    ["subject_name", "subject_name_kana", "contact_email", "subject_phone", "reference", "details"];

/// The id and `columns` of a case, as a walk selects them to check.
fn with_id(columns: &[&str]) -> String {
    std::iter::once("c.id".to_owned())
        .chain(columns.iter().map(|col| format!("c.{col}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How many of a state's newest cases a broad search within it reads.
const STATE_WALK: i64 = 2048;

/// Whether a search's text can be checked in the case's own columns as the
/// full-text index matches it. SQLite's `lower()` folds ASCII letters only,
/// where FTS5's trigrams fold every cased letter: a search with another
/// cased letter (「Müller」) is left to the full-text index.
fn folds_as_ascii(q: &str) -> bool {
    search_variants(q).iter().flat_map(|v| v.chars()).all(|c| c.is_ascii() || (c.is_lowercase() == c.is_uppercase()))
}

/// A broad search within one state (「example.jp」 among closed cases, when
/// the newest matches are open): the newest cases of the page's filters
/// below `below` (the index `cases_state_newest`, migration 0019), at most
/// [`STATE_WALK`] of them, each checked against the searched text, stopping
/// at `wanted` matches. A search of two characters checks the start of the
/// name and kana, as its windows do; a longer one the searched text:
/// PostgreSQL's `case_search` by its primary key, SQLite's case columns
/// (checking one case against FTS5 reads the whole of each trigram's
/// list). Returns the matches, newest first, and the lowest id read when
/// there is more to read below it.
async fn state_walk(
    store: &Store,
    f: &QueueFilter,
    q: &str,
    below: i64,
    wanted: i64,
) -> Result<(Vec<i64>, Option<i64>)> {
    let postgres = store.is_postgres();
    let plain = QueueFilter { q: None, after: None, ..f.clone() };
    let (cond, mut binds) = filter_sql(&plain, postgres);
    binds.extend([Bind::I(below), Bind::I(STATE_WALK), Bind::I(wanted)]);
    let (b, most, n) = (binds.len() - 2, binds.len() - 1, binds.len());
    // SQLite's index of the walk holds the cases with a reference (every
    // confirmed one, migration 0019): the walk says so and names it.
    let (cases, cond) = if postgres {
        ("cases c", cond)
    } else {
        ("cases c INDEXED BY cases_state_newest", format!("{cond} AND c.reference IS NOT NULL"))
    };
    let newest = |columns: &str| {
        format!("SELECT {columns} FROM {cases} WHERE {cond} AND c.id < ${b} ORDER BY c.id DESC LIMIT ${most}")
    };
    let bound = |v: String, binds: &mut Vec<Bind>| {
        binds.push(Bind::T(v));
        format!("${}", binds.len())
    };
    let (columns, matched) = if is_short(q) {
        let starts: Vec<String> = search_variants(q)
            .into_iter()
            .flat_map(|v| {
                let p = bound(v, &mut binds);
                NAME_STARTS.map(|col| format!("substr(r.{col}, 1, 2) = {p}"))
            })
            .collect();
        (with_id(&NAME_STARTS), starts.join(" OR "))
    } else if postgres {
        let matches = pg_matches(q, "s.body", &mut binds);
        ("c.id".to_owned(), format!("EXISTS (SELECT 1 FROM case_search s WHERE s.id = r.id AND ({matches}))"))
    } else {
        let found: Vec<String> = search_variants(q)
            .into_iter()
            .flat_map(|v| {
                let p = bound(v.to_ascii_lowercase(), &mut binds);
                SEARCHED.map(|col| format!("instr(lower(r.{col}), {p}) > 0"))
            })
            .collect();
        (with_id(&SEARCHED), found.join(" OR "))
    };
    let walk = if postgres {
        newest(&columns)
    } else {
        // SQLite would sort the walk's rows again to stop at the matches
        // wanted (a temporary B-tree of all of them): the same rows as an id
        // range are read in the index's order, stopping there.
        format!(
            "SELECT {columns} FROM {cases} WHERE {cond} AND c.id < ${b} AND c.id >= COALESCE(\
             (SELECT c.id FROM {cases} WHERE {cond} AND c.id < ${b} ORDER BY c.id DESC LIMIT 1 OFFSET ${most} - 1), 0)"
        )
    };
    let (ids, read) = stopping_walk(store, &walk, &matched, &newest("c.id"), &format!("${n}"), &binds).await?;
    let lowest = match read {
        // The walk read all there was: nothing below.
        Some((_, rows)) if rows < STATE_WALK => None,
        Some((lowest, _)) => Some(lowest),
        // The matches filled what was wanted.
        None => None,
    };
    Ok((ids, lowest))
}

/// How many of a broad search's newest matches one page looks among.
pub const SEARCH_WINDOW: i64 = 1000;

/// One page of the queue as read.
#[derive(Debug)]
pub struct QueueRows {
    pub rows: Vec<QueueEntry>,
    /// The order they came in (a broad search comes newest first).
    pub order: Order,
    /// A broad search whose windows ran out before the page was full: the
    /// next page looks among the matches below this id.
    pub resume_below: Option<i64>,
}

/// How many windows one page of a broad search looks through before it
/// shows what it found (and offers to look further).
const WINDOWS_PER_PAGE: usize = 8;

/// One page of the queue, keyset-paged, in the filter's order. A search
/// first reads the ids it matches, newest first: up to [`SORTED_HITS`] of
/// them are sorted as the queue is; beyond that the page lists the newest
/// matches that pass the filters, looking at most at a few windows of
/// [`SEARCH_WINDOW`] ids, so that no search reads without bound.
pub async fn queue(store: &Store, f: &QueueFilter) -> Result<QueueRows> {
    let Some(q) = f.q.clone() else {
        let rows = page_of(store, f, None).await?;
        return Ok(QueueRows { rows, order: f.order, resume_below: None });
    };
    let mut f = QueueFilter { q: None, ..f.clone() };
    // A cursor `n_{id}` goes on with a broad search below that id.
    let mut below = f.after.as_ref().filter(|(k, _)| k == "n").map(|(_, id)| *id);
    // The first window is as large as a sorted search may be: one more tells it is broad.
    let mut cap = if below.is_none() { SORTED_HITS } else { SEARCH_WINDOW };
    // What PostgreSQL's statistics say of the term, asked once a page.
    let mut estimate = None;
    let window = search_window(store, &q, &mut estimate, below, cap + 1).await?;
    if below.is_none() && window.len() as i64 <= SORTED_HITS {
        let rows = page_of(store, &f, Some(&window)).await?;
        return Ok(QueueRows { rows, order: f.order, resume_below: None });
    }
    f.order = Order::Newest;
    f.after = None;
    let mut window = window;
    let mut rows = Vec::new();
    for looked in 1..=WINDOWS_PER_PAGE {
        let full = window.len() as i64 > cap;
        window.truncate(cap as usize);
        let wanted = f.limit - rows.len() as i64;
        let found = page_of(store, &QueueFilter { limit: wanted, ..f.clone() }, Some(&window)).await?;
        let mut filled = found.len() as i64 == wanted;
        rows.extend(found);
        let mut floor = if full { window.last().copied() } else { None };
        // A common term within one state: the state's own newest cases
        // are read next, each checked against the text, once a page: a
        // term rare in the state goes on through the windows.
        if !filled
            && looked == 1
            && f.state.is_some()
            && (store.is_postgres() || folds_as_ascii(&q))
            && let Some(from) = floor
        {
            let wanted = f.limit - rows.len() as i64;
            let (ids, lowest) = state_walk(store, &f, &q, from, wanted).await?;
            let found = page_of(store, &QueueFilter { limit: wanted, ..f.clone() }, Some(&ids)).await?;
            filled = found.len() as i64 == wanted;
            rows.extend(found);
            floor = lowest;
        }
        below = if filled {
            // Go on after the page's last row.
            rows.len().checked_sub(2).and_then(|i| rows.get(i)).map(|r| r.id)
        } else {
            floor
        };
        if filled || below.is_none() || looked == WINDOWS_PER_PAGE {
            break;
        }
        cap = SEARCH_WINDOW;
        window = search_window(store, &q, &mut estimate, below, cap + 1).await?;
    }
    Ok(QueueRows { rows, order: Order::Newest, resume_below: below })
}

/// The rows of one page: the filters, among `ids` when given, in the
/// filter's order after its keyset cursor.
async fn page_of(store: &Store, f: &QueueFilter, ids: Option<&[i64]>) -> Result<Vec<QueueEntry>> {
    let postgres = store.is_postgres();
    let (mut cond, mut binds) = filter_sql(f, postgres);
    let mut from = "cases c".to_owned();
    if let Some(ids) = ids {
        binds.push(Bind::T(ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")));
        let n = binds.len();
        if f.order == Order::Newest && postgres {
            // The window is newest first: walk it in its order and stop at the page.
            from = format!(
                "unnest(string_to_array(${n}, ',')::bigint[]) WITH ORDINALITY AS w(id, place) JOIN cases c ON c.id = w.id"
            );
        } else if postgres {
            cond.push_str(&format!(" AND c.id = ANY(string_to_array(${n}, ',')::bigint[])"));
        } else {
            cond.push_str(&format!(" AND c.id IN (SELECT value FROM json_each('[' || ${n} || ']'))"));
        }
    }
    let mut sql = format!(
        "SELECT c.id, c.reference, c.kind, c.state, c.asks, c.subject_name, c.due_on, c.received_on, \
         u.display_name AS assignee_name, c.repeat_of, c.paused_on, \
         CAST(CASE WHEN c.letters_waiting > 0 THEN 1 ELSE 0 END AS BIGINT) AS letter_waiting \
         FROM {from} \
         LEFT JOIN staff_users u ON u.id = c.assignee_id WHERE {cond}"
    );
    // Open cases sort by their own indexed key; one state by (state, due key).
    let (key, dir) = match f.order {
        Order::Due if f.state.is_none() && f.open_only => ("c.open_due", ""),
        Order::Due => ("COALESCE(c.due_on, '9999-12-31')", ""),
        // Every confirmed case has its date of receipt (the index of migration 0008).
        Order::Received => ("c.received_on", " DESC"),
        // A broad search's window, in its place order (newest first); it has no cursor of its own.
        Order::Newest if postgres => ("w.place", ""),
        // SQLite walks the ids of an `IN` list in either order, stopping at
        // the page (the order of `json_each` it would sort again).
        Order::Newest => ("c.id", " DESC"),
    };
    if let Some((k, id)) = &f.after {
        binds.push(Bind::T(k.clone()));
        binds.push(Bind::I(*id));
        // Spelled so the index seeks to the key (a row-value comparison would scan).
        let (d, i) = (binds.len() - 1, binds.len());
        let (cmp, strict, id_cmp) = if dir.is_empty() { (">=", ">", ">") } else { ("<=", "<", "<") };
        sql.push_str(&format!(" AND {key} {cmp} ${d} AND ({key} {strict} ${d} OR c.id {id_cmp} ${i})"));
    }
    binds.push(Bind::I(f.limit));
    let order_by = if f.order == Order::Newest { format!("{key}{dir}") } else { format!("{key}{dir}, c.id{dir}") };
    sql.push_str(&format!(" ORDER BY {order_by} LIMIT ${}", binds.len()));
    let rows: Vec<QueueRow> =
        on!(read store, c => bind_all!(sqlx::query_as::<_, QueueRow>(&sql), &binds).fetch_all(c).await)?;
    rows.into_iter().map(QueueRow::into_entry).collect()
}

fn opt(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

/// One line SQLite joined (`id;reference;…;fee_refunded`, see [`LINE`]),
/// read straight into the typed row: no text is copied on the way.
fn parse_line(line: &str) -> Result<(i64, ExportRow)> {
    let mut f = line.split(';');
    let mut next = || f.next().ok_or_else(|| StoreError::Corrupt(format!("short export line {line:?}")));
    let int = |s: &str| s.parse::<i64>().map_err(|_| StoreError::Corrupt(format!("bad number {s:?}")));
    let id = int(next()?)?;
    let reference = opt(next()?).map(code).transpose()?;
    let (kind, channel, filer, state) = (code(next()?)?, code(next()?)?, code(next()?)?, code(next()?)?);
    let received_on = opt(next()?).map(date).transpose()?;
    let due_on = opt(next()?).map(date).transpose()?;
    let closed_on = opt(next()?).map(date).transpose()?;
    let outcome = opt(next()?).map(code).transpose()?;
    let reasons = split_codes(next()?)?;
    let fees =
        FeeLedger { requested: int(next()?)?, paid: int(next()?)?, waived: int(next()?)?, refunded: int(next()?)? };
    if f.next().is_some() {
        return Err(StoreError::Corrupt(format!("long export line {line:?}")));
    }
    let row =
        ExportRow { reference, kind, channel, filer, state, received_on, due_on, closed_on, outcome, reasons, fees };
    Ok((id, row))
}

/// The export columns as one text per case, formatted in one call (NULL
/// prints as empty): SQLite's `printf` and PostgreSQL's `format` agree.
/// Every field is a code, a date, a number or a comma-joined list of codes,
/// so `;` never occurs inside one.
const FIELDS: &str = "c.id, c.reference, c.kind, c.channel, c.filer, c.state, c.received_on, c.due_on, c.closed_on, \
    c.outcome, c.reasons, c.fee_requested, c.fee_paid, c.fee_waived, c.fee_refunded";
const FORMAT: &str = "'%s;%s;%s;%s;%s;%s;%s;%s;%s;%s;%s;%s;%s;%s;%s'";

/// The export rows `WHERE {cond} {tail}` selects, with their ids, in the
/// order `tail` gives.
///
/// The database joins the rows into one text, which is parsed here: drivers
/// hand rows over one at a time (sqlx's SQLite driver from a worker thread),
/// which costs microseconds per row and per column. Both backends read the
/// same lines through [`parse_line`].
async fn export_rows(store: &Store, cond: &str, tail: &str, binds: &[Bind]) -> Result<Vec<(i64, ExportRow)>> {
    let (lines,): (Option<String>,) = match store {
        Store::Sqlite { read, .. } => {
            let sql = format!(
                "SELECT group_concat(line, char(10)) FROM \
                 (SELECT printf({FORMAT}, {FIELDS}) AS line FROM cases c WHERE {cond} {tail})"
            );
            bind_all!(sqlx::query_as(&sql), binds).fetch_one(read).await?
        }
        Store::Postgres(pool) => {
            let sql = format!(
                "SELECT string_agg(line, E'\\n' ORDER BY id) FROM \
                 (SELECT c.id, format({FORMAT}, {FIELDS}) AS line FROM cases c WHERE {cond} {tail}) t"
            );
            bind_all!(sqlx::query_as(&sql), binds).fetch_one(pool).await?
        }
    };
    lines.unwrap_or_default().split('\n').filter(|l| !l.is_empty()).map(parse_line).collect()
}

/// How many cases one batch of the streamed export holds.
const BATCH: i64 = 2000;

/// Streams the cases the filters select, in id order, in batches into `out`
/// (keyset by id, so memory stays bounded whatever the count). Stops when
/// `out` is closed.
pub async fn export(store: &Store, f: &QueueFilter, out: tokio::sync::mpsc::Sender<Vec<ExportRow>>) -> Result<()> {
    let (cond, mut binds) = filter_sql(f, store.is_postgres());
    let cond = format!("{cond} AND c.id > ${}", binds.len() + 1);
    let tail = format!("ORDER BY c.id LIMIT {BATCH}");
    binds.push(Bind::I(0));
    loop {
        let rows = export_rows(store, &cond, &tail, &binds).await?;
        let Some((last, _)) = rows.last() else { break };
        if let Some(after) = binds.last_mut() {
            *after = Bind::I(*last);
        }
        let full = rows.len() as i64 == BATCH;
        if out.send(rows.into_iter().map(|(_, r)| r).collect()).await.is_err() || !full {
            break;
        }
    }
    Ok(())
}

/// The cases of a report's period (whole months): those received in it,
/// then those closed in it but received before (indexed ranges, each case
/// once), with their ids. The arrivals are read in two halves at once,
/// beside the closings, on separate connections: on SQLite the text of each
/// range is built by one core.
pub async fn period_export(store: &Store, first: Date, last: Date) -> Result<Vec<(i64, ExportRow)>> {
    let half = (last - first).get_days() / 2;
    let mid = first.saturating_add(jiff::ToSpan::days(half)).min(last);
    let (first, mid, last) = (first.to_string(), mid.to_string(), last.to_string());
    let early = [Bind::T(first.clone()), Bind::T(mid.clone())];
    let late = [Bind::T(mid), Bind::T(last.clone())];
    let closed = [Bind::T(first.clone()), Bind::T(last), Bind::T(first)];
    let (a, b, c) = futures::try_join!(
        export_rows(store, "c.received_on >= $1 AND c.received_on <= $2", "", &early),
        export_rows(store, "c.received_on > $1 AND c.received_on <= $2", "", &late),
        export_rows(store, "c.closed_on >= $1 AND c.closed_on <= $2 AND c.received_on < $3", "", &closed),
    )?;
    Ok(a.into_iter().chain(b).chain(c).collect())
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueCounts {
    pub overdue: i64,
    pub due_week: i64,
    pub awaiting: i64,
    pub unassigned: i64,
}

/// The counts on top of the queue, from the tally the triggers keep
/// (migration 0007): a few rows per due date, however many cases are open.
/// The flags are integers on SQLite and booleans on PostgreSQL; `NOT x` and
/// `WHEN x` read both.
pub async fn queue_counts(store: &Store, today: Date, week_end: Date) -> Result<QueueCounts> {
    let (today, week_end) = (today.to_string(), week_end.to_string());
    let (overdue, due_week, awaiting, unassigned): (i64, i64, i64, i64) =
        on!(read store, c => sqlx::query_as(TALLY_SQL).bind(&today).bind(&week_end).fetch_one(c).await)?;
    Ok(QueueCounts { overdue, due_week, awaiting, unassigned })
}

const TALLY_SQL: &str = "SELECT \
    CAST(COALESCE(SUM(CASE WHEN NOT paused AND open_due < $1 THEN n ELSE 0 END), 0) AS BIGINT), \
    CAST(COALESCE(SUM(CASE WHEN NOT paused AND open_due >= $1 AND open_due <= $2 THEN n ELSE 0 END), 0) AS BIGINT), \
    CAST(COALESCE(SUM(CASE WHEN awaiting THEN n ELSE 0 END), 0) AS BIGINT), \
    CAST(COALESCE(SUM(CASE WHEN unassigned THEN n ELSE 0 END), 0) AS BIGINT) \
    FROM queue_tally";

/// The same counts taken from the cases themselves: what the tally must
/// always equal (tests compare the two).
pub async fn queue_counts_by_scan(store: &Store, today: Date, week_end: Date) -> Result<QueueCounts> {
    let (today, week_end) = (today.to_string(), week_end.to_string());
    let sql = "SELECT \
        CAST(COALESCE(SUM(CASE WHEN paused_on IS NULL AND open_due < $1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
        CAST(COALESCE(SUM(CASE WHEN paused_on IS NULL AND open_due >= $1 AND open_due <= $2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
        CAST(COALESCE(SUM(CASE WHEN state = 'awaiting_requester' THEN 1 ELSE 0 END), 0) AS BIGINT), \
        CAST(COALESCE(SUM(CASE WHEN assignee_id IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
        FROM cases WHERE open_due IS NOT NULL";
    let (overdue, due_week, awaiting, unassigned): (i64, i64, i64, i64) =
        on!(read store, c => sqlx::query_as(sql).bind(&today).bind(&week_end).fetch_one(c).await)?;
    Ok(QueueCounts { overdue, due_week, awaiting, unassigned })
}

/// Counts the open cases into the tally afresh, dropping the empty rows.
/// The cases whose count of letters waiting differs from their notices:
/// those that count some, and those with a letter waiting that count none
/// (read through the two partial indexes: as many rows as letters wait).
pub async fn letters_drifted(store: &Store) -> Result<i64> {
    let (n,): (i64,) = on!(read store, c => sqlx::query_as(
        "SELECT COUNT(*) FROM (\
           SELECT c.id FROM cases c WHERE c.letters_waiting > 0 AND c.letters_waiting <> \
             (SELECT COUNT(*) FROM notices n WHERE n.case_id = c.id AND n.by_post = 1 AND n.posted_on IS NULL) \
           UNION ALL \
           SELECT DISTINCT n.case_id FROM notices n JOIN cases c ON c.id = n.case_id \
             WHERE n.by_post = 1 AND n.posted_on IS NULL AND c.letters_waiting = 0) d")
        .fetch_one(c).await)?;
    Ok(n)
}

/// Counts every case's letters waiting afresh.
pub async fn recount_letters(store: &Store) -> Result<()> {
    on!(write store, c => sqlx::query(
        "UPDATE cases SET letters_waiting = \
           (SELECT COUNT(*) FROM notices n WHERE n.case_id = cases.id AND n.by_post = 1 AND n.posted_on IS NULL) \
         WHERE letters_waiting > 0 OR id IN (SELECT case_id FROM notices WHERE by_post = 1 AND posted_on IS NULL)")
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn rebuild_tally(store: &Store) -> Result<()> {
    let mut tx = store.begin().await?;
    on!(&mut tx, c => sqlx::query("DELETE FROM queue_tally").execute(c).await.map(|r| r.rows_affected()))?;
    on!(&mut tx, c => sqlx::query(
        "INSERT INTO queue_tally (open_due, paused, awaiting, unassigned, n) \
         SELECT open_due, paused_on IS NOT NULL, state = 'awaiting_requester', assignee_id IS NULL, COUNT(*) \
         FROM cases WHERE open_due IS NOT NULL GROUP BY 1, 2, 3, 4")
        .execute(c).await.map(|r| r.rows_affected()))?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Outcome, Reason};

    #[test]
    fn a_joined_export_line_reads_into_the_typed_row() {
        let line = "7;2026-000007;disclosure;web;self;closed;2026-11-02;2026-11-16;2026-11-20;refused;\
                    harm_to_person,other;1000;400;0;0";
        let (id, row) = parse_line(line).expect("reads");
        assert_eq!(id, 7);
        assert_eq!(row.reference.as_ref().map(|r| r.as_str()), Some("2026-000007"));
        assert_eq!(row.outcome, Some(Outcome::Refused));
        assert_eq!(row.reasons, [Reason::HarmToPerson, Reason::Other]);
        assert_eq!(row.due_on, Some(jiff::civil::date(2026, 11, 16)));
        assert_eq!((row.fees.requested, row.fees.paid), (1000, 400));
        let open = parse_line("8;;purpose_notice;post;self;received;2026-11-03;;;;;0;0;0;0").expect("reads");
        assert_eq!((open.1.reference, open.1.closed_on, open.1.outcome), (None, None, None));
    }

    /// A desk on a fresh PostgreSQL database, when MADOGUCHI_TEST_POSTGRES_URL names a server.
    async fn postgres_desk(dir: &std::path::Path) -> Option<crate::app::App> {
        use sqlx::Connection;
        let admin = std::env::var("MADOGUCHI_TEST_POSTGRES_URL").ok().filter(|s| !s.is_empty())?;
        let name = format!("madoguchi_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect to the test server");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create a database");
        let (server, _) = admin.split('?').next().unwrap_or(&admin).rsplit_once('/').expect("a database in the URL");
        let config = crate::config::Config::for_tests(dir, Some(format!("{server}/{name}")));
        Some(crate::app::App::open(&config, "http://127.0.0.1".into()).await.expect("open the desk"))
    }

    #[tokio::test]
    async fn postgres_statistics_tell_a_rare_term_from_a_common_one_and_every_road_finds_the_same_matches() {
        let dir = tempfile::tempdir().expect("a directory");
        let Some(app) = postgres_desk(dir.path()).await else {
            eprintln!("PostgreSQL only (SQLite's full-text index has one road): set MADOGUCHI_TEST_POSTGRES_URL");
            return;
        };
        let store = &app.store;
        // Cases in the first bucket of ids and in the third, none in between.
        crate::app::seed::seed(&app, 1500, None, |_| {}).await.expect("seed");
        let columns = "kind, filer, channel, lang, state, identity_subject, identity_agent, identity_authority, \
                       policy, submitted_on, received_on, due_on, open_due, subject_name, subject_name_kana, \
                       contact_email, details, status_nonce, created_at, updated_at";
        let gap = format!("INSERT INTO cases (id, {columns}) SELECT 140000, {columns} FROM cases WHERE id = 1");
        on!(read store, c => sqlx::query(&gap).execute(c).await.map(|r| r.rows_affected())).expect("a case far above");
        // The seed ends with ANALYZE: the planner has its sample of the searched text.
        crate::app::seed::seed(&app, 1500, None, |_| {}).await.expect("seed");
        let (oldest,): (String,) = on!(read store, c => sqlx::query_as(
            "SELECT reference FROM cases WHERE reference IS NOT NULL ORDER BY id LIMIT 1").fetch_one(c).await)
        .expect("the oldest reference");
        let rare = pg_expected_matches(store, &oldest).await.expect("a plan").expect("its rows");
        let common = pg_expected_matches(store, "example.jp").await.expect("a plan").expect("its rows");
        assert!(rare < 10.0 && common > 1000.0, "{oldest} expected in {rare} rows, example.jp in {common}");
        // Each road lists the same newest matches, from the top and from
        // below a page's last id, as a plain query of every match does.
        for q in [oldest.as_str(), "example.jp", "example.com", "山田 太", "1234", "ヤマダ"] {
            for (below, limit) in [(i64::MAX, 501), (i64::MAX, 3001), (140_500, 1001), (1500, 1001)] {
                let mut binds = vec![Bind::I(below), Bind::I(limit)];
                let all = format!(
                    "SELECT id FROM case_search WHERE ({}) AND id < $1 ORDER BY id DESC LIMIT $2",
                    pg_matches(q, "body", &mut binds)
                );
                let want: Vec<i64> =
                    on!(read store, c => bind_all!(sqlx::query_scalar(&all), &binds).fetch_all(c).await)
                        .expect("every match");
                let roads = [
                    ("walk", pg_walk_window(store, q, below, limit).await),
                    ("buckets", pg_bucket_window(store, q, below, limit).await),
                    ("trigrams", pg_trigram_below(store, q, below, limit).await),
                    ("chosen", pg_trigram_window(store, q, &mut None, below, limit).await),
                ];
                for (road, got) in roads {
                    assert_eq!(got.expect(road), want, "{q} below {below}, at most {limit}, by the {road} road");
                }
            }
        }
        app.close().await;
    }

    #[test]
    fn the_rows_a_plan_expects_are_read_from_its_top_line() {
        let line = "Bitmap Heap Scan on case_search  (cost=28.78..408.23 rows=1001 width=8)";
        assert_eq!(planned_rows(line), Some(1001.0));
        assert_eq!(planned_rows("Seq Scan on case_search  (cost=0.00..1.00 rows=1e+06 width=8)"), Some(1e6));
        assert_eq!(planned_rows("Result  (cost=0.00..0.01 width=8)"), None);
    }

    #[test]
    fn a_damaged_export_line_is_corrupt_not_a_default() {
        for bad in ["7;x", "7;;disclosure;web;self;closed;;;;;;1;2;3;4;5", "x;;disclosure;web;self;closed;;;;;;1;2;3;4"]
        {
            assert!(matches!(parse_line(bad), Err(StoreError::Corrupt(_))), "{bad}");
        }
    }
}
