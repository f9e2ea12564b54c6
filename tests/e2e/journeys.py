"""The browser suite (issue 18): people's journeys through madoguchi in
headless Chromium, with axe-core's audit on every page they see.

    python3 tests/e2e/journeys.py BASE MAILDIR SETUP_LINK OUT_DIR AXE_JS [--main-only]

BASE is a running server (with mail to the aiosmtpd Maildir MAILDIR, and
no staff user yet: SETUP_LINK creates the first administrator). OUT_DIR gets
the screenshots (screens/), and on failure the page's screenshot and HTML.
AXE_JS is axe-core's axe.min.js. Exit status 0 when every journey passed
and no page had a serious or critical accessibility violation.
"""
import base64
import hashlib
import hmac
import mailbox
import struct
import os
import re
import sys
import time
import traceback

from playwright.sync_api import expect, sync_playwright

BASE, MAILDIR, SETUP_LINK, OUT, AXE_JS = sys.argv[1:6]
MAIN_ONLY = "--main-only" in sys.argv
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")
ADMIN = ("kanri@example.jp", "窓口の管理者パスワード 2026")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

os.makedirs(os.path.join(OUT, "screens"), exist_ok=True)
violations = []
minor = []
audited = set()


def audit(page, name):
    """axe-core on the page as it is now: serious and critical violations
    are collected (each page and language once)."""
    key = (re.sub(r"[0-9]{4}-[0-9]{6}", "{ref}", page.url.split("?")[0]), page.locator("html").get_attribute("lang"))
    if key in audited:
        return
    audited.add(key)
    page.add_script_tag(path=AXE_JS)
    result = page.evaluate(
        """async () => await axe.run(document, {
               runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })"""
    )
    state["axe_rules"] = state.get("axe_rules", 0) + len(result["passes"]) + len(result["violations"])
    for v in result["violations"]:
        if v["impact"] not in ("serious", "critical"):
            minor.append(f"{name}: {v['id']} [{v['impact']}]")
        if v["impact"] in ("serious", "critical"):
            nodes = "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"]) for n in v["nodes"][:5])
            violations.append(f"{name} ({key[1]}): {v['id']} [{v['impact']}] {v['help']} — {nodes}")


def audit_can_fail(page):
    """The audit itself is checked once: an image without its text and a
    field without its label, put on the page, are found."""
    page.evaluate("""() => { const d = document.createElement('div'); d.id = 'axe-self-test';
        d.innerHTML = '<img src="/static/none.png"><input type="text">'; document.body.appendChild(d); }""")
    page.add_script_tag(path=AXE_JS)
    result = page.evaluate("async () => await axe.run('#axe-self-test')")
    found = {v["id"] for v in result["violations"]}
    assert {"image-alt", "label"} <= found, f"axe-core finds what it should: {found}"
    page.evaluate("() => document.getElementById('axe-self-test').remove()")


def shot(page, name):
    page.screenshot(path=os.path.join(OUT, "screens", f"{name}.png"), full_page=True)


def seen(page, name):
    """Every page a journey reaches: audited, and photographed."""
    audit(page, name)
    shot(page, name)


def mail_to(address, subject_part="", timeout=20):
    """The text of the newest mail to `address` (its subject holding
    `subject_part`), delivered through the real SMTP server."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        box = mailbox.Maildir(MAILDIR, create=False)
        found = []
        for key in box.keys():
            msg = box[key]
            if address in (msg["To"] or "") and subject_part in decoded_subject(msg):
                found.append((box.get_file(key)._file.name, msg))
        if found:
            found.sort(key=lambda f: os.path.getmtime(f[0]))
            return text_of(found[-1][1])
        time.sleep(0.2)
    raise AssertionError(f"no mail to {address} about {subject_part!r}")


def decoded_subject(msg):
    from email.header import decode_header, make_header

    return str(make_header(decode_header(msg.get("Subject", ""))))


def text_of(msg):
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def link_in(text, path):
    m = re.search(re.escape(BASE) + re.escape(path) + r"[^\s>\"]*", text)
    assert m, f"no link to {path} in:\n{text}"
    return m.group(0)


def act(page, action, fields=None, files=None, expect_ok=True):
    """Staff open an action on the case page, fill its fields (by the ids
    `<action>-<field>`), and send it."""
    form = page.locator(f'form[action$="/{action}"]').first
    details = page.locator(f'details:has(form[action$="/{action}"])').first
    if details.count() and details.get_attribute("open") is None:
        details.locator("summary").first.click()
    for field, value in (fields or {}).items():
        el = page.locator(f"#{action}-{field}")
        tag = el.evaluate("e => e.tagName.toLowerCase()")
        if tag == "select":
            el.select_option(value)
        elif el.get_attribute("type") in ("radio", "checkbox"):
            el.check()
        else:
            el.fill(value)
    for field, path in (files or {}).items():
        page.locator(f"#{action}-{field}").set_input_files(path)
    form.locator('button[type="submit"]').first.click()
    page.wait_for_load_state()
    if expect_ok:
        assert "/staff/cases/" in page.url and page.locator(".error-summary").count() == 0, (
            f"{action} was not accepted: {page.locator('main').inner_text()[:800]}"
        )


def journey(name, fn, browser, **ctx):
    context = browser.new_context(bypass_csp=True, locale=ctx.pop("locale", "ja-JP"), **ctx)
    page = context.new_page()
    t0 = time.time()
    try:
        fn(page)
        print(f"ok    {name} ({time.time() - t0:.1f} s)", flush=True)
        return True
    except Exception:
        png = os.path.join(OUT, f"failed-{name}.png")
        html = os.path.join(OUT, f"failed-{name}.html")
        try:
            page.screenshot(path=png, full_page=True)
            with open(html, "w") as f:
                f.write(page.content())
        except Exception:
            pass
        print(f"FAIL  {name}\n{traceback.format_exc()}\n  screenshot: {png}\n  page HTML:  {html}", flush=True)
        return False
    finally:
        context.close()


# ---------------------------------------------------------------- journeys

state = {}


def admin_sets_up_and_logs_in(page):
    page.set_viewport_size(DESKTOP)
    page.goto(SETUP_LINK)
    audit_can_fail(page)
    page.goto(SETUP_LINK)
    seen(page, "setup")
    page.fill("#email", ADMIN[0])
    page.fill("#display_name", "管理 花子")
    page.fill("#password", ADMIN[1])
    page.fill("#password_confirm", ADMIN[1])
    page.locator('button[type="submit"]').click()
    page.wait_for_load_state()
    login(page)
    seen(page, "staff-queue-empty")


def login(page):
    page.goto(BASE + "/staff/login")
    audit(page, "staff-login")
    page.fill("#email", ADMIN[0])
    page.fill("#password", ADMIN[1])
    page.locator('button[type="submit"]').click()
    page.wait_for_url(re.compile(r".*/staff(\?.*)?$"))


def requester_on_a_phone_files_a_disclosure_in_japanese(page):
    page.goto(BASE + "/")
    seen(page, "home-phone")
    page.locator('a[href="/requests/new"]').first.click()
    page.wait_for_url("**/requests/new")
    seen(page, "request-form-phone")
    page.locator('input[name="kind"][value="disclosure"]').check()
    page.locator('input[name="delivery"][value="electronic"]').check()
    page.fill("#subject_name", "山田 太郎")
    page.fill("#subject_name_kana", "ヤマダ タロウ")
    page.fill("#contact_email", "yamada@example.jp")
    page.locator('input[name="filer"][value="self"]').check()
    page.fill("#details", "会員サービスで保有している私の個人データの開示を求めます。")
    page.locator("#consent").check()
    page.locator('form#form button[type="submit"], form button[type="submit"]').last.click()
    page.wait_for_url("**/requests/sent*")
    seen(page, "request-sent-phone")
    confirm = link_in(mail_to("yamada@example.jp", ""), "/requests/confirm?token=")
    page.goto(confirm)
    seen(page, "confirm-phone")
    page.locator('button[type="submit"]').first.click()
    page.wait_for_url(re.compile(r".*/status/\d{4}-\d{6}.*"))
    state["reference"] = re.search(r"\d{4}-\d{6}", page.url).group(0)
    state["status_url"] = page.url
    seen(page, "status-received-phone")
    state["phone_context"] = page.context.storage_state()


def staff_ask_for_identity(page):
    page.set_viewport_size(DESKTOP)
    login(page)
    ref = state["reference"]
    page.fill('input[name="q"]', "山田")
    page.locator('form[role="search"] button, form:has(input[name="q"]) button[type="submit"]').first.click()
    page.wait_for_load_state()
    seen(page, "staff-search")
    page.locator(f'a[href="/staff/cases/{ref}"]').first.click()
    page.wait_for_url(f"**/staff/cases/{ref}")
    seen(page, "staff-case-received")
    act(page, "request-identity", {"target": "subject"})


def requester_uploads_an_identity_photo(page):
    page.goto(state["status_url"].split("?")[0])
    seen(page, "status-awaiting-phone")
    page.locator("#target").select_option("subject")
    page.locator("#doc_type").select_option("drivers_license")
    page.locator("#file").set_input_files(os.path.join(FIXTURES, "id-with-gps.jpg"))
    page.locator('form.upload button[type="submit"]').click()
    page.wait_for_load_state()
    seen(page, "status-uploaded-phone")
    assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()


def staff_verify_fee_start_and_grant(page):
    page.set_viewport_size(DESKTOP)
    login(page)
    ref = state["reference"]
    page.goto(f"{BASE}/staff/cases/{ref}")
    act(page, "verify-identity", {"target": "subject", "method": "document_upload"})
    # The fee the settings schedule for this kind is filled in already.
    page.locator('details:has(form[action$="/request-fee"]) > summary').first.click()
    fee = page.locator("#request-fee-amount").input_value()
    assert fee, "the scheduled fee is offered"
    act(page, "request-fee")
    seen(page, "staff-case-fee-asked")
    act(page, "record-payment", {"amount": fee, "method": "bank_transfer"})
    act(page, "start")
    act(page, "attach-result", {"label": "保有個人データの写し"}, files={"file": os.path.join(FIXTURES, "jp-holidays-2024-2027.csv")})
    act(page, "close", {"outcome": "granted"})
    seen(page, "staff-case-closed")


def requester_downloads_the_result(page):
    page.goto(state["status_url"].split("?")[0])
    seen(page, "status-closed-phone")
    with page.expect_download() as d:
        page.locator('section.results a[download]').first.click()
    assert d.value.suggested_filename, "a file came"


def bad_input_is_kept_and_each_error_leads_to_its_field(page):
    page.goto(BASE + "/requests/new")
    seen(page, "request-form-desktop")
    # The empty form: one error per required field, each a link to its field.
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    assert page.evaluate("() => document.activeElement.id") == "error-summary", "the summary takes the focus"
    links = summary.locator("a")
    assert links.count() >= 6, f"one link per missing field: {summary.inner_text()}"
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href")
        links.nth(i).click()
        assert page.evaluate(
            "(sel) => { const t = document.querySelector(sel); const a = document.activeElement; return t === a || t.contains(a); }",
            href,
        ), f"following {href} puts the focus in that field"
    # Part of it typed, with a bad address: what was typed stays.
    page.fill("#subject_name", "佐藤 花子")
    page.fill("#details", "改行を\n含む詳細")
    page.fill("#contact_email", "sato@example")
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_load_state()
    seen(page, "request-form-errors")
    assert page.locator("#subject_name").input_value() == "佐藤 花子", "what was typed is kept"
    assert "改行を" in page.locator("#details").input_value()
    assert page.locator("#contact_email").input_value() == "sato@example"
    assert page.locator("#contact_email").get_attribute("aria-invalid") == "true"
    links = page.locator(".error-summary a")
    assert links.count() >= 3, "one link per field still wrong"
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href")
        links.nth(i).click()
        target = page.locator(href)
        focused = page.evaluate("() => document.activeElement && (document.activeElement.id || document.activeElement.name)")
        assert target.count() == 1, f"{href} names a field"
        assert page.evaluate(
            "(sel) => { const t = document.querySelector(sel); const a = document.activeElement; return t === a || t.contains(a); }",
            href,
        ), f"following {href} puts the focus in that field (focus: {focused})"
    page.locator('input[name="kind"][value="complaint"]').check()
    page.fill("#contact_email", "sato@example.jp")
    page.locator('input[name="filer"][value="self"]').check()
    page.locator("#consent").check()
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_url("**/requests/sent*")


def keyboard_alone_reaches_every_control_of_the_form(page):
    page.goto(BASE + "/requests/new")
    seen_ids = []
    for _ in range(80):
        page.keyboard.press("Tab")
        info = page.evaluate(
            """() => { const a = document.activeElement; if (!a || a === document.body) return null;
                 const s = getComputedStyle(a); return [a.tagName, a.id || a.name || a.textContent.trim().slice(0, 20),
                 // Inside a native control (a date field's calendar button) the browser draws its own ring.
                 !a.matches(':focus') || s.outlineStyle !== 'none' || s.boxShadow !== 'none']; }"""
        )
        if info is None:
            continue
        tag, ident, visible = info
        assert visible, f"{tag} {ident} shows where the focus is"
        if seen_ids and ident == seen_ids[0] and len(seen_ids) > 5:
            break
        seen_ids.append(ident)
    for must in ["subject_name", "contact_email", "details", "consent"]:
        assert must in seen_ids, f"{must} is reached by the keyboard: {seen_ids}"


def agent_files_for_someone_else_in_english(page):
    page.goto(BASE + "/requests/new?lang=en")
    seen(page, "request-form-en")
    page.locator('input[name="kind"][value="correction"]').check()
    page.fill("#subject_name", "Maria Suzuki")
    page.fill("#contact_email", "agent@example.com")
    page.locator('input[name="filer"][value="appointed_agent"]').check()
    page.fill("#agent_name", "Ken Tanaka")
    page.fill("#agent_relationship", "Lawyer")
    page.fill("#details", "Please correct the address you hold for my client.")
    page.locator("#consent").check()
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_url("**/requests/sent*")
    seen(page, "request-sent-en")
    text = mail_to("agent@example.com", "")
    page.goto(link_in(text, "/requests/confirm?token="))
    seen(page, "confirm-en")
    page.locator('button[type="submit"]').first.click()
    page.wait_for_url(re.compile(r".*/status/\d{4}-\d{6}.*"))
    seen(page, "status-en")
    page.goto(BASE + "/staff/login?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    audit(page, "staff-login-en")


def manager_and_admin_pages(page):
    page.set_viewport_size(DESKTOP)
    login(page)
    for path, name in [
        ("/staff/reports", "staff-reports"),
        ("/staff/deadlines", "staff-deadlines"),
        ("/staff/access-log", "staff-access-log"),
        ("/staff/account", "staff-account"),
        ("/staff/intake", "staff-intake"),
        ("/admin/users", "admin-users"),
        ("/admin/settings", "admin-settings"),
        ("/admin/api-tokens", "admin-api-tokens"),
        ("/admin/webhooks", "admin-webhooks"),
        ("/admin/outbox", "admin-outbox"),
        ("/admin/inventory", "admin-inventory-empty"),
        ("/staff/provisions", "staff-provisions-empty"),
    ]:
        page.goto(BASE + path)
        assert page.locator("h1").count() >= 1, path
        seen(page, name)
    # Every staff page again in English (audited; the screenshots stay Japanese).
    for path, name in [("/staff?lang=en", "staff-queue-en"), ("/staff/reports", "staff-reports-en"),
                       ("/staff/deadlines", "staff-deadlines-en"), ("/staff/access-log", "staff-access-log-en"),
                       ("/staff/account", "staff-account-en"), ("/staff/intake", "staff-intake-en"),
                       ("/admin/users", "admin-users-en"), ("/admin/settings", "admin-settings-en"),
                       ("/admin/api-tokens", "admin-api-tokens-en"), ("/admin/webhooks", "admin-webhooks-en"),
                       ("/admin/outbox", "admin-outbox-en"), (f"/staff/cases/{state['reference']}", "staff-case-en"),
                       ("/admin/inventory", "admin-inventory-en"), ("/staff/provisions", "staff-provisions-en")]:
        page.goto(BASE + path)
        assert page.locator("html").get_attribute("lang") == "en", path
        audit(page, name)
    page.goto(BASE + "/staff?lang=ja")


def the_inventory_plans_a_search_and_provision_records_reach_their_case(page):
    page.set_viewport_size(DESKTOP)
    login(page)
    page.goto(BASE + "/admin/inventory")
    page.fill("#name", "顧客管理システム")
    page.locator("#owner").select_option(label=f"管理 花子（{ADMIN[0]}）")
    page.fill("#categories", "氏名、住所、電話番号、購入履歴")
    page.fill("#purposes", "商品の発送とお問い合わせへの回答のため")
    page.fill("#retention", "最終取引から5年")
    page.fill("#location", "us")
    page.locator('input[name="kinds"][value="disclosure"]').check()
    page.locator('input[name="kinds"][value="provision_record"]').check()
    page.locator('form[action="/admin/inventory"] button[type="submit"]').click()
    page.wait_for_load_state()
    assert page.locator('[data-system="顧客管理システム"]').count() == 1, page.locator("main").inner_text()[:800]
    seen(page, "admin-inventory")
    page.goto(BASE + "/")
    assert "最終取引から5年" in page.locator("main").inner_text(), "the public page tells the retention"
    seen(page, "home-with-inventory")

    page.goto(BASE + "/staff/provisions")
    page.locator('input[name="direction"][value="provided"]').check()
    page.fill("#on_date", "2026-04-01")
    page.fill("#counterparty", "株式会社配送センター")
    page.fill("#subject", "佐藤 花子")
    page.fill("#subject_birth_date", "1985-05-05")
    page.fill("#items", "氏名、住所、電話番号")
    page.locator('input[name="basis"][value="consent"]').check()
    page.locator('form[action="/staff/provisions"][method="post"] button[type="submit"]').click()
    page.wait_for_load_state()
    assert page.locator("[data-provision]").count() == 1, page.locator("main").inner_text()[:800]
    seen(page, "staff-provisions")

    # A provision-record request taken in at the counter lists the record and plans the search.
    page.goto(BASE + "/staff/intake")
    page.locator("#channel").select_option("post")
    page.locator('input[name="kind"][value="provision_record"]').check()
    if page.locator('input[name="delivery"][value="postal"]').count():
        page.locator('input[name="delivery"][value="postal"]').check()
    page.fill("#subject_name", "佐藤 花子")
    page.fill("#subject_birth_date", "1985-05-05")
    page.fill("#subject_postal_code", "150-0001")
    page.fill("#subject_address", "東京都渋谷区神宮前1-2-3")
    page.locator('input[name="filer"][value="self"]').check()
    page.fill("#details", "第三者に提供した記録の開示を求めます。")
    page.locator('form#form button[type="submit"]').click()
    page.wait_for_url(re.compile(r".*/staff/cases/\d{4}-\d{6}$"))
    task = page.locator('li[data-task="顧客管理システム"]')
    assert task.get_attribute("data-task-status") == "open", "the search is planned"
    assert page.locator('table[data-provisions="1"]').count() == 1, "the person's record is listed"
    seen(page, "staff-case-checklist")
    task.locator('input[name="status"][value="not_applicable"]').check()
    task.locator('button[type="submit"]').click()
    page.wait_for_load_state()
    link = page.locator(".error-summary a[href$='-note']")
    assert link.count() == 1, "not applicable asks why"
    link.click()
    note = page.locator("textarea:focus")
    assert note.get_attribute("aria-invalid") == "true", "the error leads to its field"
    seen(page, "staff-case-checklist-error")
    note.fill("配送記録のみで該当データなし")
    page.locator('li[data-task="顧客管理システム"] button[type="submit"]').click()
    page.wait_for_load_state()
    assert page.locator('li[data-task="顧客管理システム"]').get_attribute("data-task-status") == "not_applicable"


STAFF = ("tanto@example.jp", "担当者のパスワード 2026 春")
MANAGER = ("bucho@example.jp", "部長のパスワード 2026 夏")


def totp(secret_base32, at=None):
    """RFC 6238 (SHA-1, 30 s, 6 digits), as an authenticator app computes it."""
    key = base64.b32decode(secret_base32.replace(" ", "").upper() + "=" * (-len(secret_base32.replace(" ", "")) % 8))
    counter = int((at or time.time()) // 30)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    return f"{(struct.unpack('>I', mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def login_as(page, who, code_of=None):
    page.goto(BASE + "/staff/login")
    page.fill("#email", who[0])
    page.fill("#password", who[1])
    page.locator('main button[type="submit"]').first.click()
    page.wait_for_load_state()
    if "/staff/login/totp" in page.url:
        seen(page, "staff-login-totp")
        page.fill("#code", code_of())
        page.locator('main button[type="submit"]').first.click()
        page.wait_for_load_state()
    assert re.search(r"/staff(\?.*)?$", page.url), f"logged in: {page.url}"


def admin_adds_staff_and_a_manager_and_changes_a_setting(page):
    page.set_viewport_size(DESKTOP)
    login(page)
    for (email, password), name, role in [(STAFF, "担当 一郎", "staff"), (MANAGER, "部長 次郎", "manager")]:
        page.goto(BASE + "/admin/users")
        form = page.locator('form[action="/admin/users"]')
        form.locator("#email").fill(email)
        form.locator("#display_name").fill(name)
        form.locator("#role").select_option(role)
        form.locator("#password").fill(password)
        form.locator('button[type="submit"]').click()
        page.wait_for_load_state()
        assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()[:500]
    page.goto(BASE + "/admin/settings")
    hours = "平日 9:00〜17:00（年末年始を除く）"
    page.fill("#window_hours", hours)
    page.locator('main form button[type="submit"]').last.click()
    page.wait_for_load_state()
    page.goto(BASE + "/")
    assert hours in page.locator("main").inner_text(), "the new opening hours are on the public page"
    seen(page, "home-desktop")
    page.goto(BASE + "/?lang=en")
    seen(page, "home-en")
    for path, name in [("/status/resend?lang=en", "resend-en"), ("/requests/print?lang=en", "print-en"),
                       ("/status/resend", "resend"), ("/requests/print", "print")]:
        page.goto(BASE + path)
        seen(page, name)


def staff_with_two_factor_are_told_a_refusal_needs_a_manager_who_signs_it(page):
    page.set_viewport_size(DESKTOP)
    login_as(page, STAFF)
    page.goto(BASE + "/staff/account")
    page.locator('form[action="/staff/account/totp/start"] button').click()
    page.wait_for_load_state()
    seen(page, "staff-account-totp-enrol")
    secret = page.locator("[data-totp-secret]").inner_text()
    page.fill("#code", totp(secret))
    page.locator('form[action="/staff/account/totp/confirm"] button').click()
    page.wait_for_load_state()
    assert page.locator("[data-recovery-codes] li").count() >= 8, "recovery codes are shown once"
    used = int(time.time() // 30)
    page.locator('form[action="/staff/logout"] button').click()
    page.wait_for_load_state()
    # A code is taken once: the next one comes with the next half-minute.
    while int(time.time() // 30) == used:
        time.sleep(0.5)
    login_as(page, STAFF, code_of=lambda: totp(secret))

    page.goto(BASE + "/staff/intake")
    seen(page, "staff-intake-form")
    page.locator('input[name="kind"][value="correction"]').check()
    page.fill("#subject_name", "高橋 三郎")
    page.locator('input[name="filer"][value="self"]').check()
    page.fill("#details", "電話：住所の訂正を求める。")
    page.locator("#channel").select_option("phone")
    page.locator('main form button[type="submit"]').last.click()
    page.wait_for_url(re.compile(r".*/staff/cases/\d{4}-\d{6}$"))
    case_url = page.url

    def refuse(p):
        p.goto(case_url)
        p.locator('details:has(form[action$="/close"]) > summary').first.click()
        p.locator("#close-outcome").select_option("refused")
        p.locator("#close-reasons input[type=checkbox]").first.check()
        p.fill("#close-explanation", "訂正の対象となる記録を保有していないため、ご請求に応じられません。")
        p.locator('form[action$="/close"] button[type="submit"]').first.click()
        p.wait_for_load_state()

    refuse(page)
    assert "管理者の承認が必要です" in page.locator("main").inner_text(), "the staff member is told a manager must sign"
    assert page.locator("#close-explanation").input_value().startswith("訂正の対象"), "what was typed is kept"
    seen(page, "staff-case-refusal-needs-manager")
    manager = page.context.browser.new_context(bypass_csp=True, locale="ja-JP", viewport=DESKTOP).new_page()
    login_as(manager, MANAGER)
    refuse(manager)
    assert manager.url == case_url, manager.locator("main").inner_text()[:600]
    assert "完了" in manager.locator("main").inner_text(), "the case is closed"
    seen(manager, "staff-case-refused")
    # The manager takes the month's report, as CSV and as a workbook.
    manager.goto(BASE + "/staff/reports")
    with manager.expect_download() as d:
        manager.locator('button[formaction$=".csv"]').first.click()
    assert d.value.suggested_filename.endswith(".csv"), d.value.suggested_filename
    with manager.expect_download() as d:
        manager.locator('form.downloads button[type="submit"]:not([formaction])').first.click()
    assert d.value.suggested_filename.endswith(".xlsx"), d.value.suggested_filename
    manager.context.close()


def the_keyboard_reaches_every_action_of_the_case_page(page):
    page.set_viewport_size(DESKTOP)
    login(page)
    page.goto(f"{BASE}/staff/cases/{state['reference']}")
    summaries = page.locator("details > summary").count()
    reached, steps = set(), 0
    while steps < 400:
        page.keyboard.press("Tab")
        steps += 1
        info = page.evaluate(
            """() => { const a = document.activeElement; if (!a || a === document.body) return null;
                 const s = getComputedStyle(a);
                 return [a.tagName, a.textContent.trim().slice(0, 30), !a.matches(':focus') || s.outlineStyle !== 'none'
                         || s.boxShadow !== 'none']; }"""
        )
        if info is None:
            if reached:
                break
            continue
        assert info[2], f"{info[0]} {info[1]!r} shows where the focus is"
        if info[0] == "SUMMARY":
            reached.add(info[1])
    assert len(reached) == summaries, f"every action is reached by Tab ({len(reached)} of {summaries})"
    # Enter opens an action, and its first field takes the typing.
    page.locator("details > summary").first.focus()
    page.keyboard.press("Enter")
    assert page.locator("details[open]").count() >= 1, "Enter opens the action"


def main():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        phone = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
        results = [journey("an administrator is set up and logs in", admin_sets_up_and_logs_in, browser)]
        results.append(journey("a requester on a phone files a disclosure in Japanese",
                               requester_on_a_phone_files_a_disclosure_in_japanese, browser, **phone))
        results.append(journey("staff find the case by search and ask for identity", staff_ask_for_identity, browser))
        phone_again = dict(phone, storage_state=state.get("phone_context"))
        results.append(journey("the requester uploads an identity photo from the phone",
                               requester_uploads_an_identity_photo, browser, **phone_again))
        results.append(journey("staff verify, ask a fee, record it, start, attach the result and grant",
                               staff_verify_fee_start_and_grant, browser))
        results.append(journey("the requester downloads the result", requester_downloads_the_result, browser, **phone_again))
        if not MAIN_ONLY:
            results.append(journey("bad input is kept and each error leads to its field",
                                   bad_input_is_kept_and_each_error_leads_to_its_field, browser))
            results.append(journey("the keyboard alone reaches every control of the form",
                                   keyboard_alone_reaches_every_control_of_the_form, browser))
            results.append(journey("an agent files for someone else in English",
                                   agent_files_for_someone_else_in_english, browser, locale="en-GB"))
            results.append(journey("manager and admin pages", manager_and_admin_pages, browser))
            results.append(journey("an admin adds staff and a manager and changes a setting seen on the public page",
                                   admin_adds_staff_and_a_manager_and_changes_a_setting, browser))
            results.append(journey("staff with two-factor sign-in are told a refusal needs a manager, who signs it",
                                   staff_with_two_factor_are_told_a_refusal_needs_a_manager_who_signs_it, browser))
            results.append(journey("the keyboard reaches every action of the case page",
                                   the_keyboard_reaches_every_action_of_the_case_page, browser))
            results.append(journey("the inventory plans a search, and provision records reach their case",
                                   the_inventory_plans_a_search_and_provision_records_reach_their_case, browser))
        browser.close()
    print(f"{sum(results)}/{len(results)} journeys passed; {len(audited)} pages audited by axe-core "
          f"({state.get('axe_rules', 0)} rule checks; {len(minor)} moderate or minor findings)")
    for m in sorted(set(minor)):
        print("axe (moderate/minor)  " + m)
    for v in violations:
        print("AXE  " + v)
    if violations:
        print(f"{len(violations)} serious or critical accessibility violations")
    print(f"screenshots: {os.path.join(OUT, 'screens')}")
    return 0 if all(results) and not violations else 1


if __name__ == "__main__":
    sys.exit(main())
