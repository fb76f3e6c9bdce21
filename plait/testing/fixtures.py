"""pytest fixtures for plait and plugin authors (registered through the ``pytest11`` entry point).

Installing plait makes these available in every test suite:

- ``plait_home``: a temporary data directory (``PLAIT_HOME``) with the scripted model and hash embedder;
- ``plait_settings``: the settings loaded in that directory;
- ``plait_host``: a factory for a host with only the plugins you choose, installed as the process
  host for the test and restored afterwards;
- ``scripted_model``: a chat model with queued replies that records every call;
- ``hash_embedder``: a deterministic embedder;
- ``plait_store``: a temporary Chroma collection you can fill and query;
- ``plait_cli``: runs ``plait ...`` in-process against the current host;
- ``plait_run``: runs ``python -m plait ...`` in a subprocess (for start-up behaviour).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from plait.testing.kit import CliResult, StoreHandle, build_host, invoke_cli


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


@pytest.fixture
def plait_settings(plait_home):
    """Settings loaded inside ``plait_home``."""
    from plait.core.config import load_settings

    return load_settings()


@pytest.fixture
def plait_host(monkeypatch) -> Callable[..., Any]:
    """Factory: ``plait_host(plugin, ..., builtins=True, entry_points=False, model=None, strict=True)``.

    Each plugin is a module/object with ``@hookimpl`` functions, a ``(name, object)`` pair, or the
    name of an installed entry point. ``model=`` a ChatModel (e.g. ``scripted_model``) makes it the
    configured model (``PLAIT_MODEL=testing/scripted``). The host becomes the process host
    (``get_host()``) until the test ends.
    """
    from plait.core.host import get_host, set_host
    import plait.core.host as host_mod

    previous = host_mod._HOST

    def make(*plugins: Any, builtins: bool | list[str] = True, entry_points: bool = False,
             model: Any = None, strict: bool = True):
        host = build_host(*plugins, builtins=builtins, entry_points=entry_points, model=model, strict=strict)
        if model is not None:
            monkeypatch.setenv("PLAIT_MODEL", "testing/scripted")
        set_host(host)
        assert get_host() is host
        return host

    yield make
    set_host(previous)


@pytest.fixture
def scripted_model():
    """A ScriptedChatModel: ``.queue("reply", ...)`` then inspect ``.calls``."""
    from plait.core.models.scripted import ScriptedChatModel

    return ScriptedChatModel()


@pytest.fixture
def hash_embedder():
    """The deterministic bag-of-words embedder (``scripted/hash``, 256 dimensions)."""
    from plait.core.models.scripted import HashEmbedder

    return HashEmbedder()


@pytest.fixture
def plait_store(plait_settings, hash_embedder) -> StoreHandle:
    """A temporary Chroma collection under ``plait_home``: ``.add(texts)``, ``.query(text)``."""
    return StoreHandle(plait_settings, hash_embedder)


@pytest.fixture
def plait_cli(plait_home) -> Callable[..., CliResult]:
    """Run ``plait ARGS`` in-process: ``plait_cli("plugins", "list", "--json")`` -> CliResult."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> CliResult:
        return invoke_cli(list(args), input=input, env=env)

    return run


@pytest.fixture
def plait_run(plait_home) -> Callable[..., subprocess.CompletedProcess]:
    """Run ``python -m plait ARGS`` in a subprocess with the test's environment."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
        full_env = {**os.environ, **(env or {})}
        return subprocess.run([sys.executable, "-m", "plait", *args], input=input, env=full_env,
                              capture_output=True, text=True, timeout=timeout, cwd=Path.cwd())

    return run
