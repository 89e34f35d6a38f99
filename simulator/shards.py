"""Running a simulation's shards in parallel: one process per shard, progress summed
across them, and Ctrl-C stopping every shard so that each reports what it did.

A shard is a task `task(settings, shard, progress, stop)` that returns its result;
`stop()` turns true once Ctrl-C was pressed, and the task is expected to finish what it
has in hand and return. The shards are forked from multiprocessing's fork server: a
clean interpreter started once per process that runs shards, with the simulator
imported, so a shard starts at once rather than in the 0.4 s a new interpreter takes to
import it, and from a single thread whatever threads the parent runs (a progress bar, a
test's servers). Where there is no fork server (Windows), shards are spawned.
A second Ctrl-C ends the shards at once (KeyboardInterrupt, nothing reported); so does
SIGTERM sent to the command alone (exit code 143).
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from mock_spideo import SpideoSimError
from simulator.generate.stream import Shard

if TYPE_CHECKING:  # ForkServerContext is not defined on Windows
    from multiprocessing.context import ForkServerContext, SpawnContext

__all__ = ["ShardFailed", "StopFlag", "interrupt_raises", "run_sharded", "stop_on_interrupt"]

T = TypeVar("T")
StopFlag = Callable[[], bool]
Progress = Callable[[int], None]
ShardTask = Callable[[Any, Shard, Progress | None, StopFlag], T]


class ShardFailed(SpideoSimError, RuntimeError):
    """A shard's process ended without reporting (killed, out of memory)."""


@contextmanager
def stop_on_interrupt() -> Iterator[StopFlag]:
    """While the block runs, Ctrl-C (SIGINT) asks it to stop, instead of raising
    KeyboardInterrupt wherever the main thread happens to be: the work stops between two
    messages and can still report. A second Ctrl-C raises KeyboardInterrupt. Outside
    the main thread, nothing changes."""
    presses = [0]
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False
        return

    def pressed(signum: int, frame: Any) -> None:
        presses[0] += 1
        if presses[0] > 1:  # pressed again: stop now, without a report
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, pressed)
    try:
        yield lambda: presses[0] > 0
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def interrupt_raises() -> Iterator[None]:
    """Inside `stop_on_interrupt`, a block where Ctrl-C raises KeyboardInterrupt again
    (waiting for the user to be done, once the work is over)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_sharded(task: ShardTask[T], settings: Any, jobs: int,
                progress: Progress | None = None, poll_s: float = 0.2) -> list[T]:
    """Run `task` for shards 1..jobs of `settings` in `jobs` processes; their results in
    shard order. An error in a shard stops the others and is raised here."""
    context = _context(list(dict.fromkeys(["simulator.simulate", task.__module__])))
    counts = context.RawArray("q", jobs)  # messages generated so far, per shard
    stop = context.RawValue("b", 0)  # set once Ctrl-C was pressed here
    results: Any = context.Queue()
    processes = [context.Process(target=_shard_main, name=f"spideo-sim shard {shard}",
                                 args=(task, settings, shard, counts, stop, results),
                                 daemon=True)
                 for shard in (Shard(index, jobs) for index in range(jobs))]
    received: dict[int, T] = {}
    presses = [0]
    main = threading.current_thread() is threading.main_thread()
    # The shards start with Ctrl-C ignored (the fork server, started here, keeps an
    # ignored SIGINT for them, as a spawned interpreter does), until each installs its
    # own handler: no traceback from a half-started one.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    terminated = [False]

    def end_now(signum: int, frame: Any) -> None:
        """SIGTERM (`kill`, `docker stop`, a CI timeout) ends the run at once, and the
        shards with it: the fork server's processes would otherwise run on, orphaned."""
        terminated[0] = True
        stop.value = 1
        raise SystemExit(128 + signal.SIGTERM)

    previous_term = signal.signal(signal.SIGTERM, end_now) if main else None
    try:
        for process in processes:
            process.start()
        if main:
            signal.signal(signal.SIGINT, lambda signum, frame: presses.__setitem__(
                0, presses[0] + 1))
        while len(received) < jobs:
            if presses[0]:
                stop.value = 1
            if presses[0] > 1:
                raise KeyboardInterrupt
            try:
                index, value, error = results.get(timeout=poll_s)
            except queue.Empty:
                if progress:
                    progress(sum(counts))
                _check_alive(processes, received, results)
                continue
            if error is not None:
                stop.value = 1
                raise error
            received[index] = value
        if progress:
            progress(sum(counts))
        return [received[index] for index in range(jobs)]
    finally:
        for process in processes:
            if process.pid is None:  # never started
                continue
            if not terminated[0]:
                process.join(timeout=None if len(received) == jobs else 5)
            if process.is_alive():
                process.terminate()
                process.join()
        results.close()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        if previous_term is not None:
            signal.signal(signal.SIGTERM, previous_term)


def _context(preload: list[str]) -> ForkServerContext | SpawnContext:
    """The fork server, which imports `preload` once it starts; where there is none
    (Windows), spawning."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(preload)
    return context


def _check_alive(processes: list[Any], received: dict[int, Any], results: Any) -> None:
    for index, process in enumerate(processes):
        if index in received or process.exitcode is None:
            continue
        try:  # it may have reported just before it ended
            found, value, error = results.get(timeout=1)
        except queue.Empty:
            raise ShardFailed(f"shard {index + 1}/{len(processes)} ended (exit code "
                              f"{process.exitcode}) before it reported") from None
        if error is not None:
            raise error
        received[found] = value


def _shard_main(task: ShardTask[Any], settings: Any, shard: Shard, counts: Any, stop: Any,
                results: Any) -> None:
    """A shard's process: run the task, and send back its result or its error."""
    presses = [0]
    signal.signal(signal.SIGINT, lambda signum, frame: presses.__setitem__(0, 1))

    def progress(count: int) -> None:
        counts[shard.index] = count

    try:
        value = task(settings, shard, progress, lambda: bool(presses[0] or stop.value))
    except Exception as exc:  # sent to the parent, which raises it
        results.put((shard.index, None, _portable(exc)))
    else:
        results.put((shard.index, value, None))


def _portable(exc: Exception) -> Exception:
    """The exception itself if it survives pickling, else a RuntimeError saying it."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
