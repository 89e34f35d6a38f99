"""`spideo-sim generate`: write a simulated Segment stream as JSONL."""

from __future__ import annotations

import sys
from contextlib import nullcontext

import click
import orjson

from simulator.cli.common import err, fail, output_file, progress_bar, stream_options
from simulator.generate import ProfileError, Shard


def _shard(ctx: click.Context, param: click.Parameter, value: str | None) -> Shard | None:
    try:
        return Shard.parse(value) if value is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command()
@stream_options
@click.option("--out", default="-", show_default=True,
              help="JSONL file (its folder must exist), or - for stdout.")
@click.option("--limit", type=click.IntRange(min=1), help="Stop after N messages.")
@click.option("--shard", callback=_shard, metavar="I/N",
              help="Only shard I of N (1-based): the viewers whose index is I-1 modulo N. "
                   "The N shards together hold exactly the messages of the whole stream.")
@click.option("--catalog", "catalog_out", metavar="FILE",
              help="Also write the generated catalog, as JSON, for replay --catalog.")
def generate(users: int | None, days: float, seed: int, start: str | None,
             profile: str | None, out: str, limit: int | None, shard: Shard | None,
             catalog_out: str | None) -> None:
    """Write a simulated Segment stream as JSONL (one message per line)."""
    from simulator.generate.stream import Simulation
    try:
        sim = Simulation.from_options(users=users, days=days, seed=seed, start=start,
                                      profile=profile, shard=shard)
    except (ProfileError, ValueError) as exc:  # ValueError: a --start that is not a date
        fail(str(exc))
    if catalog_out:
        with output_file(catalog_out) as handle:
            handle.write(orjson.dumps(sim.catalog.to_mock_payload(), option=orjson.OPT_INDENT_2))
    opened = output_file(out) if out != "-" else nullcontext(sys.stdout.buffer)
    with progress_bar("generating") as progress, opened as handle:
        try:
            count = sim.write_jsonl(handle, limit, progress)
            handle.flush()
        except OSError as exc:
            fail(f"cannot write {out}: {exc.strerror}")
    err.print(f"{count} messages written to {'stdout' if out == '-' else out}")
