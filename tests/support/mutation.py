"""A pytest plugin for `make mutate` only (loaded with `-p` by pyproject's [tool.mutmut]).

- Tests map with freshly parsed default rules when it matters. `default_rules()` is
  cached for speed, so in one session only the first test that maps a message would run
  the rules parser (and the FQL and path parsers it calls): every mutant there would be
  invisible to all the other tests, and to the scenarios, which are collected with the
  cache filled. So the cache is cleared at the start of each session and, while mutmut
  collects which tests reach which function ("stats") or runs a mutant of the modules
  that parsing the rules runs (rules, fql, paths), before each test. Mutants elsewhere
  keep the cache: parsing the rules for every test would only slow them down.
- The engine's own pure tests run first, most specific first. mutmut stops a mutant's
  run at the first failing test, and these kill most mutants in milliseconds, where the
  HTTP tests and the scenarios take a server or an app each.

- A mutant's process may use at most 3 GiB: a mutant that makes a loop grow a list
  forever then fails with MemoryError (it is killed) instead of taking the machine's
  memory before mutmut's CPU-time limit stops it.

mutmut names the mutant under test in the MUTANT_UNDER_TEST environment variable.
"""

import os
import resource
from collections.abc import Iterator

import pytest

from mock_spideo.engine.rules import default_rules

FIRST = ("test_fql.py", "test_paths.py", "test_envelope.py", "test_rules.py",
         "test_explain.py", "test_mapping.py")
PARSING = ("mock_spideo.engine.rules.", "mock_spideo.engine.fql.", "mock_spideo.engine.paths.")


MEMORY = 3 * 1024 ** 3


def pytest_configure(config: pytest.Config) -> None:
    default_rules.cache_clear()
    if os.environ.get("MUTANT_UNDER_TEST", "").startswith("mock_spideo."):
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


@pytest.hookimpl(trylast=True)  # after tests/conftest.py's slow-first order, over it
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return FIRST.index(name) if name in FIRST else len(FIRST)
    items.sort(key=rank)


@pytest.fixture(autouse=True)
def fresh_default_rules() -> Iterator[None]:
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if mutant == "stats" or mutant.startswith(PARSING):
        default_rules.cache_clear()
    yield
