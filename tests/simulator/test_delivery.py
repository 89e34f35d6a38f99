"""Delivery with Segment's semantics, against an endpoint scripted by pytest-httpserver."""

import base64
import json
import socket

import pytest
from werkzeug import Response

from simulator.deliver import Deliverer, Destination, FakeClock, RetryPolicy, route

MESSAGE = {"type": "track", "event": "Video Content Started", "userId": "u1",
           "messageId": "m-1", "properties": {"asset_id": "a1"}}


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def deliverer(httpserver, clock):
    destination = Destination(httpserver.url_for("/segment"), "key-123", "acme")
    with Deliverer(destination, clock=clock, workers=1, seed=3) as d:
        yield d


def script(httpserver, *answers):
    for status, headers in answers:
        body = json.dumps({"message": f"answer {status}", "code": f"c{status}"})
        httpserver.expect_ordered_request("/segment", method="POST").respond_with_response(
            Response(body, status=status, headers=headers, content_type="application/json"))


def test_headers_are_segments(httpserver, deliverer):
    script(httpserver, (200, {}))
    deliverer.deliver(MESSAGE)
    request, _ = httpserver.log[0]
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"key-123:").decode()
    assert json.loads(base64.b64decode(request.headers["X-Segment-Settings"])) == {
        "client": "acme"}
    assert request.headers["User-Agent"] == "Segment.io/1.0"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "*/*"
    assert json.loads(request.data) == MESSAGE


def test_503_503_200_is_delivered_on_attempt_3(httpserver, deliverer, clock):
    script(httpserver, (503, {}), (503, {}), (200, {}))
    outcome = deliverer.deliver(MESSAGE)
    assert (outcome.kind, outcome.attempts, outcome.status) == ("delivered", 3, 200)
    assert len(clock.sleeps) == 2 and clock.sleeps[1] >= clock.sleeps[0] / 2


def test_400_is_discarded_after_one_attempt(httpserver, deliverer):
    script(httpserver, (400, {}))
    outcome = deliverer.deliver(MESSAGE)
    assert (outcome.kind, outcome.attempts, outcome.status) == ("discarded", 1, 400)
    assert (outcome.message, outcome.code) == ("answer 400", "c400")


@pytest.mark.parametrize("status", [401, 403, 404, 413, 423, 501, 505])
def test_other_client_errors_501_and_505_are_discarded(httpserver, deliverer, status):
    script(httpserver, (status, {}))
    assert deliverer.deliver(MESSAGE).kind == "discarded"


@pytest.mark.parametrize("status", [408, 410, 429, 460, 500, 502, 503, 504, 599])
def test_retryable_statuses_are_retried(httpserver, deliverer, status):
    script(httpserver, (status, {}), (200, {}))
    assert (deliverer.deliver(MESSAGE).attempts) == 2


def test_429_retry_after_is_honoured_in_simulated_seconds(httpserver, deliverer, clock):
    script(httpserver, (429, {"Retry-After": "2"}), (200, {}))
    outcome = deliverer.deliver(MESSAGE)
    assert outcome.kind == "delivered"
    assert clock.sleeps[0] >= 2


def test_connection_refused_is_retried(clock):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    destination = Destination(f"http://127.0.0.1:{port}/segment", "k", "c")
    policy = RetryPolicy(window_s=60)
    with Deliverer(destination, policy=policy, clock=clock, workers=1) as d:
        outcome = d.deliver(MESSAGE)
    assert outcome.kind == "failed" and outcome.attempts > 3
    assert "Connection" in outcome.message or "connect" in outcome.message.lower()


def test_window_exhausted_is_failed(httpserver, clock):
    httpserver.expect_request("/segment").respond_with_data("down", status=503)
    destination = Destination(httpserver.url_for("/segment"), "k", "c")
    with Deliverer(destination, policy=RetryPolicy(window_s=30), clock=clock, workers=1) as d:
        outcome = d.deliver(MESSAGE)
    assert outcome.kind == "failed" and outcome.status == 503
    assert sum(clock.sleeps) <= 30
    assert outcome.attempts == len(clock.sleeps) + 1


def test_backoff_grows_exponentially_with_a_cap():
    import random
    policy = RetryPolicy(base_s=1, cap_s=8)
    rng = random.Random(1)
    waits = [policy.backoff(n, rng, None) for n in range(1, 8)]
    assert 0.5 <= waits[0] <= 1 and 4 <= waits[4] <= 8 and max(waits) <= 8


@pytest.mark.parametrize(("integrations", "filtered"), [
    ({}, False), ({"All": True}, False), ({"Spideo": False}, True), ({"All": False}, True),
    ({"All": False, "Spideo": True}, False), ({"Spideo": {"enabled": False}}, True)])
def test_integrations_object_routes(integrations, filtered):
    assert (route({**MESSAGE, "integrations": integrations}) is not None) == filtered


def test_unsupported_types_are_filtered_unless_send_all(httpserver, deliverer):
    page = {**MESSAGE, "type": "page"}
    outcome = deliverer.deliver(page)
    assert (outcome.kind, outcome.attempts) == ("filtered", 0)
    assert route(page, send_all=True) is None
    assert httpserver.log == []


def test_every_message_gets_one_outcome_with_many_workers(httpserver, clock):
    httpserver.expect_request("/segment").respond_with_json({"status": "ignored"})
    destination = Destination(httpserver.url_for("/segment"), "k", "c")
    messages = [{**MESSAGE, "messageId": f"m{i}"} for i in range(200)]
    messages += [{**MESSAGE, "type": "screen", "messageId": "s"}]
    seen = []
    with Deliverer(destination, clock=clock, workers=6) as d:
        ledger = d.deliver_all(messages, lambda message, outcome: seen.append(outcome.message_id))
    assert ledger.sent == ledger.total == 201
    assert ledger.outcomes == {"delivered": 200, "filtered": 1}
    assert sorted(seen) == sorted(m["messageId"] for m in messages)


@pytest.mark.parametrize("workers", [1, 4])
def test_a_message_waiting_to_retry_holds_up_no_other(httpserver, clock, workers):
    arrived = []

    def answer(request):
        message_id = json.loads(request.data)["messageId"]
        arrived.append(message_id)
        return Response("{}", status=503 if message_id == "stuck" else 200,
                        content_type="application/json")

    httpserver.expect_request("/segment").respond_with_handler(answer)
    destination = Destination(httpserver.url_for("/segment"), "k", "c")
    messages = [{**MESSAGE, "messageId": "stuck"}]
    messages += [{**MESSAGE, "messageId": f"m{i}"} for i in range(20)]
    with Deliverer(destination, clock=clock, workers=workers, seed=5) as d:
        ledger = d.deliver_all(messages)
    assert ledger.outcomes == {"delivered": 20, "failed": 1}
    second_try = [i for i, message_id in enumerate(arrived) if message_id == "stuck"][1]
    others = {message_id for message_id in arrived[:second_try] if message_id != "stuck"}
    assert others == {f"m{i}" for i in range(20)}, (
        f"the stream waited for a retry: arrivals were {arrived}")


def _in_process(faults, timeout_s=10.0):
    from mock_spideo import InProcessEndpoint, create_app, mock_state
    from simulator.deliver import InProcessTransport
    app = create_app()
    mock_state(app).faults.add(faults)
    return InProcessTransport(InProcessEndpoint(app), timeout_s=timeout_s), mock_state(app)


def test_in_process_a_dropped_connection_is_a_transport_error_and_retried(clock):
    transport, state = _in_process({"drop": True, "times": 2})
    destination = Destination("inprocess:/segment", "demo-key", "demo")
    with Deliverer(destination, clock=clock, workers=1, transport=transport) as d:
        outcome = d.deliver(MESSAGE)
    assert (outcome.kind, outcome.attempts, outcome.status) == ("delivered", 3, 200)
    assert len(clock.sleeps) == 2
    assert [r["outcome"] for r in state.journal.requests()] == ["fault", "fault", "recorded"]


def test_in_process_an_answer_slower_than_the_timeout_is_a_timeout(clock):
    transport, state = _in_process({"delay_ms": 300, "times": 1}, timeout_s=0.1)
    destination = Destination("inprocess:/segment", "demo-key", "demo")
    with Deliverer(destination, clock=clock, workers=1, transport=transport) as d:
        outcome = d.deliver(MESSAGE)
    # As over HTTP: the slow first attempt was recorded after the client gave up, so
    # the retry is a duplicate.
    assert (outcome.kind, outcome.attempts, outcome.code) == ("delivered", 2,
                                                              "duplicate_message")
    assert len(state.journal.interactions()) == 1
