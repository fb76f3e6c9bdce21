"""The web chat page (``/``, ``/static``) and the small JSON API it uses (``/api/...``).

The page itself is static and holds no data; everything it shows comes from ``/v1`` and ``/api``
routes, which need the API key like the rest of the API.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, FastAPI, Query, Request
from pydantic import BaseModel, Field
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from plait.agents import sessions
from plait.agents.base import SupportsRegenerate
from plait.agents.graph_agent import GraphAgent
from plait.core.errors import InputError, NotFound
from plait.serve.chat import owned_session
from plait.serve.history import history_with_extras, restamp_last
from plait.serve.middleware import request_owner
from plait.serve.runner import AgentPool, check_session_name

STATIC = Path(__file__).parent / "static"
router = APIRouter(prefix="/api", tags=["web page"])


def _pool(request: Request) -> AgentPool:
    return request.app.state.pool


@router.get("/characters/{name}", summary="A character's card: description, greetings, avatar link")
async def character(name: str, request: Request) -> dict:
    pool = _pool(request)
    char = await pool.run(pool.character, name)
    display = str(getattr(char, "name", "") or name)
    user = str(pool.settings.table("characters").get("user_name", "User"))
    return {
        "name": display,
        "model": f"character/{name}",
        "description": _macros(getattr(char, "description", "") or "", display, user),  # as the page shows it
        "greetings": [_macros(g, display, user) for g in getattr(char, "greetings", None) or []],
        "avatar": f"/api/characters/{name}/avatar" if getattr(char, "avatar", None) else None,
    }


def _macros(text: str, char: str, user: str) -> str:
    """SillyTavern's {{char}} / {{user}} macros, as the character agent fills them."""
    text = re.sub(r"\{\{char\}\}|<BOT>", lambda _m: char, str(text), flags=re.I)
    return re.sub(r"\{\{user\}\}|<USER>", lambda _m: user, text, flags=re.I)


@router.get("/characters/{name}/avatar", summary="A character's avatar (PNG)", response_class=Response)
async def avatar(name: str, request: Request) -> Response:
    pool = _pool(request)
    char = await pool.run(pool.character, name)
    data = getattr(char, "avatar", None)
    if not data:
        raise NotFound(f"character {name!r} has no avatar")
    kind = "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg" if data[:3] == b"\xff\xd8\xff" else "application/octet-stream"
    return Response(data, media_type=kind, headers={"Cache-Control": "private, max-age=300"})


@router.get("/sessions", summary="Your sessions (those made with this API key), most recent first")
async def list_sessions(request: Request) -> dict:
    pool = _pool(request)
    owner = request_owner(request)
    found = await pool.run(lambda: sessions.list_sessions(pool.settings, owner=sessions.ANY if owner is None else owner))
    return {"sessions": [_public(s) for s in found]}


def _public(info: sessions.SessionInfo) -> dict:
    out = info.to_json()
    out.pop("owner", None)  # a key fingerprint: nothing a client needs
    return out


@router.get("/sessions/{name}", summary="One of your sessions with its messages")
async def show_session(name: str, request: Request) -> dict:
    pool = _pool(request)
    check_session_name(name)
    info = await pool.run(owned_session, pool, name, request_owner(request))
    messages = await pool.run(history_with_extras, pool.settings, name)  # replies carry their `plait` extras
    return {**_public(info), "messages": messages}


class ChooseAlternative(BaseModel):
    index: int = Field(ge=0, le=1000, description="0-based index in the session's alternatives")


def _alternatives_agent(pool: AgentPool, name: str, owner: str | None):
    """The session's agent when it keeps alternatives (``state`` and ``choose_alternative``, as
    characters do), else None. NotFound for an unknown session or another key's."""
    info = owned_session(pool, name, owner)
    agent = pool.agent(info.agent)
    if isinstance(agent, SupportsRegenerate) and isinstance(agent, GraphAgent):  # state() holds the alternatives
        return agent
    return None


def _alternatives(pool: AgentPool, name: str, owner: str | None) -> dict:
    agent = _alternatives_agent(pool, name, owner)
    if agent is None:
        return {"alternatives": [], "chosen": 0}
    values = agent.state(name)
    alts = [str(a) for a in values.get("alternatives") or []]
    if len(alts) < 2:  # one reply is no choice
        return {"alternatives": [], "chosen": 0}
    return {"alternatives": alts, "chosen": int(values.get("chosen") or 0)}


def _choose(pool: AgentPool, name: str, index: int, owner: str | None) -> dict:
    """Runs under the session's lock (not while a turn of this session runs)."""
    agent = _alternatives_agent(pool, name, owner)
    if agent is None:
        raise InputError(f"session {name!r} keeps no alternative replies; only characters do (after a regenerate)")
    text = agent.choose_alternative(name, index)  # the agent's own logic (as its /alts N)
    restamp_last(pool.settings, name)
    return {**_alternatives(pool, name, owner), "content": text}


@router.get("/sessions/{name}/alternatives", summary="The kept alternatives of the session's last reply")
async def list_alternatives(name: str, request: Request) -> dict:
    pool = _pool(request)
    check_session_name(name)
    return await pool.run(_alternatives, pool, name, request_owner(request))


@router.post("/sessions/{name}/alternatives", summary="Make one kept alternative the session's last reply")
async def choose_alternative(name: str, body: ChooseAlternative, request: Request) -> dict:
    pool = _pool(request)
    check_session_name(name)
    return await pool.run_locked(name, _choose, pool, name, body.index, request_owner(request))


def _delete(pool: AgentPool, name: str, owner: str | None) -> None:
    owned_session(pool, name, owner)
    sessions.delete_session(pool.settings, name)


@router.delete("/sessions/{name}", summary="Delete one of your sessions and its checkpoints")
async def delete_session(name: str, request: Request) -> dict:
    pool = _pool(request)
    check_session_name(name)
    await pool.run_locked(name, _delete, pool, name, request_owner(request))  # not under a running turn
    return {"deleted": name}


@router.get("/chunks", summary="The text of one ingested chunk (what a citation points at)")
async def get_chunk(
    request: Request,
    source: str | None = Query(None, description="the cited source (file path or URL)"),
    chunk: int | None = Query(None, ge=0, description="the chunk index within the source"),
    id: str | None = Query(None, description="the chunk's id, instead of source and chunk"),
) -> dict:
    if not id and (source is None or chunk is None):
        raise InputError("give either id, or source and chunk, e.g. /api/chunks?source=docs/a.md&chunk=0")
    from plait.retrieval.lookup import find_chunk

    pool = _pool(request)
    return await pool.run(lambda: find_chunk(pool.settings, source=source, chunk=chunk, chunk_id=id))


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)
