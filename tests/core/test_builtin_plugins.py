"""Built-ins: named in BUILTIN_PLUGINS only (a module dropped into plait/plugins/ is no plugin), any
of them can be turned off (--disable, PLAIT_DISABLE_PLUGINS, PLAIT_LOAD_PLUGINS) with a clear error
where it is needed, and an optional built-in whose extra is missing fails to load naming the extra."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import plait.core.host as host_mod
from plait.core.errors import NotFound, PluginError
from plait.core.host import BUILTIN_PLUGINS, Builtin, Host


@pytest.fixture(autouse=True)
def _clean_switches(monkeypatch):
    monkeypatch.delenv("PLAIT_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("PLAIT_DISABLE_PLUGINS", raising=False)
    monkeypatch.setattr(host_mod, "_DISABLED", set())


def test_a_module_dropped_into_plait_plugins_is_not_a_plugin(tmp_path, monkeypatch):
    import plait.plugins

    stray = tmp_path / "stray.py"
    stray.write_text("from plait import hookimpl\n\n@hookimpl\ndef register_tools(register):\n"
                     "    def stray_tool() -> str:\n        '''Stray.'''\n        return 'x'\n"
                     "    register(stray_tool)\n", encoding="utf-8")
    monkeypatch.setattr(plait.plugins, "__path__", [*plait.plugins.__path__, str(tmp_path)])
    import importlib

    assert importlib.import_module("plait.plugins.stray")  # importable from plait.plugins...
    host = Host(entry_points=False)
    assert "plait.stray" not in host.plugins and "stray_tool" not in host.tools  # ...but not loaded
    sys.modules.pop("plait.plugins.stray", None)


def test_disable_turns_a_builtin_off_and_says_so_where_it_is_needed():
    host_mod.disable_plugins(["plait.rag"])
    host = Host(entry_points=False)
    assert "plait.rag" not in host.plugins and "rag" not in host.agents
    assert host.disabled == {"plait.rag": "--disable plait.rag"}
    with pytest.raises(NotFound) as err:
        host.agents.get("rag")
    assert "plugin 'plait.rag', turned off by --disable plait.rag" in str(err.value)
    assert "run without --disable plait.rag" in str(err.value)


def test_disable_accepts_the_short_name_and_the_environment(monkeypatch):
    monkeypatch.setenv("PLAIT_DISABLE_PLUGINS", "math, plait.uar")
    host = Host(entry_points=False)
    assert not {"plait.math", "plait.uar"} & set(host.plugins)
    assert set(host.disabled) == {"plait.math", "plait.uar"}
    assert "uar" not in host.gates and "math" not in host.agents


def test_load_plugins_naming_builtins_loads_only_those(monkeypatch):
    monkeypatch.setenv("PLAIT_LOAD_PLUGINS", "plait.models,plait.gates")
    host = Host(entry_points=False)
    assert {n for n, i in host.plugins.items() if i.builtin} == {"plait.models", "plait.gates"}
    with pytest.raises(NotFound, match="add plait.rag to PLAIT_LOAD_PLUGINS"):
        host.agents.get("rag")


@pytest.mark.parametrize("value", ["", "some-third-party"])
def test_load_plugins_naming_no_builtin_leaves_the_builtins_alone(monkeypatch, value):
    monkeypatch.setenv("PLAIT_LOAD_PLUGINS", value)
    host = Host(entry_points=False)
    assert {f"plait.{b.short}" for b in BUILTIN_PLUGINS} == {n for n, i in host.plugins.items() if i.builtin}


def test_a_builtin_whose_extra_is_missing_fails_to_load_naming_the_extra(monkeypatch, capsys):
    missing = Builtin("gates", "plait.plugins.gates", "gadgets", ("plait_no_such_module_xyz",))
    monkeypatch.setattr(host_mod, "BUILTIN_PLUGINS", (missing,))
    host = Host(entry_points=False)
    assert "plait.gates" not in host.plugins
    (failure,) = host.failures
    assert "pip install 'plait[gadgets]'" in failure.error and "plait_no_such_module_xyz" in failure.error
    assert "plait[gadgets]" in capsys.readouterr().err
    with pytest.raises(NotFound, match=r"plugin 'plait.gates', failed to load .*plait\[gadgets\]"):
        host.gates.get("always")
    with pytest.raises(PluginError, match=r"plait\[gadgets\]"):
        Host(entry_points=False, strict=True)


def test_every_optional_builtin_names_an_extra_that_pyproject_defines_and_all_includes():
    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    everything = " ".join(extras["all"])
    for builtin in BUILTIN_PLUGINS:
        if builtin.extra:
            assert builtin.extra in extras, builtin
            assert builtin.extra in everything, f"[all] must include [{builtin.extra}]"


def test_plait_ask_with_the_rag_agent_disabled_names_the_plugin_and_how_to_reenable(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PLAIT_HOME": str(tmp_path / "home"),
           "PLAIT_MODEL": "scripted/echo", "PLAIT_EMBEDDER": "scripted/hash"}
    proc = subprocess.run([sys.executable, "-m", "plait", "--disable", "plait.rag", "ask", "hello"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 1
    assert "plait.rag" in proc.stderr and "run without --disable plait.rag" in proc.stderr


def test_every_builtin_registers_in_the_one_factory_shape():
    """No built-in may lean on the old-shape adapter: it is there for third-party plugins only."""
    import warnings

    from plait.core.host import Host

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Host(entry_points=False)
    old = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning) and "factory" in str(w.message)]
    assert old == []
