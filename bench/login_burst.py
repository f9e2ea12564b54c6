#!/usr/bin/env python3
"""Fires N parallel wrong logins at a running madoguchi and reports the
server's memory: resident before, peak during (sampled every 5 ms), after.

    login_burst.py BASE_URL SERVER_PID [N]

Each login comes from its own forwarded address (the server must trust
127.0.0.1 as a proxy) at an unknown account, so no throttle stops it: every
one wants an argon2id hash of 19 MiB (issue 12, item 1)."""
import http.cookiejar, sys, threading, time, urllib.parse, urllib.request, re

base, pid = sys.argv[1], int(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 100

def rss_kb():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None

openers, tokens = [], []
for i in range(n):
    jar = http.cookiejar.CookieJar()
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = op.open(f"{base}/staff/login").read().decode()
    tokens.append(re.search(r'name="csrf_token" value="([^"]*)"', page).group(1))
    openers.append(op)

statuses, peak, sampling = [], [rss_kb()], [True]
before = peak[0]

def sample():
    while sampling[0]:
        peak[0] = max(peak[0], rss_kb())
        time.sleep(0.005)

barrier = threading.Barrier(n)

def login(i):
    body = urllib.parse.urlencode({"email": f"nobody{i}@example.jp", "password": "a wrong password for sure",
                                   "csrf_token": tokens[i]}).encode()
    req = urllib.request.Request(f"{base}/staff/login", data=body,
                                 headers={"X-Forwarded-For": f"198.51.{i // 250}.{i % 250 + 1}"})
    barrier.wait()
    try:
        statuses.append(openers[i].open(req).status)
    except urllib.error.HTTPError as e:
        statuses.append(e.code)

s = threading.Thread(target=sample); s.start()
t0 = time.time()
threads = [threading.Thread(target=login, args=(i,)) for i in range(n)]
for t in threads: t.start()
for t in threads: t.join()
took = time.time() - t0
time.sleep(0.2)
sampling[0] = False; s.join()
after = rss_kb()
checked, busy = statuses.count(401), statuses.count(429)
print(f"{before/1024:.1f} {peak[0]/1024:.1f} {after/1024:.1f} {checked} {busy} {n - checked - busy} {took:.2f}")
