"""The report of `make mutate`: the score per engine module, and the surviving mutants.

Reads mutmut's results under mutants/ (run from the repository root after `mutmut run`),
prints one line per module (killed/total; a timeout counts as killed, as in mutmut's own
score) and writes every surviving mutant with its diff to out/mutants.txt. A survivor
named in docs/testing.md's list of equivalent mutants is marked so; the run fails when a
module is under 90% killed and has a survivor that list does not explain.

    .venv/bin/python tools/mutation_report.py mapping rules paths envelope fql explain
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

TARGET = 0.90
REPORT = Path("out/mutants.txt")
DOCS = Path("docs/testing.md")
_NAME = re.compile(r"mock_spideo\.engine\.\w+\.x[\wǁ]+__mutmut_\d+")


def documented_equivalents() -> set[str]:
    """The mutant names docs/testing.md lists as equivalent."""
    return set(_NAME.findall(DOCS.read_text(encoding="utf-8"))) if DOCS.exists() else set()


def main(modules: list[str]) -> int:
    equivalent = documented_equivalents()
    lines, survivors, failing = [], [], []
    print(f"{'module':<10} {'killed':>7} {'total':>6} {'score':>7} {'survived':>9} "
          f"{'equivalent':>11} {'no tests':>9}")
    for module in modules:
        path = Path("mock_spideo/engine") / f"{module}.py"
        data = SourceFileMutationData(path=path)
        data.load()
        statuses = {name: status_by_exit_code[code]
                    for name, code in data.exit_code_by_key.items()}
        count = Counter(statuses.values())
        total = len(statuses)
        killed = count["killed"] + count["timeout"]
        left = sorted((name for name, status in statuses.items()
                       if status not in ("killed", "timeout")), key=_natural)
        explained = [name for name in left if name in equivalent]
        score = killed / total if total else 0.0
        print(f"{module:<10} {killed:>7} {total:>6} {score:>7.1%} {count['survived']:>9} "
              f"{len(explained):>11} {count['no tests']:>9}")
        if count["not checked"]:
            failing.append(f"{module}: {count['not checked']} mutants were not checked")
        if score < TARGET and len(explained) < len(left):
            failing.append(f"{module}: {score:.1%} killed, under {TARGET:.0%}, with "
                           f"{len(left) - len(explained)} survivors docs/testing.md does "
                           f"not explain")
        for name in left:
            note = " (equivalent: see docs/testing.md)" if name in equivalent else ""
            survivors.append(name)
            lines += [f"## {name}: {statuses[name]}{note}",
                      get_diff_for_mutant(name, path=path).rstrip(), ""]
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(f"# {len(survivors)} mutants not killed (make mutate)\n\n"
                      + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(survivors)} mutants not killed, each with its diff: {REPORT}")
    for reason in failing:
        print(f"FAILED {reason}")
    return 1 if failing else 0


def _natural(name: str) -> tuple[str, int]:
    stem, _, number = name.rpartition("_")
    return stem, int(number)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
