"""`spideo-sim load`: Locust users delivering the stream as Segment does, run as a user
would (a separate process; Locust patches the standard library, so never in pytest's),
against mock Spideo served here on a free loopback port."""

import math
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass

import orjson
import pytest

from mock_spideo import LiveServer, MockConfig, create_app, mock_state
from simulator.deliver import route
from simulator.generate import Shard
from simulator.generate.stream import Simulation
from simulator.load.plan import LoadPlan, share
from simulator.load.tally import Tally
from tests.support.processes import SPIDEO_SIM

pytestmark = pytest.mark.slow  # see tests/conftest.py


@pytest.fixture
def mock():
    with LiveServer(create_app(MockConfig()), threads=16) as server:
        yield server


def load(url: str, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    return subprocess.run([SPIDEO_SIM, "load", "--target", url, *args], capture_output=True,
                          text=True, timeout=timeout)


def segment_ids(server: LiveServer) -> Counter:
    """The messageIds of every POST /segment the mock journaled (the setup check's not)."""
    rows = mock_state(server.app).journal.requests()
    return Counter(r["message_id"] for r in rows if r["path"] == "/segment"
                   and not (r["message_id"] or "").startswith("setup-"))


def shares(limit: int, workers: int, **options) -> Counter:
    """The messageIds that `workers` workers send under a limit of `limit` messages in
    all: each the first share(limit, its shard) messages of its shard of the stream."""
    expected: Counter = Counter()
    for index in range(workers):
        shard = Shard(index, workers)
        stream = Simulation.from_options(**options, shard=shard).messages()
        taken = [next(stream) for _ in range(share(limit, shard) or 0)]
        expected.update(m["messageId"] for m in taken if route(m) is None)
    return expected


def test_a_master_and_two_local_workers_conserve_a_fixed_number_of_messages(mock):
    """Each worker sends its share of the limit, the first messages of its shard:
    nothing twice, nothing else."""
    done = load(mock.url, "--users", "20", "--days", "0.5", "--seed", "3", "--messages", "200",
                "--rate", "400", "--local-workers", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 workers" in done.stdout
    assert "200 messages sent" in done.stdout
    assert "conservation: OK" in done.stdout
    journal = mock_state(mock.app).journal
    first_sights = {r["message_id"] for r in journal.requests()
                    if r["outcome"] in ("recorded", "ignored")
                    and not r["message_id"].startswith("setup-")}
    assert f"the {len(first_sights)} messages accepted are each in the journal" in done.stdout
    assert len(first_sights) > 150  # 200 sent, less those filtered and resent duplicates
    assert journal.doubled_interactions() == 0
    assert segment_ids(mock) == shares(200, 2, users=20, days=0.5, seed=3)


def test_conservation_fails_when_the_journal_lost_accepted_messages(mock):
    """The check can fail: a mock whose journal forgets what it recorded is caught."""
    journal = mock_state(mock.app).journal
    original = journal.add_request

    def forgetful(db, **fields):
        if fields.get("outcome") == "recorded" and fields.get("type_") == "track":
            fields["outcome"] = "refused"  # recorded, but the journal says otherwise
        return original(db, **fields)

    journal.add_request = forgetful
    done = load(mock.url, "--users", "20", "--days", "0.5", "--seed", "3", "--messages",
                "150", "--rate", "300")
    assert done.returncode == 4, done.stdout + done.stderr
    assert "conservation: FAILED" in done.stdout


def test_the_workers_shards_are_disjoint_and_together_the_whole_stream(mock):
    """No --messages: every worker sends its whole shard; the mock saw each message of
    the stream exactly as often as the stream has it (a device's resent duplicates
    included), no more: nothing twice, nothing missing. One Locust user for two workers:
    each worker still gets one, or its shard would never be sent."""
    done = load(mock.url, "--users", "5", "--days", "0.2", "--seed", "3", "--rate", "600",
                "--user-rate", "600", "--local-workers", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    stream = Simulation.from_options(users=5, days=0.2, seed=3).messages()
    expected = Counter(m["messageId"] for m in stream if route(m) is None)
    assert len(expected) > 300
    assert segment_ids(mock) == expected
    assert "conservation: OK" in done.stdout


def test_exports_are_sent_instead_of_generated_viewers_each_message_once(mock, tmp_path):
    stream = list(Simulation.from_options(users=4, days=0.2, seed=8).messages())
    source = tmp_path / "export.jsonl"
    source.write_bytes(b"".join(orjson.dumps(m) + b"\n" for m in stream) + b"not json\n")
    done = load(mock.url, "--input", str(source), "--rate", "600", "--user-rate", "600",
                "--local-workers", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    expected = Counter(m["messageId"] for m in stream if route(m) is None)
    assert len(expected) > 200 and segment_ids(mock) == expected
    assert "conservation: OK" in done.stdout
    assert "1 unreadable (not_json: 1)" in done.stderr


def test_shards_and_message_limits_split_exactly():
    for count in (1, 2, 3, 7):
        assert sum(share(1000, Shard(i, count)) for i in range(count)) == 1000
        assert sum(share(5, Shard(i, count)) for i in range(count)) == 5
        plans = [LoadPlan("http://x/segment", "k", "c", messages=10).for_shard(i, count)
                 for i in range(count)]
        assert sum(plan.quota() or 0 for plan in plans) == 10
    assert share(None, Shard(0, 2)) is None
    streams = [{m["messageId"] for m in Simulation.from_options(
        users=6, days=0.1, seed=4, shard=Shard(i, 3)).messages()} for i in range(3)]
    whole = {m["messageId"] for m in Simulation.from_options(users=6, days=0.1,
                                                             seed=4).messages()}
    assert set().union(*streams) == whole
    assert sum(len(s) for s in streams) == len(whole)


def test_tallies_travel_and_merge_exactly():
    from simulator.deliver import Outcome
    one, two = Tally(), Tally()
    one.settle(Outcome("delivered", "m1", "track", "e", 200, 1))
    one.settle(Outcome("delivered", "m1", "track", "e", 200, 1))  # a resent duplicate
    two.settle(Outcome("delivered", "m2", "track", "e", 200, 3))
    two.settle(Outcome("failed", "m3", "track", "e", 503, 9))
    merged = Tally()
    for tally in (one, two):
        merged.merge(Tally.from_dict(tally.to_dict()))
    assert merged.accepted == 2
    both = Tally()
    both.settle(Outcome("delivered", "m2", "track", "e", 200, 1))
    both.settle(Outcome("delivered", "m1", "track", "e", 200, 1))
    assert merged.accepted_digest == both.accepted_digest
    assert merged.ledger.outcomes == Counter({"delivered": 3, "failed": 1})
    assert merged.ledger.statuses[503] == 1


def test_the_outage_shape_retries_through_an_outage_and_measures_the_drain(mock):
    """The mock refuses everything (503, Retry-After 1) for 1.5 s, then recovers: every
    message is delivered after Segment's retries, and the backlog's drain is reported."""
    state = mock_state(mock.app)
    state.faults.add({"status": 503, "retry_after": 1, "name": "outage"})

    def end_the_outage_1_5_s_into_the_load() -> None:  # however long the load takes to start
        deadline = time.monotonic() + 60
        while state.journal.stats()["requests"] < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # the setup check, then the first message of the load
        time.sleep(1.5)
        state.faults.clear()

    threading.Thread(target=end_the_outage_1_5_s_into_the_load, daemon=True).start()
    done = load(mock.url, "--users", "20", "--days", "0.5", "--seed", "3", "--messages", "100",
                "--rate", "100", "--shape", "outage", "--down", "1.5", "--time-scale", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    out = " ".join(done.stdout.split())
    assert "Outage: expected the target down for 1.5 s" in out
    assert "Retry backlog: refusals for" in out
    assert "the backlog drained" in out
    assert "│ failed │ 0 │" in out
    assert "│ unfinished (stopped while waiting to retry) │ 0 │" in out
    retried = int(out.split("│ retried (delivered after retries included) │")[1].split("│")[0])
    assert retried > 20
    assert "conservation: OK" in out


def test_a_wrong_target_stops_the_run_with_one_line():
    done = load("http://127.0.0.1:9", "--messages", "5")
    assert done.returncode == 1
    assert "nothing answers at http://127.0.0.1:9/segment" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_wrong_api_key_names_the_option(mock):
    done = load(mock.url, "--api-key", "nope", "--messages", "5")
    assert done.returncode == 1
    assert "--api-key" in done.stderr and "Traceback" not in done.stderr


def test_the_shapes_set_the_users_from_the_rate_and_the_diurnal_curve():
    plan = LoadPlan("http://x/segment", "k", "c", rate=100, user_rate=10)
    assert plan.locust_users(0) == plan.locust_users(1000) == 10
    diurnal = LoadPlan("http://x/segment", "k", "c", rate=100, user_rate=10,
                       shape="diurnal", period_s=24)
    weights = diurnal.diurnal_weights()
    assert max(weights) == 1.0 and min(weights) < 0.5  # the profile's evening peak, night low
    peak, trough = weights.index(1.0), weights.index(min(weights))
    assert diurnal.locust_users(peak + 0.5) == 10  # one simulated hour per second
    assert diurnal.locust_users(trough + 0.5) == max(1, math.ceil(100 * min(weights) / 10))
    assert diurnal.locust_users(24 + peak + 0.5) == 10  # the next day


@dataclass
class ServedRun:
    """A run with Locust's web UI (Ctrl-C'd once its UI was read after the summary), and
    the mock it ran against."""

    mock: LiveServer
    stream: tuple[str, ...]  # the stream options, for a second run of the same stream
    stats_status: int
    request_names: set[str]
    output: str
    after_ctrl_c: str
    returncode: int | None


@pytest.fixture(scope="module")
def served_run():
    """Shared by the web UI's test and the second run's (a run costs seconds)."""
    import os
    import signal

    import urllib3

    from tests.support.processes import free_port, wait_for
    stream = ("--users", "20", "--days", "0.5", "--seed", "6", "--messages", "100")
    with LiveServer(create_app(MockConfig()), threads=16) as server:
        port = free_port()
        process = subprocess.Popen(
            [SPIDEO_SIM, "load", "--target", server.url, *stream, "--rate", "200", "--web",
             "--web-port", str(port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"})
        lines = []
        try:
            wait_for(f"http://127.0.0.1:{port}/", process)
            for line in process.stdout:
                lines.append(line)
                if "Locust's UI stays up at" in line:
                    break
            stats = urllib3.request("GET", f"http://127.0.0.1:{port}/stats/requests",
                                    timeout=5)
        finally:
            process.send_signal(signal.SIGINT)
            rest, _ = process.communicate(timeout=20)
        names = {entry["name"] for entry in stats.json()["stats"]} if stats.status == 200 else set()
        yield ServedRun(server, stream, stats.status, names, "".join(lines) + rest, rest,
                        process.returncode)


def test_web_serves_locusts_ui_during_the_run_and_after_until_ctrl_c(served_run):
    names = served_run.request_names
    assert served_run.stats_status == 200
    assert "identify" in names or any(name.startswith("track ") for name in names)
    assert served_run.returncode == 0, served_run.output
    assert "conservation: OK" in served_run.output and "stopped" in served_run.after_ctrl_c
    assert "Traceback" not in served_run.output


def test_a_second_run_of_the_same_stream_still_conserves(served_run):
    """Run twice with the same seed (the first run is the web UI's test's): the second
    run's messages are all duplicates of the first's, and each accepted message is
    still in the journal exactly once."""
    assert served_run.returncode == 0, served_run.output
    assert "conservation: OK" in served_run.output
    done = load(served_run.mock.url, *served_run.stream, "--rate", "300")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "conservation: OK" in done.stdout
    assert "duplicate_message: " in done.stdout


def test_the_locustfile_runs_under_plain_locust_with_a_master_and_two_workers(mock):
    """Teams with their own Locust setup: `locust -f` on the packaged locustfile, master
    and workers, sends each shard's share of the messages, nothing twice."""
    import os
    from pathlib import Path

    import simulator.load
    from tests.support.processes import free_port
    locust = str(Path(SPIDEO_SIM).with_name("locust"))
    port = str(free_port())
    # its path only: importing it would import Locust, which patches this process for gevent
    common = ["-f", str(Path(simulator.load.__file__).with_name("locustfile.py"))]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    master = subprocess.Popen(
        [locust, *common, "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port",
         port, "--expect-workers", "2", "--headless", "--host", mock.url, "--spideo-viewers",
         "20", "--spideo-days", "0.5", "--spideo-seed", "8", "--spideo-messages", "100",
         "--spideo-rate", "200"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env=env)
    # the workers' machine: one command forking two workers (no --spideo-* options there:
    # their plan comes from the master)
    workers = subprocess.Popen([locust, *common, "--worker", "--processes", "2", "--master-host",
                                "127.0.0.1", "--master-port", port], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=env)
    try:
        output, _ = master.communicate(timeout=60)
    finally:
        workers.wait(timeout=30)
    assert master.returncode == 0, output
    assert workers.returncode == 0
    assert segment_ids(mock) == shares(100, 2, users=20, days=0.5, seed=8)


def test_only_a_load_process_imports_locust():
    """Locust patches the standard library for gevent when imported: the command line,
    and the load modules that need no Locust, must not import it."""
    import sys
    check = ("import sys, click, simulator.load.plan, simulator.load.feeder, "
             "simulator.load.tally, simulator.load.conservation; "
             "from simulator.cli import main; context = click.Context(main); "
             "[main.get_command(context, name) for name in main.list_commands(context)]; "
             "print(sorted({'locust', 'gevent'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_engage_sync_sends_every_engage_identify_of_the_stream_and_nothing_else(mock):
    from simulator.load.feeder import is_engage_identify
    done = load(mock.url, "--users", "20", "--days", "1", "--seed", "4", "--shape",
                "engage-sync", "--rate", "200")
    assert done.returncode == 0, done.stdout + done.stderr
    expected = Counter(m["messageId"] for m in Simulation.from_options(
        users=20, days=1, seed=4).messages() if is_engage_identify(m))
    assert len(expected) > 20
    assert segment_ids(mock) == expected
    assert "conservation: OK" in done.stdout


@pytest.mark.parametrize("option", ["--profile", "--start"])
def test_bad_stream_options_stop_the_run_before_any_load(tmp_path, option):
    """Before the target is tried (nothing answers at port 9), in one line."""
    profile = tmp_path / "profile.yaml"
    profile.write_text("population: [\n")
    value, named = {"--profile": (str(profile), "profile.yaml"),
                    "--start": ("yesterday", "not an ISO-8601 date-time: 'yesterday'")}[option]
    done = load("http://127.0.0.1:9", option, value)
    assert done.returncode == 1
    assert named in done.stderr and "Traceback" not in done.stderr
    assert "nothing answers" not in done.stderr


def test_load_called_in_process_refuses_instead_of_replacing_the_process():
    from click.testing import CliRunner

    from simulator.cli import main
    result = CliRunner().invoke(main, ["load", "--target", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "runs from the spideo-sim command only" in result.output
