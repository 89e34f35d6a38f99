import signal
import sys
from collections.abc import Generator
from types import ModuleType

import pytest

pytest_plugins = ["pytester"]


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C (SIGINT) as a terminal has it, in this process and the commands the tests
    start: many tests stop a server as a user does, with Ctrl-C. A shell that runs the
    suite in the background (`make test &`) hands it SIGINT ignored, which every command
    started from it would inherit, and those tests would hang instead."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked slow first, the others in their order after them: across xdist's
    workers the long tests start at once, and the short ones fill the cores at the end,
    instead of one worker finishing a long test alone while the others wait."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    """After a test that ran pytest in this process (pytester), forget the modules that
    run imported everywhere. pytester takes them out of sys.modules but leaves each as an
    attribute of its package, so a later `from http import cookiejar` would find the
    forgotten module while `import http.cookiejar` makes a new one (requests then refuses
    its own cookie jar). The package imports nothing until used: the first import of a
    module may well happen inside such a run."""
    yield
    if "pytester" not in getattr(item, "fixturenames", ()):
        return
    for name, module in list(sys.modules.items()):
        for attribute, value in list(vars(module).items() if module else ()):
            if (isinstance(value, ModuleType) and value.__name__ == f"{name}.{attribute}"
                    and sys.modules.get(value.__name__) is not value):
                delattr(module, attribute)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (tests/support/browser.py): skipped
    with the reason where chromium is missing, failed under CI."""
    from tests.support.browser import open_browser
    with open_browser() as opened:
        yield opened


@pytest.fixture
def page(browser):
    """A fresh page (its own context) whose console errors and uncaught exceptions fail
    the test."""
    context = browser.new_context(viewport={"width": 1366, "height": 860})
    opened = context.new_page()
    errors = []
    opened.on("console", lambda message: errors.append(message.text)
              if message.type == "error" else None)
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], f"console errors: {errors}"
