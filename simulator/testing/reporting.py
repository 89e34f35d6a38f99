"""A scenario's result and its report: what failed, then how each message was mapped
(the rule that matched, and why each earlier rule did not)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mock_spideo import RuleSet, explain
from mock_spideo.segment import Reply
from simulator.deliver import Ledger
from simulator.testing.loading import Given, Scenario

__all__ = ["ScenarioResult"]


@dataclass
class ScenarioResult:
    scenario: Scenario
    replies: list[Reply] = field(default_factory=list)
    ledger: Ledger | None = None
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def report(self) -> str:
        """What failed, then how each message was mapped (rule matched, near misses)."""
        lines = [f"scenario '{self.scenario.name}' ({self.scenario.path}) failed:"]
        lines += [f"  - {failure}" for failure in self.failures]
        lines += [f"  note: {note}" for note in self.notes]
        if not self.scenario.generated:
            lines.append("how each message was mapped:")
            for index, given in enumerate(self.scenario.given):
                lines += _explain_lines(index, given, self.scenario.rules,
                                        self.replies[index] if index < len(self.replies) else None)
        return "\n".join(lines)


def _explain_lines(index: int, given: Given, rules: RuleSet, reply: Reply | None) -> list[str]:
    message = given.message
    if given.body is not None or not isinstance(message, dict):
        label = "raw body"
    elif message.get("event"):
        label = f"{message.get('type')} '{message.get('event')}'"
    else:
        label = str(message.get("type"))
    answer = f" -> {reply.status} {reply.code or ''}".rstrip() if reply else ""
    lines = [f"  message #{index + 1} ({label}){answer}"]
    if given.body is not None:
        return lines
    result, traces = explain(message, rules)
    for trace in traces:
        if trace.matched:
            lines.append(f"      matched rule '{trace.rule}' -> {result.outcome} ({result.code})")
        else:
            lines.append(f"      not '{trace.rule}': {'; '.join(trace.reasons)}")
    if not traces:
        lines.append(f"      {result.outcome} ({result.code}): {result.message}")
    return lines
