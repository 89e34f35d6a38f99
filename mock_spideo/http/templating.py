"""The UI's templates and their helpers (times, counts, foldable JSON, charts, the
stylesheet), for the running mock and for pages written without one (the simulation
report), so that both look and print the same."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from typing import Any

import orjson
from jinja2 import BaseLoader, ChoiceLoader, Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from mock_spideo.http.charts import bar_chart, funnel_chart, hour_label

__all__ = ["json_tree", "page_environment", "percent", "register_helpers", "stylesheet"]

_FOLD_AFTER = 12  # objects and arrays with more items than this start folded


def stylesheet() -> Markup:
    """The UI's CSS, for pages that must stand alone (the report inlines it)."""
    css = resources.files("mock_spideo.http").joinpath("static/ui.css").read_text("utf-8")
    return Markup(css)


def when(epoch: float | None) -> str:
    """Epoch seconds as UTC ISO-8601 with milliseconds."""
    if epoch is None:
        return ""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def count(value: Any) -> str:
    """A count with thousands separators."""
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def percent(rate: float | None) -> str:
    """A rate (0.926) as a percentage ("92.6%"); a dash when there is none."""
    return f"{rate:.1%}" if isinstance(rate, int | float) else "-"


def share(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else "0.0%"


def decoded(body: bytes) -> Any:
    """A body as JSON when it is JSON, else as text; None when empty."""
    if not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode("utf-8", errors="replace")


def json_tree(value: Any, *, depth: int = 0) -> Markup:
    """A JSON value as nested, foldable HTML (details/summary: keyboard and screen reader
    friendly without script); large objects and arrays start folded."""
    if isinstance(value, dict | list):
        items = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
        if not items:
            return Markup(f'<span class="j-punct">{opening}{closing}</span>')
        noun = "key" if isinstance(value, dict) else "item"
        summary = f"{opening} {len(items)} {noun}{'s' if len(items) != 1 else ''} {closing}"
        rows = []
        for key, item in items:
            label = (f'<span class="j-key">{escape(orjson.dumps(key).decode())}</span>: '
                     if isinstance(value, dict) else "")
            rows.append(f"<li>{label}{json_tree(item, depth=depth + 1)}</li>")
        is_open = " open" if depth == 0 or (depth < 6 and len(items) <= _FOLD_AFTER) else ""
        return Markup(f'<details class="j"{is_open}><summary>{summary}</summary>'
                      f'<ul>{"".join(rows)}</ul></details>')
    kind = ("j-str" if isinstance(value, str) else "j-null" if value is None
            else "j-bool" if isinstance(value, bool) else "j-num")
    return Markup(f'<span class="{kind}">{escape(orjson.dumps(value).decode())}</span>')


def register_helpers(env: Environment) -> None:
    """The filters and globals every UI template uses."""
    env.filters.update(when=when, count=count, percent=percent, json_tree=json_tree,
                       decoded=decoded)
    env.globals.update(bar_chart=bar_chart, funnel_chart=funnel_chart, share=share,
                       hour_label=hour_label, stylesheet=stylesheet)


def page_environment(*loaders: BaseLoader) -> Environment:
    """A Jinja environment with the UI's templates (after `loaders`, which may extend or
    import them) and helpers, for pages written outside a running mock."""
    env = Environment(loader=ChoiceLoader([*loaders, PackageLoader("mock_spideo.http")]),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    register_helpers(env)
    return env
