"""Deprecated: lorebook scanning moved to ``plait.plugins.characters.lore`` (removed in the next release)."""

from __future__ import annotations

import warnings

warnings.warn(
    "plait.agents.character.lore moved to plait.plugins.characters.lore; import scan from there "
    "(the old path is removed in the next release)",
    DeprecationWarning,
    stacklevel=2,
)

from plait.plugins.characters.lore import *  # noqa: E402,F401,F403
from plait.plugins.characters.lore import __all__  # noqa: E402,F401
