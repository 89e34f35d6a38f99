"""The simulation report: out/report.json and a printable out/report.html that shares
the UI's templates, stylesheet and charts."""

import json
import re

import pytest

from simulator.report import write_reports
from simulator.simulate import SimulationSettings, run_simulation


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    result = run_simulation(SimulationSettings(users=8, seed=5, days=1.0))
    json_path, html_path = write_reports(result, out)
    return result, json.loads(json_path.read_text()), html_path.read_text()


def test_the_json_report_has_the_mocks_funnel_and_user_properties_by_name(written):
    result, data, _ = written
    received = data["received"]
    assert received["received"] == result.ledger.outcomes["delivered"]
    assert received["outcomes"]["recorded"]["count"] > 0
    assert {r["code"] for r in received["outcomes"]["ignored"]["reasons"]} >= {"heartbeat"}
    by_name = data["user_properties"]["by_name"]
    assert sum(n["sets"] for n in by_name.values()) == data["user_properties"]["total"]


def test_the_html_report_prints_its_settings_funnels_and_numbers(written):
    _, data, page = written
    text = re.sub(r"<[^>]+>", " ", page)
    for needed in ("seed", "throughput", "Delivery funnel", "Retries and statuses",
                   "User properties", "Problems by code", "Conservation",
                   "messages/s", "event time, per hour (UTC)"):
        assert needed in text, needed
    assert re.search(r"seed\s*</th>\s*<td[^>]*>5<", page)
    generated = f"{data['messages']['total']:,} (100.0%)"
    assert generated in page  # the funnel writes its values
    first_hour, count = next(iter(data["interactions"]["by_hour"].items()))
    assert re.search(rf">{re.escape(first_hour)}</th>\s*<td class=\"num\">{count:,}<", page)
    for name in data["user_properties"]["by_name"]:
        assert f"<code>{name}</code>" in page
    assert "<script" not in page and not re.search(r'(src|href)="https?:', page)  # offline
    assert '<style>' in page and "@media print" in page  # one file, printable


def test_the_retry_rates_are_shares_of_the_messages_sent_to_spideo():
    from simulator.deliver import Ledger, Outcome
    from simulator.report import report_dict
    ledger = Ledger()
    for kind, attempts in (("delivered", 1), ("delivered", 1), ("delivered", 3),
                           ("discarded", 1), ("filtered", 0), ("failed", 9)):
        ledger.add(Outcome(kind, None, "track", None, attempts=attempts))
    result = run_simulation(SimulationSettings(users=1, days=0.01, limit=1))
    result.ledger = ledger
    retries = report_dict(result)["retries"]
    assert retries["first_attempt_success_rate"] == 0.4  # 2 of the 5 not filtered
    assert retries["success_rate_after_retries"] == 0.6
    assert retries["retried_messages"] == 2
