"""The summary of a load run: Locust's latency by kind of message, every message's
outcome (as `simulate` reports them), the retry backlog, and conservation."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from simulator.load.run import LoadResult

__all__ = ["print_summary"]


def print_summary(result: LoadResult, console: Console) -> None:
    plan, tally, ledger = result.plan, result.tally, result.tally.ledger
    kinds = Table(title="Requests by kind of message (Locust)")
    for column in ("kind", "requests", "failures", "median ms", "p95 ms", "max ms"):
        kinds.add_column(column, justify="left" if column == "kind" else "right")
    for stat in result.stats:
        kinds.add_row(stat.name, str(stat.requests), str(stat.failures),
                      f"{stat.median_ms:.0f}", f"{stat.p95_ms:.0f}", f"{stat.max_ms:.0f}")
    console.print(kinds)
    outcomes = Table(title="What became of each message")
    outcomes.add_column("outcome")
    outcomes.add_column("messages", justify="right")
    for kind in ("delivered", "discarded", "filtered", "failed"):
        outcomes.add_row(kind, str(ledger.outcomes[kind]))
    outcomes.add_row("unfinished (stopped while waiting to retry)", str(tally.unfinished))
    outcomes.add_row("retried (delivered after retries included)", str(ledger.retried_messages))
    console.print(outcomes)
    rate = ledger.attempts / result.seconds if result.seconds else 0.0
    console.print(f"{ledger.sent} messages sent in {result.seconds:.1f} s "
                  f"({ledger.attempts} attempts, {rate:.0f}/s), shape {plan.shape}"
                  + (f", {result.workers} workers" if result.workers else ""))
    if ledger.statuses:
        console.print("Last status of each message: " + ", ".join(
            f"{status}: {count}" for status, count in sorted(ledger.statuses.items())))
    if ledger.codes:
        console.print("Problem codes: " + ", ".join(
            f"{code}: {count}" for code, count in sorted(ledger.codes.items())))
    if tally.first_refusal is not None and tally.last_refusal is not None:
        refusing = tally.last_refusal - tally.first_refusal
        drained = (f"the backlog drained {tally.drained - tally.last_refusal:.1f} s after the "
                   "last refusal" if tally.drained else "the backlog had not drained")
        console.print(f"Retry backlog: refusals for {refusing:.1f} s, at most "
                      f"{tally.backlog_peak} messages waiting to retry; {drained}")
    if plan.shape == "outage":
        expected = f"expected the target down for {plan.down_s:g} s"
        if tally.first_refusal is None:
            console.print(f"[yellow]Outage: {expected}, but it never refused a message[/]")
        else:
            console.print(f"Outage: {expected}")
    if not result.complete:
        console.print("[red]Some workers' final tallies did not come back: the counts "
                      "are partial[/]")
    if result.conservation is not None:
        colour = "green" if result.conservation.ok else "red"
        if not result.conservation.checked:
            colour = "yellow"
        console.print(f"[{colour}]{result.conservation.line}[/]", highlight=False)
