"""Reading the YAML (or JSON) files users write: profiles, configs, fault rules,
scenarios. One place says what went wrong the same way for all of them: the file, the
line, and the reason, never the parser's "<unicode string>"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mock_spideo.errors import SpideoSimError

__all__ = ["compose_yaml", "parse_yaml", "read_yaml"]

# libyaml's loader where PyYAML was built with it (the wheels are): the same documents
# and the same errors (with their line), parsed about ten times faster, which every
# command pays for the shipped rules, vocabulary, problems and profile.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """`yaml.safe_load`, with libyaml when it is there."""
    return yaml.load(text, Loader=_LOADER)


def compose_yaml(text: str) -> yaml.Node | None:
    """`yaml.compose` (the node tree, with each node's line), safely, with libyaml."""
    return yaml.compose(text, Loader=_LOADER)


def read_yaml(path: str | Path, error: type[SpideoSimError], what: str) -> Any:
    """The parsed content of a YAML file (JSON is YAML too).

    Raises `error` with one line: '<what> <path>: cannot read it: <reason>' when the file
    cannot be opened, or '<path>:<line>: not valid YAML: <reason>' when it does not parse."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise error(f"cannot read {what} {path}: {reason}") from None
    try:
        return parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"{path}{line}: not valid YAML in {what}: {problem}") from None
