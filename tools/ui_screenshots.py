"""Regenerate the README's pictures of the web UI: docs/images/ui-feed.png and
docs/images/ui-detail.png (a mock fed part of a simulated day, in headless Chromium).

    .venv/bin/python -m tools.ui_screenshots
"""

from __future__ import annotations

from pathlib import Path

import orjson
import urllib3

from mock_spideo import LiveServer, MockConfig, create_app, mock_state
from mock_spideo.segment import destination_headers
from simulator.generate.profile import load_profile
from simulator.generate.stream import Simulation
from tests.support.browser import open_browser

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"


def main() -> None:
    app = create_app(MockConfig())
    sim = Simulation(profile=load_profile(**{"population.users": 12}), seed=3, days=0.4)
    mock_state(app).load_catalog("demo", sim.catalog.to_mock_payload())
    headers = {**destination_headers("demo-key", {"client": "demo"}),
               "Content-Type": "application/json"}
    http = urllib3.PoolManager()
    with LiveServer(app) as server:
        for number, message in enumerate(sim.messages()):
            if message.get("event") == "Video Content Playing" and number % 40:
                continue  # fewer heartbeats, so that the picture shows some variety
            if number > 6000:
                break
            http.request("POST", server.url + "/segment", body=orjson.dumps(message),
                         headers=headers)
        typo = {"type": "track", "event": "Video Content Startd", "userId": "viewer-42",
                "messageId": "typo-1", "timestamp": "2025-01-06T20:00:00.000Z",
                "properties": {"asset_id": "ast_00042", "position": 0}}
        http.request("POST", server.url + "/segment", body=orjson.dumps(typo),
                     headers=headers)
        with open_browser() as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(server.url + "/")
            IMAGES.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(IMAGES / "ui-feed.png"))
            page.locator("#feed-rows tr", has_text="viewer-42").get_by_role(
                "link").first.click()
            page.locator("#nearest-miss").wait_for()
            page.screenshot(path=str(IMAGES / "ui-detail.png"))
    print(f"written: {IMAGES / 'ui-feed.png'}, {IMAGES / 'ui-detail.png'}")


if __name__ == "__main__":
    main()
