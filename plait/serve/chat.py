"""``/v1/models``, ``/v1/chat/completions`` (JSON and SSE) and ``/v1/embeddings``.

plait's extras travel in a ``plait`` object that OpenAI clients ignore: on the non-streaming
``choices[i].message.plait`` and the top-level ``plait``, and on the final SSE chunk's top-level
``plait``: ``{"agent", "session", "sources": [...], "gate": {...}, ...every other agent extra}``.
"""

from __future__ import annotations

import base64
import json
import logging
import struct
import threading
import time
import uuid
from typing import Any, AsyncIterator, Callable

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, StreamingResponse

from plait.agents import sessions
from plait.agents.base import AgentReply, AgentRequest, SupportsRegenerate
from plait.core.errors import NotFound, PlaitError
from plait.serve import housekeeping
from plait.serve.errors import error_payload
from plait.serve.history import keep_extras, rewind_last_turn
from plait.serve.middleware import request_owner
from plait.serve.output import OutputLimiter, count_tokens
from plait.serve.runner import AgentPool, SessionConflict, check_session_name, run_turn_stream, session_from_user, turn_messages
from plait.serve.schemas import ChatCompletionRequest, EmbeddingRequest, reject_surrogates

log = logging.getLogger("plait.serve")
router = APIRouter()


def _pool(request: Request) -> AgentPool:
    return request.app.state.pool


@router.get("/v1/models", tags=["openai"], summary="Every agent and character, as models")
async def list_models(request: Request) -> dict:
    pool = _pool(request)
    entries = await pool.run(pool.catalogue)
    return {
        "object": "list",
        "data": [
            {"id": e.id, "object": "model", "created": 0, "owned_by": e.plugin, "plait": {"kind": e.kind, "description": e.description}}
            for e in entries
        ],
    }


@router.get("/v1/models/{model_id:path}", tags=["openai"], summary="One model")
async def get_model(model_id: str, request: Request) -> dict:
    pool = _pool(request)
    for e in await pool.run(pool.catalogue):
        if e.id == model_id:
            return {"id": e.id, "object": "model", "created": 0, "owned_by": e.plugin, "plait": {"kind": e.kind, "description": e.description}}
    from plait.core.errors import NotFound

    raise NotFound(f"no model {model_id!r}; GET /v1/models lists them")


# -- one chat turn (runs on a worker thread) --------------------------------------------------------
class Turn:
    """Everything one chat completion needs, prepared before the response starts.

    ``owner`` is the fingerprint of the API key of the request (None without auth); a session is
    visible only to its owner, and the agent gets the owner as ``options["owner"]`` (set here, so
    a client cannot choose it) to scope what it remembers.
    """

    def __init__(self, pool: AgentPool, body: ChatCompletionRequest, session: str | None, owner: str | None = None):
        self.pool = pool
        self.body = body
        self.session = session
        self.owner = owner
        self.messages = [m.to_message() for m in body.messages]
        self.options: dict[str, Any] = {"n": body.n}
        for key, value in (("temperature", body.temperature), ("max_tokens", body.token_limit()), ("stop", body.stops() or None), ("top_p", body.top_p), ("seed", body.seed)):
            if value is not None:
                self.options[key] = value
        extra = dict(body.plait or {})
        self.regenerate = bool(extra.pop("regenerate", False))
        self.options.update(extra)  # e.g. {"retrieve": "always"} for the rag agent
        self.options["owner"] = owner
        self.agent: Any = None
        self.agent_name = body.model
        self.before: tuple | None = None
        self.before_messages = 0

    def check(self) -> None:
        """Resolve the agent and check the session; raises before any streaming starts."""
        self.agent = self.pool.agent(self.body.model)  # 404 for a model the server does not offer
        self.agent_name = str(getattr(self.agent, "name", "") or self.body.model)
        if self.session:
            info = owned_session(self.pool, self.session, self.owner, missing_ok=True)
            if info is not None and info.agent not in (self.agent_name, self.body.model):
                raise SessionConflict(
                    f"session {self.session!r} belongs to model {info.agent!r}, not {self.body.model!r}; "
                    f"use another session id for this model"
                )

    def request(self) -> AgentRequest:
        """Under the session lock: check again, rewind for regenerate, pick the messages the agent gets."""
        if self.session:
            self.check()  # another request may have created the session since the first check
            if self.regenerate and not self.native_regenerate():
                rewind_last_turn(self.pool.settings, self.session)
            self.before = sessions.session_row(self.pool.settings, self.session)
            self.before_messages = len(sessions.transcript(self.pool.settings, self.session))
        return AgentRequest(messages=turn_messages(self.messages, self.session), session=self.session, options=dict(self.options))

    def native_regenerate(self) -> bool:
        """Agents may offer ``regenerate(session, options) -> AgentReply`` (characters keep alternatives)."""
        return isinstance(self.agent, SupportsRegenerate)

    def record(self) -> None:
        """List the session for the page, unless the agent already recorded this turn itself; a
        session this turn created belongs to the request's owner either way."""
        if not self.session:
            return
        if sessions.session_row(self.pool.settings, self.session) == self.before:
            title = next((m["content"] for m in self.messages if m["role"] == "user"), "")
            sessions.touch(self.pool.settings, self.session, self.agent_name, title=title, owner=self.owner)
        elif self.before is None and self.owner is not None:
            sessions.claim(self.pool.settings, self.session, self.owner)  # the agent listed it, without an owner

    def abandon(self) -> None:
        """The client left before the reply was complete: put the session back as it was before the
        turn (no half turn stored, no turn counted)."""
        if self.session:
            sessions.rewind_to(self.pool.settings, self.session, self.before_messages)

    def keep(self, reply: AgentReply | None) -> None:
        """Store the reply's extras (sources, gate) by turn, so a reopened chat shows them again."""
        if not self.session or reply is None:
            return
        try:
            keep_extras(self.pool.settings, self.session, plait_extras(self, reply))
        except Exception:  # the turn itself succeeded; losing its citations must not fail it
            log.exception("could not store the extras of session %s", self.session)

    def _run_invoke(self) -> AgentReply:
        request = self.request()
        if self.session and self.regenerate and self.native_regenerate():
            return self.agent.regenerate(self.session, request.options)
        return self.agent.invoke(request)

    def invoke(self) -> AgentReply:
        """A whole turn (called on a worker while the caller holds the session's lock)."""
        reply = self._run_invoke()
        self.record()
        self.keep(reply)
        return reply

    def stream_work(self, emit: Callable[[Any], None], cancelled: threading.Event) -> None:
        """A streamed turn (on one worker, under the session's lock); abandoned if the client left
        before the agent's final reply."""
        replies: list[AgentReply] = []

        def send(item: Any) -> None:
            if isinstance(item, AgentReply):
                replies.append(item)
            emit(item)

        if self.session and self.regenerate and self.native_regenerate():
            reply = self._run_invoke()
            send(reply.text)  # the agent's regenerate does not stream: one delta
            send(reply)
        else:
            run_turn_stream(self.agent, self.request(), send, cancelled)
        if cancelled.is_set() and not replies:
            self.abandon()
            return
        self.record()
        self.keep(replies[-1] if replies else None)


def owned_session(pool: AgentPool, name: str, owner: str | None, missing_ok: bool = False) -> sessions.SessionInfo | None:
    """The session ``name`` if the request's owner may see it; NotFound otherwise (another key's
    session looks exactly like a missing one). Without auth (owner None) every session is visible."""
    info = sessions.get_session(pool.settings, name)
    if info is not None and (owner is None or info.owner == owner):
        return info
    if info is None and missing_ok:
        return None
    raise NotFound(f"no session named {name!r} for this API key; GET /api/sessions lists yours")


def plait_extras(turn: Turn, reply: AgentReply | None, housekeeping_task: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"agent": turn.body.model, "session": turn.session}
    if reply is not None:
        out.update(json.loads(json.dumps(reply.extras or {}, default=str)))  # JSON-safe whatever agents put in
    if housekeeping_task:
        out["housekeeping"] = housekeeping_task
    return out


def _usage(turn: Turn, texts: list[str]) -> dict[str, int]:
    prompt = sum(count_tokens(m.get("content") or "") for m in turn.messages)
    completion = sum(count_tokens(t) for t in texts)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


# -- the route ------------------------------------------------------------------------------------------
@router.post("/v1/chat/completions", tags=["openai"], summary="Chat with an agent or character (JSON or SSE)")
async def chat_completions(
    body: ChatCompletionRequest,
    request: Request,
    x_plait_session: str | None = Header(None, description="session id: continue this LangGraph thread"),
):
    pool = _pool(request)
    reject_surrogates(body.model_dump(exclude_none=True), "body")  # 400 before any store sees it
    if x_plait_session is not None:
        session: str | None = check_session_name(x_plait_session)
    else:
        session = session_from_user(body.user) if body.user else None
    turn = Turn(pool, body, session, request_owner(request))
    await pool.run(turn.check)  # unknown model -> 404, another key's session -> 404, another model's -> 409
    task = housekeeping.detect(turn.messages)
    if task is not None:  # Open WebUI's title/tags/follow-ups: no graph run, no session write
        text = housekeeping.answer(task, turn.messages)
        return _respond(turn, [text], None, task)
    if body.stream and body.n == 1:
        if session:
            pool.locks.check_room(session)  # a full queue is a 429 status, not an in-band error
        return StreamingResponse(_sse(turn), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    reply: AgentReply = await pool.run_locked(session, turn.invoke)
    texts = [reply.text, *reply.alternatives][: body.n]
    return _respond(turn, texts, reply, None)


def _respond(turn: Turn, texts: list[str], reply: AgentReply | None, task: str | None):
    cid = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    extras = plait_extras(turn, reply, task)
    choices = []
    for i, text in enumerate(texts):
        limiter = OutputLimiter(turn.body.stops(), turn.body.token_limit())
        text = limiter.apply(text)
        texts[i] = text
        choices.append(
            {"index": i, "message": {"role": "assistant", "content": text, "plait": extras}, "finish_reason": limiter.finish_reason, "logprobs": None}
        )
    if turn.body.stream:  # n > 1 or housekeeping asked for a stream: whole choices as chunks
        return StreamingResponse(_sse_whole(cid, created, turn, choices, extras), media_type="text/event-stream")
    return {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": turn.body.model,
        "choices": choices,
        "usage": _usage(turn, texts),
        "plait": extras,
    }


def _chunk(cid: str, created: int, model: str, delta: dict, finish: str | None = None, index: int = 0, **extra: Any) -> str:
    data = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": index, "delta": delta, "finish_reason": finish, "logprobs": None}],
        **extra,
    }
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _sse_whole(cid: str, created: int, turn: Turn, choices: list[dict], extras: dict) -> AsyncIterator[str]:
    model = turn.body.model
    for c in choices:
        yield _chunk(cid, created, model, {"role": "assistant", "content": c["message"]["content"]}, index=c["index"])
    for c in choices:
        last = c is choices[-1]
        extra = {"plait": extras, "usage": _usage(turn, [x["message"]["content"] for x in choices])} if last else {}
        yield _chunk(cid, created, model, {}, c["finish_reason"], index=c["index"], **extra)
    yield "data: [DONE]\n\n"


async def _sse(turn: Turn) -> AsyncIterator[str]:
    cid = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    model = turn.body.model
    limiter = OutputLimiter(turn.body.stops(), turn.body.token_limit())
    reply: AgentReply | None = None
    sent: list[str] = []
    yield _chunk(cid, created, model, {"role": "assistant", "content": ""})
    try:
        async for batch in turn.pool.stream(turn.stream_work, turn.session):
            out = ""
            for item in batch:
                if isinstance(item, AgentReply):
                    reply = item
                elif isinstance(item, str):
                    out += limiter.feed(item)
            if out:
                sent.append(out)
                yield _chunk(cid, created, model, {"content": out})
        tail = limiter.finish()
        if tail:
            sent.append(tail)
            yield _chunk(cid, created, model, {"content": tail})
        text = "".join(sent)
        yield _chunk(cid, created, model, {}, limiter.finish_reason, plait=plait_extras(turn, reply), usage=_usage(turn, [text]))
    except Exception as exc:  # the status line is already sent: report in-band, then end the stream
        status, payload = error_payload(exc)
        if status >= 500 and not isinstance(exc, PlaitError):
            log.exception("stream failed for model %s", model)
        yield f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"


# -- embeddings --------------------------------------------------------------------------------------------
@router.post("/v1/embeddings", tags=["openai"], summary="Embed text with the configured embedder")
async def embeddings(body: EmbeddingRequest, request: Request):
    pool = _pool(request)
    reject_surrogates(body.model_dump(exclude_none=True), "body")
    try:
        texts = body.texts()
    except ValueError as exc:
        return JSONResponse({"error": {"message": str(exc), "type": "invalid_request_error", "code": 422}}, status_code=422)
    if any(not isinstance(t, str) for t in texts):
        return JSONResponse({"error": {"message": "input must be a string or a list of strings", "type": "invalid_request_error", "code": 422}}, status_code=422)

    def embed() -> tuple[str, list[list[float]]]:
        embedder = pool.embedder()
        return embedder.id, embedder.embed(texts)

    model_id, vectors = await pool.run(embed)
    data = []
    for i, vec in enumerate(vectors):
        if body.encoding_format == "base64":
            value: Any = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode()
        else:
            value = [float(x) for x in vec]
        data.append({"object": "embedding", "index": i, "embedding": value})
    tokens = sum(count_tokens(t) for t in texts)
    return {"object": "list", "data": data, "model": model_id, "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
