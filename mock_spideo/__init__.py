"""mock_spideo: a local model of Spideo for Segment data.

    from mock_spideo import create_app, mock_state, MockConfig, map_message

The layers, bottom up: `segment` (the Segment wire protocol) and `errors`; `engine` (the
pure mapping); `store` (config, journal, faults, state); `http` (the Flask app and the
server). Everything a user needs is exported here, each name imported from its home module
on first use (PEP 562): a command that needs only the engine does not pay for Flask.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mock_spideo.engine.explain import RuleTrace, explain
    from mock_spideo.engine.mapping import Interaction, MappingResult, UserProperty, map_message
    from mock_spideo.engine.problems import PROBLEM_CODES, Problem, setup_setting, severity_of
    from mock_spideo.engine.rules import (
        Rule,
        RulesError,
        RuleSet,
        default_rules,
        load_rules,
        parse_rules,
    )
    from mock_spideo.engine.vocabulary import vocabulary
    from mock_spideo.errors import SpideoSimError
    from mock_spideo.http.app import create_app, mock_state
    from mock_spideo.http.inprocess import InProcessEndpoint, InProcessReply
    from mock_spideo.http.processes import ProcessServer
    from mock_spideo.http.server import ListenError, LiveServer
    from mock_spideo.store.config import ConfigError, MockConfig, mask_key
    from mock_spideo.store.faults import FaultError
    from mock_spideo.store.feed import Feed, RequestFilter
    from mock_spideo.store.journal import Journal, JournalError
    from mock_spideo.store.state import CatalogError, MockState
    from mock_spideo.version import __version__

__all__ = [
    "PROBLEM_CODES",
    "CatalogError",
    "ConfigError",
    "FaultError",
    "Feed",
    "InProcessEndpoint",
    "InProcessReply",
    "Interaction",
    "Journal",
    "JournalError",
    "ListenError",
    "LiveServer",
    "MappingResult",
    "MockConfig",
    "MockState",
    "Problem",
    "ProcessServer",
    "RequestFilter",
    "Rule",
    "RuleSet",
    "RuleTrace",
    "RulesError",
    "SpideoSimError",
    "UserProperty",
    "__version__",
    "create_app",
    "default_rules",
    "explain",
    "load_rules",
    "map_message",
    "mask_key",
    "mock_state",
    "parse_rules",
    "setup_setting",
    "severity_of",
    "vocabulary",
]

# Each public name's home module: the imports above, for the runtime (a test,
# tests/mock_spideo/test_package.py, holds the three lists to one another).
_HOMES = {
    "mock_spideo.engine.explain": ("RuleTrace", "explain"),
    "mock_spideo.engine.mapping": ("Interaction", "MappingResult", "UserProperty",
                                   "map_message"),
    "mock_spideo.engine.problems": ("PROBLEM_CODES", "Problem", "setup_setting",
                                    "severity_of"),
    "mock_spideo.engine.rules": ("Rule", "RulesError", "RuleSet", "default_rules",
                                 "load_rules", "parse_rules"),
    "mock_spideo.engine.vocabulary": ("vocabulary",),
    "mock_spideo.errors": ("SpideoSimError",),
    "mock_spideo.http.app": ("create_app", "mock_state"),
    "mock_spideo.http.inprocess": ("InProcessEndpoint", "InProcessReply"),
    "mock_spideo.http.processes": ("ProcessServer",),
    "mock_spideo.http.server": ("ListenError", "LiveServer"),
    "mock_spideo.store.config": ("ConfigError", "MockConfig", "mask_key"),
    "mock_spideo.store.faults": ("FaultError",),
    "mock_spideo.store.feed": ("Feed", "RequestFilter"),
    "mock_spideo.store.journal": ("Journal", "JournalError"),
    "mock_spideo.store.state": ("CatalogError", "MockState"),
    "mock_spideo.version": ("__version__",),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}


if not TYPE_CHECKING:  # for mypy, the imports above: a misspelt name stays an error

    def __getattr__(name: str) -> Any:
        """The public name, imported from its home module on first access (then kept)."""
        module = _HOME.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
