"""The Character type, re-exported from its home ``plait.core.characters`` (also ``plait.Character``).

``plait.plugins.characters.model.Character`` is the path older docs gave; it keeps working.
"""

from __future__ import annotations

from plait.core.characters import (  # noqa: F401
    SLUG_MAX,
    V1_FIELDS,
    V2_FIELDS,
    V2_SPEC,
    V3_SPEC,
    Character,
    normalize_name,
    slugify,
)

__all__ = ["SLUG_MAX", "V1_FIELDS", "V2_FIELDS", "V2_SPEC", "V3_SPEC", "Character", "normalize_name", "slugify"]
