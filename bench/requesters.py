"""Files N requests on the public form as people would, confirms each from
the e-mail the server wrote to its outbox folder, and prints one line per
requester: the status page's cookies and path (for bench/status.lua).

    python3 bench/requesters.py BASE OUTBOX_DIR N
"""
import email
import email.policy
import glob
import http.cookiejar
import os
import re
import sys
import time
import urllib.parse
import urllib.request

base, outbox, n = sys.argv[1], sys.argv[2], int(sys.argv[3])


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def opener():
    jar = http.cookiejar.CookieJar()
    o = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    return o, jar


def fetch(o, path, data=None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        r = o.open(base + path, body, timeout=30)
        return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def token_of(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def confirm_link(address):
    """The confirmation link in the newest mail to `address`."""
    for _ in range(600):
        for path in sorted(glob.glob(os.path.join(outbox, "*.eml")), key=os.path.getmtime, reverse=True)[:400]:
            with open(path, "rb") as f:
                msg = email.message_from_binary_file(f, policy=email.policy.default)
            if address not in str(msg["To"]):
                continue
            text = msg.get_body(("plain",)).get_content()
            m = re.search(r"(/requests/confirm\?token=[A-Za-z0-9_\-]+)", text)
            if m:
                return m.group(1)
        time.sleep(0.1)
    raise SystemExit(f"no confirmation mail to {address}")


for i in range(n):
    o, jar = opener()
    address = f"soak-{os.getpid()}-{i}@example.jp"
    _, _, html = fetch(o, "/requests/new")
    form = {
        "kind": "disclosure", "subject_name": "山田 太郎", "contact_email": address, "filer": "self",
        "delivery": "electronic", "details": "開示を求めます。", "consent": "yes", "website": "",
        "csrf_token": token_of(html),
    }
    status, _, _ = fetch(o, "/requests", form)
    assert status == 303, status
    link = confirm_link(address)
    _, _, html = fetch(o, link)
    token = urllib.parse.parse_qs(urllib.parse.urlparse(link).query)["token"][0]
    status, headers, _ = fetch(o, "/requests/confirm", {"token": token, "csrf_token": token_of(html)})
    assert status == 303, status
    path = headers["Location"].split("?")[0]
    status, _, _ = fetch(o, path)
    assert status == 200, (status, path)
    # Every cookie the browser holds, as one header value without spaces.
    cookie = ";".join(f"{c.name}={c.value}" for c in jar)
    print(cookie, path, flush=True)
