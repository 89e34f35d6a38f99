"""Field paths that ignore the casing of field names.

Segment warns that field casing varies by customer: `asset_id`, `assetId`, `AssetId` and
`asset-id` must read the same field. Every path in a rules file goes through here.
"""

from __future__ import annotations

import re
from typing import Any

from mock_spideo.errors import SpideoSimError
from mock_spideo.segment import canonical_key

__all__ = ["FieldPath", "PathSyntaxError", "canonical_tree", "lookup", "parse_path"]

# A parsed path: field names and list indexes, e.g. ("properties", "products", 0, "sku").
FieldPath = tuple[str | int, ...]

_SEGMENT = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")


class PathSyntaxError(SpideoSimError, ValueError):
    """A path in a rules file that cannot be read."""


def parse_path(text: str) -> FieldPath:
    """'properties.products[0].sku' -> ('properties', 'products', 0, 'sku')."""
    if not isinstance(text, str) or not text.strip():
        raise PathSyntaxError("a path must be a non-empty string such as properties.asset_id")
    parts: list[str | int] = []
    for segment in text.strip().split("."):
        found = _SEGMENT.fullmatch(segment)
        if not found:
            raise PathSyntaxError(f"cannot read '{segment}' in path '{text}'")
        parts.append(found.group(1))
        parts.extend(int(index) for index in re.findall(r"\[(\d+)\]", found.group(2)))
    return tuple(parts)


def lookup(value: Any, path: FieldPath) -> Any:
    """The value at `path`, matching field names in any casing; None when absent."""
    for part in path:
        if isinstance(part, int):
            if not isinstance(value, list) or part >= len(value):
                return None
            value = value[part]
        elif isinstance(value, dict):
            if part in value:
                value = value[part]
                continue
            wanted = canonical_key(part)
            for key, item in value.items():
                if isinstance(key, str) and canonical_key(key) == wanted:
                    value = item
                    break
            else:
                return None
        else:
            return None
    return value


def canonical_tree(value: Any, depth: int = 0) -> Any:
    """A copy of a JSON value with every object key in canonical form (first key wins)."""
    if isinstance(value, dict) and depth < 32:
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = canonical_key(key) if isinstance(key, str) else key
            if name not in out:
                out[name] = canonical_tree(item, depth + 1)
        return out
    if isinstance(value, list) and depth < 32:
        return [canonical_tree(item, depth + 1) for item in value]
    return value
