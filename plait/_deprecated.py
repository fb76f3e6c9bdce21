"""Old module paths that docs promised, kept for one release as shims.

Each shim emits ``DeprecationWarning`` on import and re-exports its new home. The architecture
test exempts exactly these modules from the layering rules (a shim in a layer may import the
plugin that now owns the code). Append a module name here when you add a shim.
"""

from __future__ import annotations

SHIMS: tuple[str, ...] = (
    "plait.core.models.internlm2",  # -> plait.plugins.math.internlm2
    "plait.agents.character.lore",  # -> plait.plugins.characters.lore
)
