"""Model names the server does not offer are 404 and build nothing; built agents are bounded (issue 11, item 6)."""

from __future__ import annotations

import os

import httpx

from serve_support import API_KEY, Characters, RunningServer, new_session

AUTH = {"Authorization": f"Bearer {API_KEY}"}


def _turn(http: httpx.Client, model: str, session: str | None = None) -> httpx.Response:
    headers = {"X-Plait-Session": session} if session else {}
    return http.post("/v1/chat/completions", json={"model": model, "messages": [{"role": "user", "content": "hi"}]}, headers=headers)


def test_600_unknown_model_strings_are_404_and_session_turns_keep_working(server):
    bogus = ["talk/{}", "character/ada{}", "character/ADA/{}", "nope-{}", "character"]
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as http:
        for i in range(600):
            model = bogus[i % len(bogus)].format(i)
            resp = _turn(http, model, new_session())
            assert resp.status_code == 404, (model, resp.text)
            assert "/v1/models" in resp.json()["error"]["message"]
        pool = server.app.state.pool
        assert len(pool.agents) == 0  # nothing was built for them
        sid = new_session()
        for _ in range(2):
            resp = _turn(http, "talk", sid)
            assert resp.status_code == 200, resp.text
        assert "remembers: hi" in resp.json()["choices"][0]["message"]["content"]
        assert _turn(http, "character/ada", new_session()).status_code == 200


def test_case_variant_of_a_character_is_404_naming_the_listed_one(server):
    resp = httpx.post(f"{server.url}/v1/chat/completions", json={"model": "character/ADA", "messages": [{"role": "user", "content": "hi"}]}, headers=AUTH)
    assert resp.status_code == 404
    assert "character/ada" in resp.json()["error"]["message"]


def _open_db_handles() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += "checkpoints.sqlite" in os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
    return count


def test_agent_cache_is_bounded_and_evicted_agents_release_their_database_handles(settings, monkeypatch):
    from plait.core.config import load_settings
    from plait.serve import create_app

    monkeypatch.setenv("PLAIT_SERVE__AGENT_CACHE", "2")
    Characters.extra = [f"c{i}" for i in range(12)]
    with RunningServer(create_app(load_settings())) as server, httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as http:
        for name in ("ada", "c0"):
            assert _turn(http, f"character/{name}", new_session()).status_code == 200
        with_two = _open_db_handles()
        for name in Characters.extra[1:]:
            assert _turn(http, f"character/{name}", new_session()).status_code == 200
        assert len(server.app.state.pool.agents) == 2
        assert _open_db_handles() <= with_two  # eleven more agents built, none of their handles kept
