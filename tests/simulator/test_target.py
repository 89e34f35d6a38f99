"""Target URLs: a base URL or the full endpoint, read the same way everywhere; and which
answers mean the sender's setup is wrong."""

import pytest

from simulator.deliver.target import SetupError, TargetUrl, setup_refusal


@pytest.mark.parametrize(("given", "base", "endpoint"), [
    ("http://127.0.0.1:8787", "http://127.0.0.1:8787", "http://127.0.0.1:8787/segment"),
    ("http://127.0.0.1:8787/", "http://127.0.0.1:8787", "http://127.0.0.1:8787/segment"),
    ("http://h:1/segment", "http://h:1", "http://h:1/segment"),
    ("https://h/spideo/segment/", "https://h/spideo", "https://h/spideo/segment"),
    ("https://h/spideo", "https://h/spideo", "https://h/spideo/segment"),
])
def test_a_base_url_or_the_endpoint_name_the_same_target(given, base, endpoint):
    assert TargetUrl.parse(given) == TargetUrl(base, endpoint)


@pytest.mark.parametrize("given", ["127.0.0.1:8787", "ftp://h/", "http://", "h/segment",
                                   "http://h/segment?x=1"])
def test_what_is_not_an_http_url_is_refused_with_an_example(given):
    with pytest.raises(SetupError, match="--target"):
        TargetUrl.parse(given)


@pytest.mark.parametrize(("status", "body", "expected"), [
    (401, {"code": "bad_api_key"}, ("bad_api_key", "api_key")),
    (403, {"code": "client_mismatch"}, ("client_mismatch", "client")),
    (404, {"code": "not_found"}, ("not_found", "target")),
    (415, {"code": "unsupported_media_type"}, ("unsupported_media_type", "target")),
    (401, None, ("http_401", "api_key")),          # another service: judged by its status
    (404, "<html>", ("http_404", "target")),
    (400, {"code": "missing_content_id"}, None),   # the message's fault, not the setup's
    (403, {"code": "user_not_tracked"}, None),     # a known code that is not about setup
    (503, {"code": "injected_fault"}, None),
    (200, {"status": "ignored", "code": "heartbeat"}, None),
    (None, None, None),
])
def test_setup_refusals_are_told_from_refusals_of_the_message(status, body, expected):
    assert setup_refusal(status, body) == expected
