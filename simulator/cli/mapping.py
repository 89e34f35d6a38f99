"""`spideo-sim mapping check|explain`: validate rules files and explain a message's mapping."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mock_spideo import RulesError, default_rules, explain, load_rules
from simulator.cli.common import fail


@click.group()
def mapping() -> None:
    """Check and explain mapping rules files."""


@mapping.command("check")
@click.argument("rules_file", type=click.Path(exists=True, dir_okay=False))
def mapping_check(rules_file: str) -> None:
    """Validate a rules file; exit 1 with the rule, field, reason and line if it is bad."""
    try:
        rules = load_rules(rules_file)
    except RulesError as exc:
        fail(str(exc))
    click.echo(f"{rules_file}: {len(rules.rules)} rules OK")
    for rule in rules.rules:
        click.echo(f"  {rule.line:>4}  {rule.name:<32} {rule.outcome}")


@mapping.command("explain")
@click.option("--rules", "rules_file", type=click.Path(exists=True, dir_okay=False),
              help="Rules file (default: the shipped rules).")
@click.argument("message_file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
def mapping_explain(rules_file: str | None, message_file: str) -> None:
    """Show which rule matches a message (JSON file or -), what it extracts, and why
    each earlier rule did not match."""
    try:
        rules = load_rules(rules_file) if rules_file else default_rules()
    except RulesError as exc:
        fail(str(exc))
    raw = sys.stdin.read() if message_file == "-" else Path(message_file).read_text("utf-8")
    try:
        message = json.loads(raw)
    except ValueError as exc:
        fail(f"{message_file} is not JSON: {exc}")
    result, traces = explain(message, rules)
    for trace in traces:
        if trace.matched:
            click.echo(f"MATCH  {trace.rule}")
        else:
            click.echo(f"miss   {trace.rule}: " + "; ".join(trace.reasons))
    click.echo(f"\noutcome: {result.outcome} ({result.code}) {result.message}")
    for item in result.interactions:
        click.echo("  interaction " + json.dumps(item.to_dict()))
    for prop in result.user_properties:
        click.echo("  user property " + json.dumps(prop.to_dict()))
