"""Spideo's REST API under /<client>/..., after Rumo's documented paths.

Ids are arbitrary UTF-8 and percent-encoded in paths, '/' included, so routing reads the
raw request URI and splits it before decoding each segment.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from flask import Blueprint, Response, jsonify, request

from mock_spideo.engine.mapping import Interaction
from mock_spideo.engine.problems import problem
from mock_spideo.engine.vocabulary import vocabulary
from mock_spideo.http.context import current_record, current_state
from mock_spideo.http.faults import fault_answer
from mock_spideo.http.responses import ApiError, json_body, load_catalog
from mock_spideo.segment import now_time
from mock_spideo.store.state import MockState

__all__ = ["blueprint"]

blueprint = Blueprint("rest_api", __name__)
_METHODS = ["GET", "POST", "PUT", "DELETE"]
MAX_LIMIT = 1000


def _segments() -> list[str]:
    raw = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI")
    if raw:
        path = raw.split("?", 1)[0]
        if "://" in path:
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        root = request.script_root
        path = path[len(root):] if root and path.startswith(root) else path
    else:
        path = request.path
    return [unquote(part) for part in path.strip("/").split("/")]


def _authenticate(state: MockState, client: str) -> None:
    if client not in state.config.clients:
        raise ApiError(problem("unknown_client", client=client))
    current_record().client = client
    key = request.headers.get("x-api-key") or request.args.get("apikey")
    if not key:
        raise ApiError(problem("missing_api_key", rest=True))
    if key != state.config.clients[client]:
        raise ApiError(problem("bad_api_key", rest=True, scope=f"client '{client}'"))


def _int_arg(name: str, default: int, high: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(problem("bad_query", name=name, detail=f"'{raw}' is not a whole number")
                       ) from None
    if value < 0 or (high is not None and value > high):
        raise ApiError(problem("bad_query", name=name,
                               detail=f"must be 0 to {high}" if high else "must be >= 0"))
    return value


def _type_arg(raw: str) -> str:
    canonical = vocabulary().canonical(raw)
    if canonical is None:
        raise ApiError(problem("unknown_interaction_type", type=raw,
                               known=", ".join(vocabulary().names)))
    return canonical


def _not_allowed() -> ApiError:
    return ApiError(problem("method_not_allowed", method=request.method, path=request.path))


@blueprint.route("/<client>/<path:rest>", methods=_METHODS)
def dispatch(client: str, rest: str) -> Response:
    """Route one REST call by its raw path segments (ids may contain '/')."""
    state = current_state()
    parts = _segments()
    client = parts[0]
    if not _is_resource(parts[1:]):  # before auth: a wrong URL is named as a wrong URL
        raise ApiError(problem("not_found", what=f"The path {request.path}"))
    _authenticate(state, client)
    answer = fault_answer(request.path, None)
    if answer is not None:
        return answer
    parts = parts[1:]
    method = request.method
    if parts == ["content-count"]:
        if method != "GET":
            raise _not_allowed()
        return jsonify({"count": len(state.catalog_ids(client))})
    if parts == ["content"]:
        if method != "POST":
            raise _not_allowed()
        return _load_catalog(state, client)
    if len(parts) >= 2 and parts[0] == "content":
        if method != "GET":
            raise _not_allowed()
        content_id = "/".join(parts[1:])
        item = state.journal.catalog_item(client, content_id)
        if item is None:
            raise ApiError(problem("not_found", what=f"Content '{content_id}'"))
        return jsonify(item)
    if len(parts) >= 2 and parts[0] == "users":
        return _users(state, client, parts[1:], method)
    raise ApiError(problem("not_found", what=f"The path {request.path}"))


def _is_resource(parts: list[str]) -> bool:
    """Whether a path under /<client>/ names one of the API's resources."""
    return parts in (["content-count"], ["content"]) or (
        len(parts) >= 2 and parts[0] in ("content", "users"))


def _users(state: MockState, client: str, parts: list[str], method: str) -> Response:
    # /users/{userId}[/interactions[/{type}/content/{contentId}]]; ids may hold '/', so
    # the structure is found from the right-hand, fixed words.
    if "interactions" in parts:
        at = len(parts) - 1 - parts[::-1].index("interactions")
        user_id, tail = "/".join(parts[:at]), parts[at + 1:]
        current_record().user_id = user_id
        if not tail:
            if method != "GET":
                raise _not_allowed()
            return _list_interactions(state, client, user_id)
        if len(tail) >= 3 and tail[1] == "content":
            if method == "POST":
                return _add_interaction(state, client, user_id, tail[0], "/".join(tail[2:]))
            if method == "DELETE":
                deleted = state.journal.delete_interaction(client, user_id, _type_arg(tail[0]),
                                                           "/".join(tail[2:]))
                return jsonify({"deleted": deleted})
            raise _not_allowed()
        raise ApiError(problem("not_found", what=f"The path {request.path}"))
    user_id = "/".join(parts)
    current_record().user_id = user_id
    if method == "GET":
        return jsonify(state.journal.user(client, user_id))
    if method == "PUT":
        raw = request.args.get("tracked", "")
        if raw not in ("true", "false"):
            raise ApiError(problem("bad_query", name="tracked", detail="use true or false"))
        state.journal.set_tracked(client, user_id, raw == "true")
        return jsonify(state.journal.user(client, user_id))
    if method == "DELETE":
        return jsonify({"deleted": state.journal.delete_user(client, user_id)})
    raise _not_allowed()


def _add_interaction(state: MockState, client: str, user_id: str, raw_type: str,
                     content_id: str) -> Response:
    type_ = _type_arg(raw_type)
    if not state.journal.is_tracked(client, user_id):
        raise ApiError(problem("user_not_tracked", user=user_id))
    interaction = Interaction(type=type_, user_id=user_id, content_id=content_id,
                              timestamp=now_time(), origin=request.args.get("origin"),
                              device=request.args.get("device"))
    warnings = state.unknown_content(client, (interaction,))
    errors = [p for p in warnings if p.severity == "error"]
    if errors:
        raise ApiError(errors[0])
    distributions = request.args.get("distributions")
    with state.journal.transaction() as db:
        state.journal.add_interactions(db, client, [interaction], via="rest",
                                       distributions=distributions)
    record = current_record()
    record.problems, record.outcome = warnings, "recorded"
    return jsonify({**_item(client, interaction.to_dict()), "distributions": distributions,
                    "problems": [p.to_dict() for p in warnings]})


def _item(client: str, row: dict[str, Any]) -> dict[str, Any]:
    """An interaction as Rumo lists it, plus the fields the mock knows."""
    return {
        "key": {"source": client, "userId": row["user_id"]},
        "type": row["type"],
        "contentId": row["content_id"],
        "timestamp": row["timestamp"],
        "origin": row.get("origin"),
        "device": row.get("device"),
        "progress": row.get("progress"),
        "value": row.get("value"),
        "messageId": row.get("message_id"),
    }


def _list_interactions(state: MockState, client: str, user_id: str) -> Response:
    type_ = request.args.get("type")
    rows = state.journal.interactions(
        client=client, user=user_id, type_=_type_arg(type_) if type_ else None,
        content=request.args.get("contentId"), skip=_int_arg("skip", 0),
        limit=_int_arg("limit", 10, MAX_LIMIT), newest_first=True)
    return jsonify([_item(client, row) for row in rows])


def _load_catalog(state: MockState, client: str) -> Response:
    items = json_body()
    if not isinstance(items, list):
        raise ApiError(problem("bad_catalog", detail="the body is not a JSON array"))
    limit = state.config.max_catalog_items
    if len(items) > limit:
        raise ApiError(problem("payload_too_large", size=f"{len(items)} items",
                               limit=f"{limit} items"))
    return jsonify({"loaded": load_catalog(state, client, items)})
