"""The built-in plugins, loaded once, so every suite can be run against everything they register."""

from __future__ import annotations

from plait.core.host import Host

BUILTINS = Host(builtins=True, entry_points=False)


def builtin_names(registry: str) -> list[str]:
    """Names in one registry that a built-in plugin (``plait.*``) registered."""
    reg = getattr(BUILTINS, registry)
    return [n for n in reg.names() if reg.entry(n).plugin.startswith("plait.")]
