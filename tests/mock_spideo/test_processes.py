"""`spideo-sim mock --processes N`: several gunicorn processes over one journal file, with
duplicate detection exact across them."""

import base64
import json
import signal
import sqlite3
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import urllib3

from tests.support.processes import SPIDEO_SIM, start

pytestmark = pytest.mark.slow  # see tests/conftest.py

AUTH = {"Authorization": "Basic " + base64.b64encode(b"demo-key:").decode(),
        "Content-Type": "application/json", "X-Segment-Settings":
        base64.b64encode(json.dumps({"client": "demo"}).encode()).decode()}


def _watched(message_id: str, user: int) -> bytes:
    return json.dumps({"type": "track", "event": "Video Content Watched",
                       "userId": f"u{user}", "messageId": message_id,
                       "properties": {"asset_id": f"a{user % 7}"}}).encode()


def test_two_processes_record_each_message_once_whichever_answers(tmp_path):
    journal = tmp_path / "journal.sqlite"
    process, port = start("mock", "--processes", "2", "--journal", str(journal),
                          health="/__admin/health")
    url = f"http://127.0.0.1:{port}/segment"
    ids = [str(uuid.uuid4()) for _ in range(150)]
    # every message 4 times, from 12 threads on their own connections: the copies race
    # each other across both processes
    sends = [(message_id, n) for n, message_id in enumerate(ids) for _ in range(4)]
    pids: set[str] = set()
    try:
        http = urllib3.PoolManager(maxsize=12, retries=False, timeout=20)

        def send(item: tuple[str, int]) -> tuple[int, str]:
            answer = http.request("POST", url, body=_watched(*item), headers=AUTH)
            return answer.status, json.loads(answer.data)["status"]

        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(send, sends))
        pids.update(_server_pids(http, port, 40))
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert "2 processes" in output
    assert {status for status, _ in answers} == {200}
    kinds = [kind for _, kind in answers]
    assert kinds.count("recorded") == len(ids)
    assert kinds.count("duplicate") == 3 * len(ids)
    assert len(pids) == 2, "both processes answered"
    with sqlite3.connect(journal) as db:
        per_message = db.execute(
            "SELECT message_id, COUNT(*) FROM interactions GROUP BY message_id").fetchall()
    assert sorted(message_id for message_id, _ in per_message) == sorted(ids)
    assert {count for _, count in per_message} == {1}


def _server_pids(http: urllib3.PoolManager, port: int, tries: int) -> set[str]:
    """The processes that answered /__admin/health on fresh connections."""
    seen = set()
    for _ in range(tries):
        answer = http.request("GET", f"http://127.0.0.1:{port}/__admin/health",
                              headers={"Connection": "close"})
        seen.add(json.loads(answer.data)["process"])
    return seen


def test_a_busy_port_stops_several_processes_with_one_line():
    process, port = start("mock", health="/__admin/health")
    try:
        second = subprocess.run([SPIDEO_SIM, "mock", "--processes", "2", "--port", str(port)],
                                capture_output=True, text=True, timeout=30)
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
    assert second.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in second.stderr
    assert "Traceback" not in second.stderr
