"""/__admin/...: what tests and tools use to read the journal and steer the mock."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request, stream_with_context

from mock_spideo.engine.problems import problem
from mock_spideo.http.context import current_state
from mock_spideo.http.responses import ApiError, int_arg, json_body, load_catalog
from mock_spideo.store.export import MEDIA_TYPES, ExportError, export_chunks
from mock_spideo.store.faults import FaultError

__all__ = ["MAX_PAGE", "PAGE_SIZE", "blueprint", "presented_token", "require_admin_token"]

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


# Every listing answers a page: PAGE_SIZE rows unless ?limit= says otherwise, at most
# MAX_PAGE (a larger limit is a 400 bad_query, never cut silently), and `next`: the
# path of the following page (?after=<the last row's id>), or null on the last page.
PAGE_SIZE = 100
MAX_PAGE = 1000


@dataclass(frozen=True)
class _Page:
    skip: int
    limit: int
    after: int


def _page() -> _Page:
    return _Page(int_arg("skip", 0), int_arg("limit", PAGE_SIZE, MAX_PAGE, low=1),
                 int_arg("after", 0))


def _listing(name: str, rows: list[dict[str, Any]], page: _Page,
             **extra: Any) -> Response:
    """A page of `rows` (read with limit + 1, to know whether another page follows)."""
    shown = rows[:page.limit]
    following = None
    if len(rows) > page.limit:
        args = {k: v for k, v in request.args.items() if k not in ("skip", "after", "limit")}
        args.update(after=str(shown[-1]["id"]), limit=str(page.limit))
        following = f"{request.path}?{urlencode(args)}"
    return jsonify({name: shown, **extra, "next": following})


@blueprint.get("/health")
def health() -> Response:
    state = current_state()
    return jsonify({"status": "ok", "clients": sorted(state.config.clients),
                    "rules": state.config.rules.source,
                    "journal": state.journal.path, "process": os.getpid()})


@blueprint.get("/requests")
def requests_() -> Response:
    page, args = _page(), request.args
    return _listing("requests", current_state().journal.requests(
        page.skip, page.limit + 1, client=args.get("client"), user=args.get("user"),
        after=page.after), page)


@blueprint.get("/interactions")
def interactions() -> Response:
    page, args = _page(), request.args
    items = current_state().journal.interactions(
        client=args.get("client"), user=args.get("user"), type_=args.get("type"),
        content=args.get("content"), since=args.get("since"), skip=page.skip,
        limit=page.limit + 1, after=page.after)
    return _listing("interactions", items, page, count=min(len(items), page.limit),
                    skip=page.skip, limit=page.limit)


@blueprint.get("/user-properties")
def user_properties() -> Response:
    page, args = _page(), request.args
    return _listing("user_properties", current_state().journal.user_property_sets(
        client=args.get("client"), user=args.get("user"), since=args.get("since"),
        skip=page.skip, limit=page.limit + 1, after=page.after), page)


@blueprint.get("/problems")
def problems() -> Response:
    page, args = _page(), request.args
    return _listing("problems", current_state().journal.problems(
        args.get("code"), client=args.get("client"), user=args.get("user"), skip=page.skip,
        limit=page.limit + 1, after=page.after), page)


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
