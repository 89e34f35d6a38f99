"""The web UI: what Spideo received, recorded and refused, live.

`/` is the feed (filters in the query string, with the admin API's names), `/__ui/...`
the rest: one request's detail, a viewer's page, the overview, the controls, the live
feed as server-sent events, and the static files. Pages are rendered here; every change
(reset, faults) goes through /__admin from the browser.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import orjson
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from werkzeug.datastructures import MultiDict

from mock_spideo.engine.explain import RuleTrace, explain, nearest_miss
from mock_spideo.engine.mapping import MappingResult
from mock_spideo.engine.problems import PROBLEM_CODES
from mock_spideo.engine.vocabulary import vocabulary
from mock_spideo.http.admin import presented_token
from mock_spideo.http.context import current_state
from mock_spideo.http.server import STOPPING
from mock_spideo.http.templating import decoded, register_helpers
from mock_spideo.segment import MESSAGE_TYPES, parse_time
from mock_spideo.store.config import mask_key
from mock_spideo.store.export import FORMATS, KINDS
from mock_spideo.store.feed import OUTCOMES, Feed, RequestFilter

__all__ = ["FILTERS", "blueprint", "request_filter"]

blueprint = Blueprint("ui", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/__ui/static")

PAGE_SIZE = 50
MAX_PAGE = 500
STREAM_SECONDS = 30.0  # then the browser reconnects (EventSource does, with Last-Event-ID)
POLL_SECONDS = 0.4  # how often a live feed looks for new requests
MAX_STREAMS = 3  # live feeds at once: each holds one of the server's threads
# The query parameters of the feed, named as the admin API names them.
FILTERS = {"client": "client", "user": "user", "event": "event", "type": "type",
           "outcome": "outcome", "code": "code", "interaction": "interaction",
           "messageId": "message_id", "since": "since", "until": "until"}
_STREAMS = "mock_spideo.ui_streams"


@blueprint.before_request
def _require_token() -> Response | None:
    """With an admin token configured, the UI shows nothing without it either (it shows
    every client's traffic): the browser asks for it (HTTP Basic, any user name, the token
    as password) and then sends it with the UI's own calls to /__admin too."""
    config = current_state().config
    token = presented_token()
    if config.admin_token is None or (token is not None and config.admin_token_matches(token)):
        return None
    return Response("This mock's UI needs its admin token: give it as the password (any user "
                    "name).", status=401, mimetype="text/plain",
                    headers={"WWW-Authenticate": 'Basic realm="spideo-sim", charset="UTF-8"'})
_RESET = "id: 0\nevent: reset\ndata: {}\n\n"  # id 0: a reconnection starts from the top


class FilterError(ValueError):
    """A query parameter the feed cannot use, with the reason."""


@blueprint.record_once
def _setup(setup: Any) -> None:
    register_helpers(setup.app.jinja_env)
    setup.app.extensions[_STREAMS] = threading.BoundedSemaphore(MAX_STREAMS)


def request_filter(args: MultiDict[str, str]) -> RequestFilter:
    """The feed's filter from query parameters (empty ones are ignored); FilterError
    naming the parameter when one cannot be used."""
    values: dict[str, Any] = {}
    for name, field in FILTERS.items():
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        if name in ("since", "until"):
            moment = parse_time(raw)
            if moment is None:
                raise FilterError(f"{name}: '{raw}' is not an ISO-8601 time such as "
                                  "2025-01-06T20:00:00Z (UTC when no offset is given)")
            values[field] = moment.timestamp()
        elif name == "outcome" and raw not in OUTCOMES:
            raise FilterError(f"outcome: '{raw}' is not one of {', '.join(OUTCOMES)}")
        else:
            values[field] = raw
    return RequestFilter(**values)


def _whole(name: str, default: int | None, high: int | None = None) -> int | None:
    """A request id or row count of the query string: ASCII digits, as the feed's links
    write them (str.isdigit also takes superscript digits, which int() refuses)."""
    raw = request.args.get(name, "")
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise FilterError(f"{name}: '{raw}' is not a whole number >= 0")
    value = int(raw)
    return min(value, high) if high is not None else value


def _choices() -> dict[str, Any]:
    rules = current_state().config.rules.rules
    codes = sorted({*PROBLEM_CODES, "recorded", *(r.ignore for r in rules if r.ignore)})
    return {"outcomes": OUTCOMES, "types": sorted(MESSAGE_TYPES),
            "interactions": sorted(vocabulary().names), "codes": codes,
            "clients": sorted(current_state().config.clients)}


def _feed() -> Feed:
    return Feed(current_state().journal)


@blueprint.get("/")
def feed() -> tuple[str, int]:
    """The feed: requests newest first, filtered by the query string, paged by id."""
    query = {name: request.args[name] for name in FILTERS if request.args.get(name)}
    try:
        where = request_filter(request.args)
        before, after = _whole("before", None), _whole("after", None)
        limit = _whole("limit", PAGE_SIZE, MAX_PAGE) or PAGE_SIZE
    except FilterError as exc:
        return render_template("ui/feed.html", error=str(exc), query=query, page=None,
                               live=False, choices=_choices()), 400
    page = _feed().page(where, before=before, after=after, limit=limit)
    live = before is None and after is None
    return render_template("ui/feed.html", error=None, query=query, page=page, live=live,
                           limit=limit, choices=_choices()), 200


@blueprint.get("/__ui/events")
def events() -> Response:
    """New requests matching the feed's filters, as server-sent events: each `rows`
    event carries the rendered rows; the stream ends after STREAM_SECONDS (the browser
    reconnects with Last-Event-ID) or when the server stops."""
    try:
        where = request_filter(request.args)
        start = _whole("after", None)
    except FilterError as exc:
        return Response(f"event: failed\ndata: {orjson.dumps(str(exc)).decode()}\n\n",
                        mimetype="text/event-stream")
    last_seen = request.headers.get("Last-Event-ID", "")
    feed = _feed()
    after = int(last_seen) if last_seen.isdigit() else start
    if after is None:
        after = feed.latest_id()
    streams: threading.BoundedSemaphore = current_app.extensions[_STREAMS]
    stopping: threading.Event = request.environ.get(STOPPING) or threading.Event()
    gone: Callable[[], bool] = request.environ.get("waitress.client_disconnected",
                                                   lambda: False)
    return Response(stream_with_context(_stream(feed, where, after, stopping, gone, streams)),
                    mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _stream(feed: Feed, where: RequestFilter, after: int, stopping: threading.Event,
            gone: Callable[[], bool], streams: threading.BoundedSemaphore) -> Iterator[str]:
    # The slot is taken and released here, as the stream runs (a tab just reloaded frees
    # its slot within one poll, hence the short wait).
    if not streams.acquire(timeout=2 * POLL_SECONDS):
        yield f"retry: 3000\nevent: busy\ndata: {MAX_STREAMS}\n\n"
        return
    try:
        yield "retry: 1000\n\n"
        generation = feed.journal.generation
        if after > feed.latest_id():  # reset while the browser was away
            after = 0
            yield _RESET
        deadline = time.monotonic() + STREAM_SECONDS
        while time.monotonic() < deadline and not stopping.is_set() and not gone():
            if feed.journal.generation != generation:  # ids start again at 1
                generation, after = feed.journal.generation, 0
                yield _RESET
            rows, skipped = feed.newer(where, after, PAGE_SIZE)
            if rows:
                after = rows[0]["id"]
                html = render_template("ui/rows.html", rows=rows)
                data = orjson.dumps({"html": html, "count": len(rows), "skipped": skipped,
                                     "latest": after}).decode()
                yield f"id: {after}\nevent: rows\ndata: {data}\n\n"
            else:
                yield ": idle\n\n"  # a closed tab makes this write fail: the stream ends
            stopping.wait(POLL_SECONDS)
    finally:
        streams.release()


@blueprint.get("/__ui/requests/<int:request_id>")
def request_detail(request_id: int) -> tuple[str, int]:
    """One request: the message as received, headers, answer, rule trace, records. With
    ?panel=1, the fragment the feed's detail panel shows."""
    state = current_state()
    found = _feed().request(request_id) if request_id < 2**63 else None  # SQLite's range
    if found is None:
        return render_template("ui/missing.html", request_id=request_id), 404
    exchange = found["exchange"]
    message = decoded(exchange["body"]) if exchange else None
    traces: list[RuleTrace] = []
    nearest: RuleTrace | None = None
    result: MappingResult | None = None
    if isinstance(message, dict) and exchange and exchange["body_size"] == len(
            exchange["body"]):
        result, traces = explain(message, state.config.rules)
        nearest = nearest_miss(traces)
    tried = {trace.rule for trace in traces}
    untried = [rule.name for rule in state.config.rules.rules if rule.name not in tried]
    template = "ui/request_panel.html" if request.args.get("panel") else "ui/request.html"
    return render_template(template, r=found, exchange=exchange, message=message,
                           traces=traces, nearest=nearest, result=result, untried=untried,
                           keep=state.config.keep_bodies), 200


@blueprint.get("/__ui/users/<client>/<path:user>")
def user_page(client: str, user: str) -> tuple[str, int]:
    """What Spideo knows about one viewer, and the REST calls that return the same."""
    state = current_state()
    if client not in state.config.clients:
        abort(404)
    journal = state.journal
    base = request.host_url.rstrip("/")
    path = f"/{quote(client, safe='')}/users/{quote(user, safe='')}"
    key = mask_key(state.config.clients[client])
    calls = [f"curl -H 'x-api-key: {key}' '{base}{path}'",
             f"curl -H 'x-api-key: {key}' '{base}{path}/interactions?limit=200'"]
    return render_template("ui/user.html", client=client, user=user,
                           summary=journal.user(client, user),
                           timeline=_feed().user_timeline(client, user), calls=calls,
                           requests_url=url_for("ui.feed", client=client, user=user)), 200


@blueprint.get("/__ui/users")
def find_user() -> tuple[str, int]:
    """A viewer by id (?user=), in each client that knows them."""
    user = request.args.get("user", "").strip()
    clients = _feed().user_clients(user) if user else []
    return render_template("ui/find_user.html", user=user, clients=clients), 200


@blueprint.get("/__ui/overview")
def overview() -> tuple[str, int]:
    """The delivery funnel, problems by code with examples, interactions over time."""
    feed = _feed()
    unit, over_time = feed.interactions_over_time()
    kinds = sorted({kind for counts in over_time.values() for kind in counts})
    buckets = list(over_time)
    series = {kind: [over_time[b].get(kind, 0) for b in buckets] for kind in kinds}
    ignore_reasons = {rule.ignore: f"rule '{rule.name}': {rule.description}"
                      for rule in current_state().config.rules.rules if rule.ignore}
    funnel = feed.funnel()
    steps = [("received", funnel["received"]),
             *((name, entry["count"]) for name, entry in funnel["outcomes"].items())]
    return render_template("ui/overview.html", funnel=funnel, steps=steps,
                           problems=feed.problems_by_code(), unit=unit, buckets=buckets,
                           series=series, ignore_reasons=ignore_reasons,
                           request_url=_request_url), 200


def _request_url(request_id: int) -> str:
    return url_for("ui.request_detail", request_id=request_id)


@blueprint.get("/__ui/controls")
def controls() -> tuple[str, int]:
    """Reset the journal, add or clear faults (the page calls /__admin)."""
    return render_template("ui/controls.html", faults=current_state().faults.snapshot(),
                           exports=list(KINDS), formats=FORMATS), 200
