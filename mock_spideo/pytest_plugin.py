"""pytest plugin: a `mock_spideo` fixture that just works.

One live mock per test session (waitress, 127.0.0.1, a free port), reset before each
test. MOCK_SPIDEO_HOST and MOCK_SPIDEO_PORT override where it listens.

    def test_play_is_recorded(mock_spideo):
        reply = mock_spideo.send({"type": "track", "event": "Video Content Started",
                                  "userId": "u1", "properties": {"asset_id": "a1"}})
        assert reply.status == 200
        assert mock_spideo.interactions(user="u1")[0]["type"] == "play"
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import urllib3

from mock_spideo.http.app import create_app, mock_state
from mock_spideo.http.server import DEFAULT_HOST, LiveServer
from mock_spideo.segment import Reply, destination_headers
from mock_spideo.store.config import MockConfig
from mock_spideo.store.state import MockState

__all__ = ["MockSpideo", "Reply", "mock_spideo", "mock_spideo_config", "mock_spideo_server"]


class MockSpideo:
    """A running mock Spideo and helpers to talk to it and read what it recorded."""

    def __init__(self, server: LiveServer, config: MockConfig) -> None:
        self.server = server
        self.config = config
        self.client, self.api_key = next(iter(config.clients.items()))
        self._http = urllib3.PoolManager(retries=False, timeout=10)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def state(self) -> MockState:
        return mock_state(self.server.app)

    def request(self, method: str, path: str, *, json: Any = None, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        """Any request to the mock; `json` is encoded with Content-Type set."""
        headers = dict(headers or {})
        if json is not None:
            body = orjson.dumps(json)
            headers.setdefault("Content-Type", "application/json")
        response = self._http.request(method, self.url + path, body=body, headers=headers,
                                      redirect=False)
        try:
            decoded = orjson.loads(response.data) if response.data else None
        except orjson.JSONDecodeError:
            decoded = None
        return Reply(response.status, decoded, dict(response.headers))

    def segment_headers(self, api_key: str | None = None,
                        client: str | None = None) -> dict[str, str]:
        """The headers Segment sends to a direct destination."""
        key = self.api_key if api_key is None else api_key
        return destination_headers(key, {"client": client or self.client})

    def send(self, message: Any, *, api_key: str | None = None,
             headers: dict[str, str] | None = None) -> Reply:
        """POST one message to /segment as Segment would."""
        return self.request("POST", "/segment", body=orjson.dumps(message),
                            headers={**self.segment_headers(api_key), **(headers or {})})

    def rest(self, method: str, path: str, *, json: Any = None, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> Reply:
        """A REST API call with the client's key (x-api-key). `path` is under the client's
        prefix: rest("GET", "/users/u5") requests /demo/users/u5. A path that already
        starts with /<client>/ is used as it is."""
        if not path.startswith(f"/{self.client}/"):
            path = f"/{self.client}{path}"
        return self.request(method, path, json=json, body=body,
                            headers={"x-api-key": self.api_key, **(headers or {})})

    def interactions(self, *, user: str | None = None, type: str | None = None,
                     content: str | None = None, client: str | None = None,
                     since: str | None = None) -> list[dict[str, Any]]:
        """Recorded interactions, oldest first, matching every filter given: user, type
        (play, click, ...), content (id), client, since (ISO-8601 event time)."""
        return self.state.journal.interactions(user=user, type_=type, content=content,
                                               client=client, since=since)

    def user_properties(self, *, user: str | None = None, client: str | None = None,
                        since: str | None = None) -> list[dict[str, Any]]:
        """User-property sets, in the order they were set, matching every filter given."""
        return self.state.journal.user_property_sets(client=client, user=user, since=since)

    def problems(self, code: str | None = None, *, user: str | None = None,
                 client: str | None = None) -> list[dict[str, Any]]:
        """Problems reported, oldest first, matching every filter given."""
        return self.state.journal.problems(code, user=user, client=client)

    def add_faults(self, faults: Any) -> None:
        self.state.faults.add(faults)

    def load_catalog(self, items: list[dict[str, Any]]) -> None:
        self.state.load_catalog(self.client, items)

    def reset(self) -> None:
        self.state.reset()


@pytest.fixture(scope="session")
def mock_spideo_config() -> MockConfig:
    """The configuration of the session's mock (one client, `demo`, key `demo-key`, the
    shipped rules). Override this fixture in a conftest.py to use your own clients or
    rules, as pytest-httpserver lets you override its listen address:

        @pytest.fixture(scope="session")
        def mock_spideo_config():
            return MockConfig(clients={"acme": "acme-key"}, rules=load_rules("rules.yaml"))
    """
    return MockConfig()


@pytest.fixture(scope="session")
def mock_spideo_server(mock_spideo_config: MockConfig) -> Iterator[MockSpideo]:
    """The session's mock Spideo (started once)."""
    config = mock_spideo_config
    host = os.environ.get("MOCK_SPIDEO_HOST", DEFAULT_HOST)
    port = int(os.environ.get("MOCK_SPIDEO_PORT", "0"))
    with LiveServer(create_app(config), host=host, port=port) as server:
        yield MockSpideo(server, config)


@pytest.fixture
def mock_spideo(mock_spideo_server: MockSpideo) -> MockSpideo:
    """A live mock Spideo, reset (journal, faults, catalog) before the test."""
    mock_spideo_server.reset()
    return mock_spideo_server
