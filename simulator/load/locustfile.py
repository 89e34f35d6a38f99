"""Segment-shaped load as a Locust locustfile: `spideo-sim load` runs it as a library,
and teams with their own Locust setup run it as it is:

    locust -f "$(python -c 'import simulator.load.locustfile as m; print(m.__file__)')" \\
        --host http://127.0.0.1:8787 --spideo-api-key demo-key --spideo-client demo \\
        --spideo-viewers 200 --spideo-rate 200 --headless

- `SegmentUser`: a Locust user that delivers generated viewers' messages the way
  Segment delivers to a direct destination (simulator.deliver's Deliverer: routing,
  headers, outcome classification, RetryPolicy's backoff honouring Retry-After). Its
  requests are named by kind of message ("track Video Content Watched", "identify"), so
  Locust's statistics and UI show the latency of each kind.
- `SegmentShape`: the run's LoadTestShape (steady, diurnal, engage-sync, outage); it
  stops the run once every process has sent its share and each message has an outcome.
- The hooks: the master gives each worker its plan and shard (viewers by index modulo
  the number of workers, so no message is sent twice and the union is the stream), and
  the workers report their tallies back.

Importing this module imports Locust, which patches the standard library for gevent:
import it only in a process that runs Locust.
"""

from __future__ import annotations

import random
import time
from argparse import Namespace
from dataclasses import dataclass, field
from typing import Any

import gevent
from gevent.event import Event
from locust import FastHttpUser, LoadTestShape, argument_parser, events, task
from locust.env import Environment
from locust.runners import MasterRunner, Runner, WorkerRunner
from locust.user.wait_time import constant_throughput

from simulator.deliver import (
    Deliverer,
    Destination,
    Journey,
    Outcome,
    Received,
    RetryPolicy,
    TransportError,
)
from simulator.load.feeder import Feeder
from simulator.load.plan import SHAPES, LoadPlan
from simulator.load.tally import Tally

__all__ = ["LoadState", "SegmentShape", "SegmentUser", "state_of"]

PLAN, DONE, TALLY = "spideo_plan", "spideo_done", "spideo_tally"


@dataclass
class LoadState:
    """What one Locust process knows of the run: the plan, its feeder (a process that
    sends), and on the master the workers' shards and tallies."""

    plan: LoadPlan | None = None
    feeder: Feeder | None = None
    run_time_s: float | None = None
    workers: list[str] = field(default_factory=list)  # the master's, in shard order
    tallies: dict[str, Tally] = field(default_factory=dict)  # final, by worker
    done: set[str] = field(default_factory=set)
    # set once every message has its outcome (finished()), so that `spideo-sim load`
    # stops then rather than at the shape's next tick, up to a second later
    all_done: Event = field(default_factory=Event)
    started_at: float = 0.0
    finished_at: float = 0.0

    def finished(self) -> bool:
        """Every process sent its share and every message has its outcome."""
        if self.workers:
            return self.done >= set(self.workers)
        return self.feeder is not None and self.feeder.done

    def tally(self) -> Tally:
        """The run's account: the workers' merged, or this process's own."""
        if self.feeder is not None:
            return self.feeder.tally
        merged = Tally()
        for tally in self.tallies.values():
            merged.merge(tally)
        return merged


def state_of(environment: Environment) -> LoadState:
    state = getattr(environment, "spideo_load", None)
    if state is None:
        state = LoadState()
        environment.spideo_load = state  # type: ignore[attr-defined]
    return state


def request_name(journey: Journey) -> str:
    """How Locust's statistics name a message's requests: by kind of message."""
    _, kind, event = journey.ident
    return f"{kind} {event}" if kind == "track" and event else str(kind)


class _LocustTransport:
    """The Deliverer's transport over the Locust user's HTTP client, so that every
    attempt is in Locust's statistics under the kind of message it carries."""

    def __init__(self, user: FastHttpUser, url: str) -> None:
        self.user, self.url, self.name = user, url, "message"

    def post(self, body: bytes, headers: dict[str, str]) -> Received:
        with self.user.client.post(self.url, data=body,  # type: ignore[arg-type]  # bytes go
                                   headers=headers, name=self.name,
                                   catch_response=True) as response:
            status = response.status_code or 0
            if 200 <= status < 300:
                response.success()
            else:
                response.failure(f"HTTP {status}" if status else f"no answer: {response.error}")
            data = (response.content or b"") if status else b""
            retry_after = response.headers.get("Retry-After") if status else None
        if not status:
            raise TransportError(f"no answer: {response.error}")
        return Received(status, data, retry_after)

    def close(self) -> None:
        """The Locust user owns the connection."""


class SegmentUser(FastHttpUser):
    """Delivers this process's messages as Segment does, `user_rate` a second at most
    (engage-sync: as fast as the target answers); due retries go first, unpaced, as a
    backlog drains after an outage."""

    host = "http://127.0.0.1"  # each request names the plan's endpoint in full
    network_timeout = connection_timeout = RetryPolicy().timeout_s

    def on_start(self) -> None:
        state = state_of(self.environment)
        self.feeder = state.feeder
        plan = state.plan
        if self.feeder is None or plan is None:  # a worker that joined after the start
            return
        self.deliverer = Deliverer(
            Destination(plan.endpoint, plan.api_key, plan.client),
            transport=_LocustTransport(self, plan.endpoint), clock=self.feeder.clock,
            seed=random.randrange(2**32), send_all=plan.send_all)
        self._pace = constant_throughput(plan.user_rate) if plan.shape != "engage-sync" else (
            lambda user: 0.0)

    def wait_time(self) -> float:
        pace = getattr(self, "_pace", None)
        return float(pace(self)) if pace is not None else 1.0

    @task
    def deliver(self) -> None:
        feeder = self.feeder
        if feeder is None:
            return
        while (journey := feeder.due_retry()) is not None:
            self._attempt(journey)
        message = feeder.next_message()
        if message is None:  # the shard is sent: wait for the retries, or report done
            if feeder.done:
                _report_done(self.environment)
            gevent.sleep(0.05)
            return
        started = self.deliverer.start(message)
        if isinstance(started, Outcome):  # filtered: Segment would not send it
            feeder.tally.settle(started)
        else:
            self._attempt(started)

    def _attempt(self, journey: Journey) -> None:
        feeder = self.feeder
        assert feeder is not None
        self.deliverer.transport.name = request_name(journey)  # type: ignore[attr-defined]
        feeder.in_flight += 1
        try:
            result = self.deliverer.attempt(journey)
        finally:
            feeder.in_flight -= 1
        feeder.settle(journey, result)


class SegmentShape(LoadTestShape):
    """The run's shape, from the plan: users = rate / user_rate (steady, outage,
    engage-sync), following the profile's diurnal curve compressed into `period_s`
    (diurnal). Stops when every message has its outcome, or at the run time."""

    def tick(self) -> tuple[int, float] | None:
        assert self.runner is not None  # Locust sets it before the first tick
        state = state_of(self.runner.environment)
        plan = _plan(self.runner.environment)  # `locust -f`: from the options, at the 1st tick
        run_time = self.get_run_time()
        if state.finished() or (
                state.run_time_s is not None and run_time >= state.run_time_s):
            return None
        weights = _weights(plan) if plan.shape == "diurnal" else None
        # a user per worker at least: a worker with none would never send its shard
        users = max(plan.locust_users(run_time, weights), len(state.workers))
        return users, float(max(users, 100))  # every user at once


_WEIGHTS: dict[LoadPlan, list[float]] = {}


def _weights(plan: LoadPlan) -> list[float]:
    if plan not in _WEIGHTS:
        _WEIGHTS[plan] = plan.diurnal_weights()
    return _WEIGHTS[plan]


def _report_done(environment: Environment) -> None:
    state = state_of(environment)
    runner = environment.runner
    if state.feeder is None or state.feeder.done_reported:
        return
    state.feeder.done_reported = True
    if isinstance(runner, WorkerRunner):
        runner.send_message(DONE, state.feeder.tally.to_dict())
    else:
        state.all_done.set()


# --- hooks ----------------------------------------------------------------------------


@events.init_command_line_parser.add_listener
def _options(parser: Any, **kwargs: Any) -> None:
    """The plan's options for `locust -f` (spideo-sim load passes its plan directly)."""
    group = parser.add_argument_group("spideo-sim", "Segment-shaped load (spideo-sim)")
    group.add_argument("--spideo-api-key", default="demo-key", help="Spideo API key")
    group.add_argument("--spideo-client", default="demo", help="Spideo client")
    group.add_argument("--spideo-viewers", type=int, default=None, help="viewers")
    group.add_argument("--spideo-days", type=float, default=1.0, help="simulated days")
    group.add_argument("--spideo-seed", type=int, default=1, help="seed")
    group.add_argument("--spideo-shape", choices=SHAPES, default="steady", help="load shape")
    group.add_argument("--spideo-rate", type=float, default=100.0, help="messages/s")
    group.add_argument("--spideo-user-rate", type=float, default=10.0,
                       help="messages/s per Locust user")
    group.add_argument("--spideo-messages", type=int, default=None,
                       help="stop after N messages in all")
    group.add_argument("--spideo-time-scale", type=float, default=1.0,
                       help="backoff seconds per real second")


def plan_from_options(options: Namespace, host: str | None) -> LoadPlan:
    """The plan of a `locust -f` run, from its --host and --spideo-* options."""
    from simulator.deliver.target import TargetUrl
    target = TargetUrl.parse(host or "http://127.0.0.1:8787", "--host")
    return LoadPlan(endpoint=target.endpoint, api_key=options.spideo_api_key,
                    client=options.spideo_client, users=options.spideo_viewers,
                    days=options.spideo_days, seed=options.spideo_seed,
                    shape=options.spideo_shape, rate=options.spideo_rate,
                    user_rate=options.spideo_user_rate, messages=options.spideo_messages,
                    time_scale=options.spideo_time_scale)


def _plan(environment: Environment) -> LoadPlan:
    state = state_of(environment)
    if state.plan is None:
        state.plan = plan_from_options(environment.parsed_options or Namespace(),
                                       environment.host)
        run_time = getattr(environment.parsed_options, "run_time", None)
        state.run_time_s = float(run_time) if run_time else None
    return state.plan


@events.init.add_listener
def _on_init(environment: Environment, runner: Runner | None = None, **kwargs: Any) -> None:
    if runner is None:
        return
    if isinstance(runner, MasterRunner):
        runner.register_message(DONE, _on_done)
        runner.register_message(TALLY, _on_tally)
    elif isinstance(runner, WorkerRunner):
        runner.register_message(PLAN, _on_plan)
        _default_options_built_once()


_DEFAULT_OPTIONS: dict[str, Any] = {}


def _default_options_built_once() -> None:
    """A worker's spawn costs a tenth of a second of CPU otherwise: Locust's worker tells
    the master's own options from its defaults by calling default_args_dict() for each
    option of the spawn message, and each call builds Locust's whole argument parser
    again (locust/runners.py, WorkerRunner.handle_message). The defaults cannot change
    within a process (no config file is read): built once, each caller gets a copy."""
    if not _DEFAULT_OPTIONS and hasattr(argument_parser, "default_args_dict"):
        _DEFAULT_OPTIONS.update(argument_parser.default_args_dict())
        argument_parser.default_args_dict = lambda: dict(_DEFAULT_OPTIONS)


@events.test_start.add_listener
def _on_test_start(environment: Environment, **kwargs: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        return  # its plan came from the master
    state = state_of(environment)
    plan = _plan(environment)
    state.started_at = time.time()
    state.all_done.clear()
    if isinstance(runner, MasterRunner):
        state.workers = sorted(runner.clients, key=lambda c: runner.worker_indexes.get(c, 0))
        state.done.clear()
        state.tallies.clear()
        for index, client_id in enumerate(state.workers):
            runner.send_message(PLAN, plan.for_shard(index, len(state.workers)).to_dict(),
                                client_id=client_id)
    else:
        state.feeder = Feeder(plan)


@events.test_stop.add_listener
def _on_test_stop(environment: Environment, **kwargs: Any) -> None:
    state = state_of(environment)
    state.finished_at = time.time()
    if state.feeder is not None:
        state.feeder.stopped()
        runner = environment.runner
        if isinstance(runner, WorkerRunner):
            runner._send_stats()  # Locust's last statistics first, so the master has them all
            runner.send_message(TALLY, state.feeder.tally.to_dict())


def _on_plan(environment: Environment, msg: Any, **kwargs: Any) -> None:
    state = state_of(environment)
    state.plan = LoadPlan.from_dict(msg.data)
    state.feeder = Feeder(state.plan)


def _on_done(environment: Environment, msg: Any, **kwargs: Any) -> None:
    state = state_of(environment)
    state.done.add(msg.node_id)
    if state.finished():
        state.all_done.set()


def _on_tally(environment: Environment, msg: Any, **kwargs: Any) -> None:
    state_of(environment).tallies[msg.node_id] = Tally.from_dict(msg.data)


def wait_for_tallies(environment: Environment, seconds: float = 15.0) -> bool:
    """On the master, after the stop: wait for every worker's final tally."""
    state = state_of(environment)
    deadline = time.monotonic() + seconds
    while set(state.tallies) < set(state.workers) and time.monotonic() < deadline:
        gevent.sleep(0.05)
    return set(state.tallies) >= set(state.workers)
