//! `madoguchi seed --cases N`: realistic demo and benchmark data. Every case
//! walks the real transition table (`decide`/`apply`) on its own dates, and
//! the rows are written in large batches. Names are synthetic.
//! Over 500 lines: one walk per kind of case and its batched insert belong
//! together; its SQL should move to `store::seed` (see issue 9's note).

use jiff::ToSpan;
use jiff::civil::Date;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::keys;
use super::{App, AppError, Result};
use crate::app::store::cases::{NewEvent, chain_hash};
use crate::app::store::{Tx, on};
use crate::domain::deadline::Appi;
use crate::domain::{
    Actor, Case, Channel, Command, Ctx, Delivery, DocType, Event, Filer, IdMethod, IdentityTarget, Outcome,
    PaymentMethod, Reason, Reference, RequestKind, Role, apply, decide, open_case,
};

const FAMILY: &[&str] = &[
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
];
const GIVEN: &[&str] = &["太郎", "花子", "一郎", "美咲", "健太", "陽菜", "翔", "さくら", "大輔", "結衣", "拓也", "葵"];
const EN_FAMILY: &[&str] = &["Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Wilson", "Taylor"];
const EN_GIVEN: &[&str] = &["Alex", "Maria", "James", "Emma", "Noah", "Olivia", "Liam", "Sophie"];

/// A value of a batched row.
#[derive(Debug, Clone)]
enum V {
    I(i64),
    T(String),
    /// A NULL text; `NI` a NULL integer (PostgreSQL wants the type).
    N,
    NI,
}

impl From<i64> for V {
    fn from(v: i64) -> V {
        V::I(v)
    }
}
impl From<String> for V {
    fn from(v: String) -> V {
        V::T(v)
    }
}
impl From<&str> for V {
    fn from(v: &str) -> V {
        V::T(v.to_owned())
    }
}
impl From<Option<i64>> for V {
    fn from(v: Option<i64>) -> V {
        v.map_or(V::NI, V::I)
    }
}
impl From<Option<String>> for V {
    fn from(v: Option<String>) -> V {
        v.map_or(V::N, V::T)
    }
}
impl From<Option<&str>> for V {
    fn from(v: Option<&str>) -> V {
        v.map_or(V::N, |s| V::T(s.to_owned()))
    }
}

/// Inserts rows in statements of at most `per` rows.
async fn bulk(tx: &mut Tx, table: &str, columns: &[&str], rows: &[Vec<V>]) -> Result<()> {
    // Statements of equal size are prepared once and reused from sqlx's cache.
    // (sqlx looks every parameter up by name: few parameters per statement stay cheap.)
    let per = (240 / columns.len()).clamp(1, 200);
    for chunk in rows.chunks(per) {
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        let mut n = 0;
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for j in 0..columns.len() {
                if j > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                sql.push_str(&format!("${n}"));
            }
            sql.push(')');
        }
        on!(tx, c => {
            let mut q = sqlx::query(&sql);
            for row in chunk {
                for v in row {
                    q = match v {
                        V::I(i) => q.bind(*i),
                        V::T(t) => q.bind(t.clone()),
                        V::N => q.bind(Option::<String>::None),
                        V::NI => q.bind(Option::<i64>::None),
                    };
                }
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })
        .map_err(crate::app::store::StoreError::from)?;
    }
    Ok(())
}

const CASE_COLUMNS: &[&str] = &[
    "id",
    "reference",
    "kind",
    "filer",
    "channel",
    "delivery",
    "delivery_requested",
    "lang",
    "state",
    "resume_state",
    "outcome",
    "reasons",
    "asks",
    "identity_subject",
    "identity_agent",
    "identity_authority",
    "fee_requested",
    "fee_paid",
    "fee_waived",
    "fee_refunded",
    "stored_documents",
    "policy",
    "submitted_on",
    "received_on",
    "due_on",
    "first_due_on",
    "closed_on",
    "paused_on",
    "open_due",
    "fee_pay_by",
    "fee_reminded",
    "identity_asked_on",
    "identity_reminded",
    "due_soon_sent_for",
    "overdue_sent_for",
    "assignee_id",
    "subject_name",
    "subject_name_kana",
    "contact_email",
    "agent_name",
    "agent_relationship",
    "details",
    "status_token_hash",
    "created_at",
    "updated_at",
    "version",
    "status_nonce",
];

const EVENT_COLUMNS: &[&str] =
    &["case_id", "seq", "kind", "data", "actor_kind", "actor_id", "message_id", "at", "prev_hash", "hash"];
const FEE_COLUMNS: &[&str] =
    &["case_id", "entry", "amount", "method", "on_date", "payment_ref", "actor_id", "created_at"];

fn pick<'a, T>(rng: &mut StdRng, xs: &'a [T]) -> &'a T {
    &xs[rng.gen_range(0..xs.len())]
}

/// One simulated case: its facts and the events that made them.
struct Walk {
    case: Case,
    events: Vec<(Event, Date)>,
    channel: Channel,
    delivery: Option<Delivery>,
    lang: &'static str,
    reasons: Vec<Reason>,
}

fn run(w: &mut Walk, cmd: Command, actor: &Actor, today: Date) -> bool {
    let ctx = Ctx { today, signoff_required: false, policy: &Appi };
    match decide(&w.case, cmd, actor, &ctx) {
        Ok(events) => {
            for e in events {
                apply(&mut w.case, &e);
                if let Event::Closed { reasons, .. } = &e {
                    w.reasons = reasons.clone();
                }
                w.events.push((e, today));
            }
            true
        }
        Err(_) => false,
    }
}

/// Walks one case from receipt through a plausible life, stopping at `today`.
fn walk(rng: &mut StdRng, received_on: Date, today: Date, staff: i64) -> Walk {
    let kind = *pick(
        rng,
        &[
            RequestKind::Disclosure,
            RequestKind::Disclosure,
            RequestKind::Disclosure,
            RequestKind::PurposeNotice,
            RequestKind::ProvisionRecord,
            RequestKind::Correction,
            RequestKind::Suspension,
            RequestKind::Suspension,
            RequestKind::StopProvision,
            RequestKind::Complaint,
        ],
    );
    let filer = *pick(
        rng,
        &[
            Filer::SelfFiler,
            Filer::SelfFiler,
            Filer::SelfFiler,
            Filer::SelfFiler,
            Filer::LegalAgent,
            Filer::AppointedAgent,
        ],
    );
    let channel = *pick(
        rng,
        &[Channel::Web, Channel::Web, Channel::Web, Channel::Email, Channel::Post, Channel::Phone, Channel::InPerson],
    );
    let delivery =
        kind.is_disclosure().then(|| *pick(rng, &[Delivery::Electronic, Delivery::Electronic, Delivery::Postal]));
    let mut w = Walk {
        case: Case { delivery, ..Case::blank(kind, filer, received_on) },
        events: Vec::new(),
        channel,
        delivery,
        lang: if rng.gen_bool(0.9) { "ja" } else { "en" },
        reasons: Vec::new(),
    };
    let staff_actor = Actor::Staff { id: staff, role: Role::Admin };
    let ctx = Ctx { today: received_on, signoff_required: false, policy: &Appi };
    for e in open_case(&w.case, channel, Some(received_on), &ctx) {
        apply(&mut w.case, &e);
        w.events.push((e, received_on));
    }
    let mut day = received_on;
    let mut step = |rng: &mut StdRng, max: i64| -> Option<Date> {
        day = day.saturating_add(rng.gen_range(0..=max).days());
        (day <= today).then_some(day)
    };
    macro_rules! at {
        ($max:expr) => {
            match step(rng, $max) {
                Some(d) => d,
                None => return w,
            }
        };
    }
    let d = at!(1);
    run(&mut w, Command::Assign { assignee: Some(staff) }, &staff_actor, d);
    if kind != RequestKind::Complaint {
        let targets = w.case.identity_targets();
        let d = at!(2);
        for t in targets {
            run(&mut w, Command::RequestIdentity { target: *t, note: String::new() }, &staff_actor, d);
        }
        if rng.gen_bool(0.04) {
            let d = at!(20);
            let reasons = vec![Reason::IdentityUnverified];
            run(
                &mut w,
                Command::Close {
                    outcome: Outcome::Refused,
                    reasons,
                    explanation: "本人確認書類の提出なし".into(),
                    answer: String::new(),
                },
                &staff_actor,
                d,
            );
            return w;
        }
        let d = at!(6);
        let method = *pick(rng, &[IdMethod::PostalCopy, IdMethod::InPerson, IdMethod::AccountMatch]);
        for t in targets {
            let doc = if *t == IdentityTarget::Authority { DocType::PowerOfAttorney } else { DocType::DriversLicense };
            run(&mut w, Command::VerifyIdentity { target: *t, method, doc_type: Some(doc) }, &staff_actor, d);
        }
    }
    if kind.fee_allowed() && rng.gen_bool(0.6) {
        let d = at!(1);
        let amount = match (kind, delivery) {
            (RequestKind::PurposeNotice, _) => 300,
            (_, Some(Delivery::Electronic)) => 500,
            _ => 1000,
        };
        let pay_by = d.saturating_add(14.days());
        run(
            &mut w,
            Command::RequestFee { amount, scheduled: Some(amount), reason: String::new(), pay_by },
            &staff_actor,
            d,
        );
        let d = at!(7);
        let method = *pick(
            rng,
            &[PaymentMethod::PostalMoneyOrder, PaymentMethod::BankTransfer, PaymentMethod::Stamps, PaymentMethod::Cash],
        );
        if rng.gen_bool(0.1) {
            run(&mut w, Command::WaiveFee { reason: "免除".into() }, &staff_actor, d);
        } else {
            let paid = if rng.gen_bool(0.05) { amount + 200 } else { amount };
            run(
                &mut w,
                Command::RecordPayment { amount: paid, method, paid_on: d, payment_ref: String::new() },
                &staff_actor,
                d,
            );
        }
    }
    if rng.gen_bool(0.03) {
        let d = at!(3);
        run(&mut w, Command::Withdraw { reason: "本人より取下げ".into() }, &staff_actor, d);
        return w;
    }
    let d = at!(2);
    run(&mut w, Command::Start, &staff_actor, d);
    if rng.gen_bool(0.08) {
        let d = at!(3);
        let new_due_on = w.case.due_on.unwrap_or(d).saturating_add(14.days());
        run(&mut w, Command::Extend { new_due_on, reason: "調査のため".into() }, &staff_actor, d);
    }
    let d = at!(12);
    let (outcome, reasons) = if kind == RequestKind::Complaint {
        (Outcome::Answered, vec![])
    } else {
        match rng.gen_range(0..100) {
            0..=64 => (Outcome::Granted, vec![]),
            65..=74 => (Outcome::PartiallyGranted, partial_reason(kind)),
            75..=84 => (Outcome::NoData, vec![]),
            _ => (Outcome::Refused, partial_reason(kind)),
        }
    };
    // The seed stores no files: an electronic disclosure is closed as if its
    // result had been attached (and since purged, so the row counts none).
    if kind.is_disclosure() {
        w.case.results = 1;
    }
    let close = Command::Close { outcome, reasons, explanation: "説明".into(), answer: "回答の内容".into() };
    run(&mut w, close, &staff_actor, d);
    w
}

fn partial_reason(kind: RequestKind) -> Vec<Reason> {
    match kind {
        k if k.is_disclosure() => vec![Reason::BusinessHindrance],
        RequestKind::PurposeNotice => vec![Reason::PurposeAlreadyClear],
        RequestKind::Correction => vec![Reason::ContentIsFactual],
        _ => vec![Reason::NoStatutoryGround],
    }
}

/// Seeds `n` cases over the five years before today, or within `month`
/// (first and last day) when given. Returns how many.
pub async fn seed(app: &App, n: u64, month: Option<(Date, Date)>, progress: impl Fn(u64)) -> Result<u64> {
    let mut rng = StdRng::seed_from_u64(0x6d61_646f);
    let today = app.today();
    let store = &app.store;
    let staff = match crate::app::store::users::by_email(store, "seed@example.invalid").await? {
        Some(u) => u.id,
        None => {
            let hash = super::users::hash_password(app, keys::random_token()).await?;
            let mut tx = store.begin().await?;
            let id = crate::app::store::users::insert(
                &mut tx,
                "seed@example.invalid",
                "デモ 担当",
                crate::domain::Role::Admin,
                &hash,
                app.now_us(),
            )
            .await?;
            tx.commit().await?;
            id
        }
    };
    let (max_id,): (Option<i64>,) =
        on!(read store, c => sqlx::query_as("SELECT MAX(id) FROM cases").fetch_one(c).await)
            .map_err(crate::app::store::StoreError::from)?;
    let mut next_id = max_id.unwrap_or(0) + 1;
    let (start, end) = month.unwrap_or((today.saturating_sub(5.years()), today));
    let end = end.min(today);
    let span = (end - start).get_days().max(1) + i32::from(month.is_some());
    let existing: Vec<(i64, i64)> =
        on!(read store, c => sqlx::query_as("SELECT year, last FROM reference_counters").fetch_all(c).await)
            .map_err(crate::app::store::StoreError::from)?;
    let mut counters: std::collections::BTreeMap<i16, i64> =
        existing.into_iter().filter_map(|(y, l)| Some((i16::try_from(y).ok()?, l))).collect();
    let batch = 2_000u64;
    let mut done = 0u64;
    // Spread the cases evenly over the days, oldest first, so references rise with dates.
    while done < n {
        let this = batch.min(n - done);
        let mut cases = Vec::with_capacity(this as usize);
        let mut events = Vec::new();
        let mut fees = Vec::new();
        for i in 0..this {
            let k = done + i;
            let offset = i64::try_from(k * u64::try_from(span).unwrap_or(1) / n.max(1)).unwrap_or(0);
            let received_on = start.saturating_add(offset.days());
            let w = walk(&mut rng, received_on, today, staff);
            let id = next_id;
            next_id += 1;
            let year = received_on.year();
            let number = counters.entry(year).or_insert(0);
            *number += 1;
            let reference = Reference::new(year, *number).to_string();
            let (name, email) = if w.lang == "ja" {
                (format!("{} {}", pick(&mut rng, FAMILY), pick(&mut rng, GIVEN)), format!("user{id}@example.jp"))
            } else {
                (format!("{} {}", pick(&mut rng, EN_GIVEN), pick(&mut rng, EN_FAMILY)), format!("user{id}@example.com"))
            };
            let at = |d: Date| app.start_of(d) + 10 * 3_600_000_000;
            let c = &w.case;
            let agent = c.filer.is_agent();
            let nonce = format!("seed-{id}-{}", rng.r#gen::<u64>());
            let opt_date = |d: Option<Date>| d.map(|d| d.to_string());
            cases.push(vec![
                V::I(id),
                reference.into(),
                c.kind.code().into(),
                c.filer.code().into(),
                w.channel.code().into(),
                w.delivery.map(|d| d.code()).into(),
                w.delivery.map(|d| d.code()).into(),
                w.lang.into(),
                c.state.code().into(),
                c.resume_state.map(|s| s.code()).into(),
                c.outcome.map(|o| o.code()).into(),
                w.reasons.iter().map(|r| r.code()).collect::<Vec<_>>().join(",").into(),
                c.asks.iter().map(|a| a.code()).collect::<Vec<_>>().join(",").into(),
                c.identity.subject.code().into(),
                c.identity.agent.code().into(),
                c.identity.authority.code().into(),
                c.fees.requested.into(),
                c.fees.paid.into(),
                c.fees.waived.into(),
                c.fees.refunded.into(),
                V::I(0),
                "appi".into(),
                received_on.to_string().into(),
                opt_date(c.received_on).into(),
                opt_date(c.due_on).into(),
                opt_date(c.first_due_on).into(),
                opt_date(c.closed_on).into(),
                opt_date(c.paused_on).into(),
                c.state.is_open().then(|| c.due_on.map_or_else(|| "9999-12-31".to_owned(), |d| d.to_string())).into(),
                opt_date(c.fee_pay_by).into(),
                V::I(0),
                opt_date(c.identity_asked_on).into(),
                V::I(0),
                V::N,
                V::N,
                c.assignee.into(),
                name.into(),
                V::N,
                email.into(),
                agent.then_some("代理 人").into(),
                agent.then_some("弁護士").into(),
                "保有個人データの開示等を求めます。".into(),
                keys::hash_token(&app.keys.status_token(&nonce)).into(),
                V::I(at(received_on)),
                V::I(at(w.events.last().map_or(received_on, |e| e.1))),
                V::I(0),
                nonce.clone().into(),
            ]);
            let mut prev = String::new();
            for (seq, (e, d)) in w.events.iter().enumerate() {
                let seq = i64::try_from(seq).unwrap_or(0) + 1;
                let data = serde_json::to_string(e).map_err(|e| AppError::internal("an event cannot be written", e))?;
                let (actor_kind, actor_id) = (crate::domain::ActorKind::Staff, Some(staff));
                let ne = NewEvent { kind: e.code(), data, actor_kind, actor_id, message_id: None, at: at(*d) };
                let hash = chain_hash(&prev, id, seq, &ne);
                events.push(vec![
                    V::I(id),
                    V::I(seq),
                    ne.kind.into(),
                    ne.data.into(),
                    actor_kind.code().into(),
                    actor_id.into(),
                    V::NI,
                    V::I(ne.at),
                    prev.clone().into(),
                    hash.clone().into(),
                ]);
                prev = hash;
                let fee = match e {
                    Event::FeeRequested { amount, .. } => Some(("requested", *amount, None, *d)),
                    Event::PaymentRecorded { amount, method, paid_on } => {
                        Some(("payment", *amount, Some(method.code()), *paid_on))
                    }
                    Event::FeeWaived { amount } => Some(("waiver", *amount, None, *d)),
                    Event::RefundRecorded { amount } => Some(("refund", *amount, None, *d)),
                    _ => None,
                };
                if let Some((entry, amount, method, on)) = fee {
                    fees.push(vec![
                        V::I(id),
                        entry.into(),
                        V::I(amount),
                        method.into(),
                        on.to_string().into(),
                        V::N,
                        V::I(staff),
                        V::I(at(*d)),
                    ]);
                }
            }
        }
        let mut tx = store.begin().await?;
        bulk(&mut tx, "cases", CASE_COLUMNS, &cases).await?;
        bulk(&mut tx, "case_events", EVENT_COLUMNS, &events).await?;
        bulk(&mut tx, "fee_entries", FEE_COLUMNS, &fees).await?;
        tx.commit().await?;
        done += this;
        progress(done);
    }
    let mut tx = store.begin().await?;
    for (year, last) in counters {
        on!(&mut tx, c => sqlx::query(
            "INSERT INTO reference_counters (year, last) VALUES ($1, $2) \
             ON CONFLICT (year) DO UPDATE SET last = excluded.last")
            .bind(i64::from(year)).bind(last).execute(c).await.map(|r| r.rows_affected()))
        .map_err(crate::app::store::StoreError::from)?;
    }
    if let Tx::Postgres(t) = &mut tx {
        // Ids were given explicitly: move the identity on past them.
        sqlx::query("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT MAX(id) FROM cases))")
            .execute(&mut **t)
            .await
            .map_err(crate::app::store::StoreError::from)?;
    }
    tx.commit().await?;
    // Fresh statistics after a bulk load, or the planners guess (PostgreSQL
    // would run parallel plans for one case's events). PostgreSQL also
    // vacuums, so that the covering indexes serve index-only scans at once
    // instead of after autovacuum gets round to the new rows.
    match store {
        crate::app::store::Store::Postgres(pool) => {
            sqlx::query("VACUUM ANALYZE").execute(pool).await.map_err(crate::app::store::StoreError::from)?;
        }
        crate::app::store::Store::Sqlite { write, .. } => {
            sqlx::query("PRAGMA analysis_limit = 1000")
                .execute(write)
                .await
                .map_err(crate::app::store::StoreError::from)?;
            sqlx::query("ANALYZE").execute(write).await.map_err(crate::app::store::StoreError::from)?;
        }
    }
    Ok(n)
}

/// The benchmark's ceiling (b): one web intake's inserts — the case row, its
/// first event and its confirmation mail — in one transaction, without HTTP
/// and without the rules, to compare the real intake with.
pub async fn ceiling_insert(app: &App, req: &crate::domain::input::NewRequest) -> Result<()> {
    use crate::app::store::{cases as sc, outbox};
    let profile = crate::domain::deadline::Profile::Appi;
    let mut rec = crate::app::requests::new_record(app, req, crate::domain::Lang::JA, app.today(), profile);
    rec.confirm_token_hash = Some(keys::hash_token(&keys::random_token()));
    let events = {
        let policy = crate::domain::deadline::Policy::new(profile);
        let ctx = Ctx { today: app.today(), signoff_required: true, policy: &policy };
        crate::domain::open_case(&rec.case, Channel::Web, None, &ctx)
    };
    let data = serde_json::to_string(&events[0]).map_err(|e| AppError::internal("an event cannot be written", e))?;
    let mut tx = app.store.begin().await?;
    let id = sc::insert(&mut tx, &rec).await?;
    let e = NewEvent {
        kind: events[0].code(),
        data,
        actor_kind: crate::domain::ActorKind::Requester,
        actor_id: None,
        message_id: None,
        at: app.now_us(),
    };
    sc::append_events(&mut tx, id, &[e], true).await?;
    let mid = format!("<{}@localhost>", uuid::Uuid::new_v4());
    let to = req.contact_email.as_ref().map(|e| e.as_str()).unwrap_or("");
    let mail = outbox::NewMail {
        message_id: &mid,
        case_id: Some(id),
        template: "confirm",
        to_addr: to,
        subject: "s",
        body_text: "t",
        body_html: "h",
        at: app.now_us(),
    };
    outbox::enqueue(&mut tx, &mail).await?;
    tx.commit().await?;
    Ok(())
}
