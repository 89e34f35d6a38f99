"""What one mock instance holds: its config, journal, faults and catalogs."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from mock_spideo.engine.mapping import Interaction
from mock_spideo.engine.problems import Problem, problem
from mock_spideo.errors import SpideoSimError
from mock_spideo.store.config import MockConfig
from mock_spideo.store.faults import FaultSet
from mock_spideo.store.journal import Journal

__all__ = ["CatalogError", "MockState", "normalise_catalog"]


class CatalogError(SpideoSimError, ValueError):
    """Catalog items that cannot be loaded (an item without a usable id)."""


def normalise_catalog(items: list[Any]) -> list[dict[str, Any]]:
    """Catalog items with an 'id' each (from 'id', else 'contentId': a non-empty string or
    a whole number); CatalogError naming the first item without a usable id."""
    out = []
    for index, item in enumerate(items):
        content_id = item.get("id", item.get("contentId")) if isinstance(item, dict) else None
        if isinstance(content_id, float) and content_id.is_integer():
            content_id = int(content_id)  # JSON's 3.0 is the whole number 3
        if isinstance(content_id, bool) or not isinstance(content_id, (str, int)) or (
                content_id == ""):
            raise CatalogError(f"item {index} has no usable id")
        out.append({**item, "id": str(content_id)})
    return out


@dataclass
class MockState:
    """Everything one mock Spideo keeps between requests (reached from views through
    `mock_spideo.http.context.current_state()`, from code through `mock_state(app)`)."""

    config: MockConfig
    journal: Journal
    faults: FaultSet
    _catalog_ids: dict[str, frozenset[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, config: MockConfig) -> MockState:
        return cls(config, Journal(config.journal_path, config.max_requests,
                                   feed_indexes=config.ui),
                   FaultSet(seed=config.fault_seed))

    def catalog_ids(self, client: str) -> frozenset[str]:
        with self._lock:
            ids = self._catalog_ids.get(client)
        if ids is None:
            ids = self.journal.catalog_ids(client)
            with self._lock:
                self._catalog_ids[client] = ids
        return ids

    def load_catalog(self, client: str, items: list[Any]) -> int:
        """Load catalog items for a client (each needs an 'id' or 'contentId'); returns
        how many were loaded. CatalogError when an item has no usable id."""
        count = self.journal.load_catalog(client, normalise_catalog(items))
        with self._lock:
            self._catalog_ids.pop(client, None)
        return count

    def reset(self) -> None:
        """Forget everything: journal, faults and catalogs."""
        self.journal.reset()
        self.faults.clear()
        with self._lock:
            self._catalog_ids.clear()

    def unknown_content(self, client: str, interactions: tuple[Interaction, ...]) -> list[Problem]:
        """A problem per interaction on content missing from a loaded catalog."""
        ids = self.catalog_ids(client)
        if not ids:
            return []
        severity = self.config.unknown_content
        return [problem("unknown_content", content_id=i.content_id, severity=severity,
                        status=400 if severity == "error" else 200)
                for i in interactions if i.content_id not in ids]
