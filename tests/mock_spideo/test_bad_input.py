"""No bad input makes the mock answer 5xx; every refusal carries JSON message and code."""

import base64
import json
import random

import pytest

from mock_spideo import create_app

METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
PATHS = ["/segment", "/demo/users/u1", "/demo/users/u1/interactions",
         "/demo/users/u1/interactions/play/content/c1", "/demo/content", "/demo/content/c1",
         "/demo/content-count", "/__admin/faults", "/__admin/catalog", "/__admin/interactions",
         "/__admin/requests", "/__admin/reset", "/", "/%00", "/demo/users/%2F%2F/interactions",
         "/demo/users//interactions", "/x" * 300, "/ünï/cödé", "/demo/users/u1?skip=-5",
         "/__admin/interactions?limit=abc", "/demo/users/u1/interactions?limit=99999999999999",
         "/segment?x=" + "y" * 5000]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def random_body(rng: random.Random) -> bytes:
    choice = rng.randrange(10)
    if choice == 0:
        return bytes(rng.getrandbits(8) for _ in range(rng.randrange(200)))
    if choice == 1:
        return nested(rng.choice([10, 1000, 5000])).encode()
    if choice == 2:
        return json.dumps({"type": rng.choice(["track", "identify", 5, None, "page", ""]),
                           "event": rng.choice(["Video Content Started", 7, None, "☃" * 40]),
                           "userId": rng.choice(["u", "", 12, None, ["x"], {"a": 1}]),
                           "properties": rng.choice([{}, [], "x", {"asset_id": {"a": [1]}},
                                                     {"products": "no"}]),
                           "timestamp": rng.choice(["2025-01-01", "nope", 5, None]),
                           "messageId": rng.choice(["m", "m" * 200, 1, None])}).encode()
    if choice == 3:
        return json.dumps([{"id": rng.choice([None, 1, "x", True, {}])}] * rng.randrange(3)
                          ).encode()
    if choice == 4:
        return json.dumps({"status": rng.choice([200, 99, "x", None, 600]),
                           "rate": rng.choice([0.5, -1, "x"]), "times": rng.choice([1, -1]),
                           "faults": rng.choice([[], "x", [{}]])}).encode()
    if choice == 5:
        return b'{"type": "track", "event": "Video Content Started", "userId": "u", '\
               b'"properties": {"asset_id": "\\ud800"}}'
    if choice == 6:
        return json.dumps({"a" * 10: "b" * 40_000}).encode()
    return json.dumps(rng.choice([None, 1, "s", [], {}, {"type": "track"}, 1e308])).encode()


def random_headers(rng: random.Random) -> dict:
    headers = {}
    auth = rng.randrange(6)
    if auth == 1:
        headers["Authorization"] = "Basic " + base64.b64encode(b"demo-key:").decode()
    elif auth == 2:
        headers["Authorization"] = "Basic " + "".join(rng.choice("ab=!$") for _ in range(9))
    elif auth == 3:
        headers["Authorization"] = rng.choice(["Basic", "Bearer x", "Basic " + base64.b64encode(
            bytes(rng.getrandbits(8) for _ in range(8))).decode()])
    if rng.random() < 0.3:
        headers["X-Segment-Settings"] = rng.choice([
            "%%%", base64.b64encode(b"{bad").decode(), base64.b64encode(b'{"client": 5}').decode(),
            base64.b64encode(b'"s"').decode()])
    if rng.random() < 0.8:
        headers["Content-Type"] = rng.choice(["application/json", "text/plain",
                                              "application/json; charset=latin-1",
                                              "multipart/form-data", ""])
    if rng.random() < 0.3:
        headers["x-api-key"] = rng.choice(["demo-key", "", "☃"])
    if rng.random() < 0.1:
        headers["Content-Length"] = rng.choice(["-1", "abc", "99999999"])
    return headers


def test_a_thousand_malformed_requests_get_no_5xx():
    app = create_app()
    client = app.test_client()
    rng = random.Random(20261129)
    failures = []
    for number in range(1200):
        method, path = rng.choice(METHODS), rng.choice(PATHS)
        try:
            reply = client.open(path, method=method, data=random_body(rng),
                                headers=random_headers(rng))
        except Exception as exc:  # the test client itself refused to build the request
            if "Content-Length" in str(exc) or isinstance(exc, ValueError):
                continue
            raise
        status = reply.status_code
        body = reply.get_json(silent=True) if method != "HEAD" else None
        if status >= 500:
            failures.append((number, method, path, status, reply.get_data()[:200]))
        elif status >= 400 and method != "HEAD" and not (
                isinstance(body, dict) and body.get("message") and body.get("code")):
            failures.append((number, method, path, status, "no JSON message/code"))
    assert failures == [], failures[:5]


@pytest.mark.parametrize("depth", [100, 2000])
def test_deeply_nested_admin_bodies_are_refused_not_crashed(depth):
    client = create_app().test_client()
    reply = client.post("/__admin/faults", data=nested(depth),
                        headers={"Content-Type": "application/json"})
    assert reply.status_code == 400
