"""How many processes a run gets when the user does not say (`--jobs` left out): one per
core, except that a small run is not split, since starting a process costs more than it
saves below MESSAGES_PER_JOB messages each."""

import gzip
import random

from simulator.simulate import MESSAGES_PER_JOB, default_jobs


def test_a_small_generated_run_keeps_one_process_and_a_large_one_takes_every_core():
    assert default_jobs({"users": 5, "days": 1.0}, cores=8) == 1
    assert default_jobs({"users": 40, "days": 1.0}, cores=8) == 2  # `make simulate`: 19,927
    assert default_jobs({"users": 5000, "days": 7.0}, cores=8) == 8
    assert default_jobs({"users": 5000, "days": 7.0}, cores=2) == 2


def test_the_profiles_population_counts_when_users_is_not_given(tmp_path):
    profile = tmp_path / "profile.yaml"
    profile.write_text("population: {users: 2000}\n")
    assert default_jobs({"users": None, "days": 1.0, "profile": str(profile)}, cores=4) == 4
    assert default_jobs({"users": None, "days": 1.0}, cores=4) == 2  # the default: 40


def test_a_limit_caps_the_expected_messages():
    assert default_jobs({"users": 5000, "days": 7.0, "limit": MESSAGES_PER_JOB}, cores=8) == 1


def test_replayed_inputs_are_sized_by_their_bytes_a_gzip_counted_tenfold(tmp_path):
    """3 MB of JSON lines is about 2,400 messages: one process. A 3 MB gzip is about ten
    times that (24,000): two."""
    noise = random.Random(1).randbytes(3_000_000)  # gzip cannot shrink it
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(noise)
    assert default_jobs({"inputs": (str(plain),)}, cores=4) == 1
    folder = tmp_path / "exports"
    (folder / "day=1").mkdir(parents=True)
    (folder / "day=1" / "part.gz").write_bytes(gzip.compress(noise, mtime=0))
    assert default_jobs({"inputs": (str(folder),)}, cores=4) == 2
    assert default_jobs({"inputs": (str(folder), str(plain))}, cores=4) == 2


def test_what_cannot_be_sized_gets_one_process_per_core_and_the_run_says_why(tmp_path):
    assert default_jobs({"inputs": (str(tmp_path / "missing.jsonl"),)}, cores=3) == 3
    broken = tmp_path / "profile.yaml"
    broken.write_text("population: [\n")
    assert default_jobs({"users": None, "profile": str(broken)}, cores=3) == 3
