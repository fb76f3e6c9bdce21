"""The options a resumable run was started with, and the guard that refuses to mix two runs.

A command that resumes a run in its ``--out`` folder records its options beside the run; a rerun
with other options would mix rows of two different runs, so it is refused, saying what changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from plait.core.errors import InputError
from plait.core.io import atomic_write_json


def check_run_options(path: Path, options: dict[str, Any], *, what: str, out: Path) -> None:
    """Record ``options`` in ``path``, or refuse when ``path`` holds a run made with other options."""
    if path.is_file():
        before = json.loads(path.read_text(encoding="utf-8"))
        changed = sorted(k for k in set(before) | set(options) if before.get(k) != options.get(k))
        if changed:
            diff = ", ".join(f"{k} {before.get(k)!r} -> {options.get(k)!r}" for k in changed)
            raise InputError(f"{out} holds a {what} run made with other options ({diff}); rerun with the same "
                             f"options to resume it, use another --out, or delete {path.parent} to start over")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, options)
