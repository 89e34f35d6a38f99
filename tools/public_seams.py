"""An import-linter contract type: the other side of a seam uses only public names.

    [[tool.importlinter.contracts]]
    type = "public_seams"
    provider = "mock_spideo"
    importers = ["simulator", "benchmarks"]

Kept when every `import` or `from ... import` of a provider module in the importers'
source names a module with no `_`-prefixed part, and each imported name is listed in
that module's `__all__`; and when no importer reaches into `app.extensions[...]` of the
provider (the provider gives a public accessor instead). import-linter's own contract
types see modules, not names, hence this one.
"""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from importlinter import Contract, ContractCheck, fields, output

__all__ = ["PublicSeamsContract"]


@dataclass(frozen=True)
class Breach:
    file: str
    line: int
    reason: str


class PublicSeamsContract(Contract):
    provider = fields.StringField()
    importers = fields.ListField(subfield=fields.StringField())

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        breaches = [breach for importer in self.importers
                    for path in _sources(str(importer))
                    for breach in _breaches(path, str(self.provider))]
        return ContractCheck(kept=not breaches, metadata={"breaches": breaches})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for breach in check.metadata["breaches"]:
            output.print_error(f"{breach.file}:{breach.line}: {breach.reason}")


def _sources(package: str) -> list[Path]:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(next(iter(spec.submodule_search_locations)))
    return sorted(root.rglob("*.py"))


def _public_names(module: str) -> set[str] | None:
    """The module's __all__, or None when it defines none."""
    names = getattr(importlib.import_module(module), "__all__", None)
    return set(names) if names is not None else None


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _breaches(path: Path, provider: str) -> list[Breach]:
    text = path.read_text(encoding="utf-8")
    extensions = re.compile(rf"""\.extensions\[\s*["']{re.escape(provider)}""")
    found = [Breach(str(path), number, f"reaches into app.extensions of {provider}; use "
                    "its public accessor instead")
             for number, line in enumerate(text.splitlines(), start=1)
             if extensions.search(line)]
    for node in ast.walk(ast.parse(text, str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
            names: list[tuple[str, str | None]] = [(m, None) for m in modules]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [(node.module, alias.name) for alias in node.names]
        else:
            continue
        for module, name in names:
            if module != provider and not module.startswith(provider + "."):
                continue
            private = [part for part in module.split(".") if _private(part)]
            if private:
                found.append(Breach(str(path), node.lineno, f"imports the private module "
                                    f"{module}"))
                continue
            if name is None:
                continue
            public = _public_names(module)
            if _private(name) or public is None or name not in public:
                found.append(Breach(str(path), node.lineno, f"imports {name} from {module}, "
                                    f"which is not in that module's __all__"))
    return found
