"""The journal as the UI reads it: one filter over requests, keyset pages newest first
(as fast over a million rows as over a thousand), one request's whole story, a viewer's
timeline, the delivery funnel and problems with examples.

Pages are keyed by request id, never by OFFSET: ids grow with time, so "older than id N"
walks an index range whatever the journal's size. A time range becomes an id range the
same way (a binary search over ids), so no index on the time is needed.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, fields
from typing import Any

import orjson

from mock_spideo.segment import parse_time
from mock_spideo.store.journal import SEGMENT_REQUESTS, Journal

__all__ = ["OUTCOMES", "Feed", "FeedPage", "RequestFilter"]

OUTCOMES = ("recorded", "ignored", "refused", "duplicate", "fault")
_ROW = ("r.id, r.at, r.method, r.path, r.status, r.client, r.user_id, r.type, r.event,"
        " r.outcome, r.code, r.problems, r.message_id, r.duration_ms")
# The filters by how few requests each usually selects (see Feed._walks).
_DRIVERS = ("message_id", "user", "event", "interaction", "code", "type", "outcome", "client")
_COLUMNS = {"message_id": "message_id", "user": "user_id", "event": "event", "type": "type",
            "outcome": "outcome", "client": "client"}
_SEGMENT = SEGMENT_REQUESTS


@dataclass(frozen=True)
class RequestFilter:
    """Which requests to show; every field given must hold (None: any)."""

    client: str | None = None
    user: str | None = None
    event: str | None = None
    type: str | None = None  # the message's type: track, identify, ...
    outcome: str | None = None
    code: str | None = None  # the outcome's code or any problem's code
    interaction: str | None = None  # an interaction type the request recorded
    message_id: str | None = None
    since: float | None = None  # received at or after (epoch seconds)
    until: float | None = None  # received before

    @property
    def active(self) -> dict[str, Any]:
        """The fields that are set, by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class FeedPage:
    """One page of requests, newest first, and the keys to the pages around it."""

    rows: list[dict[str, Any]]
    older: int | None  # pass as `before` for the next older page
    newer: int | None  # pass as `after` for the next newer page
    latest_id: int  # the newest request id in the journal (where a live feed starts)


class Feed:
    """Read-only queries over one journal for the UI."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def _rows(self, sql: str, params: list[Any] | tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return self.journal._query(sql, params)

    # --- the feed -------------------------------------------------------------------

    def latest_id(self) -> int:
        return int(self._rows("SELECT COALESCE(MAX(id), 0) FROM requests")[0][0])

    def page(self, where: RequestFilter, *, before: int | None = None,
             after: int | None = None, limit: int = 50) -> FeedPage:
        """`limit` requests matching `where`, newest first: the newest ones, or those just
        older than id `before`, or just newer than id `after`."""
        if after is not None:
            rows = self._select(where, (">", after), "ASC", limit + 1)
            more_newer = len(rows) > limit
            rows = rows[:limit][::-1]
            more_older = bool(rows) and bool(self._ids(where, ("<", rows[-1]["id"]),
                                                       "DESC", 1))
        else:
            rows = self._select(where, ("<", before) if before is not None else None, "DESC",
                                limit + 1)
            more_older = len(rows) > limit
            rows = rows[:limit]
            more_newer = before is not None and bool(rows) and bool(
                self._ids(where, (">", rows[0]["id"]), "ASC", 1))
        return FeedPage(rows, rows[-1]["id"] if more_older and rows else None,
                        rows[0]["id"] if more_newer and rows else None, self.latest_id())

    def newer(self, where: RequestFilter, after: int, limit: int = 50
              ) -> tuple[list[dict[str, Any]], int]:
        """Requests matching `where` received after id `after`: the newest `limit` of them,
        newest first, and how many older ones beyond those were left out."""
        rows = self._select(where, (">", after), "DESC", limit)
        skipped = 0
        if len(rows) == limit:
            walks = self._walks(where, [(">", after), ("<", rows[-1]["id"])])
            union = " UNION ".join(walk for walk, _, _ in walks)
            params = [value for _, _, values in walks for value in values]
            skipped = int(self._rows(f"SELECT COUNT(*) FROM ({union})", params)[0][0])
        return rows, skipped

    def _walks(self, where: RequestFilter, bounds: list[tuple[str, int]]
               ) -> list[tuple[str, str, list[Any]]]:
        """The id queries (their union is the answer) for `where` within id `bounds`.

        The filter that usually selects the fewest rows drives (its index is walked in id
        order) and the others are checked on the rows it yields: a fixed order, so a plan
        never depends on statistics a journal being written may not have."""
        given = where.active
        driver = next((name for name in _DRIVERS if name in given), None)
        checks, params = [], []
        for name, column in _COLUMNS.items():
            if name in given and name != driver:
                checks.append(f"+r.{column} = ?")  # '+': checked, not an index to walk
                params.append(given[name])
        if "interaction" in given and driver != "interaction":
            checks.append("EXISTS (SELECT 1 FROM request_interactions x WHERE x.type = ?"
                          " AND x.request_id = r.id)")
            params.append(given["interaction"])
        if "code" in given and driver != "code":
            checks.append("(+r.code = ? OR EXISTS (SELECT 1 FROM problems x WHERE"
                          " x.code = ? AND x.request_id = r.id))")
            params += [given["code"], given["code"]]
        bounds = [*bounds, *self._time_bounds(where)]
        if driver == "interaction":
            sources = [("request_interactions d JOIN requests r ON r.id = d.request_id",
                        "d.request_id", "d.type = ?", given["interaction"])]
        elif driver == "code":
            sources = [("requests r", "r.id", "r.code = ?", given["code"]),
                       ("problems d JOIN requests r ON r.id = d.request_id", "d.request_id",
                        "d.code = ?", given["code"])]
        elif driver is not None:
            sources = [("requests r", "r.id", f"r.{_COLUMNS[driver]} = ?", given[driver])]
        else:
            sources = [("requests r", "r.id", "1", None)]
        walks = []
        for source, key, lead, value in sources:
            clauses = [lead, *checks, *(f"{key} {op} ?" for op, _ in bounds)]
            walks.append((f"SELECT {key} FROM {source} WHERE {' AND '.join(clauses)}", key,
                          [*([value] if value is not None else []), *params,
                           *(bound for _, bound in bounds)]))
        return walks

    def _ids(self, where: RequestFilter, bound: tuple[str, int] | None, order: str,
             limit: int) -> list[int]:
        found: set[int] = set()
        for walk, key, params in self._walks(where, [bound] if bound else []):
            group = f" GROUP BY {key}" if key.startswith("d.") else ""  # a request may
            found.update(row[0] for row in self._rows(  # have one code twice
                f"{walk}{group} ORDER BY {key} {order} LIMIT ?", [*params, limit]))
        return sorted(found, reverse=order == "DESC")[:limit]

    def _time_bounds(self, where: RequestFilter) -> list[tuple[str, int]]:
        bounds = []
        if where.since is not None:
            first = self._first_id_at(where.since)
            bounds.append((">=", first if first is not None else self.latest_id() + 1))
        if where.until is not None:
            first = self._first_id_at(where.until)
            if first is not None:
                bounds.append(("<", first))
        return bounds

    def _first_id_at(self, moment: float) -> int | None:
        """The first request received at or after `moment`: a binary search over ids, which
        grow with the time of receipt (each request is journaled under one lock)."""
        first = self._rows("SELECT MIN(id) FROM requests")[0][0]  # apart: each is then
        if first is None:  # one step down an index, where both at once scan the table
            return None
        low, high = int(first), self.latest_id()
        best = None
        while low <= high:
            middle = (low + high) // 2
            row = self._rows("SELECT id, at FROM requests WHERE id >= ? ORDER BY id LIMIT 1",
                             (middle,))[0]
            if row["id"] > high:
                high = middle - 1
            elif row["at"] >= moment:
                best, high = int(row["id"]), middle - 1
            else:
                low = int(row["id"]) + 1
        return best

    def _select(self, where: RequestFilter, bound: tuple[str, int] | None, order: str,
                limit: int) -> list[dict[str, Any]]:
        ids = self._ids(where, bound, order, limit)
        if not ids:
            return []
        rows = self._rows(f"SELECT {_ROW} FROM requests r WHERE r.id IN"
                          f" ({','.join('?' * len(ids))}) ORDER BY r.id {order}", ids)
        return self._with_interactions([_request_row(row) for row in rows])

    def _with_interactions(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Each row with the interaction types its request recorded."""
        if not rows:
            return rows
        ids = [row["id"] for row in rows]
        kinds: dict[int, list[str]] = defaultdict(list)
        marks = ",".join("?" * len(ids))
        for found in self._rows("SELECT request_id, type FROM request_interactions WHERE"
                                f" request_id IN ({marks}) ORDER BY type", ids):
            kinds[found["request_id"]].append(found["type"])
        for row in rows:
            row["interactions"] = kinds.get(row["id"], [])
        return rows

    # --- one request ----------------------------------------------------------------

    def request(self, request_id: int) -> dict[str, Any] | None:
        """One request with its problems, what it recorded and, while it is among the
        latest kept, its exchange (headers, body, answer); None when unknown."""
        found = self._rows(f"SELECT {_ROW} FROM requests r WHERE r.id = ?", (request_id,))
        if not found:
            return None
        row = self._with_interactions([_request_row(found[0])])[0]
        row["problem_rows"] = [dict(p) for p in self._rows(
            "SELECT code, severity, message FROM problems WHERE request_id = ? ORDER BY id",
            (request_id,))]
        exchange = self._rows("SELECT * FROM exchanges WHERE request_id = ?", (request_id,))
        row["exchange"] = _exchange(exchange[0]) if exchange else None
        row["recorded"] = {"interactions": [], "user_properties": []}
        row["first_request"] = None
        if row["message_id"] is not None and row["client"] is not None:
            key = (row["client"], row["message_id"])
            if row["outcome"] == "recorded":
                row["recorded"] = {
                    "interactions": [dict(i) for i in self._rows(
                        "SELECT * FROM interactions WHERE client = ? AND message_id = ?"
                        " ORDER BY id", key)],
                    "user_properties": [_property_row(p) for p in self._rows(
                        "SELECT * FROM user_properties WHERE client = ? AND message_id = ?"
                        " ORDER BY id", key)]}
            elif row["outcome"] == "duplicate":
                first = self._rows("SELECT MIN(id) FROM requests WHERE message_id = ? AND"
                                   " client = ? AND outcome = 'recorded'", key[::-1])
                row["first_request"] = first[0][0] if first else None
        return row

    # --- a viewer -------------------------------------------------------------------

    def user_timeline(self, client: str, user: str, limit: int = 200
                      ) -> list[dict[str, Any]]:
        """A viewer's interactions and user-property sets, newest first (by event time,
        else the time recorded)."""
        items = [{"kind": "interaction", "at": row["timestamp"], **dict(row)}
                 for row in self._rows(
                     "SELECT * FROM interactions WHERE client = ? AND user_id = ?"
                     " ORDER BY timestamp DESC, id DESC LIMIT ?", (client, user, limit))]
        items += [{"kind": "user property", "at": row["timestamp"] or "", **row}
                  for row in (_property_row(p) for p in self._rows(
                      "SELECT * FROM user_properties WHERE client = ? AND user_id = ?"
                      " ORDER BY id DESC LIMIT ?", (client, user, limit)))]
        items.sort(key=lambda item: item["at"] or "", reverse=True)
        return items[:limit]

    def user_clients(self, user: str) -> list[str]:
        """The clients a viewer has interactions, properties or requests with."""
        rows = self._rows("SELECT client FROM interactions WHERE user_id = ? UNION"
                          " SELECT client FROM user_properties WHERE user_id = ? UNION"
                          " SELECT client FROM requests WHERE user_id = ? AND client IS NOT"
                          " NULL ORDER BY 1", (user, user, user))
        return [row[0] for row in rows]

    # --- the overview ---------------------------------------------------------------

    def funnel(self) -> dict[str, Any]:
        """What became of the messages POSTed to /segment: counts by outcome, and by the
        reason's code within each, with the latest request of each as a sample."""
        rows = self._rows(f"SELECT r.outcome, r.code, COUNT(*) AS n, MAX(r.id) AS sample"
                          f" FROM requests r WHERE {_SEGMENT} GROUP BY r.outcome, r.code")
        # Requests whose rows `max_requests` dropped count too (with no sample to show).
        rows += self._rows("SELECT NULLIF(outcome, '') AS outcome, NULLIF(code, '') AS code,"
                           " count AS n, NULL AS sample FROM pruned_outcomes")
        outcomes: dict[str, dict[str, Any]] = {
            name: {"count": 0, "reasons": []} for name in OUTCOMES}
        reasons: dict[tuple[str, str], dict[str, Any]] = {}
        for row in rows:
            name = row["outcome"] or "refused"
            entry = outcomes.setdefault(name, {"count": 0, "reasons": []})
            entry["count"] += row["n"]
            reason = reasons.get((name, row["code"] or name))
            if reason is None:
                reason = reasons[name, row["code"] or name] = {
                    "code": row["code"] or name, "count": 0, "sample": None, "example": None}
                entry["reasons"].append(reason)
            reason["count"] += row["n"]
            if row["sample"] is not None:
                example = self._rows("SELECT message FROM problems WHERE request_id = ? AND"
                                     " code = ?", (row["sample"], row["code"]))
                reason["sample"] = row["sample"]
                reason["example"] = example[0][0] if example else None
        for entry in outcomes.values():
            entry["reasons"].sort(key=lambda reason: -reason["count"])
        return {"received": sum(e["count"] for e in outcomes.values()),
                "outcomes": outcomes}

    def user_property_counts(self) -> dict[str, dict[str, int]]:
        """For each user-property name: how many times it was set, and for how many
        viewers."""
        rows = self._rows("SELECT name, COUNT(*), COUNT(DISTINCT client || ':' || user_id)"
                          " FROM user_properties GROUP BY name ORDER BY name")
        return {row[0]: {"sets": row[1], "users": row[2]} for row in rows}

    def problems_by_code(self) -> list[dict[str, Any]]:
        """Each problem code with its severity, count and latest example."""
        rows = self._rows("SELECT p.code, p.severity, COUNT(*) AS n, MAX(p.id) AS last"
                          " FROM problems p GROUP BY p.code ORDER BY n DESC, p.code")
        out = []
        for row in rows:
            example = self._rows("SELECT message, request_id FROM problems WHERE id = ?",
                                 (row["last"],))[0]
            out.append({"code": row["code"], "severity": row["severity"], "count": row["n"],
                        "example": example["message"], "sample": example["request_id"]})
        return out

    def interactions_over_time(self) -> tuple[str, dict[str, dict[str, int]]]:
        """Interactions by event time and type: ("hour" or "day", {bucket: {type: n}})."""
        span = self._rows("SELECT MIN(timestamp), MAX(timestamp) FROM interactions")[0]
        if span[0] is None:
            return "hour", {}
        hours = _hours_between(span[0], span[1])
        unit, width = ("hour", 13) if hours <= 24 * 7 else ("day", 10)
        rows = self._rows(f"SELECT substr(timestamp, 1, {width}) AS bucket, type, COUNT(*)"
                          " FROM interactions GROUP BY bucket, type ORDER BY bucket")
        series: dict[str, dict[str, int]] = defaultdict(dict)
        for bucket, kind, count in rows:
            series[f"{bucket}:00Z" if unit == "hour" else bucket][kind] = count
        return unit, dict(series)


def _request_row(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["problems"] = json.loads(out["problems"] or "[]")
    return out


def _property_row(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["value"] = json.loads(out["value"])
    return out


def _exchange(row: sqlite3.Row) -> dict[str, Any]:
    return {"headers": orjson.loads(row["headers"]), "body": bytes(row["body"] or b""),
            "body_size": row["body_size"], "answer": bytes(row["answer"] or b""),
            "answer_size": row["answer_size"], "answer_type": row["answer_type"]}


def _hours_between(first: str, last: str) -> float:
    start, end = parse_time(first), parse_time(last)
    if start is None or end is None:
        return 0.0
    return (end - start).total_seconds() / 3600
