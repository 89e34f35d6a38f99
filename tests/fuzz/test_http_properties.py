"""The mock over HTTP: no 5xx for any request (no fault injected), JSON refusals."""

import base64
import json
from contextlib import nullcontext

import orjson
from hypothesis import given
from hypothesis import strategies as st

from mock_spideo import create_app
from simulator.testing.strategies import adversarial_json, segment_messages
from tests.fuzz.regressions import exporting

APP = create_app()
CLIENT = APP.test_client()
GOOD_AUTH = "Basic " + base64.b64encode(b"demo-key:").decode()

paths = st.one_of(
    st.sampled_from(["/segment", "/demo/users/u1", "/demo/users/u1/interactions",
                     "/demo/content", "/demo/content-count", "/__admin/faults",
                     "/__admin/catalog", "/__admin/interactions", "/openapi.yaml"]),
    st.builds(lambda user, kind, content: f"/demo/users/{user}/interactions/{kind}/content/"
              f"{content}", st.text(st.characters(codec="ascii", exclude_characters="/?#"),
                                    min_size=1, max_size=8).map(
                  lambda s: s.replace("%", "%25")),
              st.sampled_from(["play", "buy", "nope", "Purchase"]), st.just("c1")),
    st.text(st.characters(codec="ascii", min_codepoint=33), min_size=1, max_size=30).map(
        lambda s: "/" + s.replace("#", "").replace("?", "")))
bodies = st.one_of(adversarial_json().map(lambda v: json.dumps(v).encode()),
                   segment_messages().map(orjson.dumps), st.binary(max_size=200))
headers = st.fixed_dictionaries({}, optional={
    "Authorization": st.one_of(st.just(GOOD_AUTH), st.text(max_size=20).map(
        lambda s: "Basic " + s)),
    "Content-Type": st.sampled_from(["application/json", "text/plain", ""]),
    "X-Segment-Settings": st.one_of(st.text(max_size=10), st.just(
        base64.b64encode(b'{"client": "demo"}').decode())),
    "x-api-key": st.sampled_from(["demo-key", "nope", ""]),
}).map(lambda h: {k: v.encode("latin-1", "replace").decode("latin-1").replace("\n", " ")
                  .replace("\r", " ") for k, v in h.items()})  # HTTP cannot carry newlines


@given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]), path=paths,
       body=bodies, headers=headers)
def test_no_request_gets_a_5xx_and_every_4xx_explains_itself(method, path, body, headers):
    reply = CLIENT.open(path, method=method, data=body, headers=headers)
    APP.extensions["mock_spideo"].reset()
    exported = ({"_body": body.decode("utf-8", "replace"), "_headers": headers}
                if (method, path) == ("POST", "/segment") else None)
    with exporting("http-no-5xx", exported, {"responses": [{"status": {
            "regex": "[1-4]\\d\\d|501"}}]}) if exported else nullcontext():
        assert reply.status_code < 500, reply.get_data()[:300]
        if reply.status_code >= 400:
            payload = reply.get_json(silent=True)
            assert isinstance(payload, dict) and payload.get("message") and payload.get(
                "code"), (reply.status_code, reply.get_data()[:300])
