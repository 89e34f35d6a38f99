"""JSON answers shared by every surface: each refusal is {"message", "code"}."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from mock_spideo.problems import Problem

__all__ = ["ApiError", "problem_response"]


class ApiError(Exception):
    """Raised inside a view to answer with a problem (its status, message and code)."""

    def __init__(self, problem: Problem, headers: dict[str, str] | None = None) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.headers = headers or {}


def problem_response(problem: Problem, headers: dict[str, str] | None = None,
                     **extra: Any) -> Response:
    """The JSON body Segment shows a customer: {"message": ..., "code": ...}."""
    response = jsonify({"message": problem.message, "code": problem.code, **extra})
    response.status_code = problem.status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
