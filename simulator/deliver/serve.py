"""`spideo-sim serve`: the local Tracking API and mock Spideo, wired together.

Your app's Segment SDK posts to the Tracking API; each accepted message goes through
Segment's delivery (routing, retries, outcomes) to the mock (or `--target`), where you
can watch what Spideo would record.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from mock_spideo import LiveServer, MockConfig, create_app
from simulator.deliver.clocks import ScaledClock
from simulator.deliver.delivery import Deliverer, Destination
from simulator.deliver.tracking_api import TrackingApi, create_tracking_app

__all__ = ["Services", "serving"]


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


@contextmanager
def serving(*, host: str = "127.0.0.1", port: int = 0, mock_port: int = 0,
            write_key: str = "local-write-key", api_key: str = "demo-key", client: str = "demo",
            target: str | None = None, time_scale: float = 60.0) -> Iterator[Services]:
    """Start the mock (unless `target`), delivery, and the Tracking API; stop all on exit.

    `time_scale` compresses retry waits (60: a minute of backoff takes a second)."""
    mock = None
    if target is None:
        mock = LiveServer(create_app(MockConfig(clients={client: api_key})), host=host,
                          port=mock_port).start()
        target = f"{mock.url}/segment"
    destination = Destination(target, api_key, client)
    deliverer = Deliverer(destination, clock=ScaledClock(time_scale), workers=1)
    api = TrackingApi(write_key, deliverer.deliver)
    tracking = LiveServer(create_tracking_app(api), host=host, port=port).start()
    try:
        yield Services(tracking, api, mock, destination, write_key)
    finally:
        tracking.stop()
        api.flush(timeout=5)
        api.close()
        deliverer.close()
        if mock:
            mock.stop()
