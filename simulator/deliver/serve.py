"""`spideo-sim serve`: the local Tracking API and mock Spideo, wired together.

Your app's Segment SDK posts to the Tracking API; each accepted message goes through
Segment's delivery (routing, retries, outcomes) to the mock (or `--target`), where you
can watch what Spideo would record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from mock_spideo import LiveServer, MockConfig, create_app
from simulator.deliver.clocks import ScaledClock
from simulator.deliver.delivery import Deliverer, Destination
from simulator.deliver.ledger import Outcome
from simulator.deliver.target import ENDPOINT_PATH, TargetUrl, probe
from simulator.deliver.tracking_api import TrackingApi, create_tracking_app

__all__ = ["Services", "downstream_line", "serving"]


@dataclass
class Services:
    """The running pieces and where to reach them."""

    tracking: LiveServer
    api: TrackingApi
    mock: LiveServer | None
    destination: Destination
    write_key: str

    @property
    def tracking_url(self) -> str:
        return self.tracking.url

    @property
    def mock_url(self) -> str | None:
        return self.mock.url if self.mock else None


def downstream_line(message: dict[str, Any], outcome: Outcome) -> str | None:
    """One line about a message Spideo did not record (refused, ignored, filtered,
    failed), or None for one it recorded: `serve` answers the SDK 200 before delivering,
    as Segment does, so this line is where a refusal becomes visible."""
    what = f"{outcome.type or '?'}" + (f" {outcome.event!r}" if outcome.event else "")
    body = outcome.body or {}
    if outcome.kind == "delivered":
        if body.get("status") != "ignored":
            return None
        return f"ignored  {what}: {body.get('code')}: {body.get('message', '')}"
    if outcome.kind == "filtered":
        return f"filtered {what}: {outcome.message}"
    status = f"{outcome.status} " if outcome.status is not None else ""
    return (f"{outcome.kind:<8} {what}: {status}{outcome.code or ''}: {outcome.message}"
            f" (messageId {message.get('messageId')})")


@contextmanager
def serving(*, host: str = "127.0.0.1", port: int = 0, mock_port: int = 0,
            write_key: str = "local-write-key", api_key: str = "demo-key", client: str = "demo",
            target: str | None = None, time_scale: float = 60.0,
            on_outcome: Callable[[dict[str, Any], Outcome], None] | None = None,
            admin_token: str | None = None) -> Iterator[Services]:
    """Start the mock (unless `target`, which is checked first), delivery, and the
    Tracking API; stop all on exit. SpideoSimError (SetupError, ListenError) when one
    cannot start.

    `time_scale` compresses retry waits (60: a minute of backoff takes a second)."""
    with ExitStack() as stack:
        mock = None
        if target is None:
            config = MockConfig(clients={client: api_key}, admin_token=admin_token)
            mock = LiveServer(create_app(config), host=host,
                              port=mock_port)
            stack.enter_context(mock)
            endpoint = f"{mock.url}{ENDPOINT_PATH}"
        else:
            parsed = TargetUrl.parse(target)
            probe(parsed, api_key, client)
            endpoint = parsed.endpoint
        destination = Destination(endpoint, api_key, client)
        deliverer = stack.enter_context(Deliverer(destination, clock=ScaledClock(time_scale),
                                                  workers=1))
        api = TrackingApi(write_key, deliverer.deliver, on_outcome)
        stack.callback(api.close)
        stack.callback(api.flush, timeout=5)
        tracking = LiveServer(create_tracking_app(api), host=host, port=port,
                              name="Segment Tracking API")
        stack.enter_context(tracking)
        yield Services(tracking, api, mock, destination, write_key)
