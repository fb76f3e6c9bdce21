"""The public API: every name a plugin author needs comes from ``plait``, lazily."""

from __future__ import annotations

import subprocess
import sys
import warnings

import plait
import plait.api


def test_every_public_name_resolves_from_plait():
    missing = [name for name in plait.api.__all__ if getattr(plait, name, None) is None]
    assert missing == []
    assert plait.GraphAgent is plait.api.GraphAgent and plait.Tool.__module__ == "plait.core.tools"


def test_unknown_names_are_attribute_errors():
    try:
        plait.NoSuchThing  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("plait.NoSuchThing resolved")


def test_import_plait_stays_cheap():
    """``import plait`` must not pull the API's heavy layers (every command pays for it)."""
    code = "import sys, plait; print(sorted(m for m in ('plait.api', 'chromadb', 'langgraph', 'pydantic') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_version_matches_the_package_metadata():
    import tomllib
    from pathlib import Path

    meta = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert plait.__version__ == meta["project"]["version"]


def test_deprecated_module_paths_warn_and_still_work():
    import importlib

    from plait._deprecated import SHIMS

    for name in SHIMS:
        sys.modules.pop(name, None)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            module = importlib.import_module(name)
        assert any(issubclass(w.category, DeprecationWarning) for w in caught), name
        assert [n for n in dir(module) if not n.startswith("_")], f"{name} re-exports nothing"
