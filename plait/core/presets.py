"""Presets: named sets of settings for one method, ``default`` (plait's own) and ``paper`` (the
published pipeline's), chosen with ``--preset``.

Each capability keeps its table in its own folder (``plait/plugins/<name>/presets.py``) as
``PRESETS = {"default": {...}, "paper": {...}}`` plus a ``SOURCES`` mapping that names where each
paper value comes from; tests read those tables, so the numbers live in one place. A flag the user
gives explicitly always wins over the preset (``None`` means "not given").
"""

from __future__ import annotations

from typing import Annotated, Any, Mapping, Optional

from plait.core.errors import InputError

PRESET_NAMES = ("default", "paper")


def resolve_preset(
    table: Mapping[str, Mapping[str, Any]],
    name: Optional[str],
    overrides: Mapping[str, Any] | None = None,
    *,
    method: str = "this command",
) -> dict[str, Any]:
    """The effective settings: the preset's values, then every override that is not ``None``.

    The result carries ``"preset"`` so a run's report can name it.
    """
    chosen = name or "default"
    if chosen not in table:
        raise InputError(f"unknown preset {chosen!r} for {method}: choose one of {', '.join(sorted(table))} (--preset NAME)")
    settings = dict(table[chosen])
    unknown = sorted(set(overrides or {}) - set(settings))
    if unknown:
        raise ValueError(f"override(s) {unknown} are not settings of the {method} presets")
    settings.update({key: value for key, value in (overrides or {}).items() if value is not None})
    return {"preset": chosen, **settings}


def differences(table: Mapping[str, Mapping[str, Any]], a: str = "default", b: str = "paper") -> dict[str, tuple[Any, Any]]:
    """Settings whose value differs between two presets: {key: (a's value, b's value)} (for docs)."""
    keys = list(dict.fromkeys([*table[a], *table[b]]))
    return {key: (table[a].get(key), table[b].get(key)) for key in keys if table[a].get(key) != table[b].get(key)}


def preset_option(help: str = "settings: default (plait's) or paper (the published pipeline's); flags given explicitly win"):
    """The shared ``--preset`` typer option (imported lazily so core stays free of typer at import)."""
    import typer

    return Annotated[Optional[str], typer.Option("--preset", help=help)]
