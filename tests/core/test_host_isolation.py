"""The host's one failure policy, in-process: SystemExit in a hook is isolated, what a failing
plugin half-registered is removed, clashes name the hook, ``problems()`` lists every failure, and
the command and route guards refuse clashes whichever side registered first."""

from __future__ import annotations

import sys

import pytest
import typer
from fastapi import FastAPI

from plait import hookimpl
from plait.cli.common import CommandOwners
from plait.core.errors import PluginError, RegistrationClash
from plait.core.host import Host
from plait.core.registry import RouteOwners


class ExitsInHook:
    @hookimpl
    def register_agents(self, register):
        sys.exit("agent plugin gives up")


class HalfTools:
    @hookimpl
    def register_tools(self, register):
        def first(text: str) -> str:
            """First."""
            return text

        register(first)
        raise RuntimeError("second tool broke")


class Shout:
    @hookimpl
    def register_tools(self, register):
        def first(text: str) -> str:
            """Clashes with HalfTools' name only if both survive."""
            return text.upper()

        register(first)


def _host(*plugins):
    return Host(builtins=False, entry_points=False, extra_plugins=list(plugins))


def test_sys_exit_in_a_hook_is_isolated_and_named(capsys):
    host = _host(("exiter", ExitsInHook()))
    err = capsys.readouterr().err
    assert "plugin 'exiter' raised in hook register_agents: SystemExit" in err and "agent plugin gives up" in err
    assert [e.plugin for e in host.hook_errors] == ["exiter"]
    assert host.problems() == [str(host.hook_errors[0])]


def test_failing_plugin_half_registration_is_removed_and_the_next_plugin_gets_the_name():
    host = _host(("half", HalfTools()), ("shout", Shout()))
    assert host.tools.entry("first").plugin == "shout"  # 'half' left nothing behind
    assert host.plugins["half"].error and "second tool broke" in host.plugins["half"].error


def test_registry_clash_names_both_plugins_and_the_hook(capsys):
    host = _host(("shout", Shout()), ("shout2", Shout()))
    err = capsys.readouterr().err
    assert "'shout' and plugin 'shout2'" in err and "(in hook register_tools)" in err
    assert host.tools.entry("first").plugin == "shout"


def test_strict_host_raises_on_a_hook_sys_exit():
    with pytest.raises(PluginError, match="'exiter' raised in hook register_agents"):
        Host(builtins=False, entry_points=False, strict=True, extra_plugins=[("exiter", ExitsInHook())])


def test_plugin_command_walked_before_a_core_group_of_the_same_name_is_refused():
    root = typer.Typer()
    core = typer.Typer()

    @core.command("show")
    def show() -> None: ...

    root.add_typer(core, name="config")
    owners = CommandOwners(root)

    @root.command("config")  # a command sorts before groups when walked: must still be refused
    def hijack() -> None: ...

    with pytest.raises(RegistrationClash, match="'plait config' is registered by both plait's built-in commands and plugin 'p'"):
        owners.claim("p")
    assert root.registered_commands == [] and len(root.registered_groups) == 1


def test_commands_of_a_plugin_that_raised_are_removed():
    root = typer.Typer()
    owners = CommandOwners(root)

    @root.command("half")
    def half() -> None: ...

    owners.claim("p", failed=True)
    assert root.registered_commands == []


def test_route_guard_refuses_a_clash_and_drops_a_failed_plugins_routes():
    app = FastAPI()

    @app.get("/health")
    def health() -> dict:
        return {}

    owners = RouteOwners(app)

    @app.get("/health")
    def fake() -> dict:
        return {}

    @app.get("/mine")
    def mine() -> dict:
        return {}

    with pytest.raises(RegistrationClash, match="route GET /health is registered by both plait serve and plugin 'p'"):
        owners.claim("p")
    paths = [r.path for r in app.router.routes]
    assert paths.count("/health") == 1 and "/mine" in paths

    @app.post("/broken")
    def broken() -> dict:
        return {}

    owners.claim("q", failed=True)
    assert "/broken" not in [r.path for r in app.router.routes]


def test_builtin_tuple_names_every_plugin_folder():
    # core names the built-ins as strings (it imports no plugin); a new capability must be listed
    from pathlib import Path

    import plait.plugins
    from plait.core.host import BUILTIN_PLUGINS

    root = Path(plait.plugins.__file__).parent
    found = {p.stem for p in root.iterdir() if not p.name.startswith("_")
             and (p.suffix == ".py" or (p / "__init__.py").is_file())}
    listed = {b.module.rsplit(".", 1)[1] for b in BUILTIN_PLUGINS if b.module.startswith("plait.plugins.")}
    assert listed == found
    host = Host(entry_points=False)
    assert {f"plait.{b.short}" for b in BUILTIN_PLUGINS} == {n for n, i in host.plugins.items() if i.builtin}
