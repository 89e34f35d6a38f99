"""Where a scenario runs: the in-process mock (a fresh one per scenario, read through its
journal) or any Spideo-compatible endpoint (read only through its REST API)."""

from __future__ import annotations

import uuid
from typing import Any, Protocol
from urllib.parse import quote

import orjson
import urllib3

from mock_spideo import Journal, LiveServer, MockConfig, create_app, default_rules, mock_state
from mock_spideo.segment import Reply, destination_headers
from simulator.deliver.target import TargetUrl
from simulator.testing.loading import Given, Scenario

__all__ = ["HttpTarget", "InProcessTarget", "Target", "skip_reason"]


def _headers(given: Given, api_key: str, client: str) -> dict[str, str]:
    """Segment's headers for a delivery, shaped by the scenario's `_headers` (null
    removes one)."""
    headers = destination_headers(api_key, {"client": client})
    for name, value in given.headers.items():
        match = next((h for h in headers if h.lower() == name.lower()), name)
        headers.pop(match, None)
        if value is not None:
            headers[name] = value
    return headers


class Target(Protocol):
    """Where a scenario runs: send requests, then read what was recorded."""

    @property
    def api_key(self) -> str: ...

    @property
    def client(self) -> str: ...

    @property
    def endpoint(self) -> str | None:
        """The /segment URL deliveries go to (scenarios with faults or generate)."""

    @property
    def reads_journal(self) -> bool:
        """Whether what was recorded is read from the mock's journal (else REST only)."""

    def prepare(self, scenario: Scenario) -> None: ...

    def send(self, given: Given, api_key: str, client: str) -> Reply: ...

    def interactions(self, users: list[str]) -> list[dict[str, Any]]: ...

    def user_properties(self, users: list[str]) -> dict[str, dict[str, Any]]: ...

    def problems(self) -> list[str]: ...

    def close(self) -> None: ...


class InProcessTarget:
    """A fresh mock Spideo per scenario (its rules, catalog and faults), in this process."""

    reads_journal = True

    def __init__(self, client: str = "demo", api_key: str = "demo-key") -> None:
        self.client, self.api_key = client, api_key
        self.app: Any = None
        self.http: Any = None  # the app's test client
        self.server: LiveServer | None = None
        self.endpoint: str | None = None

    def prepare(self, scenario: Scenario) -> None:
        self.app = create_app(MockConfig(clients={self.client: self.api_key},
                                         rules=scenario.rules))
        self.http = self.app.test_client()
        state = mock_state(self.app)
        if scenario.catalog:
            state.load_catalog(self.client, scenario.catalog)
        if scenario.faults is not None:
            state.faults.add(scenario.faults)
        if scenario.delivered:
            self.server = LiveServer(self.app).start()
            self.endpoint = self.server.url + "/segment"

    def send(self, given: Given, api_key: str, client: str) -> Reply:
        reply = self.http.post("/segment", data=given.encoded(),
                               headers=_headers(given, api_key, client))
        return Reply(reply.status_code, reply.get_json(silent=True))

    @property
    def journal(self) -> Journal:
        """The fresh mock's journal: everything it received, recorded and refused."""
        return mock_state(self.app).journal

    def interactions(self, users: list[str]) -> list[dict[str, Any]]:
        return self.journal.interactions()

    def user_properties(self, users: list[str]) -> dict[str, dict[str, Any]]:
        return {user: self.journal.user(self.client, user)["properties"] for user in users}

    def problems(self) -> list[str]:
        return [row["code"] for row in self.journal.problems()]

    def close(self) -> None:
        if self.server:
            self.server.stop()
            self.server = None


class HttpTarget:
    """A running Spideo-compatible service, read only through its REST API."""

    reads_journal = False

    def __init__(self, url: str, api_key: str, client: str) -> None:
        target = TargetUrl.parse(url)
        self.base, self.endpoint = target.base, target.endpoint
        self.api_key, self.client = api_key, client
        self._http = urllib3.PoolManager(retries=False, timeout=30)
        self.nonce = uuid.uuid4().hex[:12]

    def _rest(self, method: str, path: str) -> Reply:
        response = self._http.request(method, f"{self.base}/{quote(self.client, safe='')}{path}",
                                      headers={"x-api-key": self.api_key})
        try:
            body = orjson.loads(response.data)
        except orjson.JSONDecodeError:
            body = None
        return Reply(response.status, body)

    def prepare(self, scenario: Scenario) -> None:
        """Start from a clean slate for the scenario's users, and give its messageIds a
        run prefix so re-running against the same service is not a duplicate."""
        for user in scenario.users():
            self._rest("DELETE", f"/users/{quote(user, safe='')}")
            self._rest("PUT", f"/users/{quote(user, safe='')}?tracked=true")
        for given in scenario.given:
            message = given.message
            if isinstance(message, dict) and isinstance(message.get("messageId"), str):
                prefixed = f"{self.nonce}-{message['messageId']}"
                if len(prefixed) <= 100:  # a longer id is kept as it is (and stays refused)
                    message["messageId"] = prefixed

    def send(self, given: Given, api_key: str, client: str) -> Reply:
        response = self._http.request("POST", self.endpoint, body=given.encoded(),
                                      headers=_headers(given, api_key, client))
        try:
            body = orjson.loads(response.data)
        except orjson.JSONDecodeError:
            body = None
        return Reply(response.status, body)

    def interactions(self, users: list[str]) -> list[dict[str, Any]]:
        found = []
        for user in users:
            reply = self._rest("GET", f"/users/{quote(user, safe='')}/interactions?limit=1000")
            items = reply.body if isinstance(reply.body, list) else []
            for item in reversed(items):  # the REST API lists newest first
                message_id = item.get("messageId")
                if isinstance(message_id, str) and message_id.startswith(self.nonce + "-"):
                    message_id = message_id[len(self.nonce) + 1:]
                found.append({"type": item.get("type"),
                              "user_id": (item.get("key") or {}).get("userId", user),
                              "content_id": item.get("contentId"),
                              "timestamp": item.get("timestamp"), "origin": item.get("origin"),
                              "device": item.get("device"), "progress": item.get("progress"),
                              "value": item.get("value"), "message_id": message_id})
        return sorted(found, key=lambda row: str(row["timestamp"]))  # oldest first, stable

    def user_properties(self, users: list[str]) -> dict[str, dict[str, Any]]:
        out = {}
        for user in users:
            reply = self._rest("GET", f"/users/{quote(user, safe='')}")
            out[user] = (reply.body or {}).get("properties", {}) if isinstance(
                reply.body, dict) else {}
        return out

    def problems(self) -> list[str]:
        return []

    def close(self) -> None:
        self._http.clear()


def skip_reason(scenario: Scenario) -> str | None:
    """Why a scenario cannot run against a remote target, if it cannot."""
    if scenario.faults is not None:
        return "injects faults: needs the in-process mock"
    if scenario.catalog:
        return "loads a catalog, which would stay in the target for every later scenario"
    if scenario.rules is not default_rules():
        return "uses its own rules file; the target applies the rules it was started with"
    return None
