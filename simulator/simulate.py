"""`spideo-sim simulate`: generate a Segment source, deliver it, and account for it.

By default each shard delivers to its own in-process mock_spideo through the in-process
transport (no socket: the same request-handling core as over HTTP); `transport="http"`
serves that mock under waitress on 127.0.0.1 and a free port instead (as `ui` does, for
a browser), and `target` delivers over HTTP to any endpoint, after one setup check.
With `jobs` > 1 the viewers are split across that many processes (simulator.shards),
each generating its viewers and delivering them; the results are merged. Then
conservation is checked: every message has exactly one outcome, and (in-process) what
the mock recorded equals what was delivered and mapped.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mock_spideo import (
    FaultError,
    Feed,
    InProcessEndpoint,
    Journal,
    LiveServer,
    MockConfig,
    SpideoSimError,
    create_app,
    load_rules,
    mock_state,
    severity_of,
)
from simulator.deliver import (
    Deliverer,
    Destination,
    InProcessTransport,
    Ledger,
    RetryPolicy,
    ScaledClock,
    Transport,
    TransportName,
)
from simulator.deliver.pacing import Pace
from simulator.deliver.target import TargetUrl, probe
from simulator.generate.profile import load_faults, load_profile
from simulator.generate.stream import Shard
from simulator.read import ReadError, Reading, input_bytes
from simulator.shards import StopFlag, interrupt_raises, run_sharded, stop_on_interrupt
from simulator.sources import Source, generated, load_catalog_file, replayed

__all__ = ["DEFAULT_MAX_REQUESTS", "MESSAGES_PER_JOB", "SimulationResult", "SimulationSettings",
           "default_jobs", "merge_results", "run_simulation"]

# Request rows each in-process mock keeps (older ones are dropped, every count stays
# exact): far more than `make simulate` sends, and about 150 MB at most.
DEFAULT_MAX_REQUESTS = 1_000_000

# A shard costs half a second to a second of CPU before its first message (the fork
# server's interpreter and imports, the shard's own mock, catalog and viewers) and delivers
# about 10,000 messages a second in-process: below this many messages each, one more
# process slows a run down instead.
MESSAGES_PER_JOB = 10_000
_MESSAGES_PER_VIEWER_DAY = 500  # the default profile: 498 on day one, 600 over a week
_BYTES_PER_MESSAGE = 1_250  # a generated message as a JSON line


def default_jobs(source: dict[str, Any], cores: int) -> int:
    """How many processes a run of `source` (SimulationSettings' users, days, profile,
    limit; or inputs) gets when the user does not say: one per core, but one per
    MESSAGES_PER_JOB expected messages, so that a small run is not slowed down by
    starting processes. Where the size cannot be told (a bad profile, a missing input),
    one per core: the run itself then says what is wrong."""
    try:
        if source.get("inputs"):
            expected = input_bytes(source["inputs"]) // _BYTES_PER_MESSAGE
        else:
            users = source.get("users") or load_profile(source.get("profile")).population.users
            expected = int(users * source.get("days", 1.0) * _MESSAGES_PER_VIEWER_DAY)
    except (SpideoSimError, OSError):
        return cores
    if source.get("limit"):
        expected = min(expected, source["limit"])
    return max(1, min(cores, expected // MESSAGES_PER_JOB))


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
    workers: int | None = None  # None: 1 in-process (one core), 2 over HTTP
    time_scale: float = 3600.0
    send_all: bool = False
    limit: int | None = None
    retry_window_s: float = 4 * 3600
    transport: TransportName | None = None  # None: in-process, or HTTP to a target
    jobs: int = 1
    max_requests: int | None = DEFAULT_MAX_REQUESTS
    ui: bool = False  # the in-process mock serves its web UI (and keeps bodies for it)
    # Replaying a team's exports instead of generating viewers (spideo-sim replay):
    inputs: tuple[str, ...] = ()  # files, folders, "-"; none: generate
    rules: str | None = None  # a rules file for the in-process mock
    catalog: str | None = None  # a catalog file (JSON list of items) for it
    journal: str | None = None  # a SQLite journal file for it
    speed: float | None = None  # replay at the original gaps divided by this
    rate: float | None = None  # or at this many messages a second
    anonymize_key: str | None = None  # hash identities with this key (never reported)

    def __post_init__(self) -> None:
        if self.workers is None:  # in-process, a second thread only shares the GIL
            self.workers = 1 if self.transport_used == "inprocess" else 2

    @property
    def transport_used(self) -> TransportName:
        """How messages travel: always HTTP to a target; in-process unless told."""
        return "http" if self.target else (self.transport or "inprocess")


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
    interrupted: bool = False  # Ctrl-C stopped the run: the figures cover what was done
    started_at: float = 0.0  # time.monotonic() when delivery started (to merge shards)
    source: dict[str, Any] = field(default_factory=dict)  # a replay's files and lines read
    received: dict[str, Any] = field(default_factory=dict)  # the mock's funnel (in-process)
    user_properties_by_name: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.messages_by_type.values())

    @property
    def unexpected_errors(self) -> set[str]:
        return self.error_codes - self.expected_codes

    @property
    def unexpected_source(self) -> str:
        """Where the unexpected errors come from, in the report's words."""
        return ("in the replayed data" if self.settings.inputs
                else "that the profile did not cause on purpose")


def _load_faults(name_or_path: str) -> Any:
    return load_faults(name_or_path, FaultError)


def run_simulation(settings: SimulationSettings,
                   progress: Callable[[int], None] | None = None, *,
                   on_mock: Callable[[str], None] | None = None,
                   after: Callable[[SimulationResult], None] | None = None
                   ) -> SimulationResult:
    """Run one simulation end to end (in `settings.jobs` processes) and return its
    accounting. Ctrl-C stops delivery; the result then covers what was done, and says
    `interrupted`. With `ui` (one job), `on_mock` gets the mock's URL once it is up, and
    `after` the accounted result while the mock still runs (to show its UI until the
    user is done)."""
    if settings.target and settings.transport == "inprocess":
        raise ValueError("--transport inprocess delivers to the in-process mock: drop "
                         "--target, or use --transport http")
    if settings.ui and settings.jobs > 1:
        raise ValueError("--ui shows one mock: run it with --jobs 1")
    if settings.target:  # a wrong URL, key or client fails here, once, in one line
        probe(TargetUrl.parse(settings.target), settings.api_key, settings.client)
    if settings.faults and not settings.target:
        _load_faults(settings.faults)  # a bad file fails once, before any shard starts
    if settings.inputs:
        _check_replay(settings)
    if settings.jobs <= 1:
        with stop_on_interrupt() as stop:
            return run_shard(settings, Shard(), progress, stop, on_mock=on_mock,
                             after=_ctrl_c_raising(after) if after else None)
    return merge_results(settings, run_sharded(run_shard, settings, settings.jobs, progress))


def _ctrl_c_raising(after: Callable[[SimulationResult], None]
                    ) -> Callable[[SimulationResult], None]:
    """`after`, with Ctrl-C raising KeyboardInterrupt again: the work is done, and
    Ctrl-C ends the wait for the user (the UI shown until then)."""
    def wrapped(result: SimulationResult) -> None:
        with interrupt_raises():
            after(result)
    return wrapped


def run_shard(settings: SimulationSettings, shard: Shard,
              progress: Callable[[int], None] | None, stop: StopFlag, *,
              on_mock: Callable[[str], None] | None = None,
              after: Callable[[SimulationResult], None] | None = None) -> SimulationResult:
    """Take one shard's messages (its generated viewers, or its viewers' messages in the
    replayed files), deliver them into this shard's own mock (or to the target), and
    account for them."""
    source = _source(settings, shard, stop)
    result = SimulationResult(settings)
    result.expected_codes |= source.expected_codes
    if settings.send_all:
        result.expected_codes.add("unsupported_type")
    policy = RetryPolicy(window_s=settings.retry_window_s)
    workers = settings.workers or 1
    with ExitStack() as stack:
        journal: Journal | None = None
        transport: Transport | None = None
        if settings.target:
            url = TargetUrl.parse(settings.target).endpoint
        else:
            app = create_app(_mock_config(settings))
            state = mock_state(app)
            if source.catalog is not None:
                state.load_catalog(settings.client, source.catalog)
            if settings.faults:
                state.faults.add(_load_faults(settings.faults))
                result.expected_codes.add("injected_fault")
            if settings.transport_used == "http" or settings.ui:
                server = stack.enter_context(LiveServer(app, threads=max(4, workers)))
                url = server.url + "/segment"
                if on_mock:
                    on_mock(server.url)
            if settings.transport_used == "inprocess":
                url = "inprocess:/segment"
                transport = InProcessTransport(InProcessEndpoint(app), "/segment",
                                               timeout_s=policy.timeout_s)
            journal = state.journal
        destination = Destination(url, settings.api_key, settings.client)
        deliverer = stack.enter_context(Deliverer(
            destination, policy=policy, clock=ScaledClock(settings.time_scale),
            workers=workers, seed=settings.seed, send_all=settings.send_all,
            transport=transport))
        limit = _share(settings.limit, shard)

        def counted() -> Iterator[dict[str, Any]]:
            by_type, by_event = result.messages_by_type, result.messages_by_event
            for number, message in enumerate(source.messages, start=1):
                by_type[message["type"]] += 1
                event = message.get("event")
                by_event[event if isinstance(event, str) and event else message["type"]] += 1
                yield message
                if progress and number % 500 == 0:
                    progress(number)
                if stop():
                    result.interrupted = True
                    return
                if limit and number >= limit:
                    break
            if stop():  # the source ended early for it (a replay's pacing wait)
                result.interrupted = True

        result.started_at = time.monotonic()
        result.ledger = deliverer.deliver_all(counted())
        result.seconds = time.monotonic() - result.started_at
        if progress:
            progress(result.total)
        # A source stopped early (Ctrl-C, --limit) closes, so that what it read is counted.
        close = getattr(source.messages, "close", None)
        if close is not None:
            close()
        _account(result, journal)
        if source.reading is not None:
            _add_reading(result, source.reading)
        if after:
            after(result)
    return result


def _check_replay(settings: SimulationSettings) -> None:
    """What would fail in every shard fails once, here, in one line."""
    for path in settings.inputs:
        if path != "-" and not Path(path).exists():
            raise ReadError(f"cannot read {path}: no such file or folder")
    if settings.jobs > 1 and "-" in settings.inputs:
        raise ValueError("standard input (-) can be read once: replay it with --jobs 1")
    if settings.jobs > 1 and settings.journal:
        raise ValueError("--journal keeps one mock's journal: replay it with --jobs 1")
    if settings.journal and Path(settings.journal).exists() and Path(
            settings.journal).stat().st_size > 0:
        raise ValueError(f"the journal {settings.journal} exists: give a new file (or "
                         "delete it), so that the report counts this replay only")
    if settings.target and (settings.rules or settings.catalog or settings.journal):
        raise ValueError("--rules, --catalog and --journal set up the in-process mock; "
                         "with --target the service has its own: drop them")
    if settings.catalog:
        load_catalog_file(settings.catalog)
    if settings.rules:
        load_rules(settings.rules)
    Pace(settings.speed, settings.rate)


def _source(settings: SimulationSettings, shard: Shard, stop: StopFlag) -> Source:
    if settings.inputs:
        return replayed(shard, settings.inputs, catalog=settings.catalog,
                        pace=Pace(settings.speed, settings.rate),
                        anonymize_key=settings.anonymize_key, stop=stop)
    return generated(shard, users=settings.users, days=settings.days, seed=settings.seed,
                     start=settings.start, profile=settings.profile)


def _mock_config(settings: SimulationSettings) -> MockConfig:
    """The in-process mock's config: the settings' client, and rules and journal if given."""
    extra: dict[str, Any] = {}
    if settings.rules:
        extra["rules"] = load_rules(settings.rules)
    return MockConfig(clients={settings.client: settings.api_key},
                      max_requests=settings.max_requests, ui=settings.ui,
                      journal_path=settings.journal, **extra)


def _add_reading(result: SimulationResult, reading: Reading) -> None:
    """A replay's source section, and its unreadable lines as problems (errors: nothing
    unreadable passes --strict), each with the places of its first examples."""
    result.source = reading.to_dict()
    for code, entry in result.source["unreadable"].items():
        result.problems_by_code[code] = result.problems_by_code.get(code, 0) + entry["count"]
        result.problem_examples[code] = f"{entry['meaning']}: {', '.join(entry['examples'])}"
        result.error_codes.add(code)


def _share(limit: int | None, shard: Shard) -> int | None:
    """A shard's part of a message limit, so that the shards together send `limit`."""
    if not limit:
        return None
    return limit // shard.count + (1 if shard.index < limit % shard.count else 0) or None


def _account(result: SimulationResult, journal: Journal | None) -> None:
    ledger = result.ledger
    checks: dict[str, Any] = {
        "every_message_has_one_outcome": ledger.total == ledger.sent == result.total,
    }
    if journal is not None:
        stats = journal.stats()
        result.interactions_by_type = stats["interactions_by_type"]
        result.user_properties = stats["user_properties"]
        for code, summary in journal.problem_summary().items():
            result.problems_by_code[code] = summary["count"]
            result.problem_examples[code] = summary["example"]
            if "error" in summary["severities"]:
                result.error_codes.add(code)
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


def merge_results(settings: SimulationSettings,
                  shards: list[SimulationResult]) -> SimulationResult:
    """One result from the shards' results: counts summed, the hourly series added up,
    the first example of each problem kept, and conservation checked across shards
    (every check must hold in every shard, and the outcomes must add up to the
    messages). `seconds` is the wall time from the first shard's start to the last's end."""
    merged = SimulationResult(settings)
    checks: dict[str, Any] = {}
    hours: Counter[str] = Counter()
    for part in shards:
        merged.messages_by_type.update(part.messages_by_type)
        merged.messages_by_event.update(part.messages_by_event)
        merged.ledger.merge(part.ledger)
        merged.interactions_by_type = dict(Counter(merged.interactions_by_type)
                                           + Counter(part.interactions_by_type))
        hours.update(part.interactions_by_hour)
        merged.user_properties += part.user_properties
        merged.problems_by_code = dict(Counter(merged.problems_by_code)
                                       + Counter(part.problems_by_code))
        for code, example in part.problem_examples.items():
            merged.problem_examples.setdefault(code, example)
        merged.error_codes |= part.error_codes
        merged.expected_codes |= part.expected_codes
        merged.interrupted |= part.interrupted
        merged.source = merged.source or part.source
        _add_funnel(merged.received, part.received)
        for name, counts in part.user_properties_by_name.items():
            total = merged.user_properties_by_name.setdefault(name, {"sets": 0, "users": 0})
            total["sets"] += counts["sets"]
            total["users"] += counts["users"]  # a viewer is in one shard only
        for name, ok in part.conservation.items():
            if name != "ok":
                checks[name] = checks.get(name, True) and ok
    ledger = merged.ledger
    checks["every_message_has_one_outcome"] = (
        checks.get("every_message_has_one_outcome", True)
        and ledger.total == ledger.sent == merged.total)
    checks["ok"] = all(v for k, v in checks.items() if k != "ok")
    merged.conservation = checks
    merged.interactions_by_type = dict(sorted(merged.interactions_by_type.items()))
    merged.problems_by_code = dict(sorted(merged.problems_by_code.items()))
    merged.interactions_by_hour = dict(sorted(hours.items()))
    if shards:
        merged.started_at = min(part.started_at for part in shards)
        merged.seconds = max(part.started_at + part.seconds for part in shards) - (
            merged.started_at)
    return merged



def _add_funnel(total: dict[str, Any], part: dict[str, Any]) -> None:
    """Add one shard's funnel (Feed.funnel) into `total`: counts summed by outcome and by
    reason, the first shard's example kept (a sample is a request of that shard's mock,
    so none is kept)."""
    if not part:
        return
    total["received"] = total.get("received", 0) + part["received"]
    outcomes = total.setdefault("outcomes", {})
    for name, entry in part["outcomes"].items():
        into = outcomes.setdefault(name, {"count": 0, "reasons": []})
        into["count"] += entry["count"]
        known = {reason["code"]: reason for reason in into["reasons"]}
        for reason in entry["reasons"]:
            if reason["code"] in known:
                known[reason["code"]]["count"] += reason["count"]
            else:
                into["reasons"].append({**reason, "sample": None})
        into["reasons"].sort(key=lambda reason: -reason["count"])
