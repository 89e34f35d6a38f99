"""`spideo-sim mock` started as a new user would: a separate process on a port."""

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import urllib3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_mock(*args: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [str(Path(sys.executable).with_name("spideo-sim")), "mock", "--port", str(port),
               *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    http = urllib3.PoolManager(retries=False)
    for _ in range(100):
        try:
            if http.request("GET", url + "/__admin/health").status == 200:
                return process, url
        except urllib3.exceptions.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"mock did not start: {process.communicate()[0]}")


def test_the_mock_command_serves_the_documented_endpoints(tmp_path):
    config = tmp_path / "mock.yaml"
    config.write_text("clients:\n  acme: acme-very-secret\n")
    process, url = start_mock("--config", str(config))
    http = urllib3.PoolManager(retries=False)
    try:
        auth = "Basic " + base64.b64encode(b"acme-very-secret:").decode()
        sent = http.request("POST", url + "/segment", headers={
            "Authorization": auth, "Content-Type": "application/json"}, body=json.dumps({
                "type": "track", "event": "Video Content Watched", "userId": "u1",
                "properties": {"asset_id": "xyz"}}))
        assert sent.status == 200, sent.data
        listed = http.request("GET", url + "/acme/users/u1/interactions",
                              headers={"x-api-key": "acme-very-secret"})
        assert [i["type"] for i in json.loads(listed.data)] == ["play"]
        assert http.request("GET", url + "/openapi.yaml").status == 200
        assert json.loads(http.request("GET", url + "/__admin/stats").data)["interactions"] == 1
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0, output
    assert "ac************et" in output and "acme-very-secret" not in output
    assert "127.0.0.1" in output


def test_a_bad_rules_file_stops_the_mock_with_the_line(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: x\n    when: event = \n    ignore: y\n")
    spideo_sim = str(Path(sys.executable).with_name("spideo-sim"))
    done = subprocess.run([spideo_sim, "mock", "--rules", str(rules)], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode != 0
    assert f"{rules}:3: rule 'x' field 'when'" in done.stderr
