"""Problem codes: what the mock reports, read from data/problems.yaml (the one source)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

from mock_spideo.files import parse_yaml

__all__ = ["PROBLEM_CODES", "Problem", "ProblemSpec", "Setting", "Severity", "catalogue",
           "problem", "setup_setting", "severity_of"]

Severity = Literal["error", "warning", "info"]
# The setting a sender must fix when a refusal means its setup is wrong.
Setting = Literal["api_key", "client", "target"]


@dataclass(frozen=True, slots=True)
class ProblemSpec:
    """One entry of problems.yaml: the code, its severity, statuses and message template."""

    code: str
    severity: Severity
    status: int
    rest_status: int
    message: str
    setup: Setting | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """A contract finding: a stable code, a severity, and a message a customer can act on."""

    code: str
    severity: Severity
    status: int
    message: str
    details: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "message": self.message}


@cache
def catalogue() -> dict[str, ProblemSpec]:
    """Every problem code the mock knows, by code."""
    text = resources.files("mock_spideo").joinpath("data/problems.yaml").read_text("utf-8")
    specs = {}
    for code, entry in parse_yaml(text).items():
        status = int(entry["status"])
        specs[code] = ProblemSpec(code, entry["severity"], status,
                                  int(entry.get("rest_status", status)), entry["message"],
                                  entry.get("setup"))
    return specs


PROBLEM_CODES = frozenset(catalogue())


def severity_of(code: str) -> Severity | None:
    """The severity problems.yaml gives a code; None for a code it does not define (an
    ignore reason named by a rules file, such as heartbeat)."""
    spec = catalogue().get(code)
    return spec.severity if spec else None


def setup_setting(code: str) -> Setting | None:
    """The setting (api_key, client, target) a refusal with this code says is wrong, or
    None when the code is about the message, not the sender's setup."""
    spec = catalogue().get(code)
    return spec.setup if spec else None


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def problem(code: str, *, rest: bool = False, status: int | None = None,
            severity: Severity | None = None, **details: Any) -> Problem:
    """The Problem for a known code, its message filled from `details`."""
    spec = catalogue()[code]
    chosen = status or (spec.rest_status if rest else spec.status)
    message = spec.message.format_map(_Blank({k: _short(v) for k, v in details.items()}))
    return Problem(code, severity or spec.severity, chosen, message, details)


def _short(value: Any) -> Any:
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "..."
