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

from mock_spideo import mock_state
from simulator.deliver.serve import downstream_line, serving
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
    state = mock_state(services.mock.app)
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


def test_serve_says_which_messages_spideo_refused_or_ignored():
    lines = []
    with serving(time_scale=1000, on_outcome=lambda m, o: lines.append(
            downstream_line(m, o))) as running:
        client = Client(WRITE_KEY, host=running.tracking_url, sync_mode=True, max_retries=1)
        client.track(user_id="u1", event="Video Content Watched", properties={"asset_id": "a"})
        client.track(user_id="u1", event="Video Content Playing", properties={"asset_id": "a"})
        client.track(user_id="u1", event="Video Content Started", properties={"title": "x"})
        client.page(user_id="u1", name="Home")
        client.flush()
        assert running.api.flush(timeout=20)
    assert lines[0] is None  # recorded: nothing to say
    assert lines[1].startswith("ignored  track 'Video Content Playing': heartbeat: ")
    assert lines[2].startswith("discarded track 'Video Content Started': 400 "
                               "missing_content_id: Rule 'video-content-started' matched")
    assert lines[3].startswith("filtered page: Spideo does not accept 'page' calls")


@pytest.mark.slow
def test_the_serve_command_prints_those_lines_unless_quiet():
    for quiet in (False, True):
        port = free_port()
        process = subprocess.Popen(
            [SPIDEO_SIM, "serve", "--port", str(port), "--mock-port", "0",
             *(["--quiet"] if quiet else [])], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        try:
            assert process.stdout.readline().startswith("curl ")
            client = Client(WRITE_KEY, host=f"http://127.0.0.1:{port}", sync_mode=True)
            client.track(user_id="u1", event="Video Content Started", properties={})
            client.flush()
            time.sleep(1.0)
        finally:
            process.send_signal(signal.SIGINT)
            _, log = process.communicate(timeout=15)
        assert ("missing_content_id" in log) is not quiet, log


@pytest.mark.parametrize(("path", "kind"), [("/v1/t", "track"), ("/v1/i", "identify"),
                                            ("/v1/p", "page"), ("/v1/s", "screen"),
                                            ("/v1/g", "group"), ("/v1/a", "alias")])
def test_analytics_js_short_paths_name_the_type(services, path, kind):
    body = {"writeKey": WRITE_KEY, "userId": "u1", "event": "E", "_metadata": {"bundled": []}}
    status, _ = post(services, path, orjson.dumps(body), {"Content-Type": "text/plain"},
                     key=None)
    assert status == 200
    assert services.api.flush(timeout=20)
    assert services.api.ledger.sent == 1


def test_analytics_js_batches_and_metrics(services):
    status, _ = post(services, "/v1/b", orjson.dumps({"writeKey": WRITE_KEY, "batch": [
        {"type": "track", "userId": "u1", "event": "Video Content Watched",
         "properties": {"asset_id": "b1"}}]}), {"Content-Type": "text/plain"}, key=None)
    assert status == 200
    metrics = {"series": [{"type": "Counter", "metric": "analytics_js.invoke", "value": 1,
                           "tags": {"library": "analytics.js"}}]}
    assert post(services, "/v1/m", orjson.dumps(metrics), {"Content-Type": "text/plain"},
                key=None)[0] == 200
    interactions, _ = recorded(services)
    assert [i["content_id"] for i in interactions] == ["b1"]
    assert services.api.ledger.sent == 1  # metrics are not messages


def test_a_page_of_another_origin_may_call_the_api(services):
    http = urllib3.PoolManager()
    origin = "http://127.0.0.1:9999"
    preflight = http.request("OPTIONS", services.tracking_url + "/v1/t", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})
    assert preflight.status < 300
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"] == "authorization,content-type"
    refused = http.request("POST", services.tracking_url + "/v1/t", body=b"{}",
                           headers={"Origin": origin, "Content-Type": "text/plain"})
    assert refused.status == 401  # no write key: the page's SDK sees the error
    assert refused.headers["Access-Control-Allow-Origin"] == origin


@pytest.mark.parametrize(("item", "code"), [
    ({"context": "x"}, "invalid_context"),
    ({"integrations": [1]}, "invalid_integrations"),
    ({"timestamp": "0001-01-01T00:00:00Z", "sentAt": "9999-12-31T23:59:59Z"},
     "invalid_timestamp"),
    ({"timestamp": "9999-12-31T23:59:59Z", "sentAt": "0001-01-01T00:00:00Z"},
     "invalid_timestamp"),
])
def test_a_bad_batch_item_is_a_coded_400_naming_it(services, item, code):
    good = {"type": "track", "userId": "u", "event": "Video Content Watched"}
    status, body = post(services, "/v1/batch", orjson.dumps(
        {"batch": [good, {**good, **item}]}))
    assert (status, body["code"]) == (400, code)
    assert body["message"].startswith("batch item 1")


def test_far_but_valid_times_are_accepted(services):
    status, _ = post(services, "/v1/track", orjson.dumps({
        "userId": "u", "event": "Video Content Watched", "properties": {"asset_id": "a"},
        "timestamp": "9999-12-31T23:59:59Z"}))
    assert status == 200
