"""UAR's settings live in ``[uar]`` (``PLAIT_UAR__KEY``).

Earlier releases kept them in ``[gate]``; a ``[gate]`` table that still holds UAR keys is read
for one more release with a deprecation notice. ``[gate] name`` (the gate selection) and
``[gate] reject_threshold`` (now the retrieval setting ``reject_threshold``) are not UAR's.
"""

from __future__ import annotations

import sys
from typing import Any

NOT_UAR = {"name", "reject_threshold"}
_warned = False


def uar_table(settings: Any):
    """The ``[uar]`` table, or the old ``[gate]`` table's UAR keys (with a notice once per process)."""
    global _warned
    table = settings.table("uar")
    if table:
        return table
    old = settings.table("gate")
    legacy = {k: v for k, v in old.items() if k not in NOT_UAR}
    if not legacy:
        return table
    if not _warned:
        _warned = True
        print(f"plait: deprecated: UAR settings {', '.join(sorted(legacy))} are read from [gate]; "
              "move them to a [uar] table (PLAIT_UAR__KEY); [gate] is read for one more release", file=sys.stderr)
    for key in NOT_UAR:
        old.pop(key, None)
    old.name = "gate"
    return old
