"""JSON in and out for every surface: bodies parsed safely, refusals as {"message", "code"}."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from flask import Response, request

from mock_spideo.engine.problems import Problem, problem
from mock_spideo.store.state import CatalogError, MockState

__all__ = ["Answer", "ApiError", "int_arg", "json_body", "json_response", "load_catalog",
           "problem_response"]

# The largest whole number SQLite stores: a larger skip or limit is refused, not a 500.
MAX_INTEGER = 2**63 - 1


class ApiError(Exception):
    """Raised inside a view to answer with a problem (its status, message and code)."""

    def __init__(self, problem: Problem, headers: dict[str, str] | None = None) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.headers = headers or {}


@dataclass(slots=True)  # not frozen: one per request on the hot path, and frozen is slow
class Answer:
    """An answer before it becomes a Flask response: what the request-handling core of
    POST /segment returns, so that the Flask view and the in-process transport send the
    same thing. `dropped`: the connection is cut instead (an injected fault)."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    dropped: bool = False

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Answer:
        return cls(status, orjson.dumps(data))

    @classmethod
    def refusal(cls, problem: Problem, headers: dict[str, str] | None = None) -> Answer:
        """The JSON body Segment shows a customer: {"message": ..., "code": ...}."""
        return cls(problem.status, orjson.dumps({"message": problem.message,
                                                 "code": problem.code}), dict(headers or {}))

    def as_response(self) -> Response:
        """This answer as Flask sends it over HTTP."""
        if self.dropped:
            return _dropped()
        response = Response(self.body, status=self.status, mimetype="application/json")
        for name, value in self.headers.items():
            response.headers[name] = value
        return response


def _dropped() -> Response:
    """A response that promises a body and never sends it: the server closes the
    connection mid-response, which a client sees as the connection dropping."""
    response = Response(iter(()), status=200, mimetype="application/json")
    response.headers["Content-Length"] = "64"
    return response


def json_response(data: Any, status: int = 200) -> Response:
    """A JSON response encoded with orjson (the hot path's answers)."""
    return Response(orjson.dumps(data), status=status, mimetype="application/json")


def problem_response(problem: Problem, headers: dict[str, str] | None = None,
                     **extra: Any) -> Response:
    """The JSON body Segment shows a customer: {"message": ..., "code": ...}."""
    response = json_response({"message": problem.message, "code": problem.code, **extra},
                             problem.status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def int_arg(name: str, default: int, high: int = MAX_INTEGER, low: int = 0) -> int:
    """A whole-number query parameter from `low` to `high`; ApiError bad_query otherwise."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(problem("bad_query", name=name, detail=f"'{raw[:40]}' is not a whole "
                               "number")) from None
    if not low <= value <= high:
        raise ApiError(problem("bad_query", name=name, detail=f"must be {low} to {high}"))
    return value


def json_body() -> Any:
    """The request's JSON body (orjson: nesting deeper than 1024 is refused, not a crash);
    ApiError malformed_json when it is not JSON."""
    try:
        return orjson.loads(request.get_data(cache=True))
    except orjson.JSONDecodeError as exc:
        raise ApiError(problem("malformed_json", detail=str(exc)[:120])) from None


def load_catalog(state: MockState, client: str, items: Any) -> int:
    """Load a JSON body of catalog items for a client; ApiError bad_catalog when it is not
    an array or an item has no usable id."""
    if not isinstance(items, list):
        raise ApiError(problem("bad_catalog", detail="the body is not a JSON array"))
    try:
        return state.load_catalog(client, items)
    except CatalogError as exc:
        raise ApiError(problem("bad_catalog", detail=str(exc))) from None
