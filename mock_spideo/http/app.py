"""The Flask app factory: one mock Spideo, its surfaces as blueprints, config passed in."""

from __future__ import annotations

from importlib import resources

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from mock_spideo.engine.problems import problem
from mock_spideo.http import admin, destination, metrics, rest_api, ui
from mock_spideo.http.context import EXTENSION, RequestRecord, current_record, current_state
from mock_spideo.http.request_log import log_request
from mock_spideo.http.responses import ApiError, problem_response
from mock_spideo.store.config import MockConfig
from mock_spideo.store.state import MockState

__all__ = ["create_app", "mock_state"]

def create_app(config: MockConfig | None = None) -> Flask:
    """A new mock Spideo with its own journal; nothing is shared between apps."""
    app = Flask("mock_spideo")
    app.json.sort_keys = False  # type: ignore[attr-defined]  # DefaultJSONProvider's
    app.extensions[EXTENSION] = MockState.build(config or MockConfig())
    app.register_blueprint(admin.blueprint)
    app.register_blueprint(destination.blueprint)
    app.add_url_rule("/openapi.yaml", "openapi", openapi)
    app.url_map.converters["anypath"] = rest_api.AnyPathConverter
    app.url_map.converters["client"] = rest_api.ClientConverter
    app.extensions[metrics.EXTENSION] = metrics.MockMetrics(app)
    app.register_blueprint(metrics.blueprint)
    app.register_blueprint(rest_api.blueprint)
    if mock_state(app).config.ui:
        app.register_blueprint(ui.blueprint)
    app.before_request(_start_clock)
    app.after_request(log_request)
    app.register_error_handler(ApiError, _refusal)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)
    return app


def mock_state(app: Flask) -> MockState:
    """The state of a mock made by create_app: its config, journal, faults and catalogs
    (for code that runs the app in-process and reads or steers it directly)."""
    state = app.extensions.get(EXTENSION)
    if not isinstance(state, MockState):
        raise TypeError(f"{app!r} was not made by mock_spideo.create_app")
    return state


def openapi() -> Response:
    """The whole HTTP contract, one OpenAPI 3.1 file shipped in the package."""
    text = resources.files("mock_spideo").joinpath("data/openapi.yaml").read_text("utf-8")
    return Response(text, mimetype="application/yaml")


def _start_clock() -> None:
    g.record = RequestRecord()


def _refusal(error: ApiError) -> Response:
    record = current_record()
    record.refusal = error.problem
    record.outcome = record.outcome or "refused"
    return problem_response(error.problem, error.headers)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status == 404:
        found = problem("not_found", what=f"The path {request.path}")
    elif status == 405:
        found = problem("method_not_allowed", method=request.method, path=request.path)
        allowed = getattr(error, "valid_methods", None) or []
        return _refusal(ApiError(found, {"Allow": ", ".join(sorted(allowed))}))
    elif status == 413:
        size = request.content_length
        found = problem("payload_too_large", size=f"{size} bytes" if size else "unknown size",
                        limit=f"{current_state().config.max_body_bytes} bytes")
    elif status == 415:
        found = problem("unsupported_media_type", content_type=request.content_type or "none")
    else:
        found = problem("malformed_json", detail=error.description or error.name, status=status)
    return _refusal(ApiError(found))


def _internal_error(error: Exception) -> Response:
    found = problem("internal_error", detail=f"{type(error).__name__}: {error}"[:200])
    return _refusal(ApiError(found))
