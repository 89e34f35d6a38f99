"""A package that exports its public names lazily (PEP 562) lists them three times: the
imports under `if TYPE_CHECKING:` (what mypy and editors see), `__all__`, and `_HOMES`
(each name's home module, for the runtime). These checks hold the three to one another."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType


def type_checking_imports(package: ModuleType) -> dict[str, str]:
    """Name -> module, from the `if TYPE_CHECKING:` block of the package's __init__."""
    tree = ast.parse(Path(str(package.__file__)).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            return {alias.asname or alias.name: str(statement.module)
                    for statement in node.body if isinstance(statement, ast.ImportFrom)
                    for alias in statement.names}
    raise AssertionError(f"{package.__name__} has no `if TYPE_CHECKING:` imports")


def check_exports(name: str) -> None:
    """Every name in `__all__` is imported for mypy, has a home module for the runtime,
    and resolves to the object of that home module; nothing else is exported."""
    package = importlib.import_module(name)
    imported = type_checking_imports(package)
    homes = {export: module for module, exports in package._HOMES.items()
             for export in exports}
    assert sorted(package.__all__) == sorted(imported)
    assert homes == imported
    for export, module in imported.items():
        assert getattr(package, export) is getattr(importlib.import_module(module), export)
    assert set(package.__all__) <= set(dir(package))
    star: dict[str, object] = {}
    exec(f"from {name} import *", star)
    assert set(star) - {"__builtins__"} == set(package.__all__)


def modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code`."""
    done = subprocess.run([sys.executable, "-c", f"{code}\nimport sys\n"
                           "print('\\n'.join(sys.modules))"],
                          capture_output=True, text=True, timeout=60, check=True)
    return set(done.stdout.split())
