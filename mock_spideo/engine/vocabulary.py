"""Spideo's interaction types, read from data/vocabulary.yaml (the one source)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from mock_spideo.files import parse_yaml

__all__ = ["Vocabulary", "vocabulary"]


@dataclass(frozen=True)
class Vocabulary:
    """The interaction types and the other spellings that name them."""

    types: dict[str, str]
    aliases: dict[str, str]
    _table: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        table = {alias.lower(): target for alias, target in self.aliases.items()}
        table.update({name.lower(): name for name in self.types})
        object.__setattr__(self, "_table", table)

    def canonical(self, name: object) -> str | None:
        """The type a name stands for ('Purchase' -> 'buy'), or None if it names none."""
        if not isinstance(name, str):
            return None
        return self._table.get(name.lower())

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.types)


@cache
def vocabulary() -> Vocabulary:
    """The shipped vocabulary (loaded once)."""
    text = resources.files("mock_spideo").joinpath("data/vocabulary.yaml").read_text("utf-8")
    data = parse_yaml(text)
    return Vocabulary(types=dict(data["types"]), aliases=dict(data["aliases"]))
