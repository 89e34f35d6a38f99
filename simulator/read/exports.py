"""Segment exports read as messages, one at a time.

Inputs, in any mix: JSON lines (one message per line, as Segment's Amazon S3 destination
writes them), a JSON array of messages, a JSON object with a `batch` list (the Tracking
API's form, and some debugger exports), a `.gz` of any of these, a folder (read
recursively, files in name order, as the S3 layout sorts by time), and `-` for standard
input. Arrays and batches are parsed incrementally (ijson), lines one by one, so memory
does not grow with the input.

A line (or array item) that is not JSON, not an object, or not a Segment message (no
`type` naming one of Segment's calls) is counted under its code, with where it was, and
reading goes on: nothing readable is skipped, nothing unreadable is silent.
"""

from __future__ import annotations

import gzip
import io
import sys
from collections import Counter
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import IO, Any, cast

import ijson
import orjson

from mock_spideo import SpideoSimError
from mock_spideo.segment import MESSAGE_TYPES, canonical_key

__all__ = ["ReadError", "Reading", "Unreadable", "input_bytes", "read_messages"]

STDIN = "-"
_GZIP_MAGIC = b"\x1f\x8b"  # the first two bytes of every gzip file
# The codes of what cannot be read, and what each means.
UNREADABLE = {
    "not_json": "the line is not JSON",
    "not_an_object": "the JSON is not an object",
    "not_a_message": "the object has no 'type' naming a Segment call (track, identify, ...)",
    "truncated_file": "the file ends early or is corrupt (a truncated gzip?); what came "
                      "before was read",
}
_BOM = b"\xef\xbb\xbf"  # a UTF-8 byte-order mark, as Windows tools write
# Segment refuses a message over 32 KB: a first line longer than this is no message but a
# document on one line (a compact JSON array or batch), which is never read whole.
_LINE_LIMIT = 1 << 20
_EXAMPLES = 5  # places kept per code, for the report


class ReadError(SpideoSimError, OSError):
    """An input that cannot be opened at all (missing, unreadable, not gzip)."""


@dataclass(frozen=True)
class Unreadable:
    """One line or item that is not a message: its code and where it was."""

    code: str
    where: str


@dataclass
class Reading:
    """What was read: files, lines, messages, and the unreadable by code with examples."""

    files: list[str] = field(default_factory=list)
    lines: Counter[str] = field(default_factory=Counter)  # file -> lines (or items) read
    messages: int = 0
    unreadable: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def note(self, problem: Unreadable) -> None:
        self.unreadable[problem.code] += 1
        places = self.examples.setdefault(problem.code, [])
        if len(places) < _EXAMPLES:
            places.append(problem.where)

    def describe(self) -> str:
        """What was read, in a few words: "120 lines in 2 files, 3 unreadable (not_json: 3)"."""
        lines, files = sum(self.lines.values()), len(self.files)
        text = (f"{lines} line{'s' if lines != 1 else ''} in {files} "
                f"file{'s' if files != 1 else ''}")
        if self.unreadable:
            counts = ", ".join(f"{code}: {n}" for code, n in sorted(self.unreadable.items()))
            text += f", {sum(self.unreadable.values())} unreadable ({counts})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The report's `source` section."""
        return {"description": self.describe(), "files": self.files, "lines": dict(self.lines),
                "messages": self.messages,
                "unreadable": {code: {"count": count, "meaning": UNREADABLE[code],
                                      "examples": self.examples.get(code, [])}
                               for code, count in sorted(self.unreadable.items())}}


def read_messages(paths: Iterable[str], reading: Reading | None = None
                  ) -> Generator[dict[str, Any], None, None]:
    """Every message of the inputs, in order; `reading` (if given) counts what was read
    and what could not be. ReadError when an input cannot be opened."""
    reading = reading if reading is not None else Reading()
    for path in paths:
        for name in _files(path):
            reading.files.append(name)
            for item in _items(name, reading):
                if isinstance(item, Unreadable):
                    reading.note(item)
                else:
                    reading.messages += 1
                    yield item


def input_bytes(paths: Iterable[str]) -> int:
    """About how many bytes of JSON the inputs hold, without reading them: their sizes on
    disk, a gzip's counted ten times (JSON lines compress about tenfold). For sizing a
    run; standard input counts nothing. ReadError for an input that does not exist."""
    total = 0
    for name in (name for path in paths for name in _files(path)):
        if name != STDIN:
            with open(name, "rb") as stream:
                gzipped = stream.read(2) == _GZIP_MAGIC
            total += Path(name).stat().st_size * (10 if gzipped else 1)
    return total


def _files(path: str) -> list[str]:
    """The files an input names: itself, stdin, or every file below a folder, by name
    (hidden ones, and those in hidden folders such as .git, left out)."""
    if path == STDIN:
        return [STDIN]
    found = Path(path)
    if found.is_dir():
        return [str(p) for p in sorted(found.rglob("*")) if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(found).parts)]
    if not found.exists():
        raise ReadError(f"cannot read {path}: no such file or folder")
    return [path]


def _open(name: str) -> IO[bytes]:
    stream: io.BufferedReader[Any]
    if name == STDIN:  # buffered again: a replaced stdin (tests) may not peek
        stream = io.BufferedReader(cast(io.RawIOBase, sys.stdin.buffer))
    else:
        try:
            stream = open(name, "rb")  # noqa: SIM115 (closed by the caller's `with`)
        except OSError as exc:
            raise ReadError(f"cannot read {name}: {exc.strerror}") from None
    if stream.peek(2)[:2] == _GZIP_MAGIC:  # whatever the name
        return gzip.GzipFile(fileobj=stream)  # type: ignore[return-value]
    return stream


class _Prefixed:
    """A stream with bytes already read put back in front, for the JSON parser."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head, self._rest = head, rest

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson probes with read(0) whether the stream gives bytes
            return b""
        if self._head:
            chunk, self._head = self._head, b""
            return chunk
        return self._rest.read(size)


def _items(name: str, reading: Reading) -> Iterator[dict[str, Any] | Unreadable]:
    """The messages (or what is unreadable) of one file, in order."""
    with _open(name) as stream:
        try:
            number, first = _first_line(stream)
            if not first:
                return
            if _is_document(first):
                yield from _document(name, first, _Prefixed(first, stream), reading)
            elif first.lstrip().startswith(b"{") and not _is_json(first):
                following = _next_line(stream)
                if following.strip() and _is_json(following):  # a broken line, then lines
                    yield from _lines(name, number, chain(
                        [first], following.splitlines(keepends=True), stream), reading)
                else:  # an object spread over lines (a pretty-printed batch)
                    head = first + following
                    yield from _document(name, head, _Prefixed(head, stream), reading)
            else:
                yield from _lines(name, number, chain([first], stream), reading)
        except (OSError, EOFError):  # a truncated or corrupt gzip, a read error
            yield Unreadable("truncated_file", name)


def _first_line(stream: IO[bytes]) -> tuple[int, bytes]:
    """The first line with something on it (a byte-order mark dropped), and its number."""
    number, line = 1, stream.readline(_LINE_LIMIT).removeprefix(_BOM)
    while line and not line.strip():
        number, line = number + 1, stream.readline(_LINE_LIMIT)
    return number, line


def _next_line(stream: IO[bytes]) -> bytes:
    """The blank lines, if any, then the next line with something on it."""
    lines = b""
    while True:
        line = stream.readline(_LINE_LIMIT)
        lines += line
        if not line or line.strip():
            return lines


def _is_json(line: bytes) -> bool:
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


def _is_document(first: bytes) -> bool:
    """Whether the file is one JSON document rather than JSON lines: an array, or a first
    line too long to be a message (a document written on one line, never read whole)."""
    return first.lstrip().startswith(b"[") or (
        len(first) >= _LINE_LIMIT and not first.endswith(b"\n"))


def _lines(name: str, start: int, lines: Iterator[bytes], reading: Reading
           ) -> Iterator[dict[str, Any] | Unreadable]:
    """Each line's message (where it is is only written out for what is unreadable: this
    runs a million times for a million lines)."""
    counted = 0
    try:
        for number, line in enumerate(lines, start=start):
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError:
                if not line.strip():
                    continue
                counted += 1
                yield Unreadable("not_json", f"{name}:{number}")
                continue
            counted += 1
            if type(value) is dict and value.get("type") in MESSAGE_TYPES:  # the usual case
                yield value
            elif isinstance(value, dict) and isinstance(value.get("batch"), list) and (
                    "type" not in value):  # a Tracking API batch on one line
                for index, item in enumerate(value["batch"]):
                    yield _checked(item, f"{name}:{number} item {index}")
            else:
                yield _checked(value, f"{name}:{number}")
    finally:
        reading.lines[name] += counted


def _document(name: str, first: bytes, stream: _Prefixed, reading: Reading
              ) -> Iterator[dict[str, Any] | Unreadable]:
    """An array of messages, or an object with a `batch` of them, parsed as it is read."""
    prefix = "item" if first.strip().startswith(b"[") else "batch.item"
    count = 0
    try:
        for value in ijson.items(stream, prefix, use_float=True):
            reading.lines[name] += 1
            yield _checked(value, f"{name}: item {count}")
            count += 1
    except ijson.JSONError:
        reading.lines[name] += 1
        yield Unreadable("not_json", f"{name}: after item {count}")


def _checked(value: Any, where: str) -> dict[str, Any] | Unreadable:
    if not isinstance(value, dict):
        return Unreadable("not_an_object", where)
    kind = next((v for k, v in value.items() if isinstance(k, str)
                 and canonical_key(k) == "type"), None)
    if kind not in MESSAGE_TYPES:
        return Unreadable("not_a_message", where)
    return value
