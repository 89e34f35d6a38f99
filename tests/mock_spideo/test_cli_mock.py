"""`spideo-sim mock` started as a new user would: a separate process on a port."""

import base64
import json
import signal
import subprocess

import urllib3

from tests.support.processes import SPIDEO_SIM, start


def start_mock(*args: str) -> tuple[subprocess.Popen, str]:
    process, port = start("mock", *args, health="/__admin/health")
    return process, f"http://127.0.0.1:{port}"


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
        assert b"What Spideo received" in http.request("GET", url + "/").data  # the UI
        assert json.loads(http.request("GET", url + "/__admin/stats").data)["interactions"] == 1
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0, output
    assert "ac****et" in output and "acme-very-secret" not in output
    assert "127.0.0.1" in output
    assert f"web UI: {url}/" in output


def test_a_bad_rules_file_stops_the_mock_with_the_line(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - name: x\n    when: event = \n    ignore: y\n")
    done = subprocess.run([SPIDEO_SIM, "mock", "--rules", str(rules)], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode != 0
    assert f"{rules}:3: rule 'x' field 'when'" in done.stderr


def test_max_requests_keeps_the_newest_rows_and_overrides_the_config(tmp_path):
    config = tmp_path / "mock.yaml"
    config.write_text("clients:\n  acme: acme-very-secret\nmax_requests: 100\n")
    process, url = start_mock("--config", str(config), "--max-requests", "3")
    http = urllib3.PoolManager(retries=False)
    try:
        auth = "Basic " + base64.b64encode(b"acme-very-secret:").decode()
        for user in ("u1", "u2", "u3", "u4", "u5"):
            sent = http.request("POST", url + "/segment", headers={
                "Authorization": auth, "Content-Type": "application/json"}, body=json.dumps({
                    "type": "track", "event": "Video Content Watched", "userId": user,
                    "properties": {"asset_id": "xyz"}}))
            assert sent.status == 200, sent.data
        kept = json.loads(http.request("GET", url + "/__admin/requests").data)["requests"]
        assert [r["user_id"] for r in kept] == ["u3", "u4", "u5"]
        stats = json.loads(http.request("GET", url + "/__admin/stats").data)
        assert (stats["requests"], stats["interactions"]) == (5, 5), "counts stay exact"
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=10)
    assert "the newest 3 requests kept" in output


def test_max_requests_below_one_is_refused_by_the_option(tmp_path):
    done = subprocess.run([SPIDEO_SIM, "mock", "--max-requests", "0"], capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 2
    assert "--max-requests" in done.stderr and "Traceback" not in done.stderr
