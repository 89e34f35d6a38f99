"""Tables for the README, generated from the one source of each fact.

`python -m mock_spideo.docs README.md` rewrites the blocks between
`<!-- name:start -->` and `<!-- name:end -->`; a test fails when the README is stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mock_spideo.engine.problems import catalogue
from mock_spideo.engine.rules import RuleSet, default_rules
from mock_spideo.engine.vocabulary import vocabulary

__all__ = ["problems_table", "render_blocks", "rules_table", "vocabulary_table"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def problems_table() -> str:
    """Every problem code with its severity, status and message (problems.yaml)."""
    rows = ["| code | severity | status | message |", "| --- | --- | --- | --- |"]
    for spec in catalogue().values():
        status = str(spec.status) if spec.status == spec.rest_status else (
            f"{spec.status} (REST {spec.rest_status})")
        rows.append(f"| `{spec.code}` | {spec.severity} | {status} | {_cell(spec.message)} |")
    return "\n".join(rows)


def rules_table(rules: RuleSet | None = None) -> str:
    """The rules in order (first match wins): condition, outcome, content id paths."""
    rules = rules or default_rules()
    rows = ["| # | rule | when | outcome | content id from |", "| --- | --- | --- | --- | --- |"]
    for number, rule in enumerate(rules.rules, start=1):
        paths = ", ".join(f"`{text}`" for text, _ in rule.content_id)
        if rule.for_each:
            paths = f"each of `{'.'.join(map(str, rule.for_each))}`: {paths}"
        rows.append(f"| {number} | `{rule.name}` | `{_cell(rule.when)}` | {rule.outcome} | "
                    f"{paths or '-'} |")
    return "\n".join(rows)


def vocabulary_table() -> str:
    """Spideo's interaction types and their aliases (vocabulary.yaml)."""
    words = vocabulary()
    aliases: dict[str, list[str]] = {}
    for alias, target in words.aliases.items():
        aliases.setdefault(target, []).append(alias)
    rows = ["| type | meaning | also accepted |", "| --- | --- | --- |"]
    for name, meaning in words.types.items():
        rows.append(f"| `{name}` | {meaning} | {', '.join(aliases.get(name, [])) or '-'} |")
    return "\n".join(rows)


BLOCKS = {"problems": problems_table, "rules": rules_table, "vocabulary": vocabulary_table}


def render_blocks(text: str) -> str:
    """The text with every generated block brought up to date."""
    for name, build in BLOCKS.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n)(?:.*?\n)?(<!-- {name}:end -->)",
                             re.S)
        text = pattern.sub(lambda m, build=build: f"{m.group(1)}{build()}\n{m.group(2)}", text)
    return text


def main(argv: list[str]) -> int:
    for name in argv or ["README.md"]:
        path = Path(name)
        path.write_text(render_blocks(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
