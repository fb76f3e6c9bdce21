"""The page's JSON API (sessions, characters, chunks), regenerate, and Open WebUI housekeeping."""

from __future__ import annotations

import httpx
import pytest

from plait.serve import housekeeping
from serve_support import API_KEY, TalkAgent, new_session

AUTH = {"Authorization": f"Bearer {API_KEY}"}

TITLE_PROMPT = """### Task:
Generate a concise, 3-5 word title with an emoji summarizing the chat history.
### Guidelines:
- The title should clearly represent the main theme or subject of the conversation.
### Output:
JSON format: { "title": "your concise title here" }
### Chat History:
<chat_history>
USER: How do I bake sourdough bread at home?
ASSISTANT: Start with a lively starter.
</chat_history>"""

TAGS_PROMPT = """### Task:
Generate 1-3 broad tags categorizing the main themes of the chat history, along with 1-3 more specific subtopic tags.
### Output:
JSON format: { "tags": ["tag1", "tag2", "tag3"] }
### Chat History:
<chat_history>
USER: hi
</chat_history>"""

FOLLOW_PROMPT = """### Task:
Suggest 3-5 relevant follow-up questions or prompts that the user might naturally ask next in this conversation as a **user**, based on the chat history, to help continue or deepen the discussion.
### Output:
JSON format: { "follow_ups": ["Question 1?", "Question 2?", "Question 3?"] }
### Chat History:
<chat_history>
USER: hi
</chat_history>"""


def _chat(server, messages, model="talk", session=None, **extra):
    headers = dict(AUTH)
    if session:
        headers["X-Plait-Session"] = session
    resp = httpx.post(f"{server.url}/v1/chat/completions", json={"model": model, "messages": messages, **extra}, headers=headers, timeout=60)
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.mark.parametrize(
    "prompt, expected",
    [(TITLE_PROMPT, {"title": "How do i bake sourdough"}), (TAGS_PROMPT, {"tags": ["General"]}), (FOLLOW_PROMPT, {"follow_ups": []})],
)
def test_open_webui_housekeeping_skips_the_graph(server, settings, prompt, expected):
    import json

    sid = new_session()
    body = _chat(server, [{"role": "user", "content": prompt}], session=sid)
    assert json.loads(body["choices"][0]["message"]["content"]) == expected
    assert body["plait"]["housekeeping"] in {"title", "tags", "follow_ups"}
    assert TalkAgent.seen_options == []  # the agent never ran
    from plait.agents.sessions import list_sessions

    assert all(s.name != sid for s in list_sessions(settings))


def test_housekeeping_detection_leaves_ordinary_messages_alone():
    assert housekeeping.detect([{"role": "user", "content": "Give my chat a title please"}]) is None
    assert housekeeping.detect([{"role": "user", "content": "### Task: do my homework"}]) is None
    auto = "### Task:\nYou are an autocompletion system. Continue the text in `<text>` ... <type>Search Query</type>\n<chat_history>\n</chat_history>"
    assert housekeeping.detect([{"role": "user", "content": auto}]) == "autocomplete"


def test_sessions_listing_and_history(server):
    sid = new_session()
    _chat(server, [{"role": "assistant", "content": "Good day! I am Ada."}, {"role": "user", "content": "first question"}], model="character/ada", session=sid)
    _chat(server, [{"role": "user", "content": "second question"}], model="character/ada", session=sid)
    listed = httpx.get(f"{server.url}/api/sessions", headers=AUTH).json()["sessions"]
    mine = next(s for s in listed if s["name"] == sid)
    assert mine["agent"] == "character/ada" and mine["title"] == "first question"
    shown = httpx.get(f"{server.url}/api/sessions/{sid}", headers=AUTH).json()
    roles = [m["role"] for m in shown["messages"]]
    # with a session only the new turn goes in; the agent recorded its own greeting first
    assert roles == ["assistant", "user", "assistant", "user", "assistant"]
    assert shown["messages"][0]["content"] == "Good day! I am Ada."
    assert shown["messages"][3]["content"] == "second question"
    other = new_session()
    _chat(server, [{"role": "user", "content": "unrelated"}], session=other)
    other_msgs = httpx.get(f"{server.url}/api/sessions/{other}", headers=AUTH).json()["messages"]
    assert not any("question" in m["content"] for m in other_msgs)
    assert httpx.get(f"{server.url}/api/sessions/missing-one", headers=AUTH).status_code == 404


def test_regenerate_replaces_the_last_turn(server):
    sid = new_session()
    _chat(server, [{"role": "user", "content": "one"}], session=sid)
    _chat(server, [{"role": "user", "content": "two"}], session=sid)
    again = _chat(server, [{"role": "user", "content": "two"}], session=sid, plait={"regenerate": True})
    assert "(remembers: one)" in again["choices"][0]["message"]["content"]  # not "one | two"
    msgs = httpx.get(f"{server.url}/api/sessions/{sid}", headers=AUTH).json()["messages"]
    assert [m["content"] for m in msgs if m["role"] == "user"] == ["one", "two"]
    assert "regenerate" not in TalkAgent.seen_options[-1]


def test_regenerate_first_turn(server):
    sid = new_session()
    msgs = [{"role": "assistant", "content": "Hello again."}, {"role": "user", "content": "hi"}]
    _chat(server, msgs, model="character/ada", session=sid)
    _chat(server, msgs, model="character/ada", session=sid, plait={"regenerate": True})
    history = httpx.get(f"{server.url}/api/sessions/{sid}", headers=AUTH).json()["messages"]
    assert [m["role"] for m in history] == ["assistant", "user", "assistant"]  # the greeting survives the rewind


def test_character_card_and_avatar(server):
    card = httpx.get(f"{server.url}/api/characters/ada", headers=AUTH).json()
    assert card["greetings"][0] == "Good day! I am Ada."
    png = httpx.get(f"{server.url}{card['avatar']}", headers=AUTH)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert httpx.get(f"{server.url}/api/characters/nobody", headers=AUTH).status_code == 404


def test_chunk_route_reads_the_store(server, settings):
    from plait.core.models.scripted import HashEmbedder
    from plait.retrieval.store import get_collection

    emb = HashEmbedder()
    coll = get_collection(settings, settings.collection, emb.id)
    coll.add(ids=["docs/guide.md#0"], documents=["plait serves agents over HTTP."], embeddings=emb.embed(["plait serves"]), metadatas=[{"source": "docs/guide.md", "chunk": 0}])
    got = httpx.get(f"{server.url}/api/chunks", params={"source": "docs/guide.md", "chunk": 0}, headers=AUTH).json()
    assert got["text"] == "plait serves agents over HTTP."
    by_id = httpx.get(f"{server.url}/api/chunks", params={"id": "docs/guide.md#0"}, headers=AUTH).json()
    assert by_id["source"] == "docs/guide.md"
    missing = httpx.get(f"{server.url}/api/chunks", params={"source": "docs/guide.md", "chunk": 7}, headers=AUTH)
    assert missing.status_code == 404
    assert httpx.get(f"{server.url}/api/chunks", headers=AUTH).status_code == 400


def test_plugin_routes_are_added_and_guarded(plait_home, monkeypatch):
    from plait import hookimpl
    from plait.core.config import load_settings
    from plait.core.host import Host, set_host
    from plait.serve.app import create_app
    from serve_support import RunningServer, ServeTestPlugin

    class RoutePlugin:
        @hookimpl
        def register_routes(self, app):
            @app.get("/v1/plugin-ping")
            def ping() -> dict:
                return {"pong": True}

    import plait.core.host as host_module

    previous = host_module._HOST
    set_host(Host(builtins=["models"], entry_points=False, extra_plugins=[("t", ServeTestPlugin()), ("routes", RoutePlugin())]))
    monkeypatch.setenv("PLAIT_API_KEYS", API_KEY)
    try:
        with RunningServer(create_app(load_settings())) as running:
            assert httpx.get(f"{running.url}/v1/plugin-ping", headers=AUTH).json() == {"pong": True}
            assert httpx.get(f"{running.url}/v1/plugin-ping").status_code == 401
    finally:
        set_host(previous)
