"""Fake installed plugins for the CLI tests: real ``.dist-info`` folders on PYTHONPATH, no pip."""

from __future__ import annotations

import os

import pytest

from plait.testing.kit import fake_distribution

GREETER = '''
from plait import hookimpl

def greet(name: str) -> str:
    """Greet someone by name."""
    return "hello " + name

@hookimpl
def register_tools(register):
    register(greet)

@hookimpl
def register_commands(cli):
    import typer
    group = typer.Typer(help="greetings")

    @group.command("say")
    def say(name: str) -> None:
        """Say hello."""
        typer.echo(greet(name))

    cli.add_typer(group, name="greet")

@hookimpl
def register_routes(app):
    @app.get("/greet/{name}")
    def greet_route(name: str) -> dict:
        return {"greeting": greet(name)}
'''

BROKEN = "import plait_no_such_dependency_xyz\n"

RAISING = '''
from plait import hookimpl

@hookimpl
def register_agents(register):
    raise RuntimeError("agent registry exploded")
'''


@pytest.fixture
def site(tmp_path, monkeypatch, plait_home):
    """A folder on PYTHONPATH (for subprocesses) that fake plugins are written into."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    monkeypatch.delenv("PLAIT_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("PLAIT_TRACE_PLUGINS", raising=False)

    def add(name: str, code: str, **kw):
        return fake_distribution(folder, name, code, **kw)

    add.path = folder
    return add
