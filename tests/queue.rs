//! The staff workspace (issue 14): saved views, sorting, bulk assignment and
//! the counts on top, which must never drift from the cases.

mod common;

use common::{TestApp, spawn, start_work};
use madoguchi::domain::Role;
use reqwest::StatusCode;

/// A request received by post on `received_on` (with an e-mail address, so
/// no letter waits unless `letter`), staff intake; returns its reference.
async fn intake(app: &TestApp, name: &str, received_on: &str, letter: bool) -> String {
    let email = if letter { String::new() } else { format!("{}@example.jp", uuid::Uuid::new_v4().simple()) };
    let form = [
        ("kind", "correction"),
        ("subject_name", name),
        ("subject_postal_code", "1500001"),
        ("subject_address", "東京都渋谷区神宮前1-2-3"),
        ("filer", "self"),
        ("details", "登録されている住所の訂正を求めます。"),
        ("channel", "post"),
        ("received_on", received_on),
        ("contact_email", &email),
        ("lang", "ja"),
    ];
    let page = app.post("/staff/intake", &form).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location.unwrap().trim_start_matches("/staff/cases/").to_owned()
}

/// The references a queue page lists, in order.
fn listed(body: &str) -> Vec<String> {
    body.split("data-reference=\"").skip(1).map(|s| s.split('"').next().unwrap().to_owned()).collect()
}

async fn view(app: &TestApp, query: &str) -> Vec<String> {
    let page = app.get(&format!("/staff?{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "{query}");
    let mut refs = listed(&page.body);
    refs.sort();
    refs
}

fn sorted(refs: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = refs.iter().map(|r| (*r).clone()).collect();
    v.sort();
    v
}

fn days_ago(app: &TestApp, n: i64) -> String {
    app.running.app.today().saturating_sub(jiff::Span::new().days(n)).to_string()
}

async fn user_id(app: &TestApp, email: &str) -> String {
    app.count(&format!("SELECT id FROM staff_users WHERE email = '{email}'")).await.to_string()
}

#[tokio::test]
async fn saved_views_return_exactly_the_rows_their_filters_say() {
    let app = spawn().await;
    let me = app.login_as(Role::Staff).await;
    app.add_user("other@example.jp", Role::Staff).await;
    let (my_id, other_id) = (user_id(&app, &me).await, user_id(&app, "other@example.jp").await);
    let today = days_ago(&app, 0);

    let mine = intake(&app, "青木 一郎", &today, false).await;
    let theirs = intake(&app, "井上 二郎", &today, false).await;
    // APPI counts 14 calendar days: received 10 days ago is due in 4, 20 days ago was due 6 days ago.
    let this_week = intake(&app, "上田 三郎", &days_ago(&app, 10), false).await;
    let overdue = intake(&app, "江藤 四郎", &days_ago(&app, 20), false).await;
    let waiting = intake(&app, "大野 五郎", &today, false).await;
    let letter = intake(&app, "加藤 六郎", &today, true).await;
    let closed = intake(&app, "木村 七郎", &today, false).await;

    for (case, who) in [(&mine, &my_id), (&theirs, &other_id)] {
        let page = app.post(&format!("/staff/cases/{case}/assign"), &[("assignee", who)]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    let ask = [("body", "訂正後の住所を教えてください")];
    let page = app.post(&format!("/staff/cases/{waiting}/request-clarification"), &ask).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    start_work(&app, &closed).await;
    let page = app
        .post(&format!("/staff/cases/{closed}/close"), &[("outcome", "granted"), ("answer", "住所を訂正しました")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

    assert_eq!(view(&app, "view=mine").await, sorted(&[&mine]));
    assert_eq!(view(&app, "view=unassigned").await, sorted(&[&this_week, &overdue, &waiting, &letter]));
    assert_eq!(view(&app, "view=overdue").await, sorted(&[&overdue]));
    assert_eq!(view(&app, "view=week").await, sorted(&[&this_week]));
    assert_eq!(view(&app, "view=waiting").await, sorted(&[&waiting]));
    assert_eq!(view(&app, "view=letters").await, sorted(&[&letter]));
    assert_eq!(view(&app, &format!("assignee={other_id}")).await, sorted(&[&theirs]));
    assert_eq!(view(&app, "state=closed").await, sorted(&[&closed]));
    // Every open case, and the counts on top agree with the views.
    assert_eq!(view(&app, "").await, sorted(&[&mine, &theirs, &this_week, &overdue, &waiting, &letter]));
    let body = app.get("/staff").await.body;
    for (n, label) in [(1, "期限超過"), (1, "今週が期限"), (1, "ご本人対応待ち"), (4, "担当者なし")]
    {
        assert!(body.contains(&format!("<strong>{n}</strong>{label}")), "{n} {label}");
    }
    // Views and filters combine, and the filters survive paging in the URL.
    assert_eq!(view(&app, "view=unassigned&due=overdue").await, sorted(&[&overdue]));
    app.running.shutdown().await;
}

#[tokio::test]
async fn the_queue_sorts_by_due_date_or_by_the_latest_received_and_keeps_the_sort_across_pages() {
    let app = spawn().await;
    app.login_as(Role::Staff).await;
    let mut made = Vec::new();
    // 55 cases received on five different days: more than one page of 50.
    for i in 0..55 {
        made.push((i % 5, intake(&app, &format!("佐々木 {i}"), &days_ago(&app, i % 5), false).await));
    }
    let first = app.get("/staff?sort=received").await;
    let page1 = listed(&first.body);
    assert_eq!(page1.len(), 50);
    let received_today: Vec<&String> = made.iter().filter(|(d, _)| *d == 0).map(|(_, r)| r).collect();
    assert!(page1[..11].iter().all(|r| received_today.contains(&r)), "the latest received first");
    let next = first.body.split("cursor=").nth(1).expect("a next page").split('"').next().unwrap().to_owned();
    assert!(first.body.contains("sort=received&amp;cursor="), "the sort is kept in the next page's link");
    let page2 = listed(&app.get(&format!("/staff?sort=received&cursor={next}")).await.body);
    assert_eq!(page2.len(), 5);
    let oldest: Vec<&String> = made.iter().filter(|(d, _)| *d == 4).map(|(_, r)| r).collect();
    assert!(page2.iter().all(|r| oldest.contains(&r)), "the earliest received last");
    let mut all: Vec<String> = page1.iter().chain(&page2).cloned().collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 55, "each case once over both pages");

    // By due date (the default): the nearest first, which is the earliest received.
    let by_due = listed(&app.get("/staff").await.body);
    assert!(by_due[..11].iter().all(|r| oldest.contains(&r)), "nearest due date first");
    app.running.shutdown().await;
}

#[tokio::test]
async fn bulk_assign_writes_one_event_per_case_and_emails_each_assignee_once() {
    let app = spawn().await;
    let me = app.login_as(Role::Staff).await;
    app.add_user("other@example.jp", Role::Staff).await;
    let other = user_id(&app, "other@example.jp").await;
    let today = days_ago(&app, 0);
    let mut cases = Vec::new();
    for name in ["田中 一", "田中 二", "田中 三"] {
        cases.push(intake(&app, name, &today, false).await);
    }
    app.take_mails().await;

    // Nothing ticked: an error tied to the ticks, the choice kept, nothing written.
    let page = app.post("/staff/assign", &[("assignee", &other), ("back", "view=unassigned")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains(r#"id="bulk-case""#) && page.body.contains("割り当てる請求を一件以上選んでください"));
    // No assignee chosen: the ticks are kept.
    let page = app.post("/staff/assign", &[("case", &cases[0]), ("assignee", ""), ("back", "")]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains(r#"aria-invalid="true" aria-describedby="bulk-assignee-error""#));
    let tick = format!(r#"value="{0}" form="bulk" aria-label="{0}を選択" checked"#, cases[0]);
    assert!(page.body.contains(&tick), "the ticked case stays ticked");
    assert_eq!(app.count("SELECT COUNT(*) FROM case_events WHERE kind = 'assigned'").await, 0);

    let fields = [
        ("case", cases[0].as_str()),
        ("case", cases[1].as_str()),
        ("case", cases[2].as_str()),
        ("case", "2026-999999"),
        ("assignee", other.as_str()),
        ("back", "view=unassigned"),
    ];
    let page = app.post("/staff/assign", &fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/staff?view=unassigned"), "back to the queue it came from");
    for case in &cases {
        assert_eq!(app.event_kinds(case).await.iter().filter(|k| *k == "assigned").count(), 1, "{case}");
    }
    let back = app.get("/staff?view=unassigned").await.body;
    assert!(back.contains("3件をstaff userに割り当てました。"), "{back}");
    assert!(back.contains("2026-999999：この受付番号の請求はありません。"), "the unknown reference is named");
    assert!(listed(&back).is_empty(), "none is unassigned any more");
    let again = app.get("/staff?view=unassigned").await.body;
    assert!(!again.contains("割り当てました"), "the result is shown once");

    let mails = app.take_mails().await;
    let to_other: Vec<_> = mails.iter().filter(|m| m.to.contains("other@example.jp")).collect();
    assert_eq!(to_other.len(), 1, "one message for three cases");
    for case in &cases {
        assert!(to_other[0].text.contains(case.as_str()), "{case} is listed");
    }
    assert!(!to_other[0].text.contains("田中"), "no requester's name in a staff notice");
    assert!(mails.iter().all(|m| !m.to.contains(&me)), "the one who assigned hears nothing");

    // Assigning them again changes nothing and writes nothing.
    let page = app.post("/staff/assign", &fields[..3].iter().chain(&fields[4..]).copied().collect::<Vec<_>>()).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT COUNT(*) FROM case_events WHERE kind = 'assigned'").await, 3);
    assert!(app.take_mails().await.is_empty());
    assert!(app.get("/staff").await.body.contains("3件はすでにその担当でした"));
    // A return address that is no query string (found by tests/fuzz.rs: it
    // was put into the Location header and answered 500) leads to the queue.
    let garbled = [("case", cases[0].as_str()), ("assignee", ""), ("back", "\u{0}\r\nSet-Cookie: x=1")];
    let page = app.post("/staff/assign", &garbled).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "the form comes back, not a 500");
    let me_id = user_id(&app, &me).await;
    let fields = [("case", cases[0].as_str()), ("assignee", me_id.as_str()), ("back", "view=mine\r\nX: y")];
    let page = app.post("/staff/assign", &fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/staff"), "back to the whole queue");
    app.running.shutdown().await;
}

/// A small deterministic generator, so that a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[tokio::test]
async fn the_queue_counts_never_drift_from_the_cases_after_a_random_walk_of_commands() {
    let app = spawn().await;
    let me = app.login_as(Role::Manager).await;
    app.add_user("other@example.jp", Role::Staff).await;
    let ids = [user_id(&app, &me).await, user_id(&app, "other@example.jp").await, String::new()];
    let mut cases = Vec::new();
    for i in 0..12 {
        cases.push(intake(&app, &format!("森 {i}"), &days_ago(&app, (i * 3) % 25), i % 4 == 0).await);
    }
    let mut rng = Lcg(14);
    let actions = ["assign", "request-clarification", "verify-start", "close", "withdraw", "reopen", "extend"];
    for _ in 0..120 {
        let case = &cases[rng.below(cases.len() as u64) as usize];
        let path = |a: &str| format!("/staff/cases/{case}/{a}");
        // Any outcome will do, a refusal included: the counts must follow whatever happened.
        match actions[rng.below(actions.len() as u64) as usize] {
            "assign" => {
                app.post(&path("assign"), &[("assignee", &ids[rng.below(3) as usize])]).await;
            }
            "request-clarification" => {
                app.post(&path("request-clarification"), &[("body", "詳しく教えてください")]).await;
            }
            "verify-start" => {
                let verify = [("target", "subject"), ("method", "postal_copy"), ("doc_type", "drivers_license")];
                app.post(&path("verify-identity"), &verify).await;
                app.post(&path("start"), &[]).await;
            }
            "close" => {
                app.post(&path("close"), &[("outcome", "granted"), ("answer", "訂正しました")]).await;
            }
            "withdraw" => {
                app.post(&path("withdraw"), &[("reason", "取り下げの連絡")]).await;
            }
            "reopen" => {
                app.post(&path("reopen"), &[("reason", "再開の依頼")]).await;
            }
            _ => {
                app.post(&path("extend"), &[("days", "7"), ("reason", "調査に時間を要するため")]).await;
            }
        }
        if rng.below(10) == 0 {
            app.running.app.clock.advance_days(1);
        }
    }
    let open = app.count("SELECT COUNT(*) FROM cases WHERE open_due IS NOT NULL").await;
    assert!(open > 0 && open < 12, "the walk opened and closed cases ({open} open)");
    assert!(
        madoguchi::app::queue::check_counts(&app.running.app).await.expect("check"),
        "the tally equals a full count of the cases"
    );
    // And the check does catch a drift (a change made by hand), and repairs it.
    app.count("UPDATE queue_tally SET n = n + 5 RETURNING CAST(0 AS BIGINT)").await;
    assert!(!madoguchi::app::queue::check_counts(&app.running.app).await.expect("check"), "drift found");
    assert!(madoguchi::app::queue::check_counts(&app.running.app).await.expect("check"), "and repaired");
    // The letters waiting too.
    app.count("UPDATE cases SET letters_waiting = letters_waiting + 2 WHERE id = (SELECT MIN(id) FROM cases) RETURNING CAST(0 AS BIGINT)").await;
    assert!(!madoguchi::app::queue::check_counts(&app.running.app).await.expect("check"), "letters' drift found");
    assert!(madoguchi::app::queue::check_counts(&app.running.app).await.expect("check"), "and repaired");
    app.running.shutdown().await;
}

/// Every reference a search lists, following its next-page links to the end,
/// and the pages' notices.
async fn all_pages(app: &TestApp, query: &str) -> (Vec<String>, Vec<String>) {
    let (mut refs, mut notices) = (Vec::new(), Vec::new());
    let mut path = format!("/staff?{query}");
    for _ in 0..100 {
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        refs.extend(listed(&page.body));
        if let Some(n) = page.body.split(r#"<p class="notice" role="status">"#).nth(1) {
            notices.push(n.split('<').next().unwrap().to_owned());
        }
        let Some(next) = page.body.split("&amp;cursor=").nth(1) else { break };
        path = format!("/staff?{query}&cursor={}", next.split('"').next().unwrap());
    }
    (refs, notices)
}

/// Two lists of references are the same, or the first difference is told.
fn same(got: &[String], want: &[String], what: &str) {
    let first = got.iter().zip(want).position(|(a, b)| a != b);
    assert!(
        got.len() == want.len() && first.is_none(),
        "{what}: {} listed, {} expected, first difference at {first:?}",
        got.len(),
        want.len()
    );
}

#[tokio::test]
async fn a_broad_search_lists_every_match_once_page_after_page_and_says_in_which_order() {
    let app = spawn().await;
    app.login_as(Role::Staff).await;
    madoguchi::app::seed::seed(&app.running.app, 2500, None, |_| {}).await.expect("seed");
    // Every confirmed case's name starts with 「山田」: far more matches than can be sorted.
    app.count("UPDATE cases SET subject_name = '山田 ' || id WHERE state <> 'unconfirmed' RETURNING CAST(0 AS BIGINT)")
        .await;
    let newest =
        |state: &str| format!("SELECT reference FROM cases WHERE {state} AND reference IS NOT NULL ORDER BY id DESC");
    let closed = app.strings(&newest("state = 'closed'")).await;
    let open = app.strings(&newest("open_due IS NOT NULL")).await;
    assert!(!open.is_empty() && closed.len() > 2000, "{} open, {} closed", open.len(), closed.len());

    // A search of two characters walks the index of names' first two characters, newest first.
    let (refs, notices) = all_pages(&app, "q=%E5%B1%B1%E7%94%B0&state=closed").await;
    same(&refs, &closed, "each closed case once, newest first, over more than one window");
    assert!(notices.iter().all(|n| n.contains("登録の新しい順")), "{notices:?}");
    // One character is not searched for: the box says why and keeps it.
    let page = app.get("/staff?q=%E5%B1%B1").await;
    assert!(listed(&page.body).is_empty());
    assert!(page.body.contains(r#"<span class="msg" id="q-error">2文字以上を入力してください。</span>"#));
    assert!(page.body.contains(r#"value="山" aria-describedby="q-hint q-error" aria-invalid="true""#));

    // A full-text search (the e-mail domain every seeded case shares) walks the newest first.
    let mailed = |state: &str| newest(&format!("{state} AND contact_email LIKE '%@example.jp'"));
    let (closed, open) =
        (app.strings(&mailed("state = 'closed'")).await, app.strings(&mailed("open_due IS NOT NULL")).await);
    assert!(closed.len() > 2000, "{} closed with an address", closed.len());
    let (refs, notices) = all_pages(&app, "q=example.jp&state=closed").await;
    same(&refs, &closed, "each closed case once, newest first, over more than one window");
    assert!(notices.iter().all(|n| n.contains("登録の新しい順")), "{notices:?}");
    // The open ones are few among the matches: the page looks past its window for them.
    let (refs, _) = all_pages(&app, "q=example.jp").await;
    same(&refs, &open, "the open cases");

    // A narrow search is sorted as the queue is, with no such notice.
    let one = &closed[0];
    let page = app.get(&format!("/staff?q={one}&state=closed")).await;
    assert_eq!(listed(&page.body), vec![one.clone()]);
    assert!(!page.body.contains(r#"<p class="notice" role="status">"#));
    // A rare term older than the newest rows PostgreSQL reads in order
    // (2,048) is looked up in the index below them.
    let oldest = closed.last().expect("closed cases");
    let page = app.get(&format!("/staff?q={oldest}&state=closed")).await;
    assert_eq!(listed(&page.body), vec![oldest.clone()]);
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_broad_search_within_a_state_lists_its_cases_first_though_thousands_of_newer_matches_are_of_other_states() {
    let app = spawn().await;
    app.login_as(Role::Staff).await;
    // Years of cases, mostly closed, then three weeks', mostly open.
    madoguchi::app::seed::seed(&app.running.app, 1000, None, |_| {}).await.expect("seed");
    let today = app.running.app.today();
    let weeks = (today.saturating_sub(jiff::ToSpan::days(21)), today);
    madoguchi::app::seed::seed(&app.running.app, 1500, Some(weeks), |_| {}).await.expect("seed");
    // A phrase in every case not closed, and in the 60 oldest closed ones only.
    let phrase = "REF-Q7 特記事項あり";
    let oldest_closed = "SELECT id FROM cases WHERE state = 'closed' ORDER BY id LIMIT 60";
    app.count(&format!(
        "UPDATE cases SET details = details || ' {phrase}' WHERE state NOT IN ('unconfirmed', 'closed') \
         OR id IN ({oldest_closed}) RETURNING CAST(0 AS BIGINT)"
    ))
    .await;
    // Then more newer matches of other states than a page looks through
    // (eight windows): copies of an open case, named 「山田 花子」.
    let columns = "kind, filer, channel, lang, state, identity_subject, identity_agent, identity_authority, policy, \
                   submitted_on, received_on, due_on, open_due, subject_name_kana, contact_email, status_nonce, \
                   created_at, updated_at";
    app.count(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 7600) \
         INSERT INTO cases ({columns}, subject_name, details) SELECT {columns}, '山田 花子', '{phrase}' \
         FROM cases CROSS JOIN n WHERE id = (SELECT MAX(id) FROM cases WHERE state = 'in_progress') \
         RETURNING CAST(0 AS BIGINT)"
    ))
    .await;
    let newest = |cond: &str| format!("SELECT reference FROM cases WHERE {cond} ORDER BY id DESC");
    let others = app
        .count(
            "SELECT COUNT(*) FROM cases WHERE state NOT IN ('unconfirmed', 'closed') AND details LIKE '%特記事項あり'",
        )
        .await;
    let closed = app.strings(&newest("state = 'closed' AND details LIKE '%特記事項あり'")).await;
    assert!(others > 8000 && closed.len() == 60, "{others} others, {} closed", closed.len());

    // The first page lists the newest closed ones, whatever the case of the
    // letters searched (as the full-text index folds them); the pages after
    // it the rest, each once.
    for q in ["%E7%89%B9%E8%A8%98%E4%BA%8B%E9%A0%85", "ref-q7"] {
        let first = app.get(&format!("/staff?q={q}&state=closed")).await;
        same(&listed(&first.body), &closed[..50], &format!("the first page of {q}"));
        let (refs, _) = all_pages(&app, &format!("q={q}&state=closed")).await;
        same(&refs, &closed, &format!("every closed case with {q}"));
    }
    // A two-character search looks at the start of the name and kana.
    let yamada = app
        .strings(&newest(
            "state = 'closed' AND (substr(subject_name, 1, 2) = '山田' OR substr(subject_name_kana, 1, 2) = '山田')",
        ))
        .await;
    assert!(!yamada.is_empty(), "some closed cases are of the 山田 family");
    let first = app.get("/staff?q=%E5%B1%B1%E7%94%B0&state=closed").await;
    same(&listed(&first.body), &yamada[..yamada.len().min(50)], "the first page of 山田 among closed cases");
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_page_view_reaches_the_access_log_within_a_moment_and_a_clean_stop_writes_what_waits() {
    let app = spawn().await;
    app.login_as(Role::Staff).await;
    let logged = || app.strings("SELECT what FROM access_log WHERE what LIKE 'queue:%'");
    app.get("/staff?view=mine").await;
    // Nobody reads the log (no flush): the writer's own clock writes the row.
    let mut rows = Vec::new();
    for _ in 0..40 {
        rows = logged().await;
        if !rows.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(rows, vec!["queue:view=mine".to_owned()]);
    app.get("/staff?view=week").await;
    let common::TestApp { running, db, .. } = app;
    running.shutdown().await;
    let sql = "SELECT COUNT(*) FROM access_log WHERE what LIKE 'queue:%'";
    let (n,): (i64,) = common::on!(read &db, c => sqlx::query_as(sql).fetch_one(c).await).expect("count");
    assert_eq!(n, 2, "the stop wrote the row that waited");
}

/// Found by tests/fuzz.rs: a search holding a NUL answered 500 on SQLite
/// (the full-text query stops at it). Control characters count as spaces.
#[tokio::test]
async fn a_search_with_control_characters_is_searched_without_them() {
    let app = spawn().await;
    app.login_as(Role::Staff).await;
    let today = days_ago(&app, 0);
    let reference = intake(&app, "山田 太郎", &today, false).await;
    let page = app.get("/staff?q=%00%01%E5%B1%B1%E7%94%B0%0D%0A%09").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("/staff/cases/{reference}")), "「山田」 is found");
    let page = app.get("/staff?q=%00%00%00").await;
    assert_eq!(page.status, StatusCode::OK, "nothing but controls is no search");
}
