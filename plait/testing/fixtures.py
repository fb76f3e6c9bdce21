"""pytest fixtures for plugin authors (registered through the ``pytest11`` entry point)."""

from __future__ import annotations

import pytest


@pytest.fixture
def plait_home(tmp_path, monkeypatch):
    """A temporary data directory set as PLAIT_HOME, with the scripted model and hash embedder."""
    home = tmp_path / "plait-home"
    home.mkdir()
    monkeypatch.setenv("PLAIT_HOME", str(home))
    monkeypatch.setenv("PLAIT_MODEL", "scripted/echo")
    monkeypatch.setenv("PLAIT_EMBEDDER", "scripted/hash")
    monkeypatch.chdir(tmp_path)
    return home
