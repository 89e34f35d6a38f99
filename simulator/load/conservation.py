"""Conservation under load, when the target is mock Spideo: every message the workers
counted as accepted is in the mock's journal exactly once.

The workers keep a 64-bit hash of each distinct messageId answered 2xx (recorded,
ignored, or a duplicate of one seen before, by this run or an earlier one) and send them
to the master; here the mock's journal, read through its admin export, gives every
message it recorded or ignored on first sight, and each accepted messageId must be there
exactly once. A target that is not the mock (no /__admin/health of the mock) is
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


@dataclass(frozen=True)
class Conservation:
    """The check's result: `checked` False when the target is not the mock."""

    checked: bool
    ok: bool
    line: str
    journal: int = 0  # accepted messages found in the journal
    accepted: int = 0


def check_conservation(base: str, client: str, tally: Tally,
                       admin_token: str | None = None) -> Conservation:
    """Compare the workers' account with the mock's journal at `base`: each accepted
    messageId must have exactly one first sight (recorded or ignored) for the client."""
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
    recorded: Counter[int] = Counter()  # first sights in the whole journal, by messageId hash
    for row in _rows(export):
        message_id = row.get("message_id")
        if (row.get("status") == 200 and row.get("outcome") in _FIRST_SIGHT
                and row.get("client") == client and isinstance(message_id, str)):
            recorded[digest_of(message_id)] += 1
    missing = sum(1 for digest in tally.accepted_ids if not recorded[digest])
    twice = sum(1 for digest in tally.accepted_ids if recorded[digest] > 1)
    ok = missing == 0 and twice == 0 and len(tally.accepted_ids) == tally.accepted
    if ok:
        line = (f"conservation: OK, the {tally.accepted} messages accepted are each in the "
                "journal exactly once")
    else:
        line = (f"conservation: FAILED, of the {tally.accepted} messages accepted, {missing} "
                f"are not in the journal and {twice} are in it more than once (a mock that "
                "keeps only its newest requests, max_requests, cannot be checked)")
    return Conservation(True, ok, line, len(tally.accepted_ids) - missing, tally.accepted)


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
