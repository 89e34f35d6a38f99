"""mock_spideo: a local model of Spideo for Segment data.

    from mock_spideo import create_app, MockConfig, map_message
"""

from mock_spideo.engine.mapping import (
    Interaction,
    MappingResult,
    UserProperty,
    explain,
    map_message,
)
from mock_spideo.engine.problems import PROBLEM_CODES, Problem
from mock_spideo.engine.rules import RulesError, RuleSet, default_rules, load_rules, parse_rules
from mock_spideo.engine.vocabulary import vocabulary
from mock_spideo.http.app import create_app
from mock_spideo.http.server import LiveServer
from mock_spideo.store.config import ConfigError, MockConfig, mask_key

__all__ = [
    "PROBLEM_CODES",
    "ConfigError",
    "Interaction",
    "LiveServer",
    "MappingResult",
    "MockConfig",
    "Problem",
    "RuleSet",
    "RulesError",
    "UserProperty",
    "create_app",
    "default_rules",
    "explain",
    "load_rules",
    "map_message",
    "mask_key",
    "parse_rules",
    "vocabulary",
]
