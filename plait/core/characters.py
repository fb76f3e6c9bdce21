"""The optional capability of a character source that can list characters cheaply.

A character source has ``names()`` and ``load(name)``. One that also has ``index()`` returns
one small row per character (at least ``name``, ``slug`` and ``description``) without loading
any card in full; surfaces that list many characters (``/v1/models``) use it when present,
checked with ``isinstance``.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class IndexedCharacterSource(Protocol):
    def names(self) -> list[str]:
        ...

    def load(self, name: str) -> Any:
        ...

    def index(self) -> list[dict[str, Any]]:
        """One row per character: ``{"name", "slug", "description", ...}``, cheap to compute."""
        ...
