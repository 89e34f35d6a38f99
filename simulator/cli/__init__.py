"""The `spideo-sim` command line: one module per command, registered here."""

from __future__ import annotations

import click

from simulator.cli.export import export
from simulator.cli.generate import generate
from simulator.cli.load import load
from simulator.cli.mapping import mapping
from simulator.cli.mock import mock
from simulator.cli.replay import replay
from simulator.cli.scenario import scenario
from simulator.cli.serve import serve
from simulator.cli.simulate import simulate

__all__ = ["main"]


@click.group()
@click.version_option(package_name="spideo-sim")
def main() -> None:
    """See, before production, what Spideo records from your Segment tracking."""


for command in (generate, mock, simulate, replay, serve, load, export, mapping, scenario):
    main.add_command(command)
