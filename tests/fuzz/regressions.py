"""Shrunk failures become scenario files, so what fuzzing found stays in the contract.

A property calls `exporting(name, message, expect)` around its check. While Hypothesis
shrinks, every failing call overwrites the property's pending example; the last one is
the shrunk example Hypothesis replays to report, and is written at the end of the
session to SPIDEO_EXPORT_REGRESSIONS/<name>-<hash>.yaml.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

pending: dict[str, tuple[Any, dict[str, Any]]] = {}


def export_folder() -> Path | None:
    folder = os.environ.get("SPIDEO_EXPORT_REGRESSIONS")
    return Path(folder) if folder else None


@contextmanager
def exporting(name: str, message: Any, expect: dict[str, Any]) -> Iterator[None]:
    """Run a check; if it fails, remember (message, expect) as the property's example."""
    try:
        yield
    except Exception:
        if export_folder() is not None:
            pending[name] = (message, expect)
        raise


def write_pending() -> list[Path]:
    """Write each property's last failing example as a scenario file."""
    folder = export_folder()
    written: list[Path] = []
    if folder is None:
        return written
    folder.mkdir(parents=True, exist_ok=True)
    for name, (message, expect) in sorted(pending.items()):
        body = yaml.safe_dump(message, sort_keys=True, allow_unicode=True)
        digest = hashlib.sha256(body.encode()).hexdigest()[:10]
        path = folder / f"{name}-{digest}.yaml"
        scenario = {"name": f"Regression found by fuzzing: {name}",
                    "description": "Written by the fuzz tests from a shrunk failing example; "
                                   "keep it in the contract once the bug is fixed.",
                    "given": [message], "expect": expect}
        path.write_text(yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
        written.append(path)
    pending.clear()
    return written
