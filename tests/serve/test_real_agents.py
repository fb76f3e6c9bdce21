"""The built-in agents behind the server: ``rag`` over a real Chroma store and a shipped character.

Scripted model and hash embedder, every built-in plugin loaded as ``plait serve`` loads them.
"""

from __future__ import annotations

import httpx
import pytest

from serve_support import API_KEY, RunningServer, new_session

AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture
def real_server(plait_home, tmp_path, monkeypatch):
    from plait.core.config import load_settings
    from plait.core.models import get_embedder
    from plait.retrieval.ingest import ingest_paths
    from plait.serve import create_app

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "otters.md").write_text("# Otters\nSea otters hold hands while sleeping so they do not drift apart.\n")
    (docs / "volcano.txt").write_text("Mount Etna is an active volcano on the east coast of Sicily.\n")
    monkeypatch.setenv("PLAIT_API_KEYS", API_KEY)
    monkeypatch.setenv("PLAIT_GATE", "always")  # these tests are about serving citations, not about the gate
    settings = load_settings()
    ingest_paths([docs], settings, get_embedder(None, settings), progress=False)
    with RunningServer(create_app(settings)) as running:
        yield running


@pytest.fixture
def client(real_server):
    from openai import OpenAI

    return OpenAI(base_url=f"{real_server.url}/v1", api_key=API_KEY, max_retries=0, timeout=120)


def test_rag_answer_cites_a_chunk_the_page_can_open(client, real_server):
    ids = {m.id for m in client.models.list()}
    assert "rag" in ids and any(i.startswith("character/") for i in ids)
    resp = client.chat.completions.create(model="rag", messages=[{"role": "user", "content": "why do sea otters hold hands while sleeping"}])
    extras = resp.choices[0].message.model_extra["plait"]
    assert extras["gate"]["retrieve"] is True
    top = extras["sources"][0]
    assert top["source"].endswith("otters.md")
    assert "[1]" in resp.choices[0].message.content
    by_source = httpx.get(f"{real_server.url}/api/chunks", params={"source": top["source"], "chunk": top["chunk"]}, headers=AUTH).json()
    by_id = httpx.get(f"{real_server.url}/api/chunks", params={"id": top["id"]}, headers=AUTH).json()
    assert by_source["text"] == by_id["text"] and "hold hands" in by_source["text"]


def test_rag_streamed_session_and_regenerate(client, real_server):
    sid = new_session()
    client.chat.completions.create(model="rag", messages=[{"role": "user", "content": "sea otters"}], user=sid)
    stream = client.chat.completions.create(model="rag", messages=[{"role": "user", "content": "Mount Etna volcano"}], user=sid, stream=True)
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("Echo: Mount Etna volcano")
    assert chunks[-1].model_extra["plait"]["sources"][0]["source"].endswith("volcano.txt")
    shown = httpx.get(f"{real_server.url}/api/sessions/{sid}", headers=AUTH).json()
    assert shown["agent"] == "rag" and shown["turns"] == 2  # the agent's own record, not doubled
    assert [m["content"] for m in shown["messages"] if m["role"] == "user"] == ["sea otters", "Mount Etna volcano"]
    client.chat.completions.create(
        model="rag", messages=[{"role": "user", "content": "Mount Etna volcano"}], user=sid, extra_body={"plait": {"regenerate": True}}
    )
    again = httpx.get(f"{real_server.url}/api/sessions/{sid}", headers=AUTH).json()["messages"]
    assert [m["content"] for m in again if m["role"] == "user"] == ["sea otters", "Mount Etna volcano"]
    other = new_session()
    client.chat.completions.create(model="rag", messages=[{"role": "user", "content": "sea otters"}], user=other)
    mixed = httpx.get(f"{real_server.url}/api/sessions/{other}", headers=AUTH).json()["messages"]
    assert not any("Etna" in m["content"] for m in mixed)


def test_character_greets_and_regenerates(client, real_server):
    name = next(m.id for m in client.models.list() if m.id.startswith("character/")).split("/", 1)[1]
    card = httpx.get(f"{real_server.url}/api/characters/{name}", headers=AUTH).json()
    assert card["greetings"] and "{{" not in card["greetings"][0]
    sid = new_session()
    first = client.chat.completions.create(model=f"character/{name}", messages=[{"role": "user", "content": "Hello, who are you?"}], user=sid)
    assert first.choices[0].message.content
    shown = httpx.get(f"{real_server.url}/api/sessions/{sid}", headers=AUTH).json()
    assert shown["messages"][0] == {"role": "assistant", "content": card["greetings"][0]}
    assert [m["role"] for m in shown["messages"]] == ["assistant", "user", "assistant"]
    client.chat.completions.create(
        model=f"character/{name}", messages=[{"role": "user", "content": "Hello, who are you?"}], user=sid, extra_body={"plait": {"regenerate": True}}
    )
    after = httpx.get(f"{real_server.url}/api/sessions/{sid}", headers=AUTH).json()["messages"]
    assert [m["role"] for m in after] == ["assistant", "user", "assistant"]  # replaced, not appended
