"""Segment's browser SDK, analytics.js (@segment/analytics-next from the committed npm
lockfile), in headless Chromium on a page of another origin, sends to `spideo-sim
serve` as docs/serve.md's browser example does: a play and a click reach mock Spideo,
with no console error (a refused CORS preflight would be one)."""

from pathlib import Path

import pytest
from flask import Flask, Response, send_from_directory

from mock_spideo import LiveServer, mock_state
from simulator.deliver.serve import serving

BUNDLE = (Path(__file__).resolve().parents[1] / "oracle" / "node_modules" / "@segment" /
          "analytics-next" / "dist" / "umd")
WRITE_KEY = "local-write-key"

SERVE_DOC = Path(__file__).resolve().parents[2] / "docs" / "serve.md"
# The browser example of docs/serve.md, with the SDK from the lockfile instead of a CDN.
SNIPPET = SERVE_DOC.read_text(encoding="utf-8").split("```html\n", 1)[1].split("```", 1)[0]
PAGE = """<!doctype html>
<html><head><title>A streaming app</title><link rel="icon" href="data:,">
%(snippet)s
<script>
  analytics.track("Product Clicked", {product_id: "browser-click", list_id: "home"})
    .then(() => { document.getElementById("state").textContent = "sent"; });
</script></head>
<body><p id="state">loading</p></body></html>
"""


def page_server(tracking_url: str) -> Flask:
    """The web page of an app on its own origin (another port), shipping the SDK."""
    app = Flask("a_streaming_app")
    host = tracking_url.removeprefix("http://") + "/v1"

    @app.get("/")
    def index() -> Response:
        snippet = SNIPPET.replace("127.0.0.1:8788/v1", host).replace(
            "https://cdn.jsdelivr.net/npm/@segment/analytics-next@1.84.3/dist/umd/",
            "/sdk/").replace("cdnSettings: {",  # its own metrics sooner than every 30 s
                             "cdnSettings: {metrics: {flushTimer: 200}, ")
        return Response(PAGE % {"snippet": snippet}, mimetype="text/html")

    @app.get("/sdk/<path:name>")
    def sdk(name: str) -> Response:
        return send_from_directory(BUNDLE, name)

    return app


@pytest.mark.skipif(not (BUNDLE / "index.js").exists(),
                    reason="tests/oracle/node_modules lacks @segment/analytics-next "
                           "(make install runs npm ci)")
def test_analytics_js_on_another_origin_reaches_the_mock(page):
    with serving(time_scale=1000) as services, LiveServer(
            page_server(services.tracking_url), name="the app's page") as app:
        assert app.url != services.tracking_url  # another origin: CORS applies
        with page.expect_response(lambda r: r.url.endswith("/v1/m"), timeout=15_000) as metrics:
            page.goto(app.url)
            page.wait_for_selector("#state:has-text('sent')", timeout=15_000)
        assert metrics.value.status == 200  # the SDK's own metrics: accepted, not messages
        page.goto("about:blank")  # no more SDK timers once the servers stop
        assert services.api.flush(timeout=20)
        rows = mock_state(services.mock.app).journal.interactions()
        accepted = services.api.ledger.sent
    assert sorted((row["type"], row["content_id"]) for row in rows) == [
        ("click", "browser-click"), ("play", "xyz")]
    assert all(row["anonymous"] for row in rows)  # analytics.js's own anonymousId
    assert accepted == 2
