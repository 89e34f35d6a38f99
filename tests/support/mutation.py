"""A pytest plugin for `make mutate` only (loaded with `-p` by pyproject's [tool.mutmut]).

- Every test maps with freshly parsed default rules. `default_rules()` is cached for
  speed, so in one session only the first test that maps a message would run the rules
  parser (and the FQL parser it calls): every mutant there would be invisible to all
  the other tests, and to the scenarios, which are collected with the cache filled.
- The engine's own pure tests run first. mutmut stops a mutant's run at the first
  failing test, and these kill most mutants in milliseconds, where the HTTP tests and
  the scenarios take a server or an app each.
"""

from collections.abc import Iterator

import pytest

from mock_spideo.engine.rules import default_rules

FIRST = ("test_fql.py", "test_paths.py", "test_envelope.py", "test_mapping.py",
         "test_explain.py", "test_rules.py")


def pytest_configure(config: pytest.Config) -> None:
    default_rules.cache_clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return FIRST.index(name) if name in FIRST else len(FIRST)
    items.sort(key=rank)


@pytest.fixture(autouse=True)
def fresh_default_rules() -> Iterator[None]:
    default_rules.cache_clear()
    yield
