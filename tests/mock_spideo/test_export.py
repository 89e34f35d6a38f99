"""Exporting the journal: each kind in each format, the same from the CLI and from a
running mock (streamed), and clear errors for what cannot be exported."""

import csv
import io
import json
import sys

import orjson
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from mock_spideo import Journal, MockConfig, create_app, mock_state
from mock_spideo.segment import destination_headers
from mock_spideo.store import export as exporting
from mock_spideo.store.export import ExportError, export_chunks
from simulator.cli import main

HEADERS = destination_headers("demo-key", {"client": "demo"})


def fill(client) -> None:
    for user, asset in (("u1", "a1"), ("u2", "a2")):
        client.post("/segment", json={"type": "track", "event": "Video Content Started",
                                      "userId": user, "properties": {"asset_id": asset}},
                    headers=HEADERS)
    client.post("/segment", json={"type": "identify", "userId": "u1",
                                  "traits": {"vip": True, "minutes": 42}}, headers=HEADERS)
    client.post("/segment", json={"type": "track", "event": "Video Content Started",
                                  "userId": "u3"}, headers=HEADERS)  # missing_content_id


@pytest.fixture
def journal(tmp_path):
    app = create_app(MockConfig(journal_path=str(tmp_path / "journal.sqlite")))
    fill(app.test_client())
    return mock_state(app).journal


def decoded(data: bytes, fmt: str) -> list[dict]:
    if fmt == "jsonl":
        return [orjson.loads(line) for line in data.splitlines()]
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(data.decode())))
    return pq.read_table(io.BytesIO(data)).to_pylist()


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_each_kind_in_each_format(journal, fmt):
    got = {what: decoded(b"".join(export_chunks(journal, what, fmt)), fmt)
           for what in ("interactions", "user-properties", "problems", "requests")}
    assert [(r["user_id"], r["type"], r["content_id"]) for r in got["interactions"]] == [
        ("u1", "play", "a1"), ("u2", "play", "a2")]
    assert [(r["name"], str(r["value"]).lower()) for r in got["user-properties"]] == [
        ("vip", "true"), ("minutes", "42")]
    assert [r["code"] for r in got["problems"]] == ["missing_content_id"]
    assert [str(r["status"]) for r in got["requests"]] == ["200", "200", "200", "400"]
    if fmt == "jsonl":  # typed values where JSON can carry them
        assert got["interactions"][0]["anonymous"] is False
        assert got["user-properties"][1]["value"] == 42
        assert got["requests"][3]["problems"] == ["missing_content_id"]


def test_pages_are_read_one_at_a_time(journal, monkeypatch):
    monkeypatch.setattr(exporting, "PAGE", 1)
    chunks = list(export_chunks(journal, "requests", "jsonl"))
    assert len(chunks) == 4 and all(chunk.count(b"\n") == 1 for chunk in chunks)


def test_unknown_kind_format_and_missing_pyarrow_are_clear(journal, monkeypatch):
    with pytest.raises(ExportError, match="choose one of interactions"):
        export_chunks(journal, "users", "jsonl")
    with pytest.raises(ExportError, match="choose one of jsonl, csv, parquet"):
        export_chunks(journal, "interactions", "xlsx")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ExportError, match=r"pip install 'spideo-sim\[parquet\]'"):
        export_chunks(journal, "interactions", "parquet")


def test_a_running_mock_streams_the_same_export():
    app = create_app()
    client = app.test_client()
    fill(client)
    reply = client.get("/__admin/export?what=interactions&format=csv")
    assert reply.status_code == 200 and reply.is_streamed and reply.mimetype == "text/csv"
    assert 'filename="spideo-interactions.csv"' in reply.headers["Content-Disposition"]
    assert reply.get_data() == b"".join(export_chunks(mock_state(app).journal,
                                                      "interactions", "csv"))
    refused = client.get("/__admin/export?what=users")
    assert refused.status_code == 400 and refused.get_json()["code"] == "bad_export"


def test_the_export_command(journal, tmp_path):
    out = tmp_path / "plays.parquet"
    done = CliRunner().invoke(main, ["export", "--journal", journal.path, "--what",
                                     "interactions", "--format", "parquet", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert [r["content_id"] for r in pq.read_table(out).to_pylist()] == ["a1", "a2"]
    stdout = CliRunner().invoke(main, ["export", "--journal", journal.path, "--what",
                                       "problems"])
    assert json.loads(stdout.stdout.splitlines()[0])["code"] == "missing_content_id"
    missing = CliRunner().invoke(main, ["export", "--journal", str(tmp_path / "none.sqlite")])
    assert missing.exit_code == 1 and "no journal at" in missing.output
    assert not (tmp_path / "none.sqlite").exists()  # never created by looking


def test_an_empty_journal_exports_headers_only(tmp_path):
    empty = Journal(tmp_path / "empty.sqlite")
    assert decoded(b"".join(export_chunks(empty, "interactions", "parquet")), "parquet") == []
    assert b"".join(export_chunks(empty, "interactions", "csv")).startswith(b"id,client,")
