"""The rules the mapping properties check: the shipped ones, or SPIDEO_FUZZ_RULES."""

import os

from mock_spideo import RuleSet, default_rules, load_rules


def rules_under_test() -> RuleSet:
    path = os.environ.get("SPIDEO_FUZZ_RULES")
    return load_rules(path) if path else default_rules()
