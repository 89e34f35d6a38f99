"""The local Tracking API: no 5xx for any body an SDK (or anything else) sends, and every
refusal is JSON with a code and a message (a 500 refused a whole batch before)."""

import base64
import json

from hypothesis import given
from hypothesis import strategies as st

from simulator.deliver import Outcome
from simulator.deliver.tracking_api import TrackingApi, create_tracking_app
from simulator.testing.strategies import adversarial_json, iso_timestamps, segment_messages

# Accepted messages are not delivered anywhere: this property is about the API itself.
API = TrackingApi("k", lambda message: Outcome("filtered", None, None, None))
CLIENT = create_tracking_app(API).test_client()
AUTH = {"Authorization": "Basic " + base64.b64encode(b"k:").decode()}

# Any JSON in the places a message's objects and times go.
odd = st.one_of(st.sampled_from(["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z",
                                 "0000-00-00", "", None, "x", 0, [1], True]),
                iso_timestamps, adversarial_json(max_leaves=5))
messages = st.one_of(
    st.fixed_dictionaries({"type": st.just("track"), "userId": st.just("u"),
                           "event": st.just("e")}, optional={
        "context": odd, "integrations": odd, "timestamp": odd, "sentAt": odd,
        "originalTimestamp": odd, "properties": odd, "messageId": odd}),
    segment_messages(("track", "identify", "page")),
    adversarial_json(max_leaves=8))
bodies = st.one_of(
    st.builds(lambda items, shared: {"batch": items, **shared}, st.lists(messages, max_size=4),
              st.fixed_dictionaries({}, optional={"context": odd, "integrations": odd,
                                                  "sentAt": odd})),
    messages)


@given(path=st.sampled_from(["/v1/batch", "/v1/b", "/v1/track", "/v1/t", "/v1/identify"]),
       body=bodies)
def test_no_body_gets_a_5xx_and_every_refusal_is_coded(path, body):
    reply = CLIENT.post(path, data=json.dumps(body), headers=AUTH)
    assert reply.status_code < 500, reply.get_data()[:300]
    if reply.status_code >= 400:
        payload = reply.get_json(silent=True)
        assert isinstance(payload, dict) and payload.get("code") and payload.get("message")
