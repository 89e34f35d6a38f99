"""Where messages go when they do not go to the in-process mock: a target URL, read the
same way by every command and the pytest plugin, and checked before any work starts.

A target is given as a base URL (`http://host:8787`, `https://staging.example.com/spideo`)
or as the full direct-destination endpoint (`.../segment`): a URL whose path ends with
`/segment` is the endpoint; any other URL is a base, and `/segment` is appended. The
REST API is read under `<base>/<client>/`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
import urllib3

from mock_spideo import SpideoSimError, setup_setting
from mock_spideo.segment import destination_headers, now_time

__all__ = ["CLI_OPTIONS", "ENDPOINT_PATH", "PYTEST_OPTIONS", "SetupError", "TargetUrl",
           "fix_for", "probe", "setup_refusal"]

ENDPOINT_PATH = "/segment"
# When an endpoint's answer carries no known problem code: what its status says is wrong.
_SETUP_BY_STATUS = {401: "api_key", 403: "api_key", 404: "target", 405: "target",
                    415: "target"}
_FIX = {
    "api_key": "use the API key the endpoint expects ({api_key})",
    "client": "use the client the API key belongs to ({client})",
    "target": "point {target} at the service's base URL or its " + ENDPOINT_PATH + " endpoint",
}
# How each setting is named where the user gives it: the command line, or pytest.
CLI_OPTIONS = {"target": "--target", "api_key": "--api-key", "client": "--client"}
PYTEST_OPTIONS = {"target": "--spideo-target", "api_key": "--spideo-api-key",
                  "client": "--spideo-client"}


class SetupError(SpideoSimError, ValueError):
    """The target, its key or its client is wrong: nothing was (or should be) sent."""


@dataclass(frozen=True)
class TargetUrl:
    """A target as given, with the endpoint messages are posted to and the REST base."""

    base: str
    endpoint: str

    @classmethod
    def parse(cls, url: str, option: str = CLI_OPTIONS["target"]) -> TargetUrl:
        """Read a base URL or a full endpoint; SetupError when it is not an http(s) URL."""
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SetupError(f"{option} {url!r} is not an http:// or https:// URL "
                             f"(e.g. http://127.0.0.1:8787 or https://host{ENDPOINT_PATH})")
        if parts.query or parts.fragment:
            raise SetupError(f"{option} {url!r}: give the URL without a query or fragment")
        path = parts.path.rstrip("/")
        if path.endswith(ENDPOINT_PATH):
            path = path[:-len(ENDPOINT_PATH)]
        base = f"{parts.scheme}://{parts.netloc}{path}"
        return cls(base=base, endpoint=base + ENDPOINT_PATH)


def setup_refusal(status: int | None, body: Any) -> tuple[str, str] | None:
    """(code, setting) when an answer means the sender's setup is wrong, else None.

    The mock's problem codes say so precisely (problems.yaml marks them); any other
    endpoint is judged by its status (401, 403: the key; 404, 405, 415: the URL)."""
    if status is None or status < 400:
        return None
    code = body.get("code") if isinstance(body, dict) else None
    if isinstance(code, str):
        known = setup_setting(code)
        return (code, known) if known else None
    by_status = _SETUP_BY_STATUS.get(status)
    return (f"http_{status}", by_status) if by_status else None


def fix_for(setting: str, options: dict[str, str] = CLI_OPTIONS) -> str:
    """What to change, naming the option where the user gives that setting."""
    return _FIX[setting].format_map(options)


def probe(target: TargetUrl, api_key: str, client: str, timeout: float = 10.0,
          options: dict[str, str] = CLI_OPTIONS,
          tolerate: Callable[[int], bool] | None = None) -> None:
    """Send one real message before a run, so that a wrong URL, key or client stops it
    with one line instead of every message being refused (or retried for hours).

    The message is a track call no mapping rule records ("Spideo-Sim Setup Check"), so a
    Spideo-compatible endpoint accepts and ignores it. A status `tolerate` accepts passes
    (a load run that expects an outage tolerates the retryable ones). Raises SetupError."""
    message = {"type": "track", "event": "Spideo-Sim Setup Check",
               "userId": "spideo-sim-setup-check", "messageId": f"setup-{uuid.uuid4()}",
               "properties": {}, "timestamp": now_time(),
               "context": {"library": {"name": "spideo-sim", "version": "setup-check"}},
               "integrations": {}}
    try:
        response = urllib3.request(
            "POST", target.endpoint, body=orjson.dumps(message),
            headers=destination_headers(api_key, {"client": client}), timeout=timeout,
            retries=False, redirect=False)
    except urllib3.exceptions.HTTPError as exc:
        raise SetupError(f"nothing answers at {target.endpoint}: {exc}; is the service "
                         "running, and is the URL right?") from None
    try:
        body = orjson.loads(response.data)
    except orjson.JSONDecodeError:
        body = None
    refusal = setup_refusal(response.status, body)
    said = body.get("message") if isinstance(body, dict) else None
    if tolerate is not None and tolerate(response.status):
        return
    if refusal:
        code, setting = refusal
        raise SetupError(f"{target.endpoint} refused a setup check with {response.status} "
                         f"{code}: {fix_for(setting, options)}." +
                         (f" It said: {said}" if said else ""))
    if response.status >= 300:
        raise SetupError(f"{target.endpoint} answered {response.status} to a setup check "
                         f"message; a Spideo endpoint answers 2xx." +
                         (f" It said: {said}" if said else ""))
