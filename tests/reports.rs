//! Reports a board reads (issue 15): a fixture month with known answers,
//! checked number by number on the page, in the CSV and in the XLSX; the
//! current month counted so far; ranges and years; the audit export; the
//! names-and-contacts option for admins only.

mod common;

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use common::*;
use jiff::ToSpan;
use jiff::civil::Date;
use madoguchi::domain::Role;
use reqwest::StatusCode;

const PASSWORD: &str = "correct horse battery staple";

/// Moves the app's clock to `day` (forward only) and logs in again: the
/// session has gone idle meanwhile.
async fn go_to(app: &TestApp, email: &str, day: Date) {
    let today = app.running.app.today();
    assert!(day >= today, "the clock only moves forward ({today} → {day})");
    app.running.app.clock.advance_days(i64::from((day - today).get_days()));
    assert_eq!(app.running.app.today(), day);
    app.login(email, PASSWORD).await;
}

/// Staff intake of a request that arrived on `received_on`; its reference.
async fn intake(app: &TestApp, kind: &str, name: &str, received_on: Date) -> String {
    let received_on = received_on.to_string();
    let mut fields = vec![
        ("kind", kind),
        ("subject_name", name),
        ("filer", "self"),
        ("details", "書面での請求"),
        ("channel", "post"),
        ("received_on", received_on.as_str()),
        ("contact_email", ""),
        ("lang", "ja"),
    ];
    if kind == "disclosure" {
        fields.extend([
            ("delivery", "postal"),
            ("subject_postal_code", "100-0001"),
            ("subject_address", "東京都千代田区千代田1-1"),
        ]);
    }
    let page = app.post("/staff/intake", &fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location.unwrap().trim_start_matches("/staff/cases/").to_owned()
}

async fn act(app: &TestApp, reference: &str, action: &str, fields: &[(&str, &str)]) {
    let page = app.post(&format!("/staff/cases/{reference}/{action}"), fields).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{action} on {reference}: {}", page.body);
}

async fn due_of(app: &TestApp, reference: &str) -> Date {
    app.strings(&format!("SELECT due_on FROM cases WHERE reference = '{reference}'")).await[0].parse().unwrap()
}

async fn close(app: &TestApp, reference: &str, outcome: &str) {
    let mut fields =
        vec![("outcome", outcome), ("explanation", "ご請求への回答です。"), ("answer", "会員サービスの提供のため")];
    if outcome == "refused" {
        fields.push(("reasons", "business_hindrance"));
    }
    act(app, reference, "close", &fields).await;
}

/// The days since Excel's epoch (1899-12-30) of a date, as a cell holds it.
fn excel_serial(d: Date) -> f64 {
    f64::from((d - jiff::civil::date(1899, 12, 30)).get_days())
}

fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an XLSX file");
    let range = book.worksheet_range(name).expect("the sheet");
    range.rows().map(|r| r.to_vec()).collect()
}

fn number(d: &Data) -> f64 {
    match d {
        Data::Int(i) => *i as f64,
        Data::Float(f) => *f,
        Data::DateTime(t) => t.as_f64(),
        other => panic!("not a number: {other:?}"),
    }
}

/// The value beside a label on the summary sheet.
fn summary_value(rows: &[Vec<Data>], label: &str) -> f64 {
    let row = rows.iter().find(|r| matches!(r.first(), Some(Data::String(s)) if s == label)).expect(label);
    number(&row[1])
}

/// The fixture: a month M with known answers. Every request arrives by post
/// (staff intake), with a 14-calendar-day deadline so the dates are plain.
/// - A: closed on its due date (on time).
/// - B: extended by 7 days, closed after the first due date (on time).
/// - C: paused 5 days for identity, closed after the first due date (on time).
/// - D: withdrawn (not counted in the on-time rate).
/// - E: refused, reopened, then granted: counted once, on its last closing.
/// - F: received in the month before, closed late in M.
/// - G: still open at the month's end, overdue then.
/// - H: received on M's last day, open, not overdue.
/// - P: fee 300, paid 500, 200 refunded; granted in M.
/// - Q: fee 1,000, 400 paid, 600 waived; granted in M.
/// - R: refused for a reason (Art. 33(2)(ii)).
#[tokio::test]
async fn a_fixture_month_has_the_same_known_answers_on_the_page_in_the_csv_and_in_the_xlsx() {
    let app = spawn().await;
    let admin = app.login_as(Role::Admin).await;
    for kind in ["disclosure", "purpose_notice", "correction"] {
        app.put_setting(&format!("deadline_profile_{kind}"), "custom:14:calendar").await;
    }
    let d0 = app.running.app.today().saturating_add(6.days()).first_of_month().saturating_add(1.month());
    let last = d0.last_of_month();
    let month = &d0.to_string()[..7];
    let day = |n: i64| d0.saturating_add(n.days());

    go_to(&app, &admin, day(-2)).await;
    let f = intake(&app, "disclosure", "前月 太郎", day(-2)).await;
    go_to(&app, &admin, d0).await;
    let [a, b, c, d, e, g, p, q, r] = [
        ("disclosure", "安藤 一"),
        ("disclosure", "馬場 二"),
        ("correction", "千葉 三"),
        ("disclosure", "土井 四"),
        ("disclosure", "江藤 五"),
        ("correction", "後藤 六"),
        ("purpose_notice", "藤井 七"),
        ("disclosure", "久保 八"),
        ("disclosure", "林 九"),
    ]
    .map(|(kind, name)| (kind, name));
    let mut refs = Vec::new();
    for (kind, name) in [a, b, c, d, e, g, p, q, r] {
        refs.push(intake(&app, kind, name, d0).await);
    }
    let [a, b, c, d, e, g, p, q, r]: [String; 9] = refs.try_into().unwrap();
    assert_eq!(due_of(&app, &a).await, day(14));
    for x in [&a, &b, &e, &f, &r] {
        start_work(&app, x).await;
    }
    act(&app, &c, "request-identity", &[("target", "subject")]).await;
    act(&app, &p, "request-fee", &[("amount", "300")]).await;
    let today = d0.to_string();
    act(&app, &p, "record-payment", &[("amount", "500"), ("method", "postal_money_order"), ("paid_on", &today)]).await;
    act(&app, &p, "record-refund", &[("amount", "200"), ("reason", "過払い分の返金")]).await;
    act(&app, &q, "request-fee", &[("amount", "1000")]).await;

    go_to(&app, &admin, day(2)).await;
    let paid_on = day(2).to_string();
    act(&app, &q, "record-payment", &[("amount", "400"), ("method", "bank_transfer"), ("paid_on", &paid_on)]).await;
    go_to(&app, &admin, day(3)).await;
    act(&app, &q, "waive-fee", &[("amount", "600"), ("reason", "生活保護受給のため")]).await;
    act(&app, &d, "withdraw", &[("reason", "ご本人から取下げの電話")]).await;
    go_to(&app, &admin, day(4)).await;
    close(&app, &r, "refused").await;
    go_to(&app, &admin, day(5)).await;
    act(&app, &b, "extend", &[("days", "7"), ("reason", "複数の部署に記録が分散しているため")]).await;
    assert_eq!(due_of(&app, &b).await, day(21));
    start_work(&app, &c).await;
    assert_eq!(due_of(&app, &c).await, day(19), "five days paused move the due date");
    start_work(&app, &p).await;
    close(&app, &p, "granted").await;
    go_to(&app, &admin, day(8)).await;
    start_work(&app, &q).await;
    close(&app, &q, "granted").await;
    go_to(&app, &admin, day(10)).await;
    close(&app, &e, "refused").await;

    // Mid-month: counted so far, and nothing is overdue yet today, though
    // every due date falls before the month's end.
    let page = app.get(&format!("/staff/reports?month={month}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!(r#"<time datetime="{}">"#, day(10))), "so far, as of today");
    assert!(page.body.contains("現在の期限超過"), "overdue now, not at month end");
    assert!(page.body.contains("<strong>0</strong>現在の期限超過"), "nothing is overdue today");

    go_to(&app, &admin, day(12)).await;
    act(&app, &e, "reopen", &[("reason", "判断を見直すため")]).await;
    go_to(&app, &admin, day(13)).await;
    start_work_again(&app, &e).await;
    close(&app, &e, "granted").await;
    go_to(&app, &admin, day(14)).await;
    close(&app, &a, "granted").await;
    go_to(&app, &admin, day(15)).await;
    close(&app, &f, "granted").await;
    go_to(&app, &admin, day(17)).await;
    close(&app, &c, "granted").await;
    go_to(&app, &admin, day(18)).await;
    close(&app, &b, "granted").await;
    go_to(&app, &admin, last).await;
    let h = intake(&app, "disclosure", "堀 十", last).await;
    go_to(&app, &admin, last.saturating_add(1.day())).await;

    // The known answers.
    let closed_days: HashMap<&str, i64> = [
        (a.as_str(), 14),
        (b.as_str(), 18),
        (c.as_str(), 17),
        (d.as_str(), 3),
        (e.as_str(), 13),
        (f.as_str(), 17),
        (p.as_str(), 5),
        (q.as_str(), 8),
        (r.as_str(), 4),
    ]
    .into();
    let on_time: HashMap<&str, &str> = [
        (a.as_str(), "yes"),
        (b.as_str(), "yes"),
        (c.as_str(), "yes"),
        (d.as_str(), ""),
        (e.as_str(), "yes"),
        (f.as_str(), "no"),
        (p.as_str(), "yes"),
        (q.as_str(), "yes"),
        (r.as_str(), "yes"),
    ]
    .into();
    // Received in M: all but F (10); closed in M: 9, one withdrawn; on time
    // 7 of the 8 others; open at the end: G and H, G overdue; days to
    // close 3 4 5 8 13 14 17 17 18: median 13, mean 11.
    let page = app.get(&format!("/staff/reports?month={month}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for expected in [
        "<strong>10</strong>受付",
        "<strong>9</strong>完了",
        "<strong>88%</strong>",
        "<strong>13.0</strong>完了までの日数（中央値）",
        "<strong>1</strong>期末時点の期限超過",
        "<strong>2</strong>期末時点の未完了",
        "平均日数: 11.0",
        "延長: 1",
        "請求額</th><td class=\"num\">1,300円",
        "入金額</th><td class=\"num\">900円",
        "免除額</th><td class=\"num\">600円",
        "返金額</th><td class=\"num\">200円",
    ] {
        assert!(page.body.contains(expected), "page: {expected}");
    }
    assert!(!page.body.contains("現在の期限超過"), "a month that is over says 'at the end'");
    assert!(
        page.body.contains(&format!(r#"<th scope="row">{month}</th><td>10</td><td>9</td><td>88%</td>"#)),
        "the trend's month, from the month tally, agrees"
    );
    let app_ref = &app.running.app;
    assert!(madoguchi::app::reports::check_month_tally(app_ref).await.unwrap(), "the tally agrees with the cases");
    let drift = format!("UPDATE month_tally SET received = received + 5 WHERE month = '{month}'");
    common::on!(read &app.db, c => sqlx::query(&drift).execute(c).await.map(|_| ())).unwrap();
    assert!(!madoguchi::app::reports::check_month_tally(app_ref).await.unwrap(), "a drift made by hand is found");
    assert!(madoguchi::app::reports::check_month_tally(app_ref).await.unwrap(), "and counted afresh");
    assert!(page.body.contains(r#"<figure class="chart">"#) && page.body.contains("<svg"), "charts");

    // The CSV, row by row.
    let res = app.client.get(app.url(&format!("/staff/reports/{month}.csv"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let csv = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 11, "the 10 received and F, closed in M");
    let row = |reference: &str| rows.iter().find(|r| &r[0] == reference).expect(reference).clone();
    for (reference, days) in &closed_days {
        let line = row(reference);
        assert_eq!(line[col("days_to_close")].parse::<i64>().unwrap(), *days, "{reference}");
        assert_eq!(&line[col("on_time")], on_time[reference], "{reference}");
    }
    assert_eq!(&row(&e)[col("outcome")], "granted", "E counts on its last closing");
    assert_eq!(&row(&r)[col("reasons")], "business_hindrance");
    assert_eq!(&row(&g)[col("closed_on")], "");
    assert_eq!(&row(&h)[col("received_on")], last.to_string());
    let q_row = row(&q);
    assert_eq!(
        [&q_row[col("fee_requested")], &q_row[col("fee_paid")], &q_row[col("fee_waived")], &q_row[col("fee_refunded")]],
        ["1000", "400", "600", "0"]
    );
    assert_eq!(&row(&p)[col("fee_refunded")], "200");
    assert!(!csv.contains("安藤"), "no names unless an admin asks");

    // The workbook: the same numbers.
    let res = app.client.get(app.url(&format!("/staff/reports/{month}.xlsx"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let bytes = res.bytes().await.unwrap();
    let summary = sheet(&bytes, "summary");
    assert_eq!(summary_value(&summary, "受付"), 10.0);
    assert_eq!(summary_value(&summary, "完了"), 9.0);
    assert_eq!(summary_value(&summary, "期限内の完了"), 7.0);
    assert!((summary_value(&summary, "期限内の完了率（取下げを除く）") - 7.0 / 8.0).abs() < 1e-9);
    assert_eq!(summary_value(&summary, "期末時点の期限超過"), 1.0);
    assert_eq!(summary_value(&summary, "期末時点の未完了"), 2.0);
    assert_eq!(summary_value(&summary, "完了までの日数（中央値）"), 13.0);
    assert_eq!(summary_value(&summary, "延長"), 1.0);
    assert_eq!(summary_value(&summary, "請求額"), 1300.0);
    assert_eq!(summary_value(&summary, "入金額"), 900.0);
    assert_eq!(summary_value(&summary, "免除額"), 600.0);
    assert_eq!(summary_value(&summary, "返金額"), 200.0);
    let cases = sheet(&bytes, "cases");
    assert_eq!(cases.len(), 12, "a header and 11 cases");
    let xcol = |name: &str| cases[0].iter().position(|h| matches!(h, Data::String(s) if s == name)).unwrap();
    for (reference, days) in &closed_days {
        let line = cases.iter().find(|l| matches!(&l[0], Data::String(s) if s == reference)).expect(reference);
        assert_eq!(number(&line[xcol("days_to_close")]), *days as f64, "{reference}");
        let expected_on_time = on_time[reference];
        match &line[xcol("on_time")] {
            Data::String(s) => assert_eq!(s, expected_on_time),
            Data::Empty => assert_eq!("", expected_on_time),
            other => panic!("{other:?}"),
        }
        assert!(matches!(&line[xcol("received_on")], Data::DateTime(_)), "dates are Excel dates");
    }
    let a_line = cases.iter().find(|l| matches!(&l[0], Data::String(s) if *s == a)).unwrap();
    assert_eq!(number(&a_line[xcol("closed_on")]), excel_serial(day(14)));
    let fees = sheet(&bytes, "fees");
    let amounts: Vec<f64> = fees.iter().skip(1).map(|l| number(&l[4])).collect();
    assert_eq!(amounts.iter().sum::<f64>(), 300.0 + 500.0 + 200.0 + 1000.0 + 400.0 + 600.0, "every ledger entry");

    // The command line writes the same workbook and CSV.
    let out = app.dir.path().join("report.xlsx");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args(["report", "--month", month, "--format", "xlsx", "--out"])
        .arg(&out)
        .env("MADOGUCHI_DATA_DIR", app.dir.path())
        .env("DATABASE_URL", &app.database_url)
        .env("MADOGUCHI_DATA_KEY", app.data_key.as_deref().unwrap_or(""))
        .status()
        .expect("madoguchi report");
    assert!(status.success());
    let file = std::fs::read(&out).unwrap();
    assert_eq!(summary_value(&sheet(&file, "summary"), "受付"), 10.0);
    assert_eq!(sheet(&file, "cases").len(), 12);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args(["report", "--month", month, "--format", "csv"])
        .env("MADOGUCHI_DATA_DIR", app.dir.path())
        .env("DATABASE_URL", &app.database_url)
        .env("MADOGUCHI_DATA_KEY", app.data_key.as_deref().unwrap_or(""))
        .output()
        .expect("madoguchi report");
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout).unwrap(), csv, "the command prints the page's CSV");

    // A range of months sums them: F's month adds F.
    let before = &d0.saturating_sub(1.month()).to_string()[..7];
    let page = app.get(&format!("/staff/reports?from={before}&to={month}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<strong>11</strong>受付") && page.body.contains("<strong>9</strong>完了"));
    // The year gives the CCPA's metrics per kind: disclosures received A B
    // D E Q R H (and F when its month is in the same year), closed A B D E
    // F Q R, complied A B E F Q, denied R, withdrawn D.
    let year = &d0.to_string()[..4];
    let page = app.get(&format!("/staff/reports?year={year}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let disclosure_line =
        page.body.split("<tr>").find(|l| l.contains("保有個人データの開示</th><td class=")).expect("disclosure line");
    let cells: Vec<&str> =
        disclosure_line.split("<td class=\"num\">").skip(1).map(|c| c.split('<').next().unwrap()).collect();
    let received = if day(-2).year() == d0.year() { "8" } else { "7" };
    assert_eq!(cells[..5], [received, "7", "5", "1", "1"], "received, closed, complied, denied, withdrawn");
    app.running.shutdown().await;
}

/// A reopened case goes back to work: staff start it again.
async fn start_work_again(app: &TestApp, reference: &str) {
    let state = app.case_state(reference).await;
    if state != "in_progress" {
        act(app, reference, "start", &[]).await;
    }
}

#[tokio::test]
async fn the_audit_trail_lists_every_event_of_the_days_asked_and_its_export_is_in_the_access_log() {
    let app = spawn().await;
    let (reference, _) = file_request(&app, &request_form()).await;
    app.login_as(Role::Manager).await;
    start_work(&app, &reference).await;
    let today = app.running.app.today();
    let (from, to) = (today.to_string(), today.saturating_add(30.days()).to_string());
    let res = app.client.get(app.url(&format!("/staff/exports/events.csv?from={from}&to={to}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), ["reference", "at", "actor", "event"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let kinds: Vec<&str> = rows.iter().filter(|r| &r[0] == reference.as_str()).map(|r| &r[3]).collect();
    assert_eq!(kinds, app.event_kinds(&reference).await, "every event, in order");
    let verified = rows.iter().find(|r| &r[3] == "identity_verified").unwrap();
    assert_eq!(&verified[2], "staff:manager user", "who did it");
    assert!(verified[1].starts_with(&from) && verified[1].ends_with("+09:00"), "in the organisation's zone");
    assert_eq!(&rows.iter().find(|r| &r[3] == "submitted").unwrap()[2], "requester");
    assert!(!text.contains("山田"), "no names");
    let logged = app.count(&format!("SELECT COUNT(*) FROM access_log WHERE what = 'export:events:{from}..{to}'")).await;
    assert_eq!(logged, 1);

    // Days without events give the header alone.
    let (a, b) = (today.saturating_sub(10.days()), today.saturating_sub(5.days()));
    let text = app.get(&format!("/staff/exports/events.csv?from={a}&to={b}")).await.body;
    assert_eq!(text, "\u{feff}reference,at,actor,event\r\n");

    // Bad dates come back at their fields, with what was typed.
    let page = app.get("/staff/exports/events.csv?from=2026-13-01&to=2026-01-31").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains(r#"id="events_from" name="from" value="2026-13-01" required aria-invalid="true""#));
    assert!(page.body.contains("日付は 2026-04-01 の形で指定してください。"));
    let page = app.get(&format!("/staff/exports/events.csv?from={to}&to={from}")).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("終了日が開始日より前です。"));
    app.running.shutdown().await;
}

#[tokio::test]
async fn names_and_contact_data_are_exported_only_when_an_admin_asks_and_that_export_is_logged() {
    let app = spawn().await;
    let (reference, _) = file_request(&app, &request_form()).await;
    let month = app.running.app.today().to_string()[..7].to_owned();
    let manager = app.login_as(Role::Manager).await;
    let plain = app.get(&format!("/staff/reports/{month}.csv")).await;
    assert!(plain.body.contains(&reference) && !plain.body.contains("山田"));
    let asked = app.get(&format!("/staff/reports/{month}.csv?personal=1")).await;
    assert_eq!(asked.status, StatusCode::FORBIDDEN, "managers export no names");
    let page = app.get(&format!("/staff/reports?month={month}")).await;
    assert!(!page.body.contains(r#"name="personal""#), "nor are they offered the option");
    assert_eq!(app.post("/staff/logout", &[]).await.status, StatusCode::SEE_OTHER);
    let _ = manager;

    app.login_as(Role::Admin).await;
    let page = app.get(&format!("/staff/reports?month={month}")).await;
    assert!(page.body.contains(r#"name="personal""#));
    let csv = app.get(&format!("/staff/reports/{month}.csv?personal=1")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let header = csv.body.lines().next().unwrap();
    assert!(header.ends_with(",subject_name,subject_name_kana,contact_email,subject_phone,agent_name"), "{header}");
    let line = csv.body.lines().find(|l| l.starts_with(&reference)).unwrap();
    assert!(line.contains(",山田 太郎,ヤマダ タロウ,taro@example.jp,"), "{line}");
    let res = app.client.get(app.url(&format!("/staff/reports/{month}.xlsx?personal=1"))).send().await.unwrap();
    let cases = sheet(&res.bytes().await.unwrap(), "cases");
    let name_col = cases[0].iter().position(|h| matches!(h, Data::String(s) if s == "subject_name")).unwrap();
    assert!(cases.iter().any(|l| matches!(&l[name_col], Data::String(s) if s == "山田 太郎")));
    for file in ["csv", "xlsx"] {
        let what = format!("export:report:{month}:personal.{file}");
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM access_log WHERE what = '{what}'")).await, 1, "{what}");
    }
    app.running.shutdown().await;
}

#[tokio::test]
async fn a_bad_period_is_explained_at_its_field_and_this_month_is_shown() {
    let app = spawn().await;
    app.login_as(Role::Manager).await;
    let this_month = app.running.app.today().to_string()[..7].to_owned();
    for (query, field) in [("month=2026-13", "month"), ("year=26", "year"), ("from=2026-05&to=2026-02", "to")] {
        let page = app.get(&format!("/staff/reports?{query}")).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(page.body.contains(&format!(r#"id="{field}-error""#)), "{query}: the message is tied to {field}");
        assert!(page.body.contains(&format!("報告 {this_month}")), "{query}: this month is shown");
    }
    let page = app.get("/staff/reports/2026-13.csv").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let page = app.get("/staff/reports/2020-01_2022-01.xlsx").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "files cover a year at most");
    app.running.shutdown().await;
}
