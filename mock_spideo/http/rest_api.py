"""Spideo's REST API under /<client>/..., after Rumo's documented paths.

Ids are arbitrary UTF-8 and percent-encoded in paths, '/' included, so routing reads the
raw request URI and splits it before decoding each segment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from flask import Blueprint, Response, jsonify, request
from werkzeug.routing import BaseConverter, PathConverter

from mock_spideo.engine.mapping import Interaction
from mock_spideo.engine.problems import problem
from mock_spideo.engine.vocabulary import vocabulary
from mock_spideo.http.context import current_record, current_state
from mock_spideo.http.faults import fault_answer
from mock_spideo.http.responses import ApiError, int_arg, json_body, load_catalog
from mock_spideo.segment import now_time
from mock_spideo.store.state import MockState

__all__ = ["AnyPathConverter", "ClientConverter", "blueprint"]

blueprint = Blueprint("rest_api", __name__)


class ClientConverter(BaseConverter):
    """A client name: one path segment not starting with '__', which names the mock's
    own paths (/__admin, /__ui): answered with a wrong method, those are 405, not REST's
    404."""

    regex = r"(?!__)[^/]+"


class AnyPathConverter(PathConverter):
    """werkzeug's path converter, newlines included: ids are any UTF-8 ("a\\nb" arrives
    as a%0Ab), and the stock converter's '.' stops at a newline."""

    regex = r"[^/][\s\S]*?"

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
    if not state.config.key_matches(client, key):
        raise ApiError(problem("bad_api_key", rest=True, scope=f"client '{client}'"))


def _type_arg(raw: str) -> str:
    canonical = vocabulary().canonical(raw)
    if canonical is None:
        raise ApiError(problem("unknown_interaction_type", type=raw,
                               known=", ".join(vocabulary().names)))
    return canonical


def _not_allowed(allowed: Iterable[str]) -> ApiError:
    """405, with the Allow header RFC 9110 requires (the methods the resource answers)."""
    return ApiError(problem("method_not_allowed", method=request.method, path=request.path),
                    {"Allow": ", ".join(sorted(allowed))})


@blueprint.route("/<client:client>/<anypath:rest>", methods=[*_METHODS, "OPTIONS"],
                 provide_automatic_options=False)
def dispatch(client: str, rest: str) -> Response:
    """Route one REST call by its raw path segments (an id is one segment, any UTF-8,
    '/' and newlines included, percent-encoded)."""
    state = current_state()
    parts = _segments()
    client = parts[0]
    route = _route(parts[1:])
    if route is None:  # before auth: a wrong URL is named as a wrong URL
        raise ApiError(problem("not_found", what=f"The path {request.path}"))
    _authenticate(state, client)
    answer = fault_answer(request.path, None)
    if answer is not None:
        return answer
    resource, ids = route
    allowed = _ALLOWED[resource]
    if request.method == "OPTIONS":  # the methods of this resource, not of the route
        return Response(status=204, headers={"Allow": ", ".join(sorted(
            [*allowed, "OPTIONS"]))})
    if request.method not in allowed:
        raise _not_allowed(allowed)
    if resource in ("user", "interactions", "interaction"):
        current_record().user_id = ids[0]
    return allowed[request.method](state, client, *ids)


def _route(parts: list[str]) -> tuple[str, tuple[str, ...]] | None:
    """(resource, its ids) for the path under /<client>/, or None if it names none."""
    match parts:
        case ["content-count"]:
            return "content-count", ()
        case ["content"]:
            return "content", ()
        case ["content", content_id]:
            return "item", (content_id,)
        case ["users", user_id]:
            return "user", (user_id,)
        case ["users", user_id, "interactions"]:
            return "interactions", (user_id,)
        case ["users", user_id, "interactions", kind, "content", content_id]:
            return "interaction", (user_id, kind, content_id)
    return None


def _content_count(state: MockState, client: str) -> Response:
    return jsonify({"count": len(state.catalog_ids(client))})


def _content_item(state: MockState, client: str, content_id: str) -> Response:
    item = state.journal.catalog_item(client, content_id)
    if item is None:
        raise ApiError(problem("not_found", what=f"Content '{content_id}'"))
    return jsonify(item)


def _get_user(state: MockState, client: str, user_id: str) -> Response:
    return jsonify(state.journal.user(client, user_id))


def _set_tracked(state: MockState, client: str, user_id: str) -> Response:
    raw = request.args.get("tracked", "")
    if raw not in ("true", "false"):
        raise ApiError(problem("bad_query", name="tracked", detail="use true or false"))
    state.journal.set_tracked(client, user_id, raw == "true")
    return jsonify(state.journal.user(client, user_id))


def _delete_user(state: MockState, client: str, user_id: str) -> Response:
    return jsonify({"deleted": state.journal.delete_user(client, user_id)})


def _delete_interaction(state: MockState, client: str, user_id: str, raw_type: str,
                        content_id: str) -> Response:
    return jsonify({"deleted": state.journal.delete_interaction(
        client, user_id, _type_arg(raw_type), content_id)})


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
    record.interactions = (interaction.type,)
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
        content=request.args.get("contentId"), skip=int_arg("skip", 0),
        limit=int_arg("limit", 10, MAX_LIMIT), newest_first=True)
    return jsonify([_item(client, row) for row in rows])


def _load_catalog(state: MockState, client: str) -> Response:
    items = json_body()
    if not isinstance(items, list):
        raise ApiError(problem("bad_catalog", detail="the body is not a JSON array"))
    limit = state.config.max_catalog_items
    if len(items) > limit:
        raise ApiError(problem("payload_too_large", size=f"{len(items)} catalog items",
                               limit=f"{limit} catalog items"))
    return jsonify({"loaded": load_catalog(state, client, items)})


# What each resource answers, by method (any other method: 405).
_ALLOWED: dict[str, dict[str, Callable[..., Response]]] = {
    "content-count": {"GET": _content_count},
    "content": {"POST": _load_catalog},
    "item": {"GET": _content_item},
    "user": {"GET": _get_user, "PUT": _set_tracked, "DELETE": _delete_user},
    "interactions": {"GET": _list_interactions},
    "interaction": {"POST": _add_interaction, "DELETE": _delete_interaction},
}
