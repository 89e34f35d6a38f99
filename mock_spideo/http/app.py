"""The Flask app factory: one mock Spideo, its surfaces as blueprints, config passed in."""

from __future__ import annotations

import time
from importlib import resources

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from mock_spideo.engine.problems import problem
from mock_spideo.http import admin, destination, rest_api
from mock_spideo.http.request_log import log_request
from mock_spideo.http.responses import ApiError, problem_response
from mock_spideo.store.config import MockConfig
from mock_spideo.store.state import MockState

__all__ = ["create_app"]

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
               415: "unsupported_media_type"}


def create_app(config: MockConfig | None = None) -> Flask:
    """A new mock Spideo with its own journal; nothing is shared between apps."""
    app = Flask("mock_spideo")
    app.json.sort_keys = False
    app.extensions["mock_spideo"] = MockState.build(config or MockConfig())
    app.register_blueprint(admin.blueprint)
    app.register_blueprint(destination.blueprint)
    app.add_url_rule("/openapi.yaml", "openapi", openapi)
    app.register_blueprint(rest_api.blueprint)
    app.before_request(_start_clock)
    app.after_request(log_request)
    app.register_error_handler(ApiError, _refusal)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)
    return app


def openapi() -> Response:
    """The whole HTTP contract, one OpenAPI 3.1 file shipped in the package."""
    text = resources.files("mock_spideo").joinpath("data/openapi.yaml").read_text("utf-8")
    return Response(text, mimetype="application/yaml")


def _start_clock() -> None:
    g.started = time.perf_counter()


def _refusal(error: ApiError) -> Response:
    g.problem = error.problem
    g.outcome = g.get("outcome") or "refused"
    return problem_response(error.problem, error.headers)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    code = _HTTP_CODES.get(status)
    if code == "not_found":
        found = problem(code, what=f"The path {request.path}")
    elif code == "method_not_allowed":
        found = problem(code, method=request.method, path=request.path)
    elif code:
        found = problem(code, size="too many", limit="the limit", content_type=
                        request.content_type or "none")
    else:
        found = problem("malformed_json", detail=error.description or error.name, status=status)
    return _refusal(ApiError(found))


def _internal_error(error: Exception) -> Response:
    found = problem("internal_error", detail=f"{type(error).__name__}: {error}"[:200])
    return _refusal(ApiError(found))
