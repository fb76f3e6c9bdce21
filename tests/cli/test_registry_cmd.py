"""``plait --version`` and ``plait models|tools|agents list``: every registry is visible from the CLI."""

from __future__ import annotations

import json

import plait


def test_version(plait_cli):
    res = plait_cli("--version")
    assert res.exit_code == 0 and res.stdout.strip() == f"plait {plait.__version__}"


def test_models_list_names_every_backend_and_the_configured_model(plait_cli, monkeypatch):
    monkeypatch.setenv("PLAIT_MODEL", "scripted/echo")
    rows = json.loads(plait_cli("models", "list", "--json").stdout)
    chat = {r["backend"]: r for r in rows if r["kind"] == "chat"}
    assert {"openai", "llamacpp", "scripted"} <= set(chat) and chat["scripted"]["configured"] == "scripted/echo"
    assert chat["openai"]["configured"] is None and chat["openai"]["plugin"]
    assert any(r["kind"] == "embedder" for r in rows)


def test_tools_list_gives_each_tool_its_schema(plait_cli):
    rows = {r["name"]: r for r in json.loads(plait_cli("tools", "list", "--json").stdout)}
    assert rows["math_python"]["schema"]["function"]["name"] == "math_python"
    assert "code" in rows["math_python"]["schema"]["function"]["parameters"]["properties"]


def test_agents_list_includes_variants_without_naming_them(plait_cli):
    names = [r["name"] for r in json.loads(plait_cli("agents", "list", "--json").stdout)]
    assert "rag" in names and "math" in names
    assert any(n.startswith("character/") for n in names)  # advertised by the factory's variants()
    assert "character" not in names


def test_help_has_no_hard_line_breaks_and_no_bool_metavar(plait_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    out = plait_cli("ingest", "--help").stdout
    assert "<bool>" not in out
    # the docstring's second paragraph is wrapped at 100 columns in the source: one line on a wide terminal
    assert any("--sync removes the chunks of deleted files" in line for line in out.splitlines())
