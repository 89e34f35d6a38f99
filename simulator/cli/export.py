"""`spideo-sim export`: what a journal file holds, as JSON lines, CSV or Parquet."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mock_spideo import Journal, SpideoSimError
from mock_spideo.store.export import FORMATS, KINDS, export_chunks
from simulator.cli.common import err, fail, output_file


@click.command()
@click.option("--journal", "journal_path", required=True, type=click.Path(dir_okay=False),
              help="The SQLite journal of a mock (spideo-sim mock --journal FILE).")
@click.option("--what", type=click.Choice(list(KINDS)), default="interactions",
              show_default=True, help="What to export.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="jsonl",
              show_default=True, help="Parquet needs: pip install 'spideo-sim[parquet]'.")
@click.option("--out", help="File to write (its folder must exist); default: stdout.")
def export(journal_path: str, what: str, fmt: str, out: str | None) -> None:
    """Export what Spideo recorded (interactions, user properties, problems, requests),
    a page at a time: memory stays flat whatever the journal's size.

    A running mock serves the same at GET /__admin/export?what=...&format=..."""
    if not Path(journal_path).is_file():
        fail(f"no journal at {journal_path}: give the file a mock wrote with --journal")
    if fmt == "parquet" and out is None and sys.stdout.isatty():
        fail("Parquet is binary: give --out FILE (or redirect stdout to a file)")
    try:
        chunks = export_chunks(Journal(journal_path), what, fmt)
        handle = output_file(out) if out else sys.stdout.buffer
        written = 0
        for chunk in chunks:
            handle.write(chunk)
            written += len(chunk)
        handle.flush()
    except SpideoSimError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write {out or 'stdout'}: {exc.strerror}")
    if out:
        handle.close()
        err.print(f"{what} exported to {out} ({written} bytes, {fmt})")
