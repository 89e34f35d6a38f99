"""mock_spideo: a local model of Spideo for Segment data.

    from mock_spideo import create_app, mock_state, MockConfig, map_message

The layers, bottom up: `segment` (the Segment wire protocol) and `errors`; `engine` (the
pure mapping); `store` (config, journal, faults, state); `http` (the Flask app and the
server). Everything a user needs is exported here.
"""

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
