"""The `spideo-sim` command line: one module per command, registered here by name and
imported only when the command is looked up, so each command starts with only what it
runs (`spideo-sim mock` does not import the simulator, nor `generate` Flask)."""

from __future__ import annotations

from importlib import import_module

import click

__all__ = ["main"]

# Each command is the function of its name in simulator.cli.<name>.
_COMMANDS = ("generate", "mock", "simulate", "replay", "serve", "load", "export", "mapping",
             "scenario")


class _Commands(click.Group):
    """A group whose commands are imported on first lookup (click's lazy group); --help
    lists them sorted, as click lists a group's commands."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*_COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in _COMMANDS:
            return super().get_command(ctx, cmd_name)
        command: click.Command = getattr(import_module(f"simulator.cli.{cmd_name}"), cmd_name)
        return command


@click.group(cls=_Commands)
@click.version_option(package_name="spideo-sim")
def main() -> None:
    """See, before production, what Spideo records from your Segment tracking."""
