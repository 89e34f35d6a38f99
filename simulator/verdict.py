"""Whether a run succeeded, in one line and one exit code.

"Conservation: OK" only says that every message is accounted for. The verdict says
whether the run did what it was for: a run whose messages were refused because the setup
is wrong (key, client, URL) failed, however well its messages were counted.

Exit codes of `spideo-sim simulate` (and `replay`):
    0  the run succeeded
    1  the setup is wrong (a file, port, URL, key or client): one line names the fix
    2  the command line itself is wrong (click's usage errors)
    3  --strict, and error-severity problems the profile did not cause on purpose (a
       replay: any in the data, unreadable lines included)
    4  conservation failed: a message has no outcome, or was recorded twice (a bug)
  130  interrupted (Ctrl-C)
  143  ended by SIGTERM, without a report (with --jobs above 1 the shards end with it)
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.deliver.target import fix_for
from simulator.simulate import SimulationResult

__all__ = ["EXIT_CONSERVATION", "EXIT_INTERRUPTED", "EXIT_SETUP", "EXIT_STRICT", "Verdict",
           "judge"]

EXIT_SETUP = 1
EXIT_STRICT = 3
EXIT_CONSERVATION = 4
EXIT_INTERRUPTED = 130  # the shell's code for a run stopped by Ctrl-C (128 + SIGINT)


@dataclass(frozen=True)
class Verdict:
    """The run's result: succeeded or not, the exit code, and the line that says why."""

    ok: bool
    exit_code: int
    line: str


def judge(result: SimulationResult, strict: bool = False) -> Verdict:
    """The verdict on a finished run; the first failure that applies decides."""
    ledger = result.ledger
    if not result.conservation.get("ok"):
        failing = [name for name, ok in result.conservation.items() if name != "ok" and not ok]
        return Verdict(False, EXIT_CONSERVATION, "Result: FAILED: conservation does not hold "
                       f"({', '.join(failing)}); this is a bug in spideo-sim, please report it")
    if result.interrupted:
        made = "read" if result.settings.inputs else "generated"
        return Verdict(False, EXIT_INTERRUPTED, "Result: INTERRUPTED by Ctrl-C: the report "
                       f"covers the {result.total} messages {made} before it, each "
                       "accounted for")
    if result.settings.inputs and result.total == 0:
        read = result.source.get("description", "nothing read")
        return Verdict(False, EXIT_SETUP, f"Result: FAILED: the inputs hold no Segment "
                       f"message ({read}): check the paths, and that the files are JSON "
                       "lines, a JSON array or a batch object (docs/replay.md)")
    if ledger.setup_refusals:
        refused = sum(ledger.setup_refusals.values())
        code, count = ledger.setup_refusals.most_common(1)[0]
        return Verdict(False, EXIT_SETUP, f"Result: FAILED: {refused} of {result.total} "
                       f"messages were refused because the setup is wrong ({code}: {count}); "
                       f"{fix_for(ledger.setup_settings[code])}")
    unexpected = sorted(result.unexpected_errors)
    if unexpected and strict:
        return Verdict(False, EXIT_STRICT, "Result: FAILED (--strict): error-severity problems "
                       f"{result.unexpected_source}: {', '.join(unexpected)}")
    delivered = ledger.outcomes.get("delivered", 0)
    line = (f"Result: OK: {result.total} messages, each accounted for; {delivered} "
            "delivered")
    for kind in ("discarded", "failed"):  # a normal day has some: say so, not hide them
        if ledger.outcomes.get(kind):
            line += f", {ledger.outcomes[kind]} {kind}"
    if unexpected:
        line += (f"; but with error-severity problems {result.unexpected_source} "
                 f"({', '.join(unexpected)}): --strict makes that fail")
    return Verdict(True, 0, line)
