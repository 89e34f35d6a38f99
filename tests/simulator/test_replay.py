"""spideo-sim replay: a team's own exports delivered as Segment would, with the report of
simulate, unreadable lines accounted for, pacing, sharding and anonymization."""

import gzip
import json

import orjson
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.deliver import FakeClock
from simulator.deliver.pacing import Pace, paced
from simulator.simulate import SimulationSettings, run_simulation
from simulator.sources import shard_of

PLAY = {"type": "track", "event": "Video Content Started", "properties": {"asset_id": "a1"}}


def message(n, user="u1", **extra):
    return {**PLAY, "userId": user, "messageId": f"m{n}",
            "timestamp": f"2025-01-06T20:00:{n:02d}.000Z", **extra}


def write_lines(path, items):
    path.write_bytes(b"".join(orjson.dumps(item) + b"\n" for item in items))
    return path


def replay(*args, input=None):
    return CliRunner().invoke(main, ["replay", *map(str, args)], input=input)


@pytest.mark.parametrize("form", ["jsonl", "array", "batch", "gzip", "folder"])
def test_every_input_form_is_replayed_into_the_mock(tmp_path, form):
    items = [message(n, user=f"u{n % 3}") for n in range(6)]
    if form == "jsonl":
        source = write_lines(tmp_path / "in.jsonl", items)
    elif form == "array":
        source = tmp_path / "in.json"
        source.write_bytes(orjson.dumps(items))
    elif form == "batch":
        source = tmp_path / "in.json"
        source.write_bytes(orjson.dumps({"batch": items}))
    elif form == "gzip":
        source = tmp_path / "in.gz"
        source.write_bytes(gzip.compress(b"".join(orjson.dumps(i) + b"\n" for i in items)))
    else:
        source = tmp_path / "segment-logs"
        (source / "2025-01-06").mkdir(parents=True)
        write_lines(source / "2025-01-06" / "b.jsonl", items[3:])
        write_lines(source / "2025-01-06" / "a.jsonl", items[:3])
    result = run_simulation(SimulationSettings(inputs=(str(source),)))
    assert result.total == 6 and result.interactions_by_type == {"play": 6}
    assert result.conservation["ok"] and result.source["messages"] == 6


def test_standard_input_is_replayed(tmp_path):
    lines = b"".join(orjson.dumps(message(n)) + b"\n" for n in range(3))
    outcome = replay("-", "--jobs", "1", "--out", tmp_path, input=lines)
    assert outcome.exit_code == 0, outcome.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["interactions"]["by_type"] == {"play": 3}
    assert report["source"]["files"] == ["-"]


def test_unreadable_lines_are_problems_with_their_place_and_strict_fails_on_them(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(orjson.dumps(message(1)) + b"\nnot json\n[1]\n{\"foo\": 1}\n"
                       + orjson.dumps(message(2)) + b"\n")
    outcome = replay(source, "--out", tmp_path / "out")
    assert outcome.exit_code == 0, outcome.output
    assert "3 unreadable" in outcome.output
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["messages"]["total"] == 2 and report["interactions"]["total"] == 2
    assert {code: report["problems"]["by_code"][code]
            for code in ("not_json", "not_an_object", "not_a_message")} == {
        "not_json": 1, "not_an_object": 1, "not_a_message": 1}
    assert report["problems"]["examples"]["not_json"].endswith(f"{source}:2")
    assert report["source"]["unreadable"]["not_a_message"]["examples"] == [f"{source}:4"]
    strict = replay(source, "--strict", "--out", tmp_path / "out")
    assert strict.exit_code == 3, strict.output
    assert "not_json" in strict.output.splitlines()[-1]


def test_unreadable_lines_are_counted_once_whatever_the_jobs(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"".join(orjson.dumps(message(n, user=f"u{n}")) + b"\n"
                                for n in range(8)) + b"oops\n")
    result = run_simulation(SimulationSettings(inputs=(str(source),), jobs=2))
    assert result.total == 8 and result.problems_by_code["not_json"] == 1
    assert result.conservation["ok"]


def test_shards_split_viewers_disjointly_and_completely():
    messages = [message(n, user=f"viewer-{n % 17}") for n in range(60)]
    for count in (1, 2, 3):
        shards = [[m for m in messages if shard_of(m, count) == index]
                  for index in range(count)]
        assert sorted(m["messageId"] for shard in shards for m in shard) == sorted(
            m["messageId"] for m in messages)
        for shard in shards:  # each viewer in one shard only
            others = {m["userId"] for other in shards if other is not shard for m in other}
            assert not {m["userId"] for m in shard} & others


def test_replay_of_generated_messages_records_what_simulate_records(tmp_path):
    stream, catalog = tmp_path / "stream.jsonl", tmp_path / "catalog.json"
    generated = CliRunner().invoke(main, ["generate", "--users", "6", "--days", "0.5",
                                          "--seed", "9", "--out", str(stream),
                                          "--catalog", str(catalog)])
    assert generated.exit_code == 0, generated.output
    simulated = run_simulation(SimulationSettings(users=6, days=0.5, seed=9))
    for jobs in (1, 2):
        replayed = run_simulation(SimulationSettings(inputs=(str(stream),),
                                                     catalog=str(catalog), jobs=jobs))
        assert replayed.total == simulated.total > 500
        assert replayed.interactions_by_type == simulated.interactions_by_type
        assert replayed.user_properties_by_name == simulated.user_properties_by_name
        assert replayed.problems_by_code == simulated.problems_by_code
        assert replayed.interactions_by_hour == simulated.interactions_by_hour


def test_without_the_catalog_content_ids_are_not_checked(tmp_path):
    source = write_lines(tmp_path / "in.jsonl", [message(1)])
    result = run_simulation(SimulationSettings(inputs=(str(source),)))
    assert "unknown_content" not in result.problems_by_code


def test_anonymized_ids_and_emails_reach_no_journal_report_or_export(tmp_path):
    source = write_lines(tmp_path / "in.jsonl", [
        message(1, user="alice@example.com", context={"ip": "203.0.113.9"}),
        {"type": "identify", "userId": "alice@example.com", "messageId": "i1",
         "traits": {"email": "alice@example.com", "phone": "+33 6 12 34 56 78",
                    "audience_watchers": True},
         "context": {"personas": {"computation_class": "audience",
                                  "computation_key": "audience_watchers"}}},
        message(2, user="bob-42", anonymousId="anon-bob")])
    journal, out = tmp_path / "journal.sqlite", tmp_path / "out"
    outcome = replay(source, "--anonymize-key", "k-1", "--journal", journal, "--out", out)
    assert outcome.exit_code == 0, outcome.output
    exported = CliRunner().invoke(main, ["export", "--journal", str(journal), "--what",
                                         "requests", "--out", str(tmp_path / "e.jsonl")])
    assert exported.exit_code == 0, exported.output
    interactions = CliRunner().invoke(main, ["export", "--journal", str(journal)])
    written = b"".join([journal.read_bytes(), *(p.read_bytes() for p in out.iterdir()),
                        (tmp_path / "e.jsonl").read_bytes(), interactions.output.encode()])
    for secret in (b"alice@example.com", b"bob-42", b"anon-bob", b"203.0.113.9",
                   b"12 34 56 78", b"k-1"):
        assert secret not in written, secret
    assert json.loads(interactions.output.splitlines()[0])["user_id"].startswith("anon-")


def test_a_generated_key_is_printed_once(tmp_path):
    source = write_lines(tmp_path / "in.jsonl", [message(1)])
    outcome = replay(source, "--anonymize", "--jobs", "1", "--out", tmp_path / "out")
    assert outcome.exit_code == 0
    assert outcome.output.count("anonymize key (printed once") == 1


@pytest.mark.parametrize("args, code, says", [
    (["missing.jsonl"], 1, "cannot read missing.jsonl: no such file or folder"),
    (["-", "--jobs", "2"], 1, "standard input (-) can be read once"),
    (["IN", "--catalog", "IN"], 1, "must be a JSON list of items"),
    (["EMPTY"], 1, "the inputs hold no Segment message (0 lines in 1 file)"),
    (["IN", "--speed", "0"], 2, "not in the range x>0"),
    (["IN", "--rate", "-1"], 2, "not in the range x>0"),
    (["IN", "--speed", "2", "--rate", "5"], 2, "give one of them"),
])
def test_a_wrong_setup_is_one_line_and_its_exit_code(tmp_path, args, code, says):
    source = write_lines(tmp_path / "in.jsonl", [message(1)])
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"\n")
    args = [{"IN": str(source), "EMPTY": str(empty)}.get(a, a) for a in args]
    outcome = replay(*args, "--out", tmp_path / "out", input=b"")
    assert outcome.exit_code == code, outcome.output
    assert says in outcome.output and "Traceback" not in outcome.output


def test_a_journal_that_exists_is_refused_so_the_report_counts_this_replay_only(tmp_path):
    source = write_lines(tmp_path / "in.jsonl", [message(1)])
    journal = tmp_path / "journal.sqlite"
    first = replay(source, "--journal", journal, "--out", tmp_path / "out")
    assert first.exit_code == 0, first.output
    again = replay(source, "--journal", journal, "--out", tmp_path / "out")
    assert again.exit_code == 1 and "exists: give a new file" in again.output


def test_standard_input_runs_as_one_job_by_itself(tmp_path):
    lines = orjson.dumps(message(1)) + b"\n"
    outcome = replay("-", "--out", tmp_path, input=lines)
    assert outcome.exit_code == 0, outcome.output
    assert "jobs=1" in outcome.output


def test_a_broken_first_line_loses_only_itself(tmp_path):
    for broken in (b'{"type": "track", "event": "Video', b'{"a": NaN}', b'{"a": 1} trailing'):
        source = tmp_path / "in.jsonl"
        source.write_bytes(broken + b"\n" + orjson.dumps(message(1)) + b"\n\n"
                           + orjson.dumps(message(2)) + b"\n")
        result = run_simulation(SimulationSettings(inputs=(str(source),)))
        assert result.total == 2, broken
        assert result.source["unreadable"]["not_json"]["examples"] == [f"{source}:1"]


def test_a_byte_order_mark_is_not_a_broken_line(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + orjson.dumps(message(1)) + b"\n")
    result = run_simulation(SimulationSettings(inputs=(str(source),)))
    assert result.total == 1 and not result.source["unreadable"]


def test_hidden_files_and_folders_are_left_out(tmp_path):
    write_lines(tmp_path / "a.jsonl", [message(1)])
    write_lines(tmp_path / ".hidden.jsonl", [message(2)])
    (tmp_path / ".git").mkdir()
    write_lines(tmp_path / ".git" / "x.jsonl", [message(3)])
    result = run_simulation(SimulationSettings(inputs=(str(tmp_path),)))
    assert result.total == 1 and result.source["files"] == [str(tmp_path / "a.jsonl")]


def test_a_truncated_gzip_is_counted_and_what_came_before_is_replayed(tmp_path):
    whole = gzip.compress(b"".join(orjson.dumps(message(n)) + b"\n" for n in range(50)))
    (tmp_path / "a.gz").write_bytes(whole[: len(whole) - 20])
    write_lines(tmp_path / "b.jsonl", [{**message(9), "messageId": "m99"}])
    result = run_simulation(SimulationSettings(inputs=(str(tmp_path),)))
    assert result.source["unreadable"]["truncated_file"]["examples"] == [str(tmp_path / "a.gz")]
    assert 0 < result.total < 51  # the last one read is m99, of b.jsonl
    assert result.interactions_by_type == {"play": result.total}


def test_a_document_on_one_long_line_is_streamed_not_read_whole(tmp_path):
    from simulator.read.exports import _LINE_LIMIT
    items = [{**message(n % 60), "messageId": f"m{n}",
              "properties": {"asset_id": "a1", "pad": "x" * 2000}} for n in range(700)]
    source = tmp_path / "in.json"
    source.write_bytes(orjson.dumps({"batch": items}))
    assert source.stat().st_size > _LINE_LIMIT
    result = run_simulation(SimulationSettings(inputs=(str(source),)))
    assert result.total == 700 and result.interactions_by_type == {"play": 700}


def test_speed_keeps_the_original_gaps_divided_by_x():
    clock = FakeClock()
    times = ["2025-01-06T20:00:00.000Z", "2025-01-06T20:00:10.000Z",
             "2025-01-06T20:00:30.000Z"]
    messages = [{"type": "track", "receivedAt": at, "timestamp": "2020-01-01T00:00:00Z"}
                for at in times]
    sent_at = [clock.now() for _ in paced(messages, Pace(speed=2), clock)]
    assert sent_at == [0.0, 5.0, 15.0]  # receivedAt wins over timestamp


def test_speed_falls_back_on_timestamp_and_never_goes_back():
    clock = FakeClock()
    messages = [{"timestamp": "2025-01-06T20:00:00Z"}, {"timestamp": "2025-01-06T20:00:04Z"},
                {"timestamp": "2025-01-06T20:00:01Z"}, {"timestamp": "not a time"},
                {"timestamp": "2025-01-06T20:00:08Z"}]
    sent_at = [clock.now() for _ in paced(messages, Pace(speed=1), clock)]
    assert sent_at == [0.0, 4.0, 4.0, 4.0, 8.0]


def test_rate_sends_r_messages_a_second():
    clock = FakeClock()
    sent_at = [clock.now() for _ in paced([{}] * 5, Pace(rate=4), clock)]
    assert sent_at == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_a_stop_request_ends_a_pacing_wait_at_once():
    clock = FakeClock()
    asked = []
    messages = [{"timestamp": "2025-01-06T20:00:00Z"}, {"timestamp": "2025-01-06T21:00:00Z"}]
    sent = [m for m in paced(messages, Pace(speed=1), clock, stop=lambda: bool(asked))
            if not asked.append(1)]
    assert len(sent) == 1 and clock.now() == 0.0


def test_as_fast_as_possible_never_waits():
    clock = FakeClock()
    assert len(list(paced([{}] * 5, Pace(), clock))) == 5 and clock.sleeps == []
