"""Shipped fault profiles: `--faults segment-day` reproduces Segment's published day of
destination answers; a name or a path is accepted, anything else is one clear error."""

import pytest

from mock_spideo import FaultError
from mock_spideo.store.faults import FaultSet
from simulator.deliver import RetryPolicy
from simulator.generate.profile import fault_profile_names, load_faults

PLAY = {"type": "track", "event": "Video Content Started", "userId": "u1"}


def day_of_answers(rules, messages: int, max_attempts: int = 10) -> dict[str, float]:
    """Each message sent as Segment sends it (retried while the answer is retryable, up
    to `max_attempts`), against the mock's fault rules: the shares of each ending."""
    faults = FaultSet()
    faults.add(rules)
    first = delivered = terminal = 0
    for number in range(messages):
        message = {**PLAY, "messageId": f"m-{number}"}
        for attempt in range(1, max_attempts + 1):
            fault = faults.pick("/segment", message)
            if fault is None:
                delivered += 1
                first += attempt == 1
                break
            if not RetryPolicy.retryable(fault.status):
                terminal += 1
                break
    return {"first_attempt": first / messages, "terminal": terminal / messages,
            "after_retries": delivered / messages}


def test_segment_day_reproduces_segments_published_figures():
    shares = day_of_answers(load_faults("segment-day", FaultError), 60_000)
    assert shares["first_attempt"] == pytest.approx(0.926, abs=0.003)
    assert shares["terminal"] == pytest.approx(0.055, abs=0.003)
    assert shares["after_retries"] == pytest.approx(0.939, abs=0.003)


def test_segment_day_is_shipped_and_listed():
    assert "segment-day" in fault_profile_names()


def test_a_path_still_works(tmp_path):
    path = tmp_path / "faults.yaml"
    path.write_text("- {status: 503, times: 1}\n")
    assert load_faults(str(path), FaultError) == [{"status": 503, "times": 1}]


@pytest.mark.parametrize(("given", "says"), [
    ("segment-week", "no fault profile named 'segment-week' and no such file; shipped "
                     "profiles: segment-day"),
    ("missing/faults.yaml", "missing/faults.yaml"),
])
def test_neither_a_name_nor_a_file_is_one_clear_error(given, says):
    with pytest.raises(FaultError, match=says.replace(".", r"\.")):
        load_faults(given, FaultError)
