"""The simulation report: terminal tables, out/report.json and out/report.html."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from simulator.simulate import SimulationResult

__all__ = ["print_report", "report_dict", "write_reports"]


def report_dict(result: SimulationResult) -> dict[str, Any]:
    """The report as JSON-ready data (the schema of out/report.json)."""
    ledger = result.ledger
    outcomes = {kind: ledger.outcomes.get(kind, 0)
                for kind in ("delivered", "discarded", "filtered", "failed")}
    return {
        "settings": {k: v for k, v in vars(result.settings).items() if k != "api_key"},
        "run": {"transport": result.settings.transport_used, "jobs": result.settings.jobs,
                "interrupted": result.interrupted},
        "messages": {"total": result.total, "by_type": dict(result.messages_by_type),
                     "by_event": dict(result.messages_by_event.most_common())},
        "outcomes": outcomes,
        "statuses": {str(k): v for k, v in sorted(ledger.statuses.items())},
        "retries": {"attempts": ledger.attempts, "retries": ledger.retries,
                    "retried_messages": ledger.retried_messages},
        "interactions": {"total": sum(result.interactions_by_type.values()),
                         "by_type": result.interactions_by_type,
                         "by_hour": result.interactions_by_hour},
        "user_properties": {"total": result.user_properties},
        "problems": {"by_code": result.problems_by_code, "examples": result.problem_examples,
                     "unexpected_errors": sorted(result.unexpected_errors)},
        "throughput": {"seconds": round(result.seconds, 3),
                       "messages_per_s": round(result.total / result.seconds, 1)
                       if result.seconds else None},
        "conservation": result.conservation,
    }


def _table(title: str, headers: tuple[str, ...], rows: list[tuple[Any, ...]]) -> Group:
    table = Table(show_edge=False, pad_edge=False)
    for index, header in enumerate(headers):
        table.add_column(header, justify="right" if 0 < index < 2 else "left")
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    return Group(Text(f"\n{title}", style="bold"), table)


def print_report(result: SimulationResult, console: Console | None = None) -> None:
    """The report as tables, for a person at a terminal."""
    console = console or Console()
    data = report_dict(result)
    console.print(_table("Messages by type", ("type", "messages"),
                         sorted(data["messages"]["by_type"].items())))
    console.print(_table("Top events", ("event", "messages"),
                         list(data["messages"]["by_event"].items())[:12]))
    console.print(_table("Outcomes (Segment side)", ("outcome", "messages"),
                         list(data["outcomes"].items())))
    console.print(_table("Retries", ("", "count"), list(data["retries"].items())))
    console.print(_table("Interactions recorded by Spideo", ("type", "interactions"),
                         [*sorted(data["interactions"]["by_type"].items()),
                          ("total", data["interactions"]["total"])]))
    console.print(f"User properties set: {data['user_properties']['total']}")
    examples = data["problems"]["examples"]
    console.print(_table("Problems by code", ("code", "count", "example"),
                         [(code, count, examples.get(code, "")[:90])
                          for code, count in sorted(data["problems"]["by_code"].items())]))
    rate = data["throughput"]["messages_per_s"]
    run = data["run"]
    console.print(f"Throughput: {result.total} messages in {data['throughput']['seconds']} s"
                  f" ({rate} messages/s; {run['jobs']} job{'s' if run['jobs'] > 1 else ''},"
                  f" {run['transport']} transport)")
    conservation = data["conservation"]
    verdict = "[green]OK[/green]" if conservation.get("ok") else "[red]FAILED[/red]"
    console.print(f"Conservation: {verdict} " + ", ".join(
        f"{name}={'yes' if ok else 'NO'}" for name, ok in conservation.items() if name != "ok"))
    if result.unexpected_errors:
        console.print("[yellow]Error-severity problems the profile did not cause on purpose: "
                      + ", ".join(sorted(result.unexpected_errors)) + "[/yellow]")


def write_reports(result: SimulationResult, out_dir: str | Path = "out") -> tuple[Path, Path]:
    """Write out/report.json and out/report.html; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = report_dict(result)
    json_path = out / "report.json"
    json_path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    html_path = out / "report.html"
    html_path.write_text(_html(data), encoding="utf-8")
    return json_path, html_path


def _bars(values: dict[str, int], width: int = 860, height: int = 220) -> str:
    """An SVG bar chart (no scripts, no network): one bar per key, in order."""
    if not values:
        return "<p>No interactions were recorded.</p>"
    peak = max(values.values()) or 1
    step = width / len(values)
    bars = []
    for index, (label, value) in enumerate(values.items()):
        h = value / peak * (height - 30)
        x = index * step
        bars.append(f'<rect x="{x + 1:.1f}" y="{height - 20 - h:.1f}" '
                    f'width="{max(step - 2, 1):.1f}" height="{h:.1f}" fill="#3b6ea8">'
                    f'<title>{html.escape(label)}: {value}</title></rect>')
    first, last = html.escape(next(iter(values))), html.escape(list(values)[-1])
    return (f'<svg width="{width}" height="{height}" role="img" aria-label="interactions '
            f'over simulated time">{"".join(bars)}<text x="0" y="{height - 4}" '
            f'font-size="11">{first}</text><text x="{width}" y="{height - 4}" font-size="11" '
            f'text-anchor="end">{last}</text></svg>')


def _html_table(rows: list[tuple[Any, ...]], headers: tuple[str, ...]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _html(data: dict[str, Any]) -> str:
    outcomes = data["outcomes"]
    total = sum(outcomes.values()) or 1
    outcome_bar = "".join(
        f'<div style="width:{count / total * 100:.2f}%;background:{color}" '
        f'title="{kind}: {count}">{kind if count / total > 0.08 else ""}</div>'
        for (kind, count), color in zip(outcomes.items(),
                                        ("#3c9a5f", "#c9a227", "#8a8a8a", "#c0392b"),
                                        strict=True) if count)
    ok = "OK" if data["conservation"].get("ok") else "FAILED"
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>spideo-sim report</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:900px}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:4px 8px;
text-align:left}}.bar{{display:flex;height:28px;color:#fff;font-size:12px}}
.bar div{{display:flex;align-items:center;justify-content:center;overflow:hidden}}</style>
</head><body>
<h1>What Spideo would have recorded</h1>
<p>{data['messages']['total']} messages; conservation: <b>{ok}</b>.</p>
<h2>Interactions over simulated time (per hour)</h2>
{_bars(data['interactions']['by_hour'])}
<h2>Outcomes</h2>
<div class="bar">{outcome_bar}</div>
{_html_table(list(outcomes.items()), ('outcome', 'messages'))}
<h2>Interactions by type</h2>
{_html_table(sorted(data['interactions']['by_type'].items()), ('type', 'interactions'))}
<h2>Problems by code</h2>
{_html_table([(c, n, data['problems']['examples'].get(c, '')) for c, n in
              sorted(data['problems']['by_code'].items())], ('code', 'count', 'example'))}
</body></html>
"""
