"""`spideo-sim serve`: the local Tracking API and mock Spideo, wired together.

Your app's Segment SDK posts to the Tracking API; each accepted message goes through
Segment's delivery (routing, retries, outcomes) to the mock (or `--target`), where you
can watch what Spideo would record.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from mock_spideo import LiveServer, MockConfig, SpideoSimError, create_app
from mock_spideo.http.server import DEFAULT_CONNECTIONS, DEFAULT_IDLE_TIMEOUT
from simulator.deliver.clocks import ScaledClock
from simulator.deliver.delivery import Deliverer, Destination
from simulator.deliver.ledger import Outcome
from simulator.deliver.target import ENDPOINT_PATH, TargetUrl, probe
from simulator.deliver.tracking_api import TrackingApi, create_tracking_app

__all__ = ["Services", "SpoolError", "downstream_line", "read_spool", "serving", "write_spool"]


@dataclass
class Services:
    """The running pieces, where to reach them, and what happened to the spool."""

    tracking: LiveServer
    api: TrackingApi
    mock: LiveServer | None
    destination: Destination
    write_key: str
    spool: Path | None = None
    resent: int = 0   # messages a previous run spooled, queued again at start
    spooled: int = 0  # messages written to the spool at shutdown

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


def read_spool(path: Path) -> list[dict[str, Any]]:
    """The messages a previous run spooled (one JSON object per line); the file is
    removed once they are read, as they are queued again."""
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise SpoolError(f"cannot read the spool {path}: {exc.strerror}") from None
    try:
        messages = [orjson.loads(line) for line in lines if line.strip()]
    except orjson.JSONDecodeError as exc:
        raise SpoolError(f"the spool {path} is not JSON lines ({exc}); move it aside") from None
    path.unlink()
    return messages


def write_spool(path: Path, messages: list[dict[str, Any]]) -> None:
    """Append messages to the spool, one JSON object per line, flushed to disk."""
    with open(path, "ab") as handle:
        handle.writelines(orjson.dumps(m, option=orjson.OPT_APPEND_NEWLINE) for m in messages)
        handle.flush()
        os.fsync(handle.fileno())


class SpoolError(SpideoSimError, OSError):
    """A spool file that cannot be read or written."""


@contextmanager
def serving(*, host: str = "127.0.0.1", port: int = 0, mock_port: int = 0,
            write_key: str = "local-write-key", api_key: str = "demo-key", client: str = "demo",
            target: str | None = None, time_scale: float = 60.0,
            on_outcome: Callable[[dict[str, Any], Outcome], None] | None = None,
            admin_token: str | None = None, spool: Path | None = None,
            max_queue: int = 10_000, drain_timeout: float = 10.0,
            connections: tuple[int, float] = (DEFAULT_CONNECTIONS, DEFAULT_IDLE_TIMEOUT),
            ) -> Iterator[Services]:
    """Start the mock (unless `target`, which is checked first), delivery, and the
    Tracking API; stop all on exit. SpideoSimError (SetupError, ListenError, SpoolError)
    when one cannot start.

    Nothing accepted is lost: messages a previous run left in `spool` are queued first;
    on exit, new requests get 503, the queue drains for up to `drain_timeout` seconds,
    and what remains is appended to `spool`. `time_scale` compresses retry waits (60: a
    minute of backoff takes a second). `connections` is each server's (limit, idle timeout)."""
    with ExitStack() as stack:
        mock = None
        if target is None:
            config = MockConfig(clients={client: api_key}, admin_token=admin_token)
            mock = stack.enter_context(LiveServer(
                create_app(config), host=host, port=mock_port, connection_limit=connections[0],
                idle_timeout=connections[1]))
            endpoint = f"{mock.url}{ENDPOINT_PATH}"
        else:
            parsed = TargetUrl.parse(target)
            probe(parsed, api_key, client)
            endpoint = parsed.endpoint
        destination = Destination(endpoint, api_key, client)
        interrupt = threading.Event()
        deliverer = stack.enter_context(Deliverer(destination, clock=ScaledClock(time_scale),
                                                  workers=1, interrupt=interrupt))
        api = TrackingApi(write_key, deliverer.deliver, on_outcome, max_queue=max_queue)
        stack.callback(api.close)
        server = LiveServer(create_tracking_app(api), host=host, port=port,
                            connection_limit=connections[0], idle_timeout=connections[1],
                            name="Segment Tracking API")
        services = Services(server, api, mock, destination, write_key, spool)
        tracking = stack.enter_context(services.tracking)
        if spool is not None:
            resent = read_spool(spool)
            if resent:
                api.accept(resent, spooled=True)
                services.resent = len(resent)
        try:
            yield services
        finally:
            rest = api.shutdown(drain_timeout, interrupt)
            tracking.stop()
            if rest:
                if spool is None:
                    raise SpoolError(f"{len(rest)} accepted messages were not delivered and "
                                     "there is no spool to keep them")
                write_spool(spool, rest)
                services.spooled = len(rest)
