"""/__admin/...: what tests and tools use to read the journal and steer the mock."""

from __future__ import annotations

import base64
import os

from flask import Blueprint, Response, jsonify, request, stream_with_context

from mock_spideo.engine.problems import problem
from mock_spideo.http.context import current_state
from mock_spideo.http.responses import ApiError, int_arg, json_body, load_catalog
from mock_spideo.store.export import MEDIA_TYPES, ExportError, export_chunks
from mock_spideo.store.faults import FaultError

__all__ = ["blueprint", "presented_token", "require_admin_token"]

blueprint = Blueprint("admin", __name__, url_prefix="/__admin")


def presented_token() -> str | None:
    """The admin token a request carries: 'Authorization: Bearer TOKEN', or HTTP Basic
    with the token as password (what a browser sends for the UI, any user name)."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except ValueError:
            return None
        return decoded.partition(":")[2] or None
    return None


@blueprint.before_request
def require_admin_token() -> None:
    """With an admin token configured, /__admin (and /metrics) answer nothing without it."""
    config = current_state().config
    if config.admin_token is None:
        return
    token = presented_token()
    if token is None:
        raise ApiError(problem("missing_admin_token"), {"WWW-Authenticate": "Bearer"})
    if not config.admin_token_matches(token):
        raise ApiError(problem("bad_admin_token"))


def _page() -> tuple[int, int | None]:
    limit = int_arg("limit", -1)
    return int_arg("skip", 0), None if limit < 0 else limit


@blueprint.get("/health")
def health() -> Response:
    state = current_state()
    return jsonify({"status": "ok", "clients": sorted(state.config.clients),
                    "rules": state.config.rules.source,
                    "journal": state.journal.path, "process": os.getpid()})


@blueprint.get("/requests")
def requests_() -> Response:
    skip, limit = _page()
    args = request.args
    return jsonify({"requests": current_state().journal.requests(
        skip, limit, client=args.get("client"), user=args.get("user"))})


@blueprint.get("/interactions")
def interactions() -> Response:
    skip, limit = _page()
    args = request.args
    items = current_state().journal.interactions(
        client=args.get("client"), user=args.get("user"), type_=args.get("type"),
        content=args.get("content"), since=args.get("since"), skip=skip, limit=limit)
    return jsonify({"interactions": items, "count": len(items), "skip": skip, "limit": limit})


@blueprint.get("/user-properties")
def user_properties() -> Response:
    skip, limit = _page()
    args = request.args
    return jsonify({"user_properties": current_state().journal.user_property_sets(
        client=args.get("client"), user=args.get("user"), since=args.get("since"), skip=skip,
        limit=limit)})


@blueprint.get("/problems")
def problems() -> Response:
    skip, limit = _page()
    args = request.args
    return jsonify({"problems": current_state().journal.problems(
        args.get("code"), client=args.get("client"), user=args.get("user"), skip=skip,
        limit=limit)})


@blueprint.get("/export")
def export() -> Response:
    """The journal's interactions, user properties, problems or requests as JSON lines,
    CSV or Parquet (?what=&format=), streamed a page at a time."""
    what = request.args.get("what", "interactions")
    fmt = request.args.get("format", "jsonl")
    try:
        chunks = export_chunks(current_state().journal, what, fmt)
    except ExportError as exc:
        raise ApiError(problem("bad_export", detail=str(exc))) from None
    extension = "parquet" if fmt == "parquet" else fmt
    return Response(stream_with_context(chunks), mimetype=MEDIA_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="spideo-{what}.{extension}"'})


@blueprint.get("/stats")
def stats() -> Response:
    return jsonify(current_state().journal.stats())


@blueprint.post("/reset")
def reset() -> Response:
    current_state().reset()
    return jsonify({"status": "reset"})


@blueprint.get("/faults")
def list_faults() -> Response:
    return jsonify({"faults": current_state().faults.snapshot()})


@blueprint.post("/faults")
def add_faults() -> Response:
    body = json_body()
    if body is None:
        raise ApiError(problem("bad_fault", detail="send a JSON object or array of fault rules"))
    try:
        current_state().faults.add(body)
    except FaultError as exc:
        raise ApiError(problem("bad_fault", detail=str(exc))) from None
    return jsonify({"faults": current_state().faults.snapshot()})


@blueprint.delete("/faults")
def clear_faults() -> Response:
    current_state().faults.clear()
    return jsonify({"faults": []})


@blueprint.post("/catalog")
def catalog() -> Response:
    """Load catalog items for a client (?client=, default: the only or first client)."""
    state = current_state()
    client = request.args.get("client") or next(iter(state.config.clients))
    if client not in state.config.clients:
        raise ApiError(problem("unknown_client", client=client))
    items = json_body()
    return jsonify({"client": client, "loaded": load_catalog(state, client, items)})
