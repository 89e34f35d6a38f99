"""The docs stay true: generated reference pages match their sources, the README gives
the two set-up commands and stays short, the sample message is what generate produces,
and every relative link points at a file that exists."""

import json
import re
from pathlib import Path

import pytest

from mock_spideo.docs import BLOCKS, render_blocks

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_reference_pages_are_up_to_date(name):
    text = (DOCS / "reference" / f"{name}.md").read_text(encoding="utf-8")
    assert f"<!-- {name}:start -->" in text and f"<!-- {name}:end -->" in text
    assert render_blocks(text) == text, "run: .venv/bin/python -m mock_spideo.docs"


def test_readme_gives_exactly_the_two_setup_commands():
    text = README.read_text(encoding="utf-8")
    setup = text.split("## Set up and run", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in setup.strip().splitlines()] == [
        "make simulate", "make test"]


def test_readme_is_at_most_200_lines():
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 200


def test_simulator_sample_is_what_generate_produces():
    from simulator.generate.profile import load_profile
    from simulator.generate.stream import Simulation
    text = (DOCS / "simulator.md").read_text(encoding="utf-8")
    shown = json.loads(text.split("(its context cut down to a few fields here):\n\n```json\n",
                                  1)[1].split("```", 1)[0])
    sim = Simulation(profile=load_profile(**{"population.users": 2}), seed=1, days=0.5)
    first = next(m for m in sim.messages() if m.get("event") == "Video Content Started")
    assert shown == {**first, "context": {k: first["context"][k] for k in shown["context"]}}


PAGES = [README, ROOT / "CHANGELOG.md", *sorted(DOCS.rglob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_point_at_files_that_exist(page):
    text = page.read_text(encoding="utf-8")
    broken = [target for target in LINK.findall(text)
              if not re.match(r"[a-z]+:|#", target)
              and not (page.parent / target.split("#", 1)[0]).exists()]
    assert broken == []
