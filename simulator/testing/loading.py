"""Reading scenario files: YAML validated against schemas/scenario.schema.json, the
messages completed (envelope fields filled deterministically) or generated from a seed.

A bad file fails with the file, the path in it and the reason."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from mock_spideo import RulesError, RuleSet, SpideoSimError, default_rules, load_rules
from mock_spideo.files import parse_yaml
from simulator.generate import Simulation, complete_message, load_profile

__all__ = ["Given", "Scenario", "ScenarioError", "load_scenario", "scenario_files"]


class ScenarioError(SpideoSimError, ValueError):
    """A scenario file that cannot be run: names the file, the path in it and the reason."""

    def __init__(self, file: Path, where: str, reason: str) -> None:
        super().__init__(f"{file}: at {where or '(top)'}: {reason}")
        self.file, self.where, self.reason = file, where, reason


@dataclass
class Given:
    """One request to send: a message (completed), extra headers, or a raw body."""

    message: Any
    headers: dict[str, str | None] = field(default_factory=dict)
    body: bytes | None = None

    def encoded(self) -> bytes:
        return self.body if self.body is not None else orjson.dumps(self.message)


@dataclass
class Scenario:
    path: Path
    name: str
    description: str
    rules: RuleSet
    given: list[Given]
    expect: dict[str, Any]
    api_key: str | None = None
    client: str | None = None
    catalog: list[dict[str, Any]] | None = None
    faults: Any = None
    generated: bool = False

    @property
    def delivered(self) -> bool:
        """Sent through Segment's delivery (routing, retries) rather than one POST each."""
        return self.faults is not None or self.generated

    def users(self) -> list[str]:
        found: dict[str, None] = {}
        for given in self.given:
            if isinstance(given.message, dict):
                for key in ("userId", "user_id", "anonymousId", "anonymous_id"):
                    if isinstance(given.message.get(key), str):
                        found[given.message[key]] = None
        for item in self.expect.get("interactions", []):
            if isinstance(item.get("user_id"), str):
                found[item["user_id"]] = None
        for user in [*self.expect.get("user_properties", {}), *self.expect.get(
                "no_interactions", [])]:
            found[user] = None
        return list(found)


@cache
def _validator() -> Draft202012Validator:
    text = resources.files("simulator").joinpath("schemas/scenario.schema.json").read_text()
    return Draft202012Validator(json.loads(text))


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; ScenarioError says where and why it is bad."""
    path = Path(path)
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(path, "", f"cannot read YAML: {exc}") from None
    error = best_match(_validator().iter_errors(data))
    if error is not None:
        raise ScenarioError(path, "/".join(map(str, error.absolute_path)), error.message)
    rules = default_rules()
    if data.get("rules") not in (None, "default"):
        try:
            rules = load_rules(path.parent / data["rules"])
        except (RulesError, OSError) as exc:
            raise ScenarioError(path, "rules", str(exc)) from None
    settings = data.get("settings") or {}
    given_data = data["given"]
    generated = isinstance(given_data, dict)
    if generated:
        spec = given_data["generate"]
        profile = load_profile(path.parent / spec["profile"] if spec.get("profile") else None,
                               **{"population.users": spec.get("users", 3)})
        sim = Simulation(profile=profile, seed=spec["seed"], days=spec.get("days", 0.25))
        given = [Given(m) for m in islice(sim.messages(), spec.get("limit"))]
    else:
        given = []
        for index, raw in enumerate(given_data):
            message = {k: v for k, v in raw.items() if k not in ("_headers", "_body")}
            body = raw["_body"].encode() if "_body" in raw else None
            given.append(Given(complete_message(message, index) if message else message,
                               raw.get("_headers", {}), body))
    return Scenario(path=path, name=data["name"], description=data.get("description", ""),
                    rules=rules, given=given, expect=data["expect"], api_key=settings.get(
                        "apiKey"), client=settings.get("client"), catalog=data.get("catalog"),
                    faults=data.get("faults"), generated=generated)


def scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    """The scenario files paths name: each file itself, and every .yaml or .yml below a
    folder (in name order) outside folders starting with '_', which hold support files."""
    found: list[Path] = []
    for given in map(Path, paths):
        if given.is_file():
            found.append(given)
        elif given.is_dir():
            found += sorted(p for p in given.rglob("*") if p.suffix in (".yaml", ".yml")
                            and p.is_file() and not any(
                                part.startswith("_") for part in p.relative_to(given).parts))
        else:
            raise ScenarioError(given, "", "no such file or folder")
    return found
