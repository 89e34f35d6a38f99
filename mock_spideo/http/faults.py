"""Answering with an injected fault: wait, then answer the fault's status or drop the
connection. Which fault fires is decided by the store's FaultSet."""

from __future__ import annotations

import time
from typing import Any

from flask import Response

from mock_spideo.engine.problems import Problem, problem
from mock_spideo.http.context import current_record, current_state
from mock_spideo.http.responses import problem_response
from mock_spideo.store.faults import Fault

__all__ = ["fault_answer"]


def fault_answer(path: str, message: Any) -> Response | None:
    """The injected answer to this request if a fault rule fires for it (after the
    rule's delay); None to carry on normally."""
    fault = current_state().faults.pick(path, message if isinstance(message, dict) else None)
    if fault is None:
        return None
    current_record().outcome = "fault"
    return _answer(fault)


def _answer(fault: Fault) -> Response | None:
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
    current_record().problems = [found]  # journaled, so reports count injected faults
    return problem_response(found, headers)


def _dropped() -> Response:
    """A response that promises a body and never sends it: the server closes the
    connection mid-response, which a client sees as the connection dropping."""
    response = Response(iter(()), status=200, mimetype="application/json")
    response.headers["Content-Length"] = "64"
    return response
