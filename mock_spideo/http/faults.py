"""Answering with an injected fault: wait, then answer the fault's status or drop the
connection. Which fault fires is decided by the store's FaultSet."""

from __future__ import annotations

import time
from typing import Any

from flask import Response

from mock_spideo.engine.problems import Problem, problem
from mock_spideo.http.context import RequestRecord, current_record, current_state
from mock_spideo.http.responses import Answer
from mock_spideo.store.faults import Fault
from mock_spideo.store.state import MockState

__all__ = ["fault_answer", "injected_answer"]


def fault_answer(path: str, message: Any) -> Response | None:
    """The injected answer to the current Flask request if a fault rule fires for it
    (after the rule's delay); None to carry on normally."""
    answer = injected_answer(current_state(), current_record(), path, message)
    return answer.as_response() if answer is not None else None


def injected_answer(state: MockState, record: RequestRecord, path: str,
                    message: Any) -> Answer | None:
    """The injected answer to a request if a fault rule fires for it (after the rule's
    delay); None to carry on normally. No Flask: the in-process transport calls it too."""
    fault = state.faults.pick(path, message if isinstance(message, dict) else None)
    if fault is None:
        return None
    record.outcome = "fault"
    return _answer(fault, record)


def _answer(fault: Fault, record: RequestRecord) -> Answer | None:
    if fault.delay_ms:
        time.sleep(fault.delay_ms / 1000)
    if fault.drop:
        return Answer(200, b"", dropped=True)
    if fault.status is None:
        return None
    found = problem("injected_fault", status=fault.status, name=fault.name,
                    answered=fault.status)
    if fault.message:
        found = Problem(found.code, found.severity, found.status, fault.message)
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    record.problems = [found]  # journaled, so reports count injected faults
    return Answer.refusal(found, headers)
