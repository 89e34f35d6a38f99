"""JSON in and out for every surface: bodies parsed safely, refusals as {"message", "code"}."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response, request

from mock_spideo.engine.problems import Problem, problem
from mock_spideo.store.state import CatalogError, MockState

__all__ = ["ApiError", "int_arg", "json_body", "json_response", "load_catalog",
           "problem_response"]

# The largest whole number SQLite stores: a larger skip or limit is refused, not a 500.
MAX_INTEGER = 2**63 - 1


class ApiError(Exception):
    """Raised inside a view to answer with a problem (its status, message and code)."""

    def __init__(self, problem: Problem, headers: dict[str, str] | None = None) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.headers = headers or {}


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


def int_arg(name: str, default: int, high: int = MAX_INTEGER) -> int:
    """A whole-number query parameter from 0 to `high`; ApiError bad_query otherwise."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(problem("bad_query", name=name, detail=f"'{raw[:40]}' is not a whole "
                               "number")) from None
    if not 0 <= value <= high:
        raise ApiError(problem("bad_query", name=name, detail=f"must be 0 to {high}"))
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
