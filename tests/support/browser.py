"""Headless Chromium for the browser tests: Debian's `chromium` driven by Playwright for
Python (Playwright's own browser download is not used, nor needed).

    with open_browser() as browser:
        page = browser.new_page()

Missing chromium or Playwright: the tests skip, saying how to enable them; under CI
(the CI environment variable set) they fail instead, so CI never passes by skipping.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("SPIDEO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
HOW = ("install Debian's chromium (`apt-get install -y chromium`, as root) and the dev "
       "extras (`make install`); `.ci/run` does both")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "out" / "ui"


def _unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).exists():
        return f"no chromium at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed"
    return None


@contextmanager
def open_browser() -> Iterator[Any]:
    """One headless Chromium (skip, or fail under CI, when it cannot start)."""
    reason = _unavailable()
    if reason is not None:
        message = f"browser tests: {reason}; {HOW}"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str, *, full_page: bool = True) -> Path:
    """Save what the page shows as out/ui/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
