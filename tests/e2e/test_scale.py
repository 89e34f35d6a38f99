"""Scaling a simulation out: the in-process transport is equivalent to HTTP, and the
totals do not depend on how many processes (shards) share the viewers."""

import json
import os
import pty
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from mock_spideo import LiveServer, create_app, mock_state
from simulator.report import report_dict
from simulator.simulate import SimulationSettings, run_simulation
from tests.support.processes import SPIDEO_SIM

pytestmark = pytest.mark.slow  # see tests/conftest.py

# Per message (by a hash of its messageId), so that which messages a fault hits does not
# depend on how retries interleave with new messages, which timing decides.
FAULTS = ("seed: 4\nfaults:\n"
          "  - {name: flaky, status: 503, rate: 0.1, per_message: true, attempts: 2}\n"
          "  - {name: burst, status: 429, rate: 0.02, per_message: true, attempts: 1,"
          " retry_after: 1}\n"
          "  - {name: cut, drop: true, rate: 0.01, per_message: true, attempts: 1}\n"
          "  - {name: slow, delay_ms: 2, times: 10}\n"
          "  - {name: refused, status: 400, event: Product Viewed, rate: 0.5,"
          " per_message: true}\n")


def figures(result):
    """What a report says, but for how fast and how it ran, and which request the mock's
    funnel shows as each reason's example (that depends on the process that saw it)."""
    report = {k: v for k, v in report_dict(result).items()
              if k not in ("settings", "run", "throughput")}
    for entry in report["received"]["outcomes"].values():
        entry["reasons"] = [{k: v for k, v in reason.items() if k not in ("sample", "example")}
                            for reason in entry["reasons"]]
    return report


def test_in_process_and_http_transports_give_the_same_report(tmp_path):
    faults = tmp_path / "faults.yaml"
    faults.write_text(FAULTS)
    # 736 messages where every fault of the file fires: retries, drops, a 400 discarded
    common = {"users": 5, "seed": 4, "days": 0.25, "faults": str(faults), "workers": 1,
              "time_scale": 100_000}
    in_process = run_simulation(SimulationSettings(**common, transport="inprocess"))
    over_http = run_simulation(SimulationSettings(**common, transport="http"))
    assert report_dict(in_process)["run"]["transport"] == "inprocess"
    assert report_dict(over_http)["run"]["transport"] == "http"
    assert in_process.ledger.retries > 20 and in_process.problems_by_code["injected_fault"]
    assert in_process.ledger.outcomes["discarded"] > 0
    assert in_process.received["outcomes"]["fault"]["count"] > in_process.problems_by_code[
        "injected_fault"]  # dropped connections too
    assert figures(in_process) == figures(over_http)


def test_totals_are_the_same_whatever_the_number_of_jobs():
    one = run_simulation(SimulationSettings(users=7, seed=5, days=0.5, jobs=1))
    two = run_simulation(SimulationSettings(users=7, seed=5, days=0.5, jobs=2))
    assert report_dict(two)["run"]["jobs"] == 2
    assert one.total > 1000 and one.interactions_by_type
    assert figures(two) == figures(one)


def test_shards_deliver_to_a_target_each_with_its_own_deliverer():
    app = create_app()
    with LiveServer(app) as server:
        sharded = run_simulation(SimulationSettings(users=4, seed=6, days=0.3, jobs=2,
                                                    target=server.url + "/segment"))
    alone = run_simulation(SimulationSettings(users=4, seed=6, days=0.3))
    assert sharded.conservation["ok"] and sharded.total == alone.total
    assert sharded.interactions_by_type == alone.interactions_by_type
    assert mock_state(app).journal.stats()["interactions_by_type"] == alone.interactions_by_type


class Terminal:
    """A pseudo-terminal as the command's stderr, read in the background (so that the
    progress bar, which draws only on a terminal, never blocks on a full buffer)."""

    def __init__(self) -> None:
        self.master, self.slave = pty.openpty()
        self.text = ""
        self._reader = threading.Thread(target=self._read, daemon=True)

    def start(self) -> None:
        os.close(self.slave)  # the command holds it now
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the command ended: the terminal is gone
                return
            if not chunk:
                return
            self.text += chunk.decode(errors="replace")

    def wait_for(self, pattern: str, seconds: float = 60) -> re.Match:
        deadline = time.monotonic() + seconds
        while (found := re.search(pattern, self.text)) is None:
            assert time.monotonic() < deadline, f"no {pattern!r} in: {self.text[-2000:]}"
            time.sleep(0.05)
        return found

    def close(self) -> str:
        self._reader.join(timeout=10)
        os.close(self.master)
        return self.text


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_stops_every_shard_and_reports_what_was_done(tmp_path, jobs):
    """As a terminal does: SIGINT to the whole process group, once the progress bar
    shows the shards delivering."""
    terminal = Terminal()
    process = subprocess.Popen(
        [SPIDEO_SIM, "simulate", "--users", "400", "--jobs", jobs, "--out", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=terminal.slave, text=True, start_new_session=True,
        env={**os.environ, "COLUMNS": "200"})
    terminal.start()
    try:
        terminal.wait_for(r"Simulating")
        terminal.wait_for(r"\b[1-9]\d{3,} messages")  # a thousand generated, at least
        os.killpg(process.pid, signal.SIGINT)
        out, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
        err = terminal.close()
    assert process.returncode == 130, out + err
    assert "Traceback" not in out + err
    assert "Result: INTERRUPTED by Ctrl-C" in out and "Conservation: OK" in out
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["run"] == {"transport": "inprocess", "jobs": int(jobs), "interrupted": True}
    assert report["conservation"]["ok"]
    assert 0 < report["messages"]["total"] < 190_000  # about the whole day of 400 viewers


def descendants(pid: int) -> set[int]:
    """The processes under `pid`, children and theirs (Linux's /proc)."""
    children: dict[int, list[int]] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):  # ended meanwhile
            continue
        children.setdefault(parent, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        below = children.get(todo.pop(), [])
        found.update(below)
        todo += below
    return found


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux's /proc")
def test_sigterm_to_the_command_alone_ends_its_shards_too(tmp_path):
    """`kill`, `docker stop` or a CI timeout signal the command, not its process group:
    the shards, children of multiprocessing's fork server, must not run on without it."""
    terminal, stdout = Terminal(), (tmp_path / "stdout.txt").open("w")
    process = subprocess.Popen(  # stdout to a file: an orphan would hold a pipe open
        [SPIDEO_SIM, "simulate", "--users", "1500", "--jobs", "2", "--out", str(tmp_path)],
        stdout=stdout, stderr=terminal.slave, text=True, start_new_session=True,
        env={**os.environ, "COLUMNS": "200"})  # a day of 1,500 viewers: a minute's work
    terminal.start()
    try:
        terminal.wait_for(r"\b[1-9]\d{3,} messages")
        below = descendants(process.pid)
        assert len(below) >= 3, below  # the fork server and the two shards, at least
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        stdout.close()
    out = (tmp_path / "stdout.txt").read_text()
    deadline = time.monotonic() + 5
    while (left := [pid for pid in below if running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in left:  # for the next tests' sake, whatever this one says
        os.kill(pid, signal.SIGKILL)
    err = terminal.close()
    assert left == [], f"still running after the command ended: {left}"
    assert process.returncode == 128 + signal.SIGTERM, out + err
    assert "Traceback" not in out + err
