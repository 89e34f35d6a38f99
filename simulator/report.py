"""The simulation report: terminal tables, out/report.json and out/report.html."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import PackageLoader
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from mock_spideo import default_rules, severity_of
from mock_spideo.http.templating import page_environment, percent
from simulator.simulate import SimulationResult

__all__ = ["print_report", "report_dict", "write_reports"]


def report_dict(result: SimulationResult) -> dict[str, Any]:
    """The report as JSON-ready data (the schema of out/report.json)."""
    ledger = result.ledger
    outcomes = {kind: ledger.outcomes.get(kind, 0)
                for kind in ("delivered", "discarded", "filtered", "failed")}
    source = {"source": result.source} if result.source else {}
    return {
        **source,
        "settings": _settings(result),
        "run": {"transport": result.settings.transport_used, "jobs": result.settings.jobs,
                "interrupted": result.interrupted},
        "messages": {"total": result.total, "by_type": dict(result.messages_by_type),
                     "by_event": dict(result.messages_by_event.most_common())},
        "outcomes": outcomes,
        "statuses": {str(k): v for k, v in sorted(ledger.statuses.items())},
        "retries": {"attempts": ledger.attempts, "retries": ledger.retries,
                    "retried_messages": ledger.retried_messages,
                    "first_attempt_success_rate": ledger.share(ledger.first_attempt_delivered),
                    "success_rate_after_retries": ledger.share(ledger.outcomes["delivered"])},
        "interactions": {"total": sum(result.interactions_by_type.values()),
                         "by_type": result.interactions_by_type,
                         "by_hour": result.interactions_by_hour},
        "user_properties": {"total": result.user_properties,
                            "by_name": result.user_properties_by_name},
        "problems": {"by_code": result.problems_by_code, "examples": result.problem_examples,
                     "unexpected_errors": sorted(result.unexpected_errors),
                     "unexpected_source": result.unexpected_source,
                     "setup_refusals": dict(ledger.setup_refusals)},
        "throughput": {"seconds": round(result.seconds, 3),
                       "messages_per_s": round(result.total / result.seconds, 1)
                       if result.seconds else None},
        "conservation": result.conservation,
        "received": result.received,
    }


# The settings of one kind of run only: a replay has no seed, a simulation no inputs.
_GENERATION = ("users", "days", "seed", "start", "profile", "limit")
_REPLAY = ("inputs", "rules", "catalog", "journal", "speed", "rate")


def _settings(result: SimulationResult) -> dict[str, Any]:
    """The run's settings as the report shows them: never a key, only those of its kind
    of run, and the transport actually used."""
    settings = result.settings
    other = _GENERATION if settings.inputs else _REPLAY
    shown = {k: v for k, v in vars(settings).items()
             if k not in ("api_key", "anonymize_key", *other)}
    shown["transport"] = settings.transport_used
    if settings.inputs:
        shown["inputs"] = list(settings.inputs)
        shown["anonymized"] = settings.anonymize_key is not None
    return shown


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
    if result.source:
        console.print(f"Source: {result.source['description']}", highlight=False)
    console.print(_table("Messages by type", ("type", "messages"),
                         sorted(data["messages"]["by_type"].items())))
    console.print(_table("Top events", ("event", "messages"),
                         list(data["messages"]["by_event"].items())[:12]))
    console.print(_table("Outcomes (Segment side)", ("outcome", "messages"),
                         list(data["outcomes"].items())))
    console.print(_table("Retries", ("", "count"), [
        (name, percent(value) if "_rate" in name else value)
        for name, value in data["retries"].items()]))
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
        console.print(f"[yellow]Error-severity problems {result.unexpected_source}: "
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


_OUTCOME_MEANINGS = {
    "delivered": "Spideo answered 2xx (recorded, ignored or a duplicate)",
    "filtered": "not sent: the integrations object or an unsupported type",
    "discarded": "Spideo answered a status Segment does not retry (4xx)",
    "failed": "retries exhausted (5xx, 429 or a dropped connection until the window closed)",
}


def _html(data: dict[str, Any]) -> str:
    """The printable report: the UI's templates, stylesheet and charts, in one file."""
    env = page_environment(PackageLoader("simulator"))
    outcomes = data["outcomes"]
    received = data.get("received") or {}
    hours = list(data["interactions"]["by_hour"])
    problems = [{"code": code, "severity": severity_of(code) or "info", "count": count,
                 "example": data["problems"]["examples"].get(code, "")}
                for code, count in sorted(data["problems"]["by_code"].items(),
                                          key=lambda item: (-item[1], item[0]))]
    return env.get_template("report.html").render(
        d=data, target=data["settings"].get("target") or "mock Spideo in-process",
        written=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        outcome_meanings=_OUTCOME_MEANINGS, problems=problems, hours=hours,
        hour_values=list(data["interactions"]["by_hour"].values()),
        segment_steps=[("generated", data["messages"]["total"]),
                       *((name, outcomes[name]) for name in _OUTCOME_MEANINGS)],
        spideo_steps=[("received", received.get("received", 0)),
                      *((name, entry["count"]) for name, entry in
                        received.get("outcomes", {}).items())],
        ignore_reasons={rule.ignore: f"rule '{rule.name}': {rule.description}"
                        for rule in default_rules().rules if rule.ignore})
