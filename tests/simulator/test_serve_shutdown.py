"""Nothing accepted is lost: a bounded queue answers 503 + Retry-After when full or
shutting down, and at shutdown what was not delivered is spooled and resent later."""

import json
import re
import signal
import subprocess
import threading
import time

import orjson
import pytest
import urllib3

from simulator.deliver import DeliveryInterrupted, Outcome
from simulator.deliver.tracking_api import TrackingApi, TrackingError
from tests.support.processes import SPIDEO_SIM, free_port, wait_for

BEAT = {"type": "track", "userId": "u1", "event": "Video Content Playing",
        "properties": {"asset_id": "a1"}}


class SlowDelivery:
    """A deliverer that waits for a go-ahead, so the queue can be seen filling up; like
    the real one, it stops when interrupted."""

    def __init__(self) -> None:
        self.go, self.interrupt = threading.Event(), threading.Event()
        self.delivered: list[dict] = []

    def __call__(self, message: dict) -> Outcome:
        while not self.go.wait(0.01):
            if self.interrupt.is_set():
                raise DeliveryInterrupted(message)
        self.delivered.append(message)
        return Outcome("delivered", message.get("messageId"), "track", None, 200, 1)


def test_a_full_queue_refuses_with_503_and_retry_after_all_or_nothing():
    slow = SlowDelivery()
    api = TrackingApi("k", slow, max_queue=3, retry_after_s=7)
    api.accept([dict(BEAT, messageId=str(n)) for n in range(3)])
    with pytest.raises(TrackingError) as refused:
        api.accept([dict(BEAT, messageId="x"), dict(BEAT, messageId="y")])
    assert (refused.value.status, refused.value.code, refused.value.retry_after) == (
        503, "queue_full", 7)
    assert api.ledger.sent == 3  # the refused batch was not half accepted
    slow.go.set()
    assert api.flush(10) and len(slow.delivered) == 3
    api.close()


def test_shutdown_refuses_new_messages_and_hands_back_what_is_left():
    slow = SlowDelivery()
    api = TrackingApi("k", slow)
    api.accept([dict(BEAT, messageId=str(n)) for n in range(5)])
    rest = api.shutdown(drain_timeout=0.2, interrupt=slow.interrupt)
    with pytest.raises(TrackingError, match="shutting down") as refused:
        api.accept([BEAT])
    assert refused.value.status == 503 and refused.value.retry_after
    assert [m["messageId"] for m in rest] == ["0", "1", "2", "3", "4"]  # in delivery first
    assert api.ledger.total == 0 and api.spooled == 5


def post_batches(port: int, count: int, size: int) -> int:
    http = urllib3.PoolManager()
    accepted = 0
    for batch in range(count):
        body = {"writeKey": "local-write-key", "batch": [
            dict(BEAT, messageId=f"m{batch}-{n}") for n in range(size)]}
        reply = http.request("POST", f"http://127.0.0.1:{port}/v1/batch",
                             body=orjson.dumps(body), headers={"Content-Type": "text/plain"})
        assert reply.status == 200, reply.data
        accepted += size
    return accepted


def run_serve(spool, *extra: str) -> tuple[subprocess.Popen, int, int]:
    port, mock_port = free_port(), free_port()
    process = subprocess.Popen([SPIDEO_SIM, "serve", "--port", str(port), "--mock-port",
                                str(mock_port), "--spool", str(spool), "--quiet", *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(f"http://127.0.0.1:{port}/v1/stats", process)
    return process, port, mock_port


def final_counts(log: str) -> tuple[int, int, int]:
    """(accepted, with an outcome, spooled) from serve's last line."""
    line = next(line for line in reversed(log.splitlines()) if line.startswith("accepted"))
    accepted = int(re.search(r"accepted (\d+)", line)[1])
    outcomes = sum(int(n) for n in re.findall(r"(\d+) (?:delivered|discarded|filtered|failed)",
                                              line))
    spooled = re.search(r"(\d+) spooled", line)
    return accepted, outcomes, int(spooled[1]) if spooled else 0


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_stopping_with_a_backlog_spools_it_and_the_next_start_resends_it(tmp_path, stop):
    spool = tmp_path / "spool.jsonl"
    process, port, _ = run_serve(spool, "--drain-timeout", "0.2")
    sent = post_batches(port, 4, 200)
    process.send_signal(stop)
    _, log = process.communicate(timeout=60)
    assert process.returncode == 0, log
    accepted, outcomes, spooled = final_counts(log)
    assert accepted == sent == outcomes + spooled, log
    assert spooled > 0, "no backlog was left to spool: the test needs a faster sender"
    assert len(spool.read_bytes().splitlines()) == spooled

    process, _, mock_port = run_serve(spool)
    http = urllib3.PoolManager()
    for _ in range(300):
        stats = json.loads(http.request(
            "GET", f"http://127.0.0.1:{mock_port}/__admin/stats").data)
        if stats["requests"] >= spooled:
            break
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, log = process.communicate(timeout=60)
    assert f"Resending {spooled} messages" in log
    assert stats["requests"] == spooled and final_counts(log) == (spooled, spooled, 0)
    assert not spool.exists()
