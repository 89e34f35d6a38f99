"""The journal: everything the mock received and recorded, in SQLite.

One store serves both write paths (the direct-destination endpoint and the REST API) and
every read API. In memory by default; with a file (WAL mode) it survives a restart. A
lock makes it safe under the WSGI server's threads.

In memory, the transactions of many requests are grouped into one SQLite transaction,
each request a savepoint of its own (released, or rolled back alone): what is recorded
is the same, and an in-memory SQLite COMMIT costs time in proportion to the size of the
whole database (measured: 35 us at 35,000 pages), which a long run would pay on every
request. A file journal commits every request, in a write transaction taken at its
start (BEGIN IMMEDIATE), so that several processes can share one file (`spideo-sim mock
--processes N`): SQLite serialises their writes, a writer waits for the lock (up to
BUSY_TIMEOUT_S) instead of failing, and a messageId's first sight and its records land
in one transaction, so duplicate detection stays exact across processes.

Long runs stay flat in memory: with `max_requests`, only the newest request rows (and
their problem rows) are kept, while the counts of what was dropped are kept exactly, so
`stats()` and `problem_summary()` still count every request and problem. Seen messageIds
are kept compactly (a canonical UUID as its 16 bytes), for duplicates to be found across
the whole run.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from mock_spideo.engine.mapping import Interaction, UserProperty
from mock_spideo.engine.problems import Problem
from mock_spideo.errors import SpideoSimError

__all__ = ["BUSY_TIMEOUT_S", "SEGMENT_REQUESTS", "Journal", "JournalError"]

# How long a write waits for another process's transaction on a shared file journal.
BUSY_TIMEOUT_S = 30.0

# The requests Segment delivered: POSTs to /segment (an SQL condition on `requests r`).
SEGMENT_REQUESTS = "r.method = 'POST' AND (r.path = '/segment' OR r.path LIKE '/segment?%')"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS interactions (
    id INTEGER PRIMARY KEY, client TEXT NOT NULL, user_id TEXT NOT NULL, type TEXT NOT NULL,
    content_id TEXT NOT NULL, timestamp TEXT NOT NULL, anonymous INTEGER NOT NULL DEFAULT 0,
    origin TEXT, device TEXT, distributions TEXT, progress REAL, value REAL, message_id TEXT,
    event TEXT, rule TEXT, via TEXT NOT NULL, recorded_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS interactions_user ON interactions (client, user_id);
CREATE TABLE IF NOT EXISTS user_properties (
    id INTEGER PRIMARY KEY, client TEXT NOT NULL, user_id TEXT NOT NULL, name TEXT NOT NULL,
    value TEXT NOT NULL, timestamp TEXT, source TEXT NOT NULL, message_id TEXT, rule TEXT,
    recorded_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS user_properties_user ON user_properties (client, user_id);
CREATE TABLE IF NOT EXISTS users (
    client TEXT NOT NULL, user_id TEXT NOT NULL, tracked INTEGER NOT NULL,
    PRIMARY KEY (client, user_id));
CREATE TABLE IF NOT EXISTS seen_ids (
    client TEXT NOT NULL, message_key BLOB NOT NULL, PRIMARY KEY (client, message_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY, method TEXT, path TEXT, status INTEGER, client TEXT,
    message_id TEXT, type TEXT, event TEXT, outcome TEXT, problems TEXT, duration_ms REAL,
    at REAL, user_id TEXT);
CREATE TABLE IF NOT EXISTS problems (
    id INTEGER PRIMARY KEY, request_id INTEGER, client TEXT, code TEXT, severity TEXT,
    message TEXT, message_id TEXT, at REAL, user_id TEXT);
CREATE TABLE IF NOT EXISTS catalog (
    client TEXT NOT NULL, content_id TEXT NOT NULL, item TEXT NOT NULL,
    PRIMARY KEY (client, content_id));
CREATE TABLE IF NOT EXISTS pruned_requests (
    status INTEGER PRIMARY KEY, count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pruned_outcomes (
    outcome TEXT NOT NULL, code TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (outcome, code));
CREATE TABLE IF NOT EXISTS pruned_problems (
    code TEXT NOT NULL, severity TEXT NOT NULL, count INTEGER NOT NULL, example TEXT,
    PRIMARY KEY (code, severity));
"""
_TABLES = ("interactions", "user_properties", "users", "seen_ids", "requests",
           "problems", "catalog", "request_interactions", "exchanges", "pruned_requests",
           "pruned_problems", "pruned_outcomes")
_GROUP = 1000  # units of work per SQLite transaction, in memory
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# What the UI reads besides the tables above: who sent each request and the code of its
# outcome (columns added to journals written before they existed), the interaction types
# each request recorded, and the exchange (headers, body, answer) of the latest requests,
# kept in a ring of `keep` slots so that its size is bounded whatever the traffic.
_ADDED_COLUMNS = {"requests": ("user_id TEXT", "code TEXT"), "problems": ("user_id TEXT",)}
_UI_SCHEMA = """
CREATE TABLE IF NOT EXISTS request_interactions (
    type TEXT NOT NULL, request_id INTEGER NOT NULL, PRIMARY KEY (type, request_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS request_interactions_request ON request_interactions (request_id);
CREATE TABLE IF NOT EXISTS exchanges (
    slot INTEGER PRIMARY KEY, request_id INTEGER NOT NULL, headers TEXT NOT NULL,
    body BLOB, body_size INTEGER NOT NULL, answer BLOB, answer_size INTEGER NOT NULL,
    answer_type TEXT);
"""
# The feed's filters over millions of requests: one index each (SQLite appends the rowid,
# so `WHERE user_id = ? AND id < ? ORDER BY id DESC` walks one index range). Built only
# when the UI is on (they cost each request write a few microseconds).
_FEED_INDEXES = """
CREATE INDEX IF NOT EXISTS requests_user ON requests (user_id);
CREATE INDEX IF NOT EXISTS requests_event ON requests (event);
CREATE INDEX IF NOT EXISTS requests_type ON requests (type);
CREATE INDEX IF NOT EXISTS requests_outcome ON requests (outcome);
CREATE INDEX IF NOT EXISTS requests_code ON requests (code);
CREATE INDEX IF NOT EXISTS requests_message ON requests (message_id);
CREATE INDEX IF NOT EXISTS problems_code ON problems (code, request_id);
CREATE INDEX IF NOT EXISTS interactions_message ON interactions (client, message_id);
CREATE INDEX IF NOT EXISTS user_properties_message ON user_properties (client, message_id);
"""
BODY_CAP = 64 * 1024  # bytes of a body or answer kept for the UI; the size says if cut


def _where(filters: dict[str, Any], since: tuple[str, Any] | None = None,
           after: int | None = None) -> tuple[str, list[Any]]:
    """A WHERE clause matching every filter given (None: no filter), and its parameters;
    `since` is (column, lowest value); `after`, a keyset cursor: ids above it."""
    clauses = [f"{column} = ?" for column, value in filters.items() if value is not None]
    params = [value for value in filters.values() if value is not None]
    if since is not None and since[1] is not None:
        clauses.append(f"{since[0]} >= ?")
        params.append(since[1])
    if after is not None:
        clauses.append("id > ?")
        params.append(after)
    return (f"WHERE {' AND '.join(clauses)}" if clauses else ""), params


class JournalError(SpideoSimError, ValueError):
    """A journal file that cannot be opened or used as a journal."""


class Journal:
    """Thread-safe record of requests, problems, interactions and user properties."""

    def __init__(self, path: str | Path | None = None, max_requests: int | None = None, *,
                 feed_indexes: bool = False) -> None:
        self.path = str(path) if path else ":memory:"
        self.max_requests = max_requests
        self.generation = 0  # how many resets: ids start again at 1 after one
        self._oldest_request: int | None = None  # lowest request id kept, once known
        self._lock = threading.RLock()
        # In memory, commit once per _GROUP units of work (see the module docstring).
        self._group = _GROUP if self.path == ":memory:" else 1
        self._grouped = 0  # units released in the open SQLite transaction
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False,
                                       isolation_level=None, timeout=BUSY_TIMEOUT_S)
            self._db.row_factory = sqlite3.Row
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._add_columns()
            self._db.executescript(_UI_SCHEMA)
            if feed_indexes:
                self._db.executescript(_FEED_INDEXES)
            self._migrate_seen_messages()
        except sqlite3.Error as exc:
            raise JournalError(f"cannot open the journal {self.path}: {exc} (give a writable "
                               "SQLite file, or none to keep the journal in memory)") from None

    def _add_columns(self) -> None:
        for table, columns in _ADDED_COLUMNS.items():
            have = {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                if column.split()[0] not in have:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")

    def _migrate_seen_messages(self) -> None:
        """A journal file from before seen_ids keeps its seen messageIds."""
        if not self._query("SELECT 1 FROM sqlite_master WHERE name = 'seen_messages'"):
            return
        with self.transaction() as db:
            rows = db.execute("SELECT client, message_id FROM seen_messages").fetchall()
            db.executemany("INSERT OR IGNORE INTO seen_ids VALUES (?, ?)",
                           [(client, _message_key(mid)) for client, mid in rows])
            db.execute("DROP TABLE seen_messages")

    def transaction(self) -> _Transaction:
        """One atomic unit of writes (a request's records land together or not at all)."""
        return _Transaction(self)

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, tuple(params)).fetchall()

    def _count(self, sql: str, params: Iterable[Any] = ()) -> int:
        return int(self._query(sql, params)[0][0])

    def close(self) -> None:
        with self._lock:
            if self._db.in_transaction:
                self._db.execute("COMMIT")
            self._db.close()

    # --- writes ---------------------------------------------------------------------

    def first_sight(self, db: sqlite3.Connection, client: str, message_id: str) -> bool:
        """Mark a messageId as seen for a client; False if it was seen before."""
        cursor = db.execute("INSERT OR IGNORE INTO seen_ids VALUES (?, ?)",
                            (client, _message_key(message_id)))
        return cursor.rowcount == 1

    @staticmethod
    def add_interactions(db: sqlite3.Connection, client: str, items: Iterable[Interaction],
                         via: str, distributions: str | None = None) -> None:
        now = time.time()
        db.executemany(
            "INSERT INTO interactions (client, user_id, type, content_id, timestamp, anonymous,"
            " origin, device, distributions, progress, value, message_id, event, rule, via,"
            " recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(client, i.user_id, i.type, i.content_id, i.timestamp, int(i.anonymous), i.origin,
              i.device, distributions, i.progress, i.value, i.message_id, i.event, i.rule, via,
              now) for i in items])

    @staticmethod
    def add_user_properties(db: sqlite3.Connection, client: str,
                            items: Iterable[UserProperty]) -> None:
        now = time.time()
        db.executemany(
            "INSERT INTO user_properties (client, user_id, name, value, timestamp, source,"
            " message_id, rule, recorded_at) VALUES (?,?,?,?,?,?,?,?,?)",
            [(client, p.user_id, p.name, json.dumps(p.value), p.timestamp, p.source,
              p.message_id, p.rule, now) for p in items])

    def add_request(self, db: sqlite3.Connection, *, method: str, path: str, status: int,
                    client: str | None, message_id: str | None, type_: str | None,
                    event: str | None, outcome: str, problems: list[Problem],
                    duration_ms: float, user_id: str | None = None, code: str | None = None,
                    interactions: Iterable[str] = ()) -> int:
        """Journal one request; returns its id (the feed's key, newest highest). Past
        `max_requests`, the oldest request rows go (their counts are kept)."""
        now = time.time()
        cursor = db.execute(
            "INSERT INTO requests (method, path, status, client, message_id, type, event,"
            " outcome, problems, duration_ms, at, user_id, code)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (method, path, status, client, message_id, type_, event, outcome,
             _codes(problems), round(duration_ms, 3), now, user_id, code))
        request_id = int(cursor.lastrowid or 0)
        kinds = sorted(set(interactions))
        if kinds:
            db.executemany("INSERT INTO request_interactions VALUES (?, ?)",
                           [(kind, request_id) for kind in kinds])
        if problems:
            db.executemany(
                "INSERT INTO problems (request_id, client, code, severity, message, message_id,"
                " at, user_id) VALUES (?,?,?,?,?,?,?,?)",
                [(request_id, client, p.code, p.severity, p.message, message_id, now, user_id)
                 for p in problems])
        if self.max_requests is not None:
            self._keep_newest(db, self.max_requests, request_id)
        return request_id

    def add_exchange(self, request_id: int, headers: dict[str, str], body: bytes,
                     body_size: int, answer: bytes, answer_type: str | None,
                     keep: int) -> None:
        """Keep what was sent and answered for one request, in slot `request_id % keep`:
        the latest `keep` requests have theirs, older ones are overwritten (bodies are cut
        at BODY_CAP bytes; the sizes say so)."""
        if keep <= 0:
            return
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO exchanges VALUES (?,?,?,?,?,?,?,?)",
                (request_id % keep, request_id, orjson.dumps(headers), body[:BODY_CAP],
                 body_size, answer[:BODY_CAP], len(answer), answer_type))

    def _keep_newest(self, db: sqlite3.Connection, cap: int, newest: int) -> None:
        """Past `cap` request rows, drop the oldest (and their problem rows) down to 90% of
        the cap, adding what they counted to the pruned counts: at most `cap` rows are
        kept, and pruning runs once per tenth of the cap, not on every request."""
        if self._oldest_request is None:
            self._oldest_request = db.execute("SELECT MIN(id) FROM requests").fetchone()[0]
        if self._oldest_request is None or newest - self._oldest_request < cap:
            return
        cut = newest - (cap - cap // 10)  # request ids up to `cut` go
        db.execute(
            "INSERT INTO pruned_requests SELECT status, COUNT(*) FROM requests WHERE id <= ?"
            " GROUP BY status ON CONFLICT(status) DO UPDATE SET count = count + excluded.count",
            (cut,))
        db.execute(
            "INSERT INTO pruned_problems SELECT code, severity, n, message FROM (SELECT code,"
            " severity, COUNT(*) AS n, message, MIN(id) FROM problems WHERE request_id <= ?"
            " GROUP BY code, severity) WHERE true ON CONFLICT(code, severity) DO UPDATE SET"
            " count = count + excluded.count", (cut,))
        db.execute(  # the outcomes of the POSTs to /segment ('' for none), for the funnel
            "INSERT INTO pruned_outcomes SELECT COALESCE(outcome, ''), COALESCE(code, ''),"
            " COUNT(*) FROM requests r WHERE id <= ? AND " + SEGMENT_REQUESTS + " GROUP BY 1, 2"
            " ON CONFLICT(outcome, code) DO UPDATE SET count = count + excluded.count", (cut,))
        db.execute("DELETE FROM problems WHERE request_id <= ?", (cut,))
        db.execute("DELETE FROM request_interactions WHERE request_id <= ?", (cut,))
        db.execute("DELETE FROM requests WHERE id <= ?", (cut,))
        self._oldest_request = cut + 1

    def delete_interaction(self, client: str, user_id: str, type_: str, content_id: str) -> int:
        with self.transaction() as db:
            return db.execute("DELETE FROM interactions WHERE client=? AND user_id=? AND type=?"
                              " AND content_id=?", (client, user_id, type_, content_id)).rowcount

    def delete_user(self, client: str, user_id: str) -> int:
        """Forget a user's history and properties (Spideo's GDPR deletion)."""
        with self.transaction() as db:
            count = db.execute("DELETE FROM interactions WHERE client=? AND user_id=?",
                               (client, user_id)).rowcount
            db.execute("DELETE FROM user_properties WHERE client=? AND user_id=?",
                       (client, user_id))
            return count

    def set_tracked(self, client: str, user_id: str, tracked: bool) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO users VALUES (?,?,?) ON CONFLICT(client, user_id) DO UPDATE"
                       " SET tracked=excluded.tracked", (client, user_id, int(tracked)))

    def load_catalog(self, client: str, items: list[dict[str, Any]]) -> int:
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO catalog VALUES (?,?,?)",
                           [(client, str(item["id"]), json.dumps(item)) for item in items])
        return len(items)

    def reset(self) -> None:
        """Forget everything (tests call this between cases)."""
        with self.transaction() as db:
            for table in _TABLES:
                db.execute(f"DELETE FROM {table}")
            self.generation += 1
            self._oldest_request = None

    # --- reads ----------------------------------------------------------------------

    def is_tracked(self, client: str, user_id: str) -> bool:
        rows = self._query("SELECT tracked FROM users WHERE client=? AND user_id=?",
                           (client, user_id))
        return bool(rows[0]["tracked"]) if rows else True

    def catalog_ids(self, client: str) -> frozenset[str]:
        rows = self._query("SELECT content_id FROM catalog WHERE client=?", (client,))
        return frozenset(row["content_id"] for row in rows)

    def catalog_item(self, client: str, content_id: str) -> dict[str, Any] | None:
        rows = self._query("SELECT item FROM catalog WHERE client=? AND content_id=?",
                           (client, content_id))
        return json.loads(rows[0]["item"]) if rows else None

    def page_rows(self, table: str, columns: Iterable[str], after: int,
                  limit: int) -> list[dict[str, Any]]:
        """Up to `limit` rows of a table with an id above `after`, by id (an export's
        page: a bounded read whatever the table's size)."""
        if table not in _TABLES:
            raise ValueError(f"no table {table!r} in the journal")
        names = ", ".join(columns)
        rows = self._query(f"SELECT {names} FROM {table} WHERE id > ? ORDER BY id LIMIT ?",
                           (after, limit))
        return [dict(row) for row in rows]

    def interactions(self, *, client: str | None = None, user: str | None = None,
                     type_: str | None = None, content: str | None = None,
                     since: str | None = None, skip: int = 0, limit: int | None = None,
                     newest_first: bool = False,
                     after: int | None = None) -> list[dict[str, Any]]:
        """Interactions matching every filter given, oldest first (by event time) unless
        newest_first; with `after` (a keyset cursor), those recorded after that id, in
        the order recorded: a bounded read at any depth."""
        where, params = _where({"client": client, "user_id": user, "type": type_,
                                "content_id": content}, ("timestamp", since), after)
        order = "DESC" if newest_first else "ASC"
        by = f"timestamp {order}, id {order}" if after is None else "id"
        sql = f"SELECT * FROM interactions {where} ORDER BY {by} LIMIT ? OFFSET ?"
        rows = self._query(sql, [*params, -1 if limit is None else limit, skip])
        return [_interaction_row(row) for row in rows]

    def count_interactions(self, client: str | None = None) -> int:
        where, params = ("WHERE client = ?", (client,)) if client else ("", ())
        return self._count(f"SELECT COUNT(*) FROM interactions {where}", params)

    def interactions_by_hour(self) -> dict[str, int]:
        """Interactions per hour of event time ('2025-01-06T20:00Z' -> n), in order."""
        rows = self._query("SELECT substr(timestamp, 1, 13) AS hour, COUNT(*) FROM interactions"
                           " GROUP BY hour ORDER BY hour")
        return {f"{row[0]}:00Z": row[1] for row in rows}

    def doubled_interactions(self) -> int:
        """Interactions recorded more than once for one message (should be none)."""
        return self._count(
            "SELECT COUNT(*) FROM (SELECT 1 FROM interactions WHERE message_id IS NOT NULL"
            " GROUP BY client, message_id, type, content_id HAVING COUNT(*) > 1)")

    def user(self, client: str, user_id: str) -> dict[str, Any]:
        """A user's tracked flag, current user properties and interaction count."""
        properties: dict[str, Any] = {}
        for row in self._query("SELECT name, value FROM user_properties WHERE client=? AND"
                               " user_id=? ORDER BY id", (client, user_id)):
            properties[row["name"]] = json.loads(row["value"])
        count = self._query("SELECT COUNT(*) AS n FROM interactions WHERE client=? AND"
                            " user_id=?", (client, user_id))[0]["n"]
        return {"userId": user_id, "tracked": self.is_tracked(client, user_id),
                "properties": properties, "interactions": count}

    def user_property_sets(self, client: str | None = None, user: str | None = None,
                           since: str | None = None, skip: int = 0,
                           limit: int | None = None,
                           after: int | None = None) -> list[dict[str, Any]]:
        """User-property sets matching every filter given, in the order they were set (a
        user may enter then leave an audience); `since` compares the event time; `after`
        is a keyset cursor (ids above it)."""
        where, params = _where({"client": client, "user_id": user}, ("timestamp", since),
                               after)
        rows = self._query(f"SELECT * FROM user_properties {where} ORDER BY id"
                           " LIMIT ? OFFSET ?", [*params, -1 if limit is None else limit, skip])
        return [{"id": r["id"], "client": r["client"], "user_id": r["user_id"], "name": r["name"],
                 "value": json.loads(r["value"]), "timestamp": r["timestamp"],
                 "source": r["source"], "message_id": r["message_id"], "rule": r["rule"]}
                for r in rows]

    def requests(self, skip: int = 0, limit: int | None = None, *, client: str | None = None,
                 user: str | None = None, after: int | None = None) -> list[dict[str, Any]]:
        """Requests received, oldest first, matching every filter given; `after` is a
        keyset cursor (ids above it)."""
        where, params = _where({"client": client, "user_id": user}, after=after)
        rows = self._query(f"SELECT * FROM requests {where} ORDER BY id LIMIT ? OFFSET ?",
                           [*params, -1 if limit is None else limit, skip])
        return [{**dict(r), "problems": json.loads(r["problems"])} for r in rows]

    def problems(self, code: str | None = None, *, client: str | None = None,
                 user: str | None = None, skip: int = 0, limit: int | None = None,
                 after: int | None = None) -> list[dict[str, Any]]:
        """Problems reported, oldest first, matching every filter given; `after` is a
        keyset cursor (ids above it)."""
        where, params = _where({"code": code, "client": client, "user_id": user},
                               after=after)
        rows = self._query(f"SELECT * FROM problems {where} ORDER BY id LIMIT ? OFFSET ?",
                           [*params, -1 if limit is None else limit, skip])
        return [dict(r) for r in rows]

    def stats(self) -> dict[str, Any]:
        """Counts by interaction type, response status and problem code (requests and
        problems whose rows `max_requests` dropped included)."""
        def counts(sql: str) -> dict[str, int]:
            return {str(r[0]): r[1] for r in self._query(sql)}
        by_status = counts(
            "SELECT status, SUM(n) FROM (SELECT status, COUNT(*) AS n FROM requests GROUP BY"
            " status UNION ALL SELECT status, count FROM pruned_requests) GROUP BY status"
            " ORDER BY status")
        return {
            "requests": sum(by_status.values()),
            "interactions": self._query("SELECT COUNT(*) FROM interactions")[0][0],
            "user_properties": self._query("SELECT COUNT(*) FROM user_properties")[0][0],
            "interactions_by_type": counts(
                "SELECT type, COUNT(*) FROM interactions GROUP BY type ORDER BY type"),
            "requests_by_status": by_status,
            "problems_by_code": {code: summary["count"]
                                 for code, summary in self.problem_summary().items()},
        }

    def problem_summary(self) -> dict[str, dict[str, Any]]:
        """Every problem code journaled, in code order: its count, the severities it came
        with, and its first message as an example (rows `max_requests` dropped included)."""
        # The example: the pruned one if any (older), else the first row kept.
        rows = self._query(
            "SELECT code, severity, SUM(n), example, MIN(newer) FROM (SELECT code, severity,"
            " count AS n, example, 0 AS newer FROM pruned_problems UNION ALL SELECT code,"
            " severity, n, message, 1 FROM (SELECT code, severity, COUNT(*) AS n, message,"
            " MIN(id) FROM problems GROUP BY code, severity)) GROUP BY code, severity"
            " ORDER BY code, 5")
        summary: dict[str, dict[str, Any]] = {}
        for code, severity, count, example, _ in rows:
            entry = summary.setdefault(code, {"count": 0, "severities": [], "example": example})
            entry["count"] += count
            entry["severities"].append(severity)
        return summary

    def size_bytes(self) -> int:
        """Bytes the database occupies (pages in use), for the memory benchmark."""
        with self._lock:
            pages = self._db.execute("PRAGMA page_count").fetchone()[0]
            free = self._db.execute("PRAGMA freelist_count").fetchone()[0]
            size = self._db.execute("PRAGMA page_size").fetchone()[0]
        return int((pages - free) * size)


class _Transaction:
    """`with journal.transaction() as db:` one atomic unit of writes under the journal's
    lock: BEGIN ... COMMIT, or ROLLBACK on any exception. When the journal groups units
    (in memory), a unit is a savepoint in the open SQLite transaction instead, released
    or rolled back alone, and every _GROUP units the transaction commits. A class, not
    @contextmanager: one is made per request."""

    __slots__ = ("_journal",)

    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    def __enter__(self) -> sqlite3.Connection:
        journal = self._journal
        journal._lock.acquire()
        try:
            if journal._group == 1:  # a file, maybe shared: take the write lock now
                journal._db.execute("BEGIN IMMEDIATE")
            else:
                if not journal._db.in_transaction:
                    journal._db.execute("BEGIN")
                journal._db.execute("SAVEPOINT unit")
        except BaseException:
            journal._lock.release()
            raise
        return journal._db

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        journal, db = self._journal, self._journal._db
        try:
            if journal._group == 1:
                db.execute("COMMIT" if kind is None else "ROLLBACK")
                return
            if kind is not None:
                db.execute("ROLLBACK TO unit")
            db.execute("RELEASE unit")
            journal._grouped += 1
            if journal._grouped >= journal._group:
                journal._grouped = 0
                db.execute("COMMIT")
        finally:
            journal._lock.release()


def _message_key(message_id: str) -> str | bytes:
    """How a seen messageId is kept: a canonical (lower-case) UUID as its 16 bytes,
    anything else as it is (SQLite never finds a blob equal to a text)."""
    if len(message_id) == 36 and _UUID.fullmatch(message_id):
        return bytes.fromhex(message_id.replace("-", ""))
    return message_id


def _codes(problems: list[Problem]) -> str:
    return json.dumps([p.code for p in problems]) if problems else "[]"


def _interaction_row(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["anonymous"] = bool(out["anonymous"])
    return out
