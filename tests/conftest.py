import pytest

pytest_plugins = ["pytester"]


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
