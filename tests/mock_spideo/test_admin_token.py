"""Who may use /__admin: with an admin token, only requests that carry it; and no
listening beyond loopback with /__admin open, unless asked for."""

import socket

import pytest
from click.testing import CliRunner

from mock_spideo import ConfigError, MockConfig, create_app
from mock_spideo.segment import destination_headers
from simulator.cli import main

TOKEN = "s3cret-admin-token"


@pytest.fixture
def guarded():
    return create_app(MockConfig(admin_token=TOKEN)).test_client()


@pytest.mark.parametrize(("headers", "status", "code"), [
    ({}, 401, "missing_admin_token"),
    ({"Authorization": "Bearer nope-nope-nope"}, 403, "bad_admin_token"),
    ({"Authorization": f"Basic {TOKEN}"}, 401, "missing_admin_token"),
    ({"Authorization": f"Bearer {TOKEN[:-1]}"}, 403, "bad_admin_token"),
])
def test_admin_needs_the_token(guarded, headers, status, code):
    for method, path in (("GET", "/__admin/interactions"), ("POST", "/__admin/reset"),
                         ("POST", "/__admin/faults")):
        reply = guarded.open(path, method=method, headers=headers, json={"status": 503})
        assert (reply.status_code, reply.get_json()["code"]) == (status, code)
    assert guarded.get("/__admin/faults", headers={
        "Authorization": f"Bearer {TOKEN}"}).get_json() == {"faults": []}  # nothing added


def test_the_token_opens_admin_and_never_guards_segment_or_rest(guarded):
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert guarded.get("/__admin/health", headers=bearer).status_code == 200
    play = {"type": "track", "event": "Video Content Watched", "userId": "u1",
            "properties": {"asset_id": "a"}}
    assert guarded.post("/segment", json=play, headers=destination_headers(
        "demo-key", {"client": "demo"})).status_code == 200
    assert guarded.get("/demo/users/u1", headers={"x-api-key": "demo-key"}).status_code == 200


def test_a_short_admin_token_is_refused():
    with pytest.raises(ConfigError, match="at least 8 characters"):
        MockConfig(admin_token="short")


def test_keys_are_matched_exactly():
    config = MockConfig(clients={"a": "alpha-key", "b": "beta-key"})
    assert [config.client_for_key(k) for k in ("alpha-key", "alpha-ke", "beta-key", "")] == [
        "a", None, "b", None]
    assert config.key_matches("a", "alpha-key") and not config.key_matches("a", "beta-key")
    assert not config.key_matches("nobody", "")


def busy_port() -> tuple[socket.socket, int]:
    busy = socket.socket()
    busy.bind(("0.0.0.0", 0))
    busy.listen()
    return busy, busy.getsockname()[1]


@pytest.mark.parametrize("command", ["mock", "serve"])
def test_listening_beyond_loopback_needs_a_token_or_insecure(command):
    busy, port = busy_port()
    with busy:
        port_option = "--port" if command == "mock" else "--mock-port"
        base = [command, "--host", "0.0.0.0", port_option, str(port)]
        refused = CliRunner().invoke(main, base)
        assert refused.exit_code == 1
        assert "refusing to listen on 0.0.0.0 with /__admin open" in refused.output
        # past the check, each fails only on the busy port: the check let it through
        for extra, env in (([], {"SPIDEO_ADMIN_TOKEN": TOKEN}), (["--insecure"], {}),
                           (["--admin-token", TOKEN], {})):
            done = CliRunner().invoke(main, [*base, *extra], env=env)
            assert done.exit_code == 1 and f"0.0.0.0:{port}" in done.output, done.output
