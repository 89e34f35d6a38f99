"""What became of each message (its Outcome) and the running account of a delivery (the
Ledger): outcomes, statuses, retries, problem codes with an example each, and what the
destination said it recorded."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from simulator.deliver.target import setup_refusal

__all__ = ["Ledger", "Outcome", "OutcomeKind"]

OutcomeKind = Literal["delivered", "discarded", "filtered", "failed"]


@dataclass(frozen=True)
class Outcome:
    """What became of one message: its kind, last status, attempts and the reason."""

    kind: OutcomeKind
    message_id: str | None
    type: str | None
    event: str | None
    status: int | None = None
    attempts: int = 0
    message: str = ""
    code: str | None = None
    body: dict[str, Any] | None = None
    waited_s: float = 0.0


@dataclass
class Ledger:
    """Counts of outcomes, statuses, retries and problem codes, with an example each."""

    sent: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    attempts: int = 0
    retried_messages: int = 0
    first_attempt_delivered: int = 0
    recorded_interactions: int = 0
    recorded_user_properties: int = 0
    interactions_by_type: Counter[str] = field(default_factory=Counter)
    # Refusals that mean the sender's setup is wrong (key, client, URL): code -> count.
    setup_refusals: Counter[str] = field(default_factory=Counter)
    setup_settings: dict[str, str] = field(default_factory=dict)  # code -> setting

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())

    @property
    def attempted(self) -> int:
        """Messages sent to the destination at least once (all but the filtered)."""
        return self.total - self.outcomes["filtered"]

    def share(self, count: int) -> float | None:
        """`count` as a share of the messages attempted, to 4 places (None if none were)."""
        return round(count / self.attempted, 4) if self.attempted else None

    @property
    def retries(self) -> int:
        return self.attempts - self.total + self.outcomes["filtered"]

    def merge(self, other: Ledger) -> None:
        """Add another ledger's account to this one (the shards of a simulation)."""
        self.sent += other.sent
        self.outcomes.update(other.outcomes)
        self.statuses.update(other.statuses)
        self.codes.update(other.codes)
        for code, example in other.examples.items():
            self.examples.setdefault(code, example)
        self.attempts += other.attempts
        self.retried_messages += other.retried_messages
        self.recorded_interactions += other.recorded_interactions
        self.recorded_user_properties += other.recorded_user_properties
        self.interactions_by_type.update(other.interactions_by_type)
        self.first_attempt_delivered += other.first_attempt_delivered
        self.setup_refusals.update(other.setup_refusals)
        for code, setting in other.setup_settings.items():
            self.setup_settings.setdefault(code, setting)

    def add(self, outcome: Outcome) -> None:
        self.outcomes[outcome.kind] += 1
        self.attempts += outcome.attempts
        if outcome.attempts > 1:
            self.retried_messages += 1
        elif outcome.kind == "delivered":
            self.first_attempt_delivered += 1
        if outcome.status is not None:
            self.statuses[outcome.status] += 1
        body = outcome.body or {}
        codes = [outcome.code] if outcome.code else []
        codes += [p["code"] for p in body.get("problems", [])
                  if isinstance(p, dict) and isinstance(p.get("code"), str)]
        refusal = setup_refusal(outcome.status, outcome.body or (
            {"code": outcome.code} if outcome.code else None))
        if refusal:
            self.setup_refusals[refusal[0]] += 1
            self.setup_settings[refusal[0]] = refusal[1]
            if not codes:
                codes.append(refusal[0])
        if outcome.kind == "failed" and not codes:
            codes.append("delivery_failed")
        for code in codes:
            self.codes[code] += 1
            self.examples.setdefault(code, f"{outcome.event or outcome.type}: {outcome.message}"
                                     if outcome.message else str(outcome.event or outcome.type))
        if outcome.kind == "delivered" and body.get("status") == "recorded":
            interactions = body.get("interactions") or []
            self.recorded_interactions += len(interactions)
            self.recorded_user_properties += len(body.get("user_properties") or [])
            for item in interactions:
                self.interactions_by_type[item.get("type")] += 1
