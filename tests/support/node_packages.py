"""Segment's npm packages (tests/oracle/node_modules), which some tests run as oracles.

Locally, a test that needs one skips, saying why, when node or the package is missing. In
CI (the CI environment variable set) it fails instead: there `make install` must have
installed them, and a skipped oracle would let a green run hide that the differential
tests never ran.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ORACLE = Path(__file__).resolve().parents[1] / "oracle"


def in_ci() -> bool:
    """Whether this run is CI's: CI set to anything but empty, 0 or false."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def missing(package: str) -> str | None:
    """Why `package` (e.g. @segment/destination-subscriptions) cannot run, if it cannot."""
    if shutil.which("node") is None:
        return f"node is not installed: {package} cannot run"
    if not (ORACLE / "node_modules" / package).is_dir():
        return (f"tests/oracle/node_modules has no {package}: run `make install` "
                "with npm and the npm registry available")
    return None


def require(package: str) -> None:
    """Skip the calling test when `package` cannot run; in CI, fail it instead."""
    reason = missing(package)
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI is set, so the tests that use it must run, not skip)",
                    pytrace=False)
    pytest.skip(reason)
