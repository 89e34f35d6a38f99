"""What a request carries while it is handled: the mock it belongs to, and one typed
record of what the views learned about it (client, message, outcome, problems), which
the request log journals at the end."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from flask import current_app, g

from mock_spideo.engine.problems import Problem
from mock_spideo.store.state import MockState

__all__ = ["EXTENSION", "RequestRecord", "current_record", "current_state"]

EXTENSION = "mock_spideo"  # the key of MockState in app.extensions


@dataclass
class RequestRecord:
    """Everything the request log needs about one request, filled in by the views."""

    started: float = field(default_factory=time.perf_counter)
    client: str | None = None
    user_id: str | None = None
    message_id: str | None = None
    type: str | None = None
    event: str | None = None
    outcome: str = ""
    problems: list[Problem] = field(default_factory=list)
    refusal: Problem | None = None
    logged: bool = False
    code: str | None = None  # the code of the outcome (recorded, heartbeat, no_rule, ...)
    interactions: tuple[str, ...] = ()  # the interaction types recorded
    body: bytes | None = None  # the body as read, when the view read the stream itself
    request_id: int | None = None  # the journal's id, once logged

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000


def current_state() -> MockState:
    """The MockState of the app handling the current request."""
    state: MockState = current_app.extensions[EXTENSION]
    return state


def current_record() -> RequestRecord:
    """The current request's record (created on first use)."""
    record: RequestRecord | None = g.get("record")
    if record is None:
        record = g.record = RequestRecord()
    return record
