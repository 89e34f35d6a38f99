"""The verdict: one line and one exit code that say whether the run succeeded."""

from simulator.deliver import Outcome
from simulator.simulate import SimulationResult, SimulationSettings
from simulator.verdict import judge


def result_with(*outcomes: Outcome, conservation: bool = True,
                errors: set[str] = frozenset()) -> SimulationResult:
    result = SimulationResult(SimulationSettings())
    for outcome in outcomes:
        result.ledger.add(outcome)
        result.messages_by_type[outcome.type or "track"] += 1
    result.conservation = {"every_message_has_one_outcome": conservation, "ok": conservation}
    result.error_codes = set(errors)
    return result


DELIVERED = Outcome("delivered", "m1", "track", "Video Content Started", 200, 1)
BAD_KEY = Outcome("discarded", "m2", "track", "Product Clicked", 401, 1, "wrong key",
                  "bad_api_key", {"code": "bad_api_key"})


def test_a_clean_run_is_ok_and_exits_0():
    verdict = judge(result_with(DELIVERED, DELIVERED))
    assert (verdict.ok, verdict.exit_code) == (True, 0)
    assert verdict.line.startswith("Result: OK: 2 messages")


def test_setup_refusals_fail_the_run_with_the_fix_even_if_all_is_accounted_for():
    verdict = judge(result_with(DELIVERED, BAD_KEY))
    assert (verdict.ok, verdict.exit_code) == (False, 1)
    assert "1 of 2 messages were refused because the setup is wrong (bad_api_key: 1)" in (
        verdict.line)
    assert "--api-key" in verdict.line


def test_unexpected_errors_fail_only_under_strict():
    relaxed = judge(result_with(DELIVERED, errors={"missing_content_id"}))
    strict = judge(result_with(DELIVERED, errors={"missing_content_id"}), strict=True)
    assert (relaxed.ok, relaxed.exit_code) == (True, 0)
    assert "--strict makes that fail" in relaxed.line
    assert (strict.ok, strict.exit_code) == (False, 3)


def test_a_conservation_failure_outranks_everything_and_exits_4():
    verdict = judge(result_with(DELIVERED, BAD_KEY, conservation=False), strict=True)
    assert (verdict.ok, verdict.exit_code) == (False, 4)
    assert "every_message_has_one_outcome" in verdict.line
