"""The plugin host: discovery (built-ins, entry points), PLAIT_LOAD_PLUGINS, clashes, failures,
runtime hook errors named by plugin and hook, tracing, the process-wide host."""

from __future__ import annotations

import pytest

from plait import hookimpl
from plait.core.errors import PluginError, RegistrationClash
from plait.core.host import Host, get_host, set_host
from plait.core.tools import Tool
from plait.testing.kit import fake_distribution

TOOL_PLUGIN = '''
from plait import hookimpl

def greet(name: str) -> str:
    """Greet someone."""
    return "hello " + name

@hookimpl
def register_tools(register):
    register(greet)
'''


class GatePlugin:
    def __init__(self, gate_name: str = "keyword"):
        self.gate_name = gate_name

    @hookimpl
    def register_retrieval_gates(self, register):
        register(self.gate_name, lambda settings: None)


def test_builtins_are_plugins_named_plait_dot_module():
    host = Host(entry_points=False)
    assert {"plait.models", "plait.gates"} <= set(host.plugins)
    info = host.plugins["plait.models"]
    assert info.builtin and info.version and info.hooks == ["register_embedders", "register_models"]
    assert "scripted" in host.models and "scripted" in host.embedders
    assert host.registered_by("plait.gates") == {"gates": ["always", "never"]}
    assert host.gates.entry("always").plugin == "plait.gates"


def test_builtins_can_be_limited():
    host = Host(builtins=["gates"], entry_points=False)
    assert list(host.plugins) == ["plait.gates"]
    assert len(host.models) == 0


def test_entry_point_discovery(tmp_path, monkeypatch):
    fake_distribution(tmp_path, "plait-greeter", TOOL_PLUGIN, version="2.3")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("PLAIT_LOAD_PLUGINS", raising=False)
    host = Host(builtins=False)
    info = host.plugins["plait-greeter"]
    assert not info.builtin and info.version == "2.3" and info.distribution == "plait-greeter"
    assert info.hooks == ["register_tools"]
    tool = host.tools.get("greet")
    assert isinstance(tool, Tool) and tool.call({"name": "ada"}) == "hello ada"
    assert host.registered_by("plait-greeter") == {"tools": ["greet"]}


@pytest.mark.parametrize("value, loaded", [(None, True), ("", False), ("plait-greeter", True), ("other", False),
                                           (" other , plait-greeter ", True)])
def test_plait_load_plugins(tmp_path, monkeypatch, value, loaded):
    fake_distribution(tmp_path, "plait-greeter", TOOL_PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    if value is None:
        monkeypatch.delenv("PLAIT_LOAD_PLUGINS", raising=False)
    else:
        monkeypatch.setenv("PLAIT_LOAD_PLUGINS", value)
    host = Host()
    assert ("plait-greeter" in host.plugins) is loaded
    assert "plait.models" in host.plugins  # built-ins always load


def test_clash_names_both_plugins():
    with pytest.raises(RegistrationClash) as err:
        Host(builtins=False, entry_points=False, strict=True,
             extra_plugins=[("first", GatePlugin()), ("second", GatePlugin())])
    assert "'first'" in str(err.value) and "'second'" in str(err.value) and "'keyword'" in str(err.value)


def test_clash_without_strict_keeps_the_first_and_reports(capsys):
    host = Host(builtins=False, entry_points=False, extra_plugins=[("first", GatePlugin()), ("second", GatePlugin())])
    assert host.gates.entry("keyword").plugin == "first"
    assert "registered by both plugin 'first' and plugin 'second'" in capsys.readouterr().err
    assert "both" in (host.plugins["second"].error or "")


def test_clash_with_a_builtin():
    with pytest.raises(RegistrationClash, match="plait.gates"):
        Host(entry_points=False, strict=True, extra_plugins=[("mine", GatePlugin("always"))])


def test_plugin_failing_to_import_is_reported_and_skipped(tmp_path, monkeypatch, capsys):
    fake_distribution(tmp_path, "plait-broken", "import no_such_module_for_plait_tests\n")
    fake_distribution(tmp_path, "plait-greeter", TOOL_PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("PLAIT_LOAD_PLUGINS", raising=False)
    host = Host(builtins=False)
    assert "plait-greeter" in host.plugins and "plait-broken" not in host.plugins
    [failure] = host.failures
    assert failure.name == "plait-broken" and "ModuleNotFoundError" in failure.error
    assert "no_such_module_for_plait_tests" in failure.error
    assert "plugin 'plait-broken' failed to load" in capsys.readouterr().err
    with pytest.raises(PluginError, match="plait-broken") as err:
        Host(builtins=False, strict=True)
    assert err.value.plugin == "plait-broken"


class Raising:
    @hookimpl
    def register_tools(self, register):
        raise RuntimeError("database is gone")


def test_hook_raising_is_named_by_plugin_and_hook(capsys):
    host = Host(builtins=["gates"], entry_points=False, extra_plugins=[("plait-raiser", Raising())])
    err = capsys.readouterr().err
    assert "plugin 'plait-raiser' raised in hook register_tools: RuntimeError: database is gone" in err
    assert "register_tools" in host.plugins["plait-raiser"].error
    assert "always" in host.gates  # the host went on
    with pytest.raises(PluginError, match="'plait-raiser' raised in hook register_tools") as exc:
        Host(builtins=False, entry_points=False, strict=True, extra_plugins=[("plait-raiser", Raising())])
    assert exc.value.plugin == "plait-raiser"


def test_call_each_at_run_time_names_plugin_and_hook():
    class BadCommands:
        @hookimpl
        def register_commands(self, cli):
            raise KeyError("no such group")

    class GoodCommands:
        calls = []

        @hookimpl
        def register_commands(self, cli):
            self.calls.append(cli)

    good = GoodCommands()
    host = Host(builtins=False, entry_points=False, extra_plugins=[("good", good), ("bad", BadCommands())])
    with pytest.raises(PluginError) as err:
        host.call_each("register_commands", cli="the-app")
    assert str(err.value).startswith("plugin 'bad' raised in hook register_commands: KeyError")
    assert err.value.plugin == "bad"
    assert good.calls == ["the-app"]  # registration order: good ran first


def test_trace_prints_loads_and_calls(monkeypatch, capsys):
    monkeypatch.setenv("PLAIT_TRACE_PLUGINS", "1")
    Host(builtins=["gates"], entry_points=False)
    err = capsys.readouterr().err
    assert "[plait plugins] loaded plait.gates (builtin): hooks register_retrieval_gates" in err
    assert "[plait plugins] call register_retrieval_gates -> plait.gates" in err
    monkeypatch.setenv("PLAIT_TRACE_PLUGINS", "0")
    Host(builtins=["gates"], entry_points=False)
    assert "[plait plugins]" not in capsys.readouterr().err


def test_tool_registration_forms():
    from plait.core.tools import tool

    @tool(name="made")
    def made(x: int) -> int:
        """Identity."""
        return x

    class Tools:
        @hookimpl
        def register_tools(self, register):
            register(made)
            register(lambda text: text, name="lambda_tool")

    host = Host(builtins=False, entry_points=False, extra_plugins=[("t", Tools())])
    assert host.tools.names() == ["lambda_tool", "made"]
    assert host.tools.get("made") is made


def test_get_host_is_cached_and_set_host_replaces():
    import plait.core.host as host_mod

    previous = host_mod._HOST
    try:
        set_host(None)
        first = get_host()
        assert get_host() is first
        mine = Host(builtins=False, entry_points=False)
        set_host(mine)
        assert get_host() is mine
    finally:
        set_host(previous)
