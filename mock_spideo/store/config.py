"""The mock's configuration: clients and their API keys, rules, journal, strictness."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from mock_spideo.engine.rules import RuleSet, default_rules, load_rules
from mock_spideo.errors import SpideoSimError

__all__ = ["ConfigError", "MockConfig", "mask_key"]

DEFAULT_CLIENTS = {"demo": "demo-key"}


class ConfigError(SpideoSimError, ValueError):
    """A configuration file that cannot be used, with the reason."""


def mask_key(key: str) -> str:
    """An API key shown safely: its first and last two characters at most."""
    if len(key) <= 6:
        return "*" * len(key)
    return f"{key[:2]}{'*' * (len(key) - 4)}{key[-2:]}"


@dataclass
class MockConfig:
    """Everything create_app needs; build it in code or from a YAML/JSON file."""

    clients: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CLIENTS))
    rules: RuleSet = field(default_factory=default_rules)
    journal_path: str | None = None
    unknown_content: Literal["warning", "error"] = "warning"
    max_body_bytes: int = 32 * 1024
    max_catalog_items: int = 2000
    fault_seed: int = 0
    max_requests: int | None = None  # keep only the newest N request rows (counts stay exact)

    def __post_init__(self) -> None:
        if not self.clients or not all(
                isinstance(k, str) and k and isinstance(v, str) and v
                for k, v in self.clients.items()):
            raise ConfigError("clients must map each client name to a non-empty API key")
        if len(set(self.clients.values())) != len(self.clients):
            raise ConfigError("two clients share an API key; the key must identify the client")
        if self.unknown_content not in ("warning", "error"):
            raise ConfigError("unknown_content must be 'warning' or 'error'")
        if self.max_requests is not None and (isinstance(self.max_requests, bool) or not
                                              isinstance(self.max_requests, int)
                                              or self.max_requests < 1):
            raise ConfigError("max_requests must be a whole number >= 1 (or absent: no cap)")

    @property
    def client_by_key(self) -> dict[str, str]:
        return {key: client for client, key in self.clients.items()}

    @classmethod
    def from_file(cls, path: str | Path, **overrides: Any) -> MockConfig:
        """Read a config file: {clients: {name: key}, rules: FILE, unknown_content: ...}."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (OSError, ValueError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: cannot read the config file: {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping with 'clients'")
        allowed = {"clients", "rules", "journal", "unknown_content", "fault_seed",
                   "max_requests"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ConfigError(f"{path}: unknown key '{unknown[0]}'; allowed: "
                              f"{', '.join(sorted(allowed))}")
        kwargs: dict[str, Any] = {}
        if "clients" in data:
            kwargs["clients"] = {str(k): str(v) for k, v in (data["clients"] or {}).items()}
        if data.get("rules"):
            kwargs["rules"] = load_rules(path.parent / data["rules"])
        if data.get("journal"):
            kwargs["journal_path"] = str(path.parent / data["journal"])
        for key in ("unknown_content", "fault_seed", "max_requests"):
            if key in data:
                kwargs[key] = data[key]
        kwargs.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**kwargs)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
