"""Refresh the verdicts in tests/mock_spideo/data/segment_fql_vectors.json.

The file holds Segment's published FQL test inputs (segmentio/action-destinations,
packages/destination-subscriptions/src/__tests__/fql.test.ts and validate.test.ts, ported
as data: expressions x payloads) and, for each pair, the verdict of Segment's own package
at the version pinned in tests/oracle/package-lock.json. Run from the repository root
after upgrading that package: .venv/bin/python tests/oracle/make_vectors.py
"""

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "mock_spideo" / "data" / "segment_fql_vectors.json"
PACKAGE = ROOT / "tests/oracle/node_modules/@segment/destination-subscriptions/package.json"


def main() -> None:
    data = json.loads(VECTORS.read_text())
    expressions, payloads = data["expressions"], data["payloads"]
    cases = [{"expression": e, "message": p} for e in expressions for p in payloads]
    run = subprocess.run(["node", str(ROOT / "tests/oracle/fql_oracle.js")],
                         input=json.dumps(cases) + "\n", capture_output=True, text=True,
                         check=True)
    verdicts = [result["match"] for result in json.loads(run.stdout)]
    width = len(payloads)
    data["verdicts_from"] = (f"@segment/destination-subscriptions "
                             f"{json.loads(PACKAGE.read_text())['version']} (tests/oracle)")
    data["matches"] = [verdicts[i * width:(i + 1) * width] for i in range(len(expressions))]
    VECTORS.write_text(json.dumps(data, indent=1))
    print(f"{len(cases)} cases, {sum(verdicts)} matches")


if __name__ == "__main__":
    main()
