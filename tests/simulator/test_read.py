"""Reading Segment exports: each input form, in order, every unreadable line counted by
file and line, and constant memory (arrays are parsed as they are read)."""

import gzip
import io
import json

import orjson
import pytest

from simulator.read import Anonymizer, Reading, read_messages
from simulator.read.exports import ReadError

PLAY = {"type": "track", "event": "Video Content Started", "userId": "u1",
        "properties": {"asset_id": "a1"}}


def messages(n: int, start: int = 0) -> list[dict]:
    return [{**PLAY, "messageId": f"m{i}"} for i in range(start, start + n)]


def ids(found) -> list[str]:
    return [m["messageId"] for m in found]


def test_json_lines(tmp_path):
    path = tmp_path / "day.jsonl"
    path.write_bytes(b"".join(orjson.dumps(m) + b"\n" for m in messages(3)))
    reading = Reading()
    assert ids(read_messages([str(path)], reading)) == ["m0", "m1", "m2"]
    assert (reading.messages, dict(reading.lines)) == (3, {str(path): 3})


@pytest.mark.parametrize("shape", ["array", "batch", "pretty-array", "pretty-batch"])
def test_a_json_array_or_batch_object(tmp_path, shape):
    data = messages(4) if "array" in shape else {"batch": messages(4), "sentAt": "x"}
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data, indent=2 if "pretty" in shape else None))
    assert ids(read_messages([str(path)])) == ["m0", "m1", "m2", "m3"]


@pytest.mark.parametrize("shape", ["jsonl", "array"])
def test_gzip_of_either(tmp_path, shape):
    body = (b"".join(orjson.dumps(m) + b"\n" for m in messages(2)) if shape == "jsonl"
            else orjson.dumps(messages(2)))
    path = tmp_path / "segment-logs.gz"
    path.write_bytes(gzip.compress(body))
    assert ids(read_messages([str(path)])) == ["m0", "m1"]


def test_a_folder_is_read_recursively_in_name_order(tmp_path):
    """The S3 layout: <date>/<hour>/... files; name order is time order."""
    for name, start in (("2025-01-07/00/b.gz", 4), ("2025-01-06/23/a.gz", 2),
                        ("2025-01-06/12/z.gz", 0)):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(b"".join(orjson.dumps(m) + b"\n"
                                                for m in messages(2, start))))
    (tmp_path / ".DS_Store").write_text("not data")
    reading = Reading()
    assert ids(read_messages([str(tmp_path)], reading)) == [f"m{i}" for i in range(6)]
    assert [name.split("/")[-3] for name in reading.files] == [
        "2025-01-06", "2025-01-06", "2025-01-07"]


def test_stdin(monkeypatch):
    body = b"".join(orjson.dumps(m) + b"\n" for m in messages(2))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(body)))
    assert ids(read_messages(["-"])) == ["m0", "m1"]


def test_unreadable_lines_are_counted_with_where_and_reading_goes_on(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join([
        json.dumps(messages(1)[0]),
        "{not json",
        "[1, 2]",
        json.dumps({"event": "no type"}),
        json.dumps({"type": "purchase", "userId": "u"}),
        "",
        json.dumps(messages(1, 1)[0]),
    ]) + "\n")
    reading = Reading()
    assert ids(read_messages([str(path)], reading)) == ["m0", "m1"]
    assert dict(reading.unreadable) == {"not_json": 1, "not_an_object": 1,
                                        "not_a_message": 2}
    assert reading.examples["not_json"] == [f"{path}:2"]
    assert reading.examples["not_a_message"] == [f"{path}:4", f"{path}:5"]
    source = reading.to_dict()
    assert source["messages"] == 2 and source["lines"] == {str(path): 6}
    assert source["unreadable"]["not_an_object"]["examples"] == [f"{path}:3"]


def test_a_broken_array_counts_what_follows_as_unreadable(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(messages(3))[:-40])
    reading = Reading()
    found = ids(read_messages([str(path)], reading))
    assert found == ["m0", "m1"] and reading.unreadable["not_json"] == 1


def test_a_missing_input_is_a_read_error_naming_it(tmp_path):
    with pytest.raises(ReadError, match=f"cannot read {tmp_path / 'nope.jsonl'}"):
        list(read_messages([str(tmp_path / "nope.jsonl")]))


def test_anonymization_hashes_ids_emails_and_phones_and_drops_the_ip():
    key = "a-fixed-key"
    message = {"type": "identify", "userId": "jane-42", "anonymousId": "a-1",
               "traits": {"email": "Jane@Example.com", "phone": "+33 1 23 45 67 89",
                          "plan": "premium", "birthday": "1990-02-03"},
               "context": {"ip": "81.2.69.160", "traits": {"email": "jane@example.com"}},
               "properties": {"asset_id": "1234567"}}
    first = Anonymizer(key).message(message)
    again = Anonymizer(key).message(message)
    assert first == again  # stable under one key
    text = orjson.dumps(first).decode()
    for original in ("jane-42", "a-1", "Jane@Example.com", "jane@example.com",
                     "+33 1 23 45 67 89", "81.2.69.160"):
        assert original not in text, original
    assert "ip" not in first["context"]
    assert first["traits"]["email"] == first["context"]["traits"]["email"]  # same person
    assert first["traits"]["plan"] == "premium" and first["traits"]["birthday"] == (
        "1990-02-03")
    assert first["properties"]["asset_id"] == "1234567"  # a bare number is an id, kept
    assert Anonymizer("another-key").message(message)["userId"] != first["userId"]


def test_a_generated_key_is_said_to_be_generated():
    made, given = Anonymizer(), Anonymizer("k")
    assert made.generated and len(made.key) >= 24 and not given.generated
