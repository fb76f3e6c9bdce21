"""`plait sessions migrate --to URL`: SQLite sessions made by real `plait` processes move into
PostgreSQL with their rows, latest checkpoint and extras, and a second run copies nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from plait.agents import sessions
from plait.core.config import load_settings


@pytest.fixture
def plait_cmd(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_")}
    env.update(PLAIT_HOME=str(tmp_path / "home"), PLAIT_MODEL="scripted/echo", PLAIT_EMBEDDER="scripted/hash")

    def run(*args: str, url: str | None = None, input: str | None = None) -> subprocess.CompletedProcess:
        proc = subprocess.run([sys.executable, "-m", "plait", *args], input=input, capture_output=True, text=True,
                              cwd=tmp_path, env={**env, **({"PLAIT_SESSIONS_URL": url} if url else {})}, timeout=300)
        assert proc.returncode == 0, f"plait {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
        return proc

    run.home = tmp_path / "home"
    return run


def _messages(plait_cmd, name: str, url: str | None = None) -> list[str]:
    shown = json.loads(plait_cmd("sessions", "show", name, "--json", url=url).stdout)
    return [m["content"] for m in shown["messages"]]


def test_migrate_copies_sessions_once_and_they_go_on_in_postgres(plait_cmd, fresh_postgres_db, monkeypatch):
    url = fresh_postgres_db
    plait_cmd("ask", "--session", "tea", "--retrieve", "never", "first question")
    plait_cmd("ask", "--session", "tea", "--retrieve", "never", "second question")
    plait_cmd("chat", "--session", "other", "--retrieve", "never", input="hello\n")
    monkeypatch.setenv("PLAIT_HOME", str(plait_cmd.home))
    monkeypatch.delenv("PLAIT_SESSIONS_URL", raising=False)
    sessions.save_turn_extras(load_settings(), "tea", 3, "d" * 16, {"sources": ["tea.md"]})
    before = _messages(plait_cmd, "tea")
    assert before == ["first question", "Echo: first question", "second question", "Echo: second question"]

    assert json.loads(plait_cmd("sessions", "migrate", "--to", url, "--json").stdout) == {"copied": 2, "skipped": 0}
    again = plait_cmd("sessions", "migrate", "--to", url)
    assert "copied 0 sessions" in again.stdout and "skipped 2" in again.stdout

    listed = json.loads(plait_cmd("sessions", "list", "--json", url=url).stdout)
    assert sorted((s["name"], s["turns"], s["agent"]) for s in listed) == [("other", 1, "rag"), ("tea", 2, "rag")]
    assert _messages(plait_cmd, "tea", url) == before
    monkeypatch.setenv("PLAIT_SESSIONS_URL", url)
    assert sessions.turn_extras(load_settings(), "tea") == {3: ("d" * 16, {"sources": ["tea.md"]})}
    sessions.backend.close_backends()
    plait_cmd("ask", "--session", "tea", "--retrieve", "never", "third question", url=url)  # resumes in PostgreSQL
    assert _messages(plait_cmd, "tea", url)[4:] == ["third question", "Echo: third question"]
    assert len(_messages(plait_cmd, "tea")) == 4  # the SQLite copy is left as it was


def test_migrate_refuses_a_url_that_is_not_postgresql(plait_home):
    from plait.agents.sessions.migrate import migrate_to
    from plait.core.errors import InputError

    with pytest.raises(InputError, match="not a PostgreSQL URL"):
        migrate_to(load_settings(), "sqlite:///x.db")


def test_migrate_to_an_unreachable_database_names_the_option(plait_home):
    from plait.agents.sessions.migrate import migrate_to
    from plait.core.errors import StoreError
    from plait.testing.kit import free_port

    sessions.store.touch(load_settings(), "s1", "rag")  # something to copy
    url = f"postgresql://plait:s3cret@127.0.0.1:{free_port()}/nodb"
    with pytest.raises(StoreError) as err:
        migrate_to(load_settings(), url)
    assert "fix --to" in str(err.value) and "127.0.0.1" in str(err.value) and "s3cret" not in str(err.value)
