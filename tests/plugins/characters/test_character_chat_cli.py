"""`plait chat --character NAME --session ID` with the scripted model: greeting, reply,
/regenerate, /alts, /memory, exit, and resume in a second run."""

from __future__ import annotations

import typer
from typer.testing import CliRunner


def _app():
    from plait.cli import chat_cmd

    app = typer.Typer()
    chat_cmd.register(app)

    @app.command("noop", hidden=True)
    def _noop() -> None:  # a second command keeps `chat` a named subcommand
        pass

    return app


def test_chat_with_example_character_and_resume(plait_home):
    runner = CliRunner()
    first = runner.invoke(_app(), ["chat", "--character", "ada-lovelace", "--session", "cli1"],
                          input="Hello, how is Mr Babbage?\n/regenerate\n/alts\n/memory\n/exit\n")
    assert first.exit_code == 0, first.output
    out = first.stdout
    assert "Ah, a visitor!" in out  # the greeting
    assert out.count("Echo: Hello, how is Mr Babbage?") >= 3  # reply, regenerated reply, /alts listing
    assert "* 2. Echo: Hello, how is Mr Babbage?" in out
    assert "[profile" in out  # /memory shows retrieved profile chunks
    second = runner.invoke(_app(), ["chat", "--character", "ada-lovelace", "--session", "cli1"], input="Still there?\n")
    assert second.exit_code == 0, second.output
    assert "Ah, a visitor!" not in second.stdout  # resumed: no second greeting
    assert "Echo: Still there?" in second.stdout

    from plait.agents.base import get_agent
    from plait.core.config import load_settings

    history = get_agent("character/ada-lovelace", load_settings()).history("cli1")
    assert [m["role"] for m in history] == ["assistant", "user", "assistant", "user", "assistant"]
    assert history[1]["content"] == "Hello, how is Mr Babbage?" and history[3]["content"] == "Still there?"
