"""What one mock instance holds: its config, journal, faults and catalogs."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from flask import Response, current_app, g

from mock_spideo.engine.mapping import Interaction
from mock_spideo.engine.problems import Problem, problem
from mock_spideo.http.responses import problem_response
from mock_spideo.store.config import MockConfig
from mock_spideo.store.faults import Fault, FaultSet
from mock_spideo.store.journal import Journal

__all__ = ["MockState", "current_state"]


@dataclass
class MockState:
    """The per-app state, reached from views with current_state()."""

    config: MockConfig
    journal: Journal
    faults: FaultSet
    _catalog_ids: dict[str, frozenset[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, config: MockConfig) -> MockState:
        return cls(config, Journal(config.journal_path), FaultSet(seed=config.fault_seed))

    def catalog_ids(self, client: str) -> frozenset[str]:
        with self._lock:
            ids = self._catalog_ids.get(client)
        if ids is None:
            ids = self.journal.catalog_ids(client)
            with self._lock:
                self._catalog_ids[client] = ids
        return ids

    def load_catalog(self, client: str, items: list[dict]) -> int:
        count = self.journal.load_catalog(client, items)
        with self._lock:
            self._catalog_ids.pop(client, None)
        return count

    def reset(self) -> None:
        self.journal.reset()
        self.faults.clear()
        with self._lock:
            self._catalog_ids.clear()

    def unknown_content(self, client: str, interactions: tuple[Interaction, ...]) -> list[Problem]:
        """A problem per interaction on content missing from a loaded catalog."""
        ids = self.catalog_ids(client)
        if not ids:
            return []
        severity = self.config.unknown_content
        return [problem("unknown_content", content_id=i.content_id, severity=severity,
                        status=400 if severity == "error" else 200)
                for i in interactions if i.content_id not in ids]

    def fault_answer(self, path: str, message: dict | None) -> Response | None:
        """The injected answer to this request if a fault rule fires for it (after the
        rule's delay); None to carry on normally."""
        fault = self.faults.pick(path, message)
        if fault is None:
            return None
        g.outcome = "fault"
        return self.fault_response(fault)

    def fault_response(self, fault: Fault) -> Response | None:
        """Apply a fault: wait, then answer its status or drop the connection."""
        if fault.delay_ms:
            time.sleep(fault.delay_ms / 1000)
        if fault.drop:
            return _dropped()
        if fault.status is None:
            return None
        found = problem("injected_fault", status=fault.status, name=fault.name,
                        answered=fault.status)
        if fault.message:
            found = Problem(found.code, found.severity, found.status, fault.message)
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        g.problems = [found]  # journaled with the request, so reports count injected faults
        return problem_response(found, headers)


def _dropped() -> Response:
    """A response that promises a body and never sends it: the server closes the
    connection mid-response, which a client sees as the connection dropping."""
    response = Response(iter(()), status=200, mimetype="application/json")
    response.headers["Content-Length"] = "64"
    return response


def current_state() -> MockState:
    return current_app.extensions["mock_spideo"]
