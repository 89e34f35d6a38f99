"""`spideo-sim simulate`: generate a Segment source, deliver it, and account for it.

Starts mock_spideo in-process under waitress on 127.0.0.1 and a free port (or delivers
to `--target`), loads the generated catalog into the mock, streams the messages through
Segment's delivery semantics, then checks conservation: every message has exactly one
outcome, and (in-process) what the mock recorded equals what was delivered and mapped.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from mock_spideo import (
    FaultError,
    Feed,
    Journal,
    LiveServer,
    MockConfig,
    create_app,
    mock_state,
    severity_of,
)
from simulator.deliver import Deliverer, Destination, Ledger, RetryPolicy, ScaledClock
from simulator.deliver.target import TargetUrl, probe
from simulator.generate.profile import load_faults
from simulator.generate.stream import Simulation

__all__ = ["SimulationResult", "SimulationSettings", "run_simulation"]


@dataclass
class SimulationSettings:
    """What to simulate and where to deliver it."""

    users: int | None = None
    days: float = 1.0
    seed: int = 1
    start: str | None = None
    profile: str | None = None
    target: str | None = None  # base URL or full /segment endpoint (deliver.target)
    api_key: str = "demo-key"
    client: str = "demo"
    faults: str | None = None
    workers: int = 2
    time_scale: float = 3600.0
    send_all: bool = False
    limit: int | None = None
    retry_window_s: float = 4 * 3600
    ui: bool = False  # the in-process mock serves its web UI (and keeps bodies for it)


@dataclass
class SimulationResult:
    """Everything the report shows."""

    settings: SimulationSettings
    messages_by_type: Counter[str] = field(default_factory=Counter)
    messages_by_event: Counter[str] = field(default_factory=Counter)
    ledger: Ledger = field(default_factory=Ledger)
    seconds: float = 0.0
    interactions_by_type: dict[str, int] = field(default_factory=dict)
    interactions_by_hour: dict[str, int] = field(default_factory=dict)
    user_properties: int = 0
    problems_by_code: dict[str, int] = field(default_factory=dict)
    problem_examples: dict[str, str] = field(default_factory=dict)
    error_codes: set[str] = field(default_factory=set)
    conservation: dict[str, Any] = field(default_factory=dict)
    expected_codes: set[str] = field(default_factory=set)
    received: dict[str, Any] = field(default_factory=dict)  # the mock's funnel (in-process)
    user_properties_by_name: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.messages_by_type.values())

    @property
    def unexpected_errors(self) -> set[str]:
        return self.error_codes - self.expected_codes


def _load_faults(name_or_path: str) -> Any:
    return load_faults(name_or_path, FaultError)


def run_simulation(settings: SimulationSettings,
                   progress: Callable[[int], None] | None = None, *,
                   on_mock: Callable[[str], None] | None = None,
                   after: Callable[[SimulationResult], None] | None = None
                   ) -> SimulationResult:
    """Run one simulation end to end and return its accounting. In-process, `on_mock`
    gets the mock's URL once it is up, and `after` the accounted result while the mock
    still runs (to show its UI until the user is done)."""
    sim = Simulation.from_options(users=settings.users, days=settings.days, seed=settings.seed,
                                  start=settings.start, profile=settings.profile)
    result = SimulationResult(settings)
    if sim.profile.quality.broken > 0:
        result.expected_codes.add("missing_content_id")
    if settings.send_all:
        result.expected_codes.add("unsupported_type")
    with ExitStack() as stack:
        journal: Journal | None = None
        if settings.target:
            target = TargetUrl.parse(settings.target)
            probe(target, settings.api_key, settings.client)
            url = target.endpoint
        else:
            app = create_app(MockConfig(clients={settings.client: settings.api_key},
                                        ui=settings.ui))
            state = mock_state(app)
            state.load_catalog(settings.client, sim.catalog.to_mock_payload())
            if settings.faults:
                state.faults.add(_load_faults(settings.faults))
                result.expected_codes.add("injected_fault")
            server = stack.enter_context(LiveServer(app, threads=max(4, settings.workers)))
            url = server.url + "/segment"
            journal = state.journal
            if on_mock:
                on_mock(server.url)
        destination = Destination(url, settings.api_key, settings.client)
        deliverer = stack.enter_context(Deliverer(
            destination, policy=RetryPolicy(window_s=settings.retry_window_s),
            clock=ScaledClock(settings.time_scale), workers=settings.workers,
            seed=settings.seed, send_all=settings.send_all))

        def counted() -> Iterator[dict[str, Any]]:
            for number, message in enumerate(sim.messages(), start=1):
                result.messages_by_type[message["type"]] += 1
                result.messages_by_event[message.get("event") or message["type"]] += 1
                yield message
                if progress and number % 500 == 0:
                    progress(number)
                if settings.limit and number >= settings.limit:
                    break

        started = time.perf_counter()
        result.ledger = deliverer.deliver_all(counted())
        result.seconds = time.perf_counter() - started
        if progress:
            progress(result.total)
        _account(result, journal)
        if after:
            after(result)
    return result


def _account(result: SimulationResult, journal: Journal | None) -> None:
    ledger = result.ledger
    checks: dict[str, Any] = {
        "every_message_has_one_outcome": ledger.total == ledger.sent == result.total,
    }
    if journal is not None:
        stats = journal.stats()
        result.interactions_by_type = stats["interactions_by_type"]
        result.user_properties = stats["user_properties"]
        result.problems_by_code = stats["problems_by_code"]
        for row in journal.problems():
            result.problem_examples.setdefault(row["code"], row["message"])
            if row["severity"] == "error":
                result.error_codes.add(row["code"])
        result.interactions_by_hour = journal.interactions_by_hour()
        result.received = Feed(journal).funnel()
        result.user_properties_by_name = Feed(journal).user_property_counts()
        checks["recorded_equals_delivered"] = (
            stats["interactions"] == ledger.recorded_interactions
            and stats["user_properties"] == ledger.recorded_user_properties)
        checks["nothing_recorded_twice"] = journal.doubled_interactions() == 0
    else:
        result.interactions_by_type = dict(ledger.interactions_by_type)
        result.user_properties = ledger.recorded_user_properties
        result.problems_by_code = dict(ledger.codes)
        result.problem_examples = dict(ledger.examples)
        result.error_codes = {code for code in ledger.codes if severity_of(code) == "error"}
    checks["ok"] = all(v for k, v in checks.items())
    result.conservation = checks
