"""Reference tables for docs/reference/, generated from the one source of each fact.

`python -m mock_spideo.docs` (run from the repository root) rewrites the blocks between
`<!-- name:start -->` and `<!-- name:end -->` in every docs/reference/*.md page;
`python -m mock_spideo.docs FILE...` rewrites the files named instead. A test fails
when a page is stale.
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
    """Every problem code with its severity, status, the setting a setup refusal names,
    and its message (problems.yaml)."""
    rows = ["| code | severity | status | setup | message |",
            "| --- | --- | --- | --- | --- |"]
    for spec in catalogue().values():
        status = str(spec.status) if spec.status == spec.rest_status else (
            f"{spec.status} (REST {spec.rest_status})")
        rows.append(f"| `{spec.code}` | {spec.severity} | {status} | {spec.setup or '-'} | "
                    f"{_cell(spec.message)} |")
    return "\n".join(rows)


def _path_text(path: tuple[str | int, ...]) -> str:
    """A path as a rules file writes it: `products[0].sku`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text


def rules_table(rules: RuleSet | None = None) -> str:
    """The rules in order (first match wins): condition, outcome, content id paths."""
    rules = rules or default_rules()
    rows = ["| # | rule | when | outcome | content id from |", "| --- | --- | --- | --- | --- |"]
    for number, rule in enumerate(rules.rules, start=1):
        paths = ", ".join(f"`{_path_text(path)}`" for _, path in rule.content_id)
        if rule.for_each:
            paths = f"each of `{_path_text(rule.for_each)}`: {paths}"
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
        text = _fill_block(text, name, build())
    return text


def _fill_block(text: str, name: str, table: str) -> str:
    pattern = re.compile(rf"(<!-- {name}:start -->\n)(?:.*?\n)?(<!-- {name}:end -->)", re.S)
    return pattern.sub(lambda m: f"{m.group(1)}{table}\n{m.group(2)}", text)


REFERENCE_PAGES = Path("docs") / "reference"


def main(argv: list[str]) -> int:
    paths = [Path(name) for name in argv] or sorted(REFERENCE_PAGES.glob("*.md"))
    if not paths:
        print(f"no {REFERENCE_PAGES}/*.md here: run from the repository root, or name the "
              "files to rewrite", file=sys.stderr)
        return 1
    for path in paths:
        text = path.read_text(encoding="utf-8")
        rendered = render_blocks(text)
        if rendered != text:
            path.write_text(rendered, encoding="utf-8")
            print(f"rewrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
