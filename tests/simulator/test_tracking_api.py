"""The local Tracking API, driven by Segment's real SDKs and by bad input."""

import base64
import gzip
import json
import signal
import subprocess
import time

import orjson
import pytest
import urllib3
from segment.analytics import Client

from simulator.deliver.serve import serving
from tests.support import node_packages
from tests.support.processes import SPIDEO_SIM, free_port

ORACLE = node_packages.ORACLE
WRITE_KEY = "local-write-key"


@pytest.fixture
def services():
    with serving(time_scale=1000) as running:
        yield running


def recorded(services):
    assert services.api.flush(timeout=20), "delivery did not finish"
    state = services.mock.app.extensions["mock_spideo"]
    return state.journal.interactions(), state.journal.user_property_sets()


def test_segment_analytics_python_drives_the_simulation(services):
    client = Client(WRITE_KEY, host=services.tracking_url, sync_mode=True, max_retries=1)
    client.track(user_id="py-1", event="Video Content Watched", properties={"asset_id": "xyz"})
    client.track(anonymous_id="anon-1", event="Product Clicked",
                 properties={"product_id": "mv-9", "list_id": "home"})
    client.identify(user_id="py-1", traits={"email": "a@b.c", "binge_watchers": True})
    client.page(user_id="py-1", name="Home")
    client.flush()
    interactions, properties = recorded(services)
    assert sorted((i["user_id"], i["type"], i["content_id"]) for i in interactions) == [
        ("anon-1", "click", "mv-9"), ("py-1", "play", "xyz")]
    assert [(p["user_id"], p["name"], p["value"]) for p in properties] == [
        ("py-1", "binge_watchers", True)]
    ledger = services.api.ledger
    assert (ledger.sent, ledger.outcomes["delivered"], ledger.outcomes["filtered"]) == (4, 3, 1)
    assert all(i["message_id"] for i in interactions)


def test_gzip_bodies_from_the_python_sdk(services):
    client = Client(WRITE_KEY, host=services.tracking_url, sync_mode=True, gzip=True)
    client.track(user_id="gz", event="Product Viewed", properties={"product_id": "p1"})
    client.flush()
    interactions, _ = recorded(services)
    assert [(i["user_id"], i["type"]) for i in interactions] == [("gz", "moreInfo")]


def test_segment_analytics_node_drives_the_simulation(services):
    node_packages.require("@segment/analytics-node")
    calls = [{"method": "track", "args": {"userId": "node-1", "event": "Video Content Started",
                                         "properties": {"asset_id": "ep-1"}}},
             {"method": "identify", "args": {"userId": "node-1",
                                            "traits": {"plan": "premium"}}}]
    subprocess.run(["node", str(ORACLE / "node_sdk_send.js"), services.tracking_url,
                    WRITE_KEY, json.dumps(calls)], check=True, timeout=60, capture_output=True)
    interactions, properties = recorded(services)
    assert [(i["user_id"], i["type"], i["content_id"]) for i in interactions] == [
        ("node-1", "play", "ep-1")]
    assert [(p["name"], p["value"]) for p in properties] == [("plan", "premium")]


def post(services, path, body, headers=None, key=WRITE_KEY):
    auth = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
    reply = urllib3.request("POST", services.tracking_url + path, body=body, headers={
        "Content-Type": "application/json", **(auth if key else {}), **(headers or {})})
    return reply.status, json.loads(reply.data)


@pytest.mark.parametrize(("body", "headers", "key", "code"), [
    (b'{"userId": "u", "event": "x"', {}, WRITE_KEY, "invalid_json"),
    (orjson.dumps({"userId": "u", "event": "x", "properties": {"pad": "x" * 33_000}}), {},
     WRITE_KEY, "message_too_large"),
    (orjson.dumps({"userId": "u", "event": "x"}), {}, "wrong", "bad_write_key"),
    (orjson.dumps({"userId": "u", "event": "x"}), {}, None, "missing_write_key"),
    (orjson.dumps({"event": "x"}), {}, WRITE_KEY, "missing_user"),
    (b"not gzip", {"Content-Encoding": "gzip"}, WRITE_KEY, "bad_gzip"),
])
def test_bad_single_calls_get_400_or_401_with_json(services, body, headers, key, code):
    status, reply = post(services, "/v1/track", body, headers, key)
    assert status in (400, 401) and reply["code"] == code and reply["message"]
    assert services.api.ledger.sent == 0


def test_batch_limits(services):
    one = {"type": "track", "userId": "u", "event": "Product Clicked",
           "properties": {"product_id": "p"}}
    status, reply = post(services, "/v1/batch", orjson.dumps({"batch": [one] * 2501}))
    assert (status, reply["code"]) == (400, "batch_too_large")
    status, reply = post(services, "/v1/batch", orjson.dumps(
        {"batch": [{**one, "properties": {"pad": "x" * 20_000}}] * 30}))
    assert (status, reply["code"]) == (400, "request_too_large")
    assert services.api.ledger.sent == 0


def test_batch_context_and_integrations_are_merged_and_times_filled(services):
    batch = {"batch": [
        {"type": "track", "userId": "u1", "event": "Product Clicked",
         "properties": {"product_id": "p1"}, "timestamp": "2025-01-06T20:00:00.000Z",
         "context": {"locale": "fr-FR"}},
        {"type": "track", "userId": "u2", "event": "Product Clicked",
         "properties": {"product_id": "p2"}, "integrations": {"Spideo": False}}],
        "context": {"library": {"name": "curl", "version": "1"}, "locale": "en-US"},
        "integrations": {"All": True}, "sentAt": "2025-01-06T20:00:10.000Z"}
    seen = []
    services.api._on_outcome = lambda message, outcome: seen.append((message, outcome))
    assert post(services, "/v1/batch", orjson.dumps(batch))[0] == 200
    recorded(services)
    first, second = sorted(seen, key=lambda pair: pair[0]["userId"])
    assert first[0]["context"] == {"library": {"name": "curl", "version": "1"},
                                   "locale": "fr-FR"}
    assert first[0]["originalTimestamp"] == "2025-01-06T20:00:00.000Z"
    skew_corrected = first[0]["timestamp"]
    assert skew_corrected < first[0]["receivedAt"] and first[0]["messageId"]
    assert second[1].kind == "filtered"


def test_gzip_batch_from_a_raw_client(services):
    body = gzip.compress(orjson.dumps({"batch": [{"type": "identify", "userId": "u",
                                                  "traits": {"vip": True}}]}))
    assert post(services, "/v1/batch", body, {"Content-Encoding": "gzip"})[0] == 200
    _, properties = recorded(services)
    assert [(p["name"], p["value"]) for p in properties] == [("vip", True)]


def test_serve_and_its_printed_curl_command_record_an_interaction():
    port, mock_port = free_port(), free_port()
    process = subprocess.Popen([SPIDEO_SIM, "serve", "--port", str(port), "--mock-port",
                                str(mock_port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        curl = process.stdout.readline().strip()
        assert curl.startswith("curl "), curl
        done = subprocess.run(curl, shell=True, capture_output=True, text=True, timeout=30)
        assert '"success":true' in done.stdout.replace(" ", ""), done.stdout + done.stderr
        http = urllib3.PoolManager()
        for _ in range(100):
            found = json.loads(http.request(
                "GET", f"http://127.0.0.1:{mock_port}/__admin/interactions").data)
            if found["interactions"]:
                break
            time.sleep(0.1)
        assert [(i["type"], i["content_id"]) for i in found["interactions"]] == [
            ("play", "xyz")]
    finally:
        process.send_signal(signal.SIGINT)
        _, banner = process.communicate(timeout=15)
    assert process.returncode == 0, banner
    assert "local-write-key" in banner and "de****ey" in banner and "demo-key" not in banner
