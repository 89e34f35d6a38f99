"""Running the locustfile with Locust as a library: alone, as a master (with workers on
other machines, or started here), or as a worker; headless with a summary, or with
Locust's web UI; Locust's CSV files on request.

Importing this module imports Locust (gevent's patching): only `spideo-sim load` does.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Literal

import gevent
from locust import argument_parser, events
from locust.env import Environment
from locust.exception import RPCError
from locust.runners import STATE_INIT, STATE_RUNNING, STATE_SPAWNING, MasterRunner, Runner
from locust.stats import PERCENTILES_TO_REPORT, StatsCSVFileWriter

from simulator.deliver import RetryPolicy
from simulator.load.conservation import Conservation, check_conservation
from simulator.load.feeder import prepare
from simulator.load.locustfile import (
    LoadState,
    SegmentShape,
    SegmentUser,
    state_of,
    wait_for_tallies,
)
from simulator.load.plan import LoadPlan
from simulator.load.tally import Tally

__all__ = ["LoadError", "LoadResult", "Role", "Stat", "ctrl_c_in_main", "run_load",
           "run_worker", "wait_for_ctrl_c"]

Role = Literal["local", "master"]


class LoadError(Exception):
    """The run could not start: no master, too few workers, a busy port."""


@dataclass(frozen=True)
class Stat:
    """Locust's statistics of one kind of message."""

    name: str
    requests: int
    failures: int
    median_ms: float
    p95_ms: float
    max_ms: float


@dataclass
class LoadResult:
    """A finished run: the tally, Locust's statistics, conservation and the time."""

    plan: LoadPlan
    tally: Tally
    stats: list[Stat] = field(default_factory=list)
    conservation: Conservation | None = None
    seconds: float = 0.0
    workers: int = 0
    complete: bool = True  # every worker's final tally came back


def _environment(plan: LoadPlan | None, run_time_s: float | None) -> Environment:
    parser = argument_parser.get_empty_argument_parser()
    argument_parser.setup_parser_arguments(parser)
    options = parser.parse_args(args=[])  # Locust's defaults; not headless: the shape stops
    # At the stop, an attempt in flight ends (up to its timeout) and is counted: one cut
    # off would be in the mock's journal but in no tally.
    environment = Environment(user_classes=[SegmentUser], shape_class=SegmentShape(),
                              events=events, host="http://127.0.0.1", parsed_options=options,
                              stop_timeout=RetryPolicy().timeout_s + 5)
    state = state_of(environment)
    state.plan, state.run_time_s = plan, run_time_s
    return environment


def run_load(plan: LoadPlan, *, role: Role = "local", run_time_s: float | None = None,
             csv_prefix: str | None = None, web: tuple[str, int] | None = None,
             master_bind: tuple[str, int] = ("127.0.0.1", 5557), expect_workers: int = 1,
             local_workers: int = 0, wait_workers_s: float = 60.0,
             base: str | None = None, admin_token: str | None = None,
             keep_web: bool = False) -> LoadResult:
    """Run the plan to its end (every message's outcome, the message limit, or the run
    time) and account for it; with `base`, check conservation against the mock there.
    With `keep_web`, Locust's web UI goes on serving after the return."""
    forks = local_workers if role == "master" else 0
    if forks:
        prepare(plan)  # once here, for every forked worker
    children, ports = _fork_local_workers(forks)
    ctrl_c_in_main()
    environment = _environment(plan, run_time_s)
    runner: Runner
    if role == "master":
        try:
            runner = environment.create_master_runner(*master_bind)
        except (OSError, RPCError) as exc:
            _tell_port(ports, None)
            _end_children(children)
            raise LoadError(f"the Locust master cannot listen on {master_bind[0]}:"
                            f"{master_bind[1]}: {exc}; choose another --master-port") from None
        _tell_port(ports, master_bind[1] if master_bind[1] else runner.server.port)
    else:
        runner = environment.create_local_runner()
    writer, writing = None, None
    if csv_prefix:
        try:
            Path(csv_prefix).parent.mkdir(parents=True, exist_ok=True)
            writer = StatsCSVFileWriter(environment, PERCENTILES_TO_REPORT, csv_prefix, False)
        except OSError as exc:
            _quit(runner, children)
            raise LoadError(f"cannot write Locust's CSV files at --csv {csv_prefix}: "
                            f"{exc.strerror or exc}") from None
        writing = gevent.spawn(writer.stats_writer)
    web_ui = None
    if web is not None:
        # Locust's UI parses sys.argv as Locust's own command line: ours was parsed already
        sys.argv = sys.argv[:1]
        _check_free(*web)
        web_ui = environment.create_web_ui(host=web[0], port=web[1])  # serving already
    events.init.fire(environment=environment, runner=runner, web_ui=web_ui)
    try:
        if isinstance(runner, MasterRunner):
            _wait_for_workers(runner, expect_workers, wait_workers_s, children)
        started = time.monotonic()
        runner.start_shape()
        _run_to_the_end(runner, state_of(environment))
        complete = wait_for_tallies(environment) if isinstance(runner, MasterRunner) else True
        seconds = time.monotonic() - started
        state = state_of(environment)
        result = LoadResult(plan, state.tally(), _stats(environment), seconds=seconds,
                            workers=len(state.workers), complete=complete)
        if base is not None:
            result.conservation = check_conservation(base, plan.client, result.tally,
                                                     admin_token)
        return result
    finally:
        if writer is not None and writing is not None:
            writing.kill()
            writer.close_files()
        _quit(runner, children)
        if web_ui is not None and not keep_web:
            web_ui.stop()


def _run_to_the_end(runner: Runner, state: LoadState) -> None:
    """Run the shape until every message has its outcome, and stop then, rather than at
    the shape's next tick (up to a second later); or until the shape stops (the run time).

    A master quits its workers at once: each sends its last statistics and its tally as
    it quits (told to stop, a worker would not read the quit for stop_timeout)."""
    shape = runner.shape_greenlet
    if shape is None:
        return
    gevent.wait([shape, state.all_done], count=1)
    if runner.state in (STATE_INIT, STATE_SPAWNING, STATE_RUNNING):  # the shape goes on
        if isinstance(runner, MasterRunner):
            runner.stop(send_stop_to_client=False)
            runner.send_message("quit")
        else:
            runner.stop()
    shape.join()


def _quit(runner: Runner, children: list[BaseProcess]) -> None:
    """Quit Locust. A master whose workers are all local ends them here, without
    Locust's half second for its quit to reach them and their last statistics to come
    back (each sent them before its tally)."""
    if not children:
        runner.quit()
        return
    if isinstance(runner, MasterRunner):
        runner.stop(send_stop_to_client=False)
        runner.send_message("quit")  # if they were not told already (Ctrl-C)
    runner.greenlet.kill(block=True)
    _end_children(children)


def _fork_local_workers(count: int) -> tuple[list[BaseProcess], list[Connection]]:
    """Start the local workers by forking this process, before any socket, thread or
    greenlet of the run exists: Locust and the simulator are imported already, so a
    worker starts at once rather than in the second a new interpreter takes. Each waits
    for the master's port on its pipe."""
    fork = multiprocessing.get_context("fork")
    children: list[BaseProcess] = []
    ports: list[Connection] = []
    sys.stdout.flush()  # or a worker would write what this process had buffered again
    sys.stderr.flush()
    for _ in range(count):
        receiving, sending = fork.Pipe(duplex=False)
        children.append(fork.Process(target=_local_worker, args=(receiving,),
                                     name="spideo-sim load worker"))
        children[-1].start()
        receiving.close()
        ports.append(sending)
    return children, ports


def _tell_port(ports: list[Connection], port: int | None) -> None:
    """The master's port to each local worker (None: the master could not listen)."""
    for sending in ports:
        sending.send(port)
        sending.close()


def _local_worker(port_from_master: Connection) -> None:
    """A forked local worker: serve the master once it listens (Ctrl-C is the master's
    to report: it ends its local workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        port = port_from_master.recv() if port_from_master.poll(60) else None
        if port is not None:
            run_worker("127.0.0.1", port)
    except LoadError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        sys.exit(1)
    except EOFError:  # the master is gone
        pass


def _end_children(children: list[BaseProcess], seconds: float = 1.0) -> None:
    """The local workers, once their tallies are in: they quit by themselves; one that
    was told to stop (the run time) waits stop_timeout before it reads the quit, so it is
    ended. One deadline for all, not one each."""
    deadline = time.monotonic() + seconds
    for child in children:
        child.join(timeout=max(0.0, deadline - time.monotonic()))
        if child.exitcode is None:
            child.terminate()
    for child in children:
        child.join(timeout=10)


_CTRL_C: list[object] = []  # the handler, once set


def ctrl_c_in_main() -> None:
    """Ctrl-C raises KeyboardInterrupt in the calling (main) greenlet, not in whichever
    greenlet happens to run (a user's, or the web UI's in the middle of an answer)."""
    if not _CTRL_C:
        main = gevent.getcurrent()
        _CTRL_C.append(gevent.signal_handler(signal.SIGINT,
                                             lambda: main.throw(KeyboardInterrupt())))


def wait_for_ctrl_c() -> None:
    """Serve (the web UI) until Ctrl-C."""
    ctrl_c_in_main()
    try:
        gevent.sleep(10**9)
    except KeyboardInterrupt:
        return


def _check_free(host: str, port: int) -> None:
    """Fail in one line on a busy --web-port (Locust would only log it, in a greenlet)."""
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise LoadError(f"Locust's web UI cannot listen on {host}:{port}: "
                        f"{exc.strerror or exc}; choose another --web-port") from None


def _wait_for_workers(runner: MasterRunner, expected: int, seconds: float,
                      children: list[BaseProcess]) -> None:
    deadline = time.monotonic() + seconds
    while len(runner.clients.ready) < expected:
        if time.monotonic() > deadline:
            raise LoadError(f"{len(runner.clients.ready)} of {expected} workers connected "
                            f"within {seconds:g} s: start them with `spideo-sim load --worker "
                            "--master-host HOST`, or lower --expect-workers")
        if any(child.exitcode not in (None, 0) for child in children):
            raise LoadError("a local worker stopped before the run started")
        gevent.sleep(0.1)


def run_worker(master_host: str, master_port: int) -> None:
    """Serve a master's runs until it quits (the plan and shard come from the master)."""
    environment = _environment(None, None)
    try:
        runner = environment.create_worker_runner(master_host, master_port)
    except (OSError, RPCError, ConnectionError) as exc:
        raise LoadError(f"no Locust master answers at {master_host}:{master_port}: {exc}; "
                        "start `spideo-sim load --master` there first") from None
    events.init.fire(environment=environment, runner=runner, web_ui=None)
    runner.greenlet.join()
    # Locust sends the last statistics and the tally as it quits: let them reach the
    # master before the process ends (a forked local worker ends at once)
    runner.client.close(linger=5000)
    runner.client.socket.context.term()


def _stats(environment: Environment) -> list[Stat]:
    out = []
    for entry in sorted(environment.stats.entries.values(), key=lambda e: e.name):
        out.append(Stat(entry.name, entry.num_requests, entry.num_failures,
                        entry.median_response_time or 0.0,
                        entry.get_response_time_percentile(0.95) or 0.0,
                        entry.max_response_time or 0.0))
    return out
