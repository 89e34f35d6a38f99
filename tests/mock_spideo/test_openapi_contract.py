"""The OpenAPI file describes the server exactly: Schemathesis, the standard OpenAPI
fuzzer, runs every operation of /openapi.yaml against the mock (coverage, fuzzing and
stateful phases, a bounded number of examples, tests/mock_spideo/schemathesis.toml) and
finds nothing. It calls the app through WSGI, in this process: the same app and the same
checks as its command line over HTTP, without a server and a second interpreter."""

from collections import Counter
from pathlib import Path

import pytest
import yaml

from mock_spideo import create_app, mock_state, vocabulary
from mock_spideo.segment import basic_authorization

HERE = Path(__file__).resolve().parent
CONTRACT = HERE.parents[1] / "mock_spideo" / "data" / "openapi.yaml"
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def test_the_interaction_type_enum_is_the_vocabulary():
    spec = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    words = vocabulary()
    assert spec["components"]["schemas"]["InteractionType"]["enum"] == [
        *words.names, *words.aliases]


def _failures(finished) -> list[str]:
    """Each failed check of a scenario: the operation, what failed, the requests that
    lead to it (a stateful scenario's steps) and the answer."""
    found = []
    for case_id, checks in finished.recorder.checks.items():
        exchange = finished.recorder.interactions.get(case_id)
        answer = exchange.response if exchange else None
        for check in checks:
            if check.failure_info is None:
                continue
            info = check.failure_info
            steps = [step.curl for step in info.steps] or [info.code_sample]
            found.append(f"{finished.label}: {check.name}: {info.failure.title}\n"
                         f"  {info.failure.message}\n  " + "\n  ".join(steps) + "\n  answer: "
                         + (f"{answer.status_code} {answer.content[:300]!r}" if answer else "none"))
    return found


@pytest.mark.slow
def test_schemathesis_finds_no_failure_in_any_operation():
    # Imported here, not at the top: only the worker that runs this test pays the 0.4 s.
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import Status, events, from_schema
    from schemathesis.openapi import from_wsgi

    config = SchemathesisConfig.from_path(HERE / "schemathesis.toml")
    config.projects.default.update(headers={
        "Authorization": basic_authorization("demo-key"), "x-api-key": "demo-key"})
    app = create_app()
    schema = from_wsgi("/openapi.yaml", app, config=config)

    @schema.hook
    def after_call(context, case, response) -> None:
        """A fault rule the fuzzer adds would break the answers of the calls after it on
        purpose (that is what faults are for, tested in test_admin.py): each is cleared
        once its own answer is in."""
        if case.method == "POST" and case.path == "/__admin/faults":
            mock_state(app).faults.clear()

    problems: list[str] = []
    cases: Counter = Counter()  # by operation
    phases: Counter = Counter()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            cases[event.label] += len(event.recorder.cases)
            phases[event.phase.value] += len(event.recorder.cases)
            if event.status in (Status.FAILURE, Status.ERROR):
                problems += _failures(event) or [f"{event.label}: {event.status}"]
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            problems.append(f"{getattr(event, 'label', 'run')}: {event.info}")
        elif isinstance(event, events.Interrupted):
            problems.append("the run was interrupted")
    assert not problems, "\n".join(problems[:10])
    operations = {f"{method.upper()} {path}" for path, item in
                  yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))["paths"].items()
                  for method in item if method in METHODS}
    # The stream is disabled in the config; Schemathesis leaves out the document it loaded.
    operations -= {"GET /__ui/events", "GET /openapi.yaml"}
    untested = sorted(operation for operation in operations if not cases[operation])
    assert not untested, f"operations Schemathesis never called: {untested}"
    assert all(phases[phase] for phase in ("coverage", "fuzzing", "stateful")), phases
