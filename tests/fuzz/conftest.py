"""Hypothesis profiles and the export of shrunk failures as regression scenarios.

- `ci` (default, part of `make test`): derandomized, no database, the whole fuzz part
  in well under a minute.
- `deep` (`make fuzz`): 20x the examples, random, with the example database kept in
  .hypothesis/ so a failure found once is tried first next time.

Environment: HYPOTHESIS_PROFILE picks the profile; SPIDEO_FUZZ_RULES points the
mapping properties at another rules file; SPIDEO_EXPORT_REGRESSIONS names a folder
where each property's shrunk failing message is written as a scenario file.
"""

import os

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

CI_EXAMPLES = 100
settings.register_profile("ci", max_examples=CI_EXAMPLES, derandomize=True, database=None,
                          deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=CI_EXAMPLES * 20, deadline=None,
                          database=DirectoryBasedExampleDatabase(".hypothesis/examples"),
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_sessionfinish(session, exitstatus):
    from tests.fuzz.regressions import write_pending
    for path in write_pending():
        print(f"\nregression scenario written: {path}")
