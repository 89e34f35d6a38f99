"""pytest plugin: scenario files collected and run as tests.

Collection is opt-in, so installing spideo-sim never makes pytest collect a project's
unrelated YAML: name the folders that hold scenarios in your pytest configuration,

    [tool.pytest.ini_options]
    spideo_scenarios = ["scenarios"]

and every .yaml or .yml below them is a test (folders starting with '_' hold support
files, such as rules files, and are skipped).

    pytest scenarios/                                  # against a fresh in-process mock
    pytest scenarios/ --spideo-target http://127.0.0.1:8787 \\
        --spideo-api-key demo-key --spideo-client demo  # against a running endpoint

Against a target, results are read only through the REST API, so any Spideo-compatible
service can be checked. Scenarios that inject faults need the in-process mock and are
skipped there, saying why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from simulator.deliver.target import PYTEST_OPTIONS, SetupError, TargetUrl, probe
from simulator.testing.loading import ScenarioError, load_scenario
from simulator.testing.runner import run_scenario
from simulator.testing.targets import HttpTarget, InProcessTarget, Target, skip_reason

__all__ = ["ScenarioFile", "ScenarioItem"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("spideo-sim scenarios")
    group.addoption("--spideo-target", help="Run scenarios against this service: its base "
                    "URL or its /segment endpoint (messages go to <base>/segment, recorded "
                    "data is read under <base>/<client>/). Checked once at the start.")
    group.addoption("--spideo-api-key", default="demo-key", help="API key of the target.")
    group.addoption("--spideo-client", default="demo", help="Spideo client of the target.")
    parser.addini("spideo_scenarios", type="paths", default=[],
                  help="Folders whose .yaml files are spideo-sim scenarios (relative to the "
                       "configuration file). Nothing is collected unless this is set.")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.File | None:
    """A scenario file: a .yaml under a folder named by `spideo_scenarios`, not inside a
    folder starting with '_' (support files such as rules files and profiles)."""
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    for root in parent.config.getini("spideo_scenarios"):
        try:
            inside = file_path.relative_to(root).parts[:-1]
        except ValueError:
            continue
        if not any(part.startswith("_") for part in inside):
            return ScenarioFile.from_parent(parent, path=file_path)
    return None


def pytest_collection_finish(session: pytest.Session) -> None:
    """Check the target once, before any scenario runs: a wrong URL, key or client is one
    line for the session, not a traceback per scenario."""
    url = session.config.getoption("--spideo-target")
    if not url or not any(isinstance(item, ScenarioItem) for item in session.items):
        return
    try:
        probe(TargetUrl.parse(url, PYTEST_OPTIONS["target"]),
              session.config.getoption("--spideo-api-key"),
              session.config.getoption("--spideo-client"), options=PYTEST_OPTIONS)
    except SetupError as exc:
        pytest.exit(f"spideo-sim: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)


class ScenarioFile(pytest.File):
    def collect(self) -> Any:
        yield ScenarioItem.from_parent(self, name=self.path.stem)


class ScenarioFailed(Exception):
    """A scenario whose expectations did not hold (the report says which)."""


class ScenarioItem(pytest.Item):
    def runtest(self) -> None:
        config = self.config
        try:
            scenario = load_scenario(self.path)
        except ScenarioError as exc:
            raise ScenarioFailed(f"invalid scenario file: {exc}") from None
        url = config.getoption("--spideo-target")
        api_key = config.getoption("--spideo-api-key")
        client = config.getoption("--spideo-client")
        if url:
            reason = skip_reason(scenario)
            if reason:
                pytest.skip(reason)
            target: Target = HttpTarget(url, api_key, client)
        else:
            target = InProcessTarget(client, api_key)
        result = run_scenario(scenario, target)
        if not result.passed:
            raise ScenarioFailed(result.report())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
                     ) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario: {self.name}"
