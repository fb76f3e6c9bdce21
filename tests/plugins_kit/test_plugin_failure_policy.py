"""One failure policy for every hook, with real installed-looking plugins (``.dist-info`` entry
points on PYTHONPATH) and the real ``plait`` command in a subprocess: a plugin that raises (or calls
``sys.exit``) at import or in any hook, routes and commands included, is named with its hook and
plait goes on; ``--strict`` turns any such failure into exit 1; a command or route clash is
refused like any other registry clash, naming both owners."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import httpx

from plait.testing.kit import free_port, stop_process, wait_for_http

from .conftest import GREETER

EXITS_AT_IMPORT = "import sys\nsys.exit(3)\n"

ROUTES_RAISE = '''
from plait import hookimpl

@hookimpl
def register_routes(app):
    @app.get("/half-added")
    def half() -> dict:
        return {}
    raise RuntimeError("route table exploded")
'''

AGENTS_RAISE = '''
from plait import hookimpl

@hookimpl
def register_agents(register):
    raise RuntimeError("agent registry exploded")
'''

REPLACES_INGEST = '''
from plait import hookimpl

@hookimpl
def register_commands(cli):
    @cli.command("ingest")
    def ingest() -> None:
        """Pretend to ingest."""
        print("HIJACKED")

    @cli.command("hello-extra")
    def hello_extra() -> None:
        print("extra ok")
'''

SECOND_GREETER = '''
from plait import hookimpl

@hookimpl
def register_commands(cli):
    import typer
    group = typer.Typer()

    @group.command("say")
    def say(name: str) -> None:
        print("IMPOSTOR " + name)

    cli.add_typer(group, name="greet")
'''

COMMANDS_EXIT = '''
import sys
from plait import hookimpl

@hookimpl
def register_commands(cli):
    @cli.command("half-command")
    def half() -> None:
        print("should not exist")
    sys.exit("bye from the plugin")
'''

ROUTE_CLASH = '''
from plait import hookimpl

@hookimpl
def register_routes(app):
    @app.get("/health")
    def fake_health() -> dict:
        return {"status": "HIJACKED"}

    @app.get("/extra-ok")
    def extra() -> dict:
        return {"ok": True}
'''


def test_plugin_calling_sys_exit_at_import_is_named_and_plait_goes_on(site, plait_run):
    site("plait-exiter", EXITS_AT_IMPORT)
    site("plait-greeter", GREETER)
    proc = plait_run("greet", "say", "ann")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "hello ann"
    assert "plugin 'plait-exiter' failed to load" in proc.stderr and "sys.exit(3)" in proc.stderr
    strict = plait_run("--strict", "greet", "say", "ann")
    assert strict.returncode == 1 and "plait-exiter" in strict.stderr and "hello" not in strict.stdout


def test_strict_exits_1_after_a_plugin_failed_in_a_hook(site, plait_run):
    site("plait-agents-raise", AGENTS_RAISE)
    relaxed = plait_run("config", "show")
    assert relaxed.returncode == 0, relaxed.stderr
    assert "plugin 'plait-agents-raise' raised in hook register_agents" in relaxed.stderr
    strict = plait_run("--strict", "config", "show")
    assert strict.returncode == 1, strict.stdout
    assert "plait-agents-raise" in strict.stderr and "register_agents" in strict.stderr
    assert "Traceback" not in strict.stderr


def test_plugin_cannot_replace_a_builtin_command(site, plait_run):
    site("plait-hijacker", REPLACES_INGEST)
    proc = plait_run("ingest", "--help")
    assert proc.returncode == 0, proc.stderr
    assert "Pretend to ingest" not in proc.stdout and "HIJACKED" not in proc.stdout
    assert ("command 'plait ingest' is registered by both plait's built-in commands and plugin "
            "'plait-hijacker'") in proc.stderr
    extra = plait_run("hello-extra")  # the plugin's other commands still work
    assert extra.returncode == 0 and extra.stdout.strip() == "extra ok"
    assert plait_run("--strict", "hello-extra").returncode == 1


def test_command_clash_between_two_plugins_names_both(site, plait_run):
    site("plait-greeter", GREETER)
    site("plait-impostor", SECOND_GREETER)
    proc = plait_run("greet", "say", "bo")
    assert proc.returncode == 0, proc.stderr
    clash = re.search(r"'plait greet' is registered by both plugin '([\w-]+)' and plugin '([\w-]+)'", proc.stderr)
    assert clash and {clash[1], clash[2]} == {"plait-greeter", "plait-impostor"}, proc.stderr
    # the first registration (entry points load in discovery order) stays, the second is refused
    assert proc.stdout.strip() == ("hello bo" if clash[1] == "plait-greeter" else "IMPOSTOR bo")


def test_plugin_exiting_in_register_commands_is_isolated_and_its_half_is_removed(site, plait_run):
    site("plait-cmd-exit", COMMANDS_EXIT)
    site("plait-greeter", GREETER)
    proc = plait_run("greet", "say", "cy")
    assert proc.returncode == 0 and proc.stdout.strip() == "hello cy", proc.stderr
    assert "plugin 'plait-cmd-exit' raised in hook register_commands" in proc.stderr
    assert "bye from the plugin" in proc.stderr
    assert plait_run("half-command").returncode == 2  # usage error: no such command
    listed = plait_run("plugins", "list", "--json")  # lists it (it re-runs the hook), naming the failure
    assert listed.returncode == 0, listed.stderr
    row = {r["name"]: r for r in json.loads(listed.stdout)}["plait-cmd-exit"]
    assert "register_commands" in row["error"] and "SystemExit" in row["error"]


def _serve(port: int, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "plait", *extra, "serve", "--port", str(port), "--no-auth", "--log-level", "warning"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_plugin_raising_in_register_routes_does_not_stop_serve(site):
    site("plait-routes-raise", ROUTES_RAISE)
    site("plait-greeter", GREETER)
    port = free_port()
    proc = _serve(port)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", proc=proc)
        assert httpx.get(f"http://127.0.0.1:{port}/greet/dee").json() == {"greeting": "hello dee"}
        assert httpx.get(f"http://127.0.0.1:{port}/half-added").status_code == 404  # its half is gone
    finally:
        stop_process(proc)
    err = proc.stderr.read()
    assert "plugin 'plait-routes-raise' raised in hook register_routes" in err and "route table exploded" in err


def test_strict_serve_exits_1_when_a_plugin_fails_in_register_routes(site):
    site("plait-routes-raise", ROUTES_RAISE)
    proc = _serve(free_port(), "--strict")
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            stop_process(proc)
    assert proc.returncode == 1, err
    assert "plait-routes-raise" in err and "register_routes" in err and "Traceback" not in err


def test_route_clash_is_refused_and_names_both(site):
    site("plait-route-clash", ROUTE_CLASH)
    port = free_port()
    proc = _serve(port)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/health", proc=proc)
        assert httpx.get(f"http://127.0.0.1:{port}/health").json()["status"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/extra-ok").json() == {"ok": True}
    finally:
        stop_process(proc)
    err = proc.stderr.read()
    assert "route GET /health is registered by both plait serve and plugin 'plait-route-clash'" in err
