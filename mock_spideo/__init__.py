"""mock_spideo: a local model of Spideo for Segment data.

    from mock_spideo import create_app, MockConfig, map_message
"""

from mock_spideo.app import create_app
from mock_spideo.config import ConfigError, MockConfig, mask_key
from mock_spideo.mapping import Interaction, MappingResult, UserProperty, explain, map_message
from mock_spideo.problems import PROBLEM_CODES, Problem
from mock_spideo.rules import RulesError, RuleSet, default_rules, load_rules, parse_rules
from mock_spideo.server import LiveServer
from mock_spideo.vocabulary import vocabulary

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
