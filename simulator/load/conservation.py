"""Conservation under load, when the target is mock Spideo: every message the workers
counted as accepted is in the mock's journal exactly once.

The workers count, for each message answered 2xx, its messageId into a count and an
order-free 64-bit digest (a sum of hashes); here the mock's journal, read through its
admin export, gives the messages it recorded or ignored on first sight during the run
(the setup check's excluded), and the two must agree: the same count, the same digest,
no messageId twice. A target that is not the mock (no /__admin/health of the mock) is
not checked, and the summary says so.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import orjson
import urllib3

from simulator.load.tally import Tally, digest_of

__all__ = ["Conservation", "check_conservation"]

_FIRST_SIGHT = frozenset({"recorded", "ignored"})
_MASK = (1 << 64) - 1


@dataclass(frozen=True)
class Conservation:
    """The check's result: `checked` False when the target is not the mock."""

    checked: bool
    ok: bool
    line: str
    journal: int = 0
    accepted: int = 0


def check_conservation(base: str, client: str, tally: Tally, since: float,
                       admin_token: str | None = None) -> Conservation:
    """Compare the workers' account with the mock's journal at `base` (journal rows at
    or after `since`, wall-clock seconds, are the run's)."""
    http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=120))
    headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
    status, body = 0, None
    try:
        health = http.request("GET", f"{base}/__admin/health", headers=headers)
        status = health.status
        body = orjson.loads(health.data) if status == 200 else None
    except (urllib3.exceptions.HTTPError, orjson.JSONDecodeError):
        pass
    if not isinstance(body, dict) or "journal" not in body:
        hint = (" (the mock's admin API wants its token: --admin-token)"
                if status in (401, 403) else "")
        return Conservation(False, True, "conservation: not checked, the target is not "
                            f"mock Spideo{hint}", accepted=tally.accepted)
    export = http.request("GET", f"{base}/__admin/export?what=requests&format=jsonl",
                          headers=headers, preload_content=False)
    seen: Counter[str] = Counter()
    digest = 0
    for row in _rows(export):
        message_id = row.get("message_id")
        if (row.get("status") == 200 and row.get("outcome") in _FIRST_SIGHT
                and row.get("client") == client and (row.get("at") or 0) >= since
                and isinstance(message_id, str) and not message_id.startswith("setup-")):
            seen[message_id] += 1
            if seen[message_id] == 1:
                digest = (digest + digest_of(message_id)) & _MASK
    twice = sum(1 for count in seen.values() if count > 1)
    journal = len(seen)
    ok = journal == tally.accepted and digest == tally.accepted_digest and twice == 0
    if ok:
        line = (f"conservation: OK, the {tally.accepted} messages accepted are in the "
                "journal exactly once")
    else:
        line = (f"conservation: FAILED, {tally.accepted} messages accepted, {journal} in the "
                f"journal, {twice} twice" + ("" if journal != tally.accepted or twice else
                                             ", and not the same messages"))
    return Conservation(True, ok, line, journal, tally.accepted)


def _rows(response: Any) -> Any:
    """The export's JSON lines, a line at a time."""
    buffer = b""
    for chunk in response.stream(1 << 16):
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if line.strip():
                yield orjson.loads(line)
    if buffer.strip():
        yield orjson.loads(buffer)
    response.release_conn()
