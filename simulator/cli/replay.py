"""`spideo-sim replay`: deliver a team's own Segment exports as Segment would, and report
what Spideo records from them."""

from __future__ import annotations

from typing import Any

import click

from simulator.cli.common import anonymize_options, anonymizer
from simulator.cli.simulate import EXIT_CODES, delivery_options, run_and_report


@click.command(epilog=EXIT_CODES)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--rules", type=click.Path(dir_okay=False),
              help="A rules file for the in-process mock (default: the shipped rules).")
@click.option("--catalog", type=click.Path(dir_okay=False),
              help="A catalog for the in-process mock: a JSON list of items, each with an "
                   "'id' (spideo-sim generate --catalog writes one). Without it, content "
                   "ids are not checked.")
@click.option("--journal", type=click.Path(dir_okay=False),
              help="Keep the in-process mock's journal in this SQLite file (one job).")
@click.option("--speed", type=click.FloatRange(min=0, min_open=True), metavar="X",
              help="Keep the original gaps between messages (receivedAt, else timestamp), "
                   "divided by X [default: as fast as possible].")
@click.option("--rate", type=click.FloatRange(min=0, min_open=True), metavar="R",
              help="Send R messages a second.")
@anonymize_options
@delivery_options
def replay(paths: tuple[str, ...], rules: str | None, catalog: str | None,
           journal: str | None, speed: float | None, rate: float | None, anonymize: bool,
           anonymize_key: str | None, **delivery: Any) -> None:
    """Replay Segment exports: JSON lines, a JSON array or a {"batch": [...]} object, .gz
    of any of them, folders (recursively, in name order, as Segment's S3 layout sorts by
    time), or - for standard input. Unreadable lines are counted by file and line;
    --strict fails on them (exit 3), as on error-severity problems in the data. Inputs
    that hold no message at all fail the run (exit 1)."""
    if speed is not None and rate is not None:
        raise click.UsageError("--speed and --rate both set the pace: give one of them")
    hashing = anonymizer(anonymize, anonymize_key)
    what = f"{len(paths)} input{'s' if len(paths) != 1 else ''}"
    run_and_report(what, dict(inputs=paths, rules=rules, catalog=catalog, journal=journal,
                              speed=speed, rate=rate,
                              anonymize_key=hashing.key if hashing else None), **delivery)
