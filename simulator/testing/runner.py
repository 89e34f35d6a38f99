"""Running a scenario: send its messages to a target (one POST each, or through
Segment's delivery when it injects faults or generates a stream), then check every
expectation."""

from __future__ import annotations

from mock_spideo.segment import Reply
from simulator.deliver import Deliverer, Destination, FakeClock, Outcome
from simulator.testing.expectations import check_expectations
from simulator.testing.loading import Scenario
from simulator.testing.reporting import ScenarioResult
from simulator.testing.targets import Target

__all__ = ["run_scenario"]


def run_scenario(scenario: Scenario, target: Target) -> ScenarioResult:
    """Send the scenario's messages to the target and check every expectation."""
    result = ScenarioResult(scenario)
    api_key = scenario.api_key or target.api_key
    client = scenario.client or target.client
    target.prepare(scenario)
    try:
        if scenario.delivered:
            _deliver(scenario, target, api_key, client, result)
        else:
            result.replies = [target.send(given, api_key, client) for given in scenario.given]
        result.failures, result.notes = check_expectations(scenario, target, result.replies,
                                                           result.ledger)
    finally:
        target.close()
    return result


def _deliver(scenario: Scenario, target: Target, api_key: str, client: str,
             result: ScenarioResult) -> None:
    outcomes: dict[int, Outcome] = {}
    destination = Destination(target.endpoint or "", api_key, client)
    with Deliverer(destination, clock=FakeClock(), workers=1, seed=1) as deliverer:
        messages = [g.message for g in scenario.given]
        result.ledger = deliverer.deliver_all(
            messages, lambda message, outcome: outcomes.__setitem__(id(message), outcome))
    for given in scenario.given:
        outcome = outcomes[id(given.message)]
        body = outcome.body if outcome.body is not None else (
            {"code": outcome.code} if outcome.code else None)
        result.replies.append(Reply(outcome.status or 0, body))
