"""Exporting what the journal holds: interactions, user properties, problems or requests,
as JSON lines, CSV or Parquet, streamed in pages (never the whole journal in memory).

The same chunks feed `spideo-sim export` (to a file or stdout) and `GET /__admin/export`
(a streamed answer). Parquet needs pyarrow, an optional extra
(`pip install 'spideo-sim[parquet]'`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from mock_spideo.errors import SpideoSimError
from mock_spideo.store.journal import Journal

__all__ = ["FORMATS", "KINDS", "MEDIA_TYPES", "ExportError", "Kind", "export_chunks"]

PAGE = 5000  # rows read from the journal at a time


@dataclass(frozen=True)
class Kind:
    """One thing the journal can export: its table, its columns in order with their
    types (int, float, bool, str), and the columns that hold JSON text (decoded on the
    way out, JSON text again in CSV and Parquet)."""

    table: str
    columns: dict[str, str]
    json_columns: tuple[str, ...] = ()

    @property
    def bool_columns(self) -> tuple[str, ...]:
        return tuple(name for name, kind in self.columns.items() if kind == _B)


_S, _I, _F, _B = "str", "int", "float", "bool"
KINDS: dict[str, Kind] = {
    "interactions": Kind("interactions", {
        "id": _I, "client": _S, "user_id": _S, "type": _S, "content_id": _S, "timestamp": _S,
        "anonymous": _B, "origin": _S, "device": _S, "distributions": _S, "progress": _F,
        "value": _F, "message_id": _S, "event": _S, "rule": _S, "via": _S,
        "recorded_at": _F}),
    "user-properties": Kind("user_properties", {
        "id": _I, "client": _S, "user_id": _S, "name": _S, "value": _S, "timestamp": _S,
        "source": _S, "message_id": _S, "rule": _S, "recorded_at": _F}, ("value",)),
    "problems": Kind("problems", {
        "id": _I, "request_id": _I, "client": _S, "user_id": _S, "code": _S, "severity": _S,
        "message": _S, "message_id": _S, "at": _F}),
    "requests": Kind("requests", {
        "id": _I, "method": _S, "path": _S, "status": _I, "client": _S, "user_id": _S,
        "message_id": _S, "type": _S, "event": _S, "outcome": _S, "code": _S, "problems": _S,
        "duration_ms": _F, "at": _F}, ("problems",)),
}
Format = Literal["jsonl", "csv", "parquet"]
FORMATS: tuple[Format, ...] = ("jsonl", "csv", "parquet")
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv",
               "parquet": "application/vnd.apache.parquet"}


class ExportError(SpideoSimError, ValueError):
    """An export that cannot be made: an unknown kind or format, or no pyarrow."""


def _rows(journal: Journal, kind: Kind) -> Iterator[list[dict[str, Any]]]:
    """Pages of rows, oldest first, keyed by id (each page a bounded read)."""
    after = 0
    while True:
        page = journal.page_rows(kind.table, kind.columns, after, PAGE)
        if not page:
            return
        for row in page:
            for column in kind.json_columns:
                if isinstance(row[column], str):
                    row[column] = json.loads(row[column])
            for column in kind.bool_columns:
                if row[column] is not None:
                    row[column] = bool(row[column])
        yield page
        after = page[-1]["id"]


def export_chunks(journal: Journal, what: str, fmt: str) -> Iterator[bytes]:
    """The export as byte chunks, one page of rows at a time. ExportError (raised before
    the first chunk) names what is wrong."""
    kind = KINDS.get(what)
    if kind is None:
        raise ExportError(f"cannot export '{what}': choose one of {', '.join(KINDS)}")
    if fmt not in FORMATS:
        raise ExportError(f"cannot export as '{fmt}': choose one of {', '.join(FORMATS)}")
    writer = {"jsonl": _jsonl, "csv": _csv, "parquet": _parquet}[fmt]
    return writer(kind, _rows(journal, kind))


def _jsonl(kind: Kind, pages: Iterator[list[dict[str, Any]]]) -> Iterator[bytes]:
    for page in pages:
        yield b"".join(orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE) for row in page)


def _csv(kind: Kind, pages: Iterator[list[dict[str, Any]]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(kind.columns), lineterminator="\n")
    writer.writeheader()
    for page in pages:
        for row in page:
            writer.writerow({k: json.dumps(v) if k in kind.json_columns and v is not None
                             else v for k, v in row.items()})
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


class _Sink:
    """A write-only file for pyarrow that hands out what was written, chunk by chunk."""

    def __init__(self) -> None:
        self.closed = False
        self._parts: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._size += len(data)
        return len(data)

    def tell(self) -> int:
        return self._size

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def drain(self) -> bytes:
        chunk = b"".join(self._parts)
        self._parts.clear()
        return chunk


def _parquet(kind: Kind, pages: Iterator[list[dict[str, Any]]]) -> Iterator[bytes]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ExportError("Parquet needs pyarrow: pip install 'spideo-sim[parquet]'") from None
    types = {_S: pa.string(), _I: pa.int64(), _F: pa.float64(), _B: pa.bool_()}
    schema = pa.schema([(name, types[kind]) for name, kind in kind.columns.items()])
    return _parquet_chunks(kind, pages, schema, pa, pq)


def _parquet_chunks(kind: Kind, pages: Iterator[list[dict[str, Any]]], schema: Any, pa: Any,
                    pq: Any) -> Iterator[bytes]:
    sink = _Sink()
    writer = pq.ParquetWriter(pa.PythonFile(sink, mode="w"), schema)
    for page in pages:
        rows = [{k: json.dumps(v) if k in kind.json_columns and v is not None else v
                 for k, v in row.items()} for row in page]
        writer.write_table(pa.Table.from_pylist(rows, schema=schema))
        yield sink.drain()
    writer.close()
    yield sink.drain()
