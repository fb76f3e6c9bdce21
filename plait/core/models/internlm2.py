"""Deprecated: InternLM2's format moved to ``plait.plugins.math.internlm2`` (removed in the next release)."""

from __future__ import annotations

import warnings

warnings.warn(
    "plait.core.models.internlm2 moved to plait.plugins.math.internlm2; import it from there "
    "(the old path is removed in the next release)",
    DeprecationWarning,
    stacklevel=2,
)

from plait.plugins.math.internlm2 import *  # noqa: E402,F401,F403
from plait.plugins.math.internlm2 import __all__  # noqa: E402,F401
