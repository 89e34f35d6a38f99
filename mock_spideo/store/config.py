"""The mock's configuration: clients and their API keys, rules, journal, strictness."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mock_spideo.engine.rules import RuleSet, default_rules, load_rules
from mock_spideo.errors import SpideoSimError
from mock_spideo.files import read_yaml

__all__ = ["ConfigError", "MockConfig", "mask_key"]

DEFAULT_CLIENTS = {"demo": "demo-key"}


class ConfigError(SpideoSimError, ValueError):
    """A configuration file that cannot be used, with the reason."""


def mask_key(key: str) -> str:
    """An API key shown safely: its first and last two characters at most, and not its
    length (four stars, whatever is hidden)."""
    if len(key) <= 6:
        return "****"
    return f"{key[:2]}****{key[-2:]}"


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
    # When set, /__admin answers only requests carrying 'Authorization: Bearer <token>'.
    admin_token: str | None = None
    ui: bool = True  # serve the web UI at / (and index the journal for its filters)
    keep_bodies: int = 10_000  # latest requests whose headers, body and answer are kept
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
        if self.admin_token is not None and (not isinstance(self.admin_token, str)
                                             or len(self.admin_token) < 8):
            raise ConfigError("admin_token must be a string of at least 8 characters")
        if isinstance(self.keep_bodies, bool) or not isinstance(
                self.keep_bodies, int) or self.keep_bodies < 0:
            raise ConfigError("keep_bodies must be a whole number >= 0")
        if self.max_requests is not None and (isinstance(self.max_requests, bool) or not
                                              isinstance(self.max_requests, int)
                                              or self.max_requests < 1):
            raise ConfigError("max_requests must be a whole number >= 1 (or absent: no cap)")

    def client_for_key(self, key: str) -> str | None:
        """The client an API key belongs to, compared in constant time (every key is
        compared, so the answer's timing does not tell how much of a key was right)."""
        found = None
        for client, expected in self.clients.items():
            if hmac.compare_digest(key.encode(), expected.encode()):
                found = client
        return found

    def key_matches(self, client: str, key: str) -> bool:
        """Whether `key` is the client's API key, compared in constant time."""
        expected = self.clients.get(client, "")
        return hmac.compare_digest(key.encode(), expected.encode()) and bool(expected)

    def admin_token_matches(self, token: str) -> bool:
        """Whether a bearer token is the admin token, compared in constant time."""
        return self.admin_token is not None and hmac.compare_digest(
            token.encode(), self.admin_token.encode())

    @classmethod
    def from_file(cls, path: str | Path, **overrides: Any) -> MockConfig:
        """Read a config file: {clients: {name: key}, rules: FILE, unknown_content: ...}."""
        path = Path(path)
        data = read_yaml(path, ConfigError, "the config file")
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping with 'clients'")
        allowed = {"clients", "rules", "journal", "unknown_content", "fault_seed",
                   "admin_token", "max_requests"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ConfigError(f"{path}: unknown key '{unknown[0]}'; allowed: "
                              f"{', '.join(sorted(allowed))}")
        kwargs: dict[str, Any] = {}
        if "clients" in data:
            kwargs["clients"] = {str(k): str(v) for k, v in (data["clients"] or {}).items()}
        if data.get("rules"):
            try:
                kwargs["rules"] = load_rules(path.parent / data["rules"])
            except OSError as exc:
                raise ConfigError(f"{path}: cannot read its rules file "
                                  f"{path.parent / data['rules']}: {exc.strerror}") from None
        if data.get("journal"):
            kwargs["journal_path"] = str(path.parent / data["journal"])
        for key in ("unknown_content", "fault_seed", "admin_token", "max_requests"):
            if key in data:
                kwargs[key] = data[key]
        kwargs.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**kwargs)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
