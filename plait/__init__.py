"""plait: retrieval-augmented assistants and agents built from plugins.

The public API is :mod:`plait.api`, re-exported here: ``from plait import Tool, GraphAgent, hookimpl``.
Names are imported on first use, so ``import plait`` (and every ``plait`` command) starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from plait.core.errors import PlaitError
from plait.core.hookspecs import hookimpl

__version__ = "0.2.0"

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from plait.api import *  # noqa: F403


def __getattr__(name: str) -> Any:
    import importlib

    api = importlib.import_module("plait.api")  # not `from plait import api`: that would call this again
    if name in api.__all__:
        return getattr(api, name)
    raise AttributeError(f"module 'plait' has no attribute {name!r}")


def __dir__() -> list[str]:
    import importlib

    api = importlib.import_module("plait.api")
    return sorted(set(globals()) | set(api.__all__))


__all__ = ["__version__", "PlaitError", "hookimpl"]  # and every name of plait.api.__all__ (see __dir__)
