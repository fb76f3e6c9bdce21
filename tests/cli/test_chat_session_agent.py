"""A session remembers its agent (`plait chat`, `plait ask --session`), the exit hint is the full
command, and a failing slash command does not end the chat. Real `plait` processes, real SQLite and PostgreSQL."""

from __future__ import annotations

import json

CHAR = "ada-lovelace"  # a shipped example character


def _contents(run_plait, name):
    return [m["content"] for m in json.loads(run_plait("sessions", "show", name, "--json").stdout)["messages"]]


def test_exit_hint_reopens_the_character_session(run_plait_sessions):
    run_plait = run_plait_sessions
    proc = run_plait("chat", "--character", CHAR, "--session", "c1", input="Hello there\n")
    assert f"resume with `plait chat --character {CHAR} --session c1`" in proc.stderr
    rag = run_plait("chat", "--session", "r1", "--retrieve", "never", input="hi\n")
    assert "resume with `plait chat --session r1`" in rag.stderr


def test_chat_refuses_a_character_session_without_character(run_plait_sessions):
    run_plait = run_plait_sessions
    run_plait("chat", "--character", CHAR, "--session", "c1", input="Hello there\n")
    before = _contents(run_plait, "c1")
    proc = run_plait("chat", "--session", "c1", "--retrieve", "never", input="who are you?\n", check=False)
    assert proc.returncode == 1
    assert f"belongs to agent 'character/{CHAR}'" in proc.stderr
    assert f"plait chat --character {CHAR} --session c1" in proc.stderr
    assert _contents(run_plait, "c1") == before  # nothing of the character's chat was replaced
    listed = json.loads(run_plait("sessions", "list", "--json").stdout)
    assert [(s["name"], s["agent"]) for s in listed] == [("c1", f"character/{CHAR}")]
    # following the hint works
    run_plait("chat", "--character", CHAR, "--session", "c1", input="And again\n")
    assert _contents(run_plait, "c1")[: len(before)] == before and "And again" in _contents(run_plait, "c1")


def test_ask_refuses_another_agents_session(run_plait_sessions):
    run_plait = run_plait_sessions
    run_plait("chat", "--character", CHAR, "--session", "c1", input="Hello there\n")
    before = _contents(run_plait, "c1")
    proc = run_plait("ask", "--session", "c1", "--retrieve", "never", "what is tea?", check=False)
    assert proc.returncode == 1 and f"plait chat --character {CHAR} --session c1" in proc.stderr
    assert _contents(run_plait, "c1") == before


def test_alts_out_of_range_reports_and_the_chat_goes_on(run_plait_sessions):
    run_plait = run_plait_sessions
    proc = run_plait("chat", "--character", CHAR, "--session", "c2", input="Hello there\n/alts 9\n/alts x\nSecond message\n")
    assert proc.returncode == 0, proc.stderr
    assert "error: no alternative 9" in proc.stderr and "error: usage: /alts" in proc.stderr
    assert "Traceback" not in proc.stderr
    users = [m["content"] for m in json.loads(run_plait("sessions", "show", "c2", "--json").stdout)["messages"] if m["role"] == "user"]
    assert users == ["Hello there", "Second message"]  # the line after the bad command was still sent
