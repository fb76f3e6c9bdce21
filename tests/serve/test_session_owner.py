"""Sessions belong to the API key that created them (issue 11, item 9)."""

from __future__ import annotations

import httpx
import pytest

from serve_support import RunningServer, TalkAgent, new_session

KEY_A = "key-a-6f1c2b9e4d7a8c3f"
KEY_B = "key-b-0a9d8c7b6e5f4a3b"
A = {"Authorization": f"Bearer {KEY_A}"}
B = {"Authorization": f"Bearer {KEY_B}"}


@pytest.fixture(autouse=True)
def _both_backends(sessions_backend):
    """Every test here runs on SQLite and on PostgreSQL (tests/postgres_support.py)."""
    return sessions_backend


@pytest.fixture
def two_key_server(settings, monkeypatch):
    from plait.core.config import load_settings
    from plait.serve import create_app

    monkeypatch.setenv("PLAIT_API_KEYS", f"{KEY_A},{KEY_B}")
    running_settings = load_settings()
    with RunningServer(create_app(running_settings)) as running:
        running.settings = running_settings
        yield running


def _turn(url: str, headers: dict, session: str, model: str = "talk", **extra) -> httpx.Response:
    body = {"model": model, "messages": [{"role": "user", "content": "hello"}], **extra}
    return httpx.post(f"{url}/v1/chat/completions", json=body, headers={**headers, "X-Plait-Session": session}, timeout=60)


def test_another_key_gets_404_for_every_session_route(two_key_server):
    url, sid = two_key_server.url, new_session()
    assert _turn(url, A, sid).status_code == 200
    assert sid in [s["name"] for s in httpx.get(f"{url}/api/sessions", headers=A).json()["sessions"]]

    assert sid not in [s["name"] for s in httpx.get(f"{url}/api/sessions", headers=B).json()["sessions"]]
    attempts = [
        httpx.get(f"{url}/api/sessions/{sid}", headers=B),
        _turn(url, B, sid),
        _turn(url, B, sid, stream=True),
        httpx.get(f"{url}/api/sessions/{sid}/alternatives", headers=B),
        httpx.post(f"{url}/api/sessions/{sid}/alternatives", json={"index": 0}, headers=B),
        httpx.delete(f"{url}/api/sessions/{sid}", headers=B),
    ]
    for resp in attempts:
        assert resp.status_code == 404, (resp.request.method, resp.request.url, resp.text)
        assert "no session" in resp.json()["error"]["message"]

    mine = httpx.get(f"{url}/api/sessions/{sid}", headers=A).json()
    assert mine["turns"] == 1 and [m["role"] for m in mine["messages"]] == ["user", "assistant"]  # B changed nothing
    assert "owner" not in mine
    assert httpx.delete(f"{url}/api/sessions/{sid}", headers=A).status_code == 200


def test_the_owner_is_a_fingerprint_never_the_key(two_key_server):
    from plait.agents.sessions import get_session

    sid = new_session()
    assert _turn(url := two_key_server.url, A, sid).status_code == 200
    owner = get_session(two_key_server.settings, sid).owner
    assert owner and KEY_A not in owner
    _turn(url, B, new_session())
    stored = _everything_stored(two_key_server.settings)
    assert owner.encode() in stored  # what is read below is really the store
    assert KEY_A.encode() not in stored and KEY_B.encode() not in stored


def _everything_stored(settings) -> bytes:
    """The sessions store's bytes: the SQLite files, or every row of PostgreSQL's session tables."""
    if not settings.sessions_url:
        return b"".join(p.read_bytes() for p in settings.home.glob("checkpoints.sqlite*"))
    import psycopg

    out = []
    with psycopg.connect(settings.sessions_url) as conn:
        for table in ("plait_sessions", "plait_turn_extras", "checkpoints", "checkpoint_blobs", "checkpoint_writes"):
            for row in conn.execute(f"SELECT * FROM {table}"):
                out += [v if isinstance(v, bytes) else str(v).encode() for v in row]
    return b"".join(out)


def test_the_agent_gets_the_owner_and_a_client_cannot_choose_it(two_key_server):
    from plait.serve.middleware import owner_of

    _turn(two_key_server.url, A, new_session(), plait={"owner": owner_of(KEY_B)})
    _turn(two_key_server.url, B, new_session(), model="character/ada")
    assert [o["owner"] for o in TalkAgent.seen_options] == [owner_of(KEY_A), owner_of(KEY_B)]


def test_a_session_made_without_an_owner_is_hidden_from_keyed_clients(two_key_server):
    """Sessions of the CLI (and from before owners existed) have no owner: no API key sees them."""
    from plait.agents.sessions import touch

    sid = new_session()
    touch(two_key_server.settings, sid, "talk", title="from the CLI")
    assert httpx.get(f"{two_key_server.url}/api/sessions/{sid}", headers=A).status_code == 404
    assert _turn(two_key_server.url, A, sid).status_code == 404


@pytest.fixture
def two_key_real_server(plait_home, monkeypatch):
    """Every built-in plugin, as `plait serve` loads them: the real character agent lists its
    sessions itself (without knowing the owner)."""
    from plait.core.config import load_settings
    from plait.serve import create_app

    monkeypatch.setenv("PLAIT_API_KEYS", f"{KEY_A},{KEY_B}")
    running_settings = load_settings()
    with RunningServer(create_app(running_settings)) as running:
        running.settings = running_settings
        yield running


def test_a_real_character_session_belongs_to_the_key_that_started_it(two_key_real_server):
    from plait.agents.sessions import get_session
    from plait.serve.middleware import owner_of

    url, sid = two_key_real_server.url, new_session()
    models = httpx.get(f"{url}/v1/models", headers=A).json()["data"]
    character = next(m["id"] for m in models if m["id"].startswith("character/"))
    assert _turn(url, A, sid, model=character).status_code == 200
    assert get_session(two_key_real_server.settings, sid).owner == owner_of(KEY_A)
    assert _turn(url, A, sid, model=character).status_code == 200  # the owner continues it
    assert _turn(url, B, sid, model=character).status_code == 404
    assert httpx.get(f"{url}/api/sessions/{sid}", headers=B).status_code == 404
    assert httpx.get(f"{url}/api/sessions/{sid}", headers=A).json()["turns"] == 2
