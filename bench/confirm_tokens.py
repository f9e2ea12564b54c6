"""Prints the confirmation tokens of the e-mails written to OUTBOX_DIR since
SINCE (seconds since the epoch), one per line: the links the intake run's
submissions were sent, for bench/confirm.lua.

    python3 bench/confirm_tokens.py OUTBOX_DIR SINCE
"""
import email
import email.policy
import os
import re
import sys

outbox, since = sys.argv[1], float(sys.argv[2])
link = re.compile(r"/requests/confirm\?token=([A-Za-z0-9_\-]+)")
seen = set()
with os.scandir(outbox) as entries:
    for entry in entries:
        if not entry.name.endswith(".eml") or entry.stat().st_mtime < since:
            continue
        with open(entry.path, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        body = msg.get_body(("plain",))
        m = link.search(body.get_content()) if body is not None else None
        if m and m.group(1) not in seen:
            seen.add(m.group(1))
            print(m.group(1))
