"""The ask / chat / sessions / config commands, run as real processes."""

from __future__ import annotations

import json


def _docs(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    (d / "tea.md").write_text("Green tea is steeped at 80 degrees Celsius for two minutes.\n")
    return d


def test_ask_json_has_answer_sources_and_gate(run_plait, tmp_path):
    run_plait("ingest", str(_docs(tmp_path)))
    out = json.loads(run_plait("ask", "--json", "At what temperature is green tea steeped?").stdout)
    assert out["answer"].startswith("Echo: At what temperature")
    assert out["retrieved"] is True and out["gate"]["retrieve"] is True
    assert out["sources"][0]["source"].endswith("tea.md") and "80 degrees" in out["sources"][0]["text"]


def test_ask_plain_prints_answer_and_sources(run_plait, tmp_path):
    run_plait("ingest", str(_docs(tmp_path)))
    out = run_plait("ask", "green tea temperature").stdout
    assert "Echo: green tea temperature" in out and "tea.md" in out and "Sources" in out


def test_chat_session_survives_the_process(run_plait_sessions):
    run_plait = run_plait_sessions  # SQLite and PostgreSQL
    first = run_plait("chat", "--session", "s1", "--retrieve", "never", input="hello there\n")
    assert "Echo: hello there" in first.stdout
    run_plait("chat", "--session", "s1", "--retrieve", "never", input="second message\n/exit\nnot sent\n")
    shown = json.loads(run_plait("sessions", "show", "s1", "--json").stdout)
    contents = [m["content"] for m in shown["messages"]]
    assert contents == ["hello there", "Echo: hello there", "second message", "Echo: second message"]
    listed = json.loads(run_plait("sessions", "list", "--json").stdout)
    assert [(s["name"], s["turns"], s["agent"]) for s in listed] == [("s1", 2, "rag")]
    run_plait("sessions", "delete", "s1", "-y")
    assert json.loads(run_plait("sessions", "list", "--json").stdout) == []


def test_unknown_session_is_a_clear_error(run_plait_sessions):
    run_plait = run_plait_sessions  # SQLite and PostgreSQL
    proc = run_plait("sessions", "show", "nope", check=False)
    assert proc.returncode == 1 and "no session named 'nope'" in proc.stderr


def test_config_error_names_the_key_and_the_fix(run_plait, tmp_path):
    (tmp_path / "plait.toml").write_text('top_k = "many"\n')
    proc = run_plait("config", "show", check=False)
    assert proc.returncode == 1 and "top_k" in proc.stderr and "plait.toml" in proc.stderr


def test_config_show_redacts_secrets(run_plait):
    proc = run_plait("config", "show", "--json", extra_env={"PLAIT_LLM_API_KEY": "sk-secret-123"})
    data = json.loads(proc.stdout)
    assert data["llm_api_key"] == "***" and "sk-secret-123" not in proc.stdout
    assert data["model"] == "scripted/echo"


def test_unknown_model_backend_is_explained(run_plait):
    proc = run_plait("ask", "--model", "nosuch/thing", "--retrieve", "never", "hi", check=False)
    assert proc.returncode == 1 and "unknown model backend 'nosuch'" in proc.stderr
