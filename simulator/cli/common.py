"""What the commands share: the error console, progress bars, one-line failures, the
options that define a simulated stream, and building a mock's config from options."""

from __future__ import annotations

import ipaddress
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, NoReturn

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from mock_spideo import ConfigError, MockConfig, RulesError, default_rules, load_rules
from mock_spideo.http.server import DEFAULT_CONNECTIONS, DEFAULT_IDLE_TIMEOUT
from simulator.read import Anonymizer

__all__ = ["admin_options", "anonymize_options", "anonymizer", "check_exposure",
           "connection_options", "err", "fail", "mock_config", "output_file", "output_folder",
           "port_option", "progress_bar", "stream_options"]

err = Console(stderr=True)


@contextmanager
def progress_bar(label: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when it is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        yield lambda count: None
        return
    columns = [TextColumn(label), BarColumn(), MofNCompleteColumn() if total else
               TextColumn("{task.completed} messages"), TimeElapsedColumn()]
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda count: bar.update(task, completed=count)


def fail(message: str) -> NoReturn:
    """Stop the command with one line on stderr and exit status 1 (no traceback)."""
    raise click.ClickException(message)


def stream_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options that define a simulated stream, shared by generate and simulate."""
    for option in reversed((
        click.option("--users", type=click.IntRange(min=1),
                     help="Viewers (default: the profile's)."),
        click.option("--days", type=click.FloatRange(min=0.01), default=1.0, show_default=True,
                     help="Simulated days (fractions allowed)."),
        click.option("--seed", type=int, default=1, show_default=True,
                     help="Same seed and options: the same messages, byte for byte."),
        click.option("--start", help="Start of simulated time, ISO-8601 "
                                     "(default 2025-01-06T12:00Z)."),
        click.option("--profile", type=click.Path(exists=True, dir_okay=False),
                     help="Profile YAML overriding simulator/profiles/default.yaml."),
    )):
        command = option(command)
    return command


def mock_config(config: str | None, rules: str | None, journal: str | None,
                admin_token: str | None = None,
                max_requests: int | None = None) -> MockConfig:
    """The mock's configuration from a config file and the options that override it."""
    try:
        loaded = load_rules(rules) if rules else None
        if config:
            return MockConfig.from_file(config, rules=loaded, journal_path=journal,
                                        admin_token=admin_token, max_requests=max_requests)
        return MockConfig(rules=loaded or default_rules(), journal_path=journal,
                          admin_token=admin_token, max_requests=max_requests)
    except (ConfigError, RulesError, OSError) as exc:
        fail(str(exc))


def connection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--max-connections and --idle-timeout: what idle and slow clients may hold."""
    command = click.option(
        "--idle-timeout", type=click.FloatRange(min=0.1), default=DEFAULT_IDLE_TIMEOUT,
        show_default=True, help="Close a connection silent for this many seconds.")(command)
    return click.option(
        "--max-connections", type=click.IntRange(min=1), default=DEFAULT_CONNECTIONS,
        show_default=True, help="Open connections at most; idle ones cost no thread.",
    )(command)


def admin_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--admin-token and --insecure: who may use /__admin, and binding beyond loopback."""
    command = click.option(
        "--insecure", is_flag=True,
        help="Allow listening beyond this machine without an admin token.")(command)
    return click.option(
        "--admin-token", envvar="SPIDEO_ADMIN_TOKEN", show_envvar=True,
        help="Require 'Authorization: Bearer TOKEN' on /__admin (at least 8 characters).",
    )(command)


def check_exposure(host: str, admin_token: str | None, insecure: bool) -> None:
    """Refuse to listen beyond loopback with /__admin open to all (it can reset the
    journal and inject faults), unless an admin token guards it or --insecure is given."""
    if admin_token or insecure or _is_loopback(host):
        return
    fail(f"refusing to listen on {host} with /__admin open to everyone who can reach it: "
         "set --admin-token (or SPIDEO_ADMIN_TOKEN), or add --insecure to accept that")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def output_file(path: str) -> BinaryIO:
    """A file the command will write, opened before any work starts: its folder must
    exist (nothing is created silently). fail() with the path and the cause otherwise."""
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        fail(f"cannot write {target}: the folder {folder} does not exist (create it first)")
    if target.is_dir():
        fail(f"cannot write {target}: it is a folder; give a file name")
    try:  # the caller closes the file
        return open(target, "wb", buffering=1 << 20)
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror}")


def output_folder(path: str) -> Path:
    """A folder the command will write reports into, checked before any work starts: it
    is created if its parent exists, and must be writable. fail() otherwise."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        fail(f"cannot write reports into {folder}: it is a file, not a folder")
    if not folder.exists():
        if not folder.parent.is_dir():
            fail(f"cannot write reports into {folder}: the folder {folder.parent} does not "
                 "exist (create it first)")
        try:
            folder.mkdir()
        except OSError as exc:
            fail(f"cannot create the folder {folder}: {exc.strerror}")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        fail(f"cannot write reports into {folder}: {exc.strerror}")
    return folder


def port_option(default: int, help_text: str, name: str = "--port") -> Callable[..., Any]:
    """A TCP port option: 1 to 65535, or 0 for any free port (the one chosen is printed)."""
    return click.option(name, type=click.IntRange(0, 65535), default=default,
                        show_default=True, help=f"{help_text} (1-65535; 0: any free port).")



def anonymize_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--anonymize and --anonymize-key: a team's identities hashed before anything is
    journaled, reported or written."""
    command = click.option(
        "--anonymize-key", envvar="SPIDEO_ANONYMIZE_KEY", show_envvar=True,
        help="Key of the hashes, to keep them stable across runs (implies --anonymize; "
             "default: a new key, printed once).")(command)
    return click.option(
        "--anonymize", is_flag=True,
        help="Replace userId, anonymousId, e-mail and phone values with keyed hashes and "
             "drop context.ip.")(command)


def anonymizer(anonymize: bool, key: str | None) -> Anonymizer | None:
    """The anonymizer the options ask for; a generated key is printed once, on stderr,
    since without it nobody can match a hash to a viewer."""
    if not anonymize and key is None:
        return None
    chosen = Anonymizer(key)
    if chosen.generated:
        err.print(f"anonymize key (printed once; pass --anonymize-key to reuse it): "
                  f"{chosen.key}", highlight=False, soft_wrap=True)
    return chosen
