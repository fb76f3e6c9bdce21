"""Runs agents for the server: cached agents for the models it offers, blocking work on worker threads.

Agents are synchronous (LangGraph graphs, llama.cpp). Each request runs on a worker thread from one
pool; a streaming request runs its whole ``agent.stream`` generator on ONE thread (LangGraph keeps
context variables across yields, which must not hop threads) and hands deltas to the event loop.
Only model ids that ``/v1/models`` lists are built (anything else is 404), at most
``[serve] agent_cache`` of them are kept, and a turn waits for its session's lock on the event loop
(``plait.serve.locks``), taking a worker only once it may run.
"""

from __future__ import annotations

import asyncio
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable

from plait.agents.base import Agent, AgentContext, AgentReply, AgentRequest, SupportsVariants, Variant, resolve_agent_factory
from plait.core.characters import Character, find_character
from plait.core.config import Settings
from plait.core.errors import InputError, NotFound
from plait.serve.cache import AgentCache
from plait.serve.locks import SessionLocks
from plait.serve.turnlock import turn_locks_for

# \Z, not $: "$" also matches before a trailing newline, which let "abc\n" in as a second "abc"
SESSION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+-]{0,199}\Z")


class SessionConflict(InputError):
    """The session belongs to another agent (answered with 409)."""


@dataclass
class ModelEntry:
    id: str
    kind: str  # "agent", or for a variant the name of the agent factory that lists it ("character")
    description: str
    plugin: str


def check_session_name(name: str) -> str:
    if not SESSION_NAME.match(name):
        hint = " (it has leading or trailing whitespace: strip it)" if name != name.strip() else ""
        raise InputError(
            f"invalid session id {name[:60]!r}{hint}: use 1-200 letters, digits and . _ : @ + - "
            f"(starting with a letter or digit)"
        )
    return name


def session_from_user(user: str) -> str:
    """The OpenAI ``user`` field as a session id: kept when it is a valid id, else a stable digest
    (clients put e-mail addresses or display names there; refusing them would break those clients)."""
    if SESSION_NAME.match(user):
        return user
    if user != user.strip() and SESSION_NAME.match(user.strip()):
        # "s1\n" is a typo for "s1", not a different session: say so instead of hashing it
        check_session_name(user)
    import hashlib

    return "user-" + hashlib.sha256(user.encode("utf-8")).hexdigest()[:24]


def turn_messages(messages: list[dict[str, Any]], session: str | None) -> list[dict[str, Any]]:
    """What the agent gets: every message when stateless; with a session only the new turn.

    Clients such as Open WebUI resend the whole chat each time, but a session's checkpoint already
    holds the earlier turns (and a character's greeting, which its agent records itself), so only
    the messages after the last assistant reply are new.
    """
    if not session:
        return messages
    last_assistant = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=-1)
    new = messages[last_assistant + 1:]
    return new or messages[-1:]


class _PoolContext(AgentContext):
    """An AgentContext whose model is the pool's shared one, loaded on first use (not at build)."""

    @property
    def model(self):  # type: ignore[override]
        return self._pool.shared_model()


class AgentPool:
    """Agents by model name, a shared chat model, and the worker threads that run them."""

    def __init__(self, settings: Settings, workers: int = 32, agent_cache: int = 32, session_queue: int = 8):
        self.settings = settings
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="plait-agent")
        self.agents = AgentCache(agent_cache)
        # cross-process layer: replicas sharing the sessions store never interleave a session's turns
        self.locks = SessionLocks(session_queue, cross=turn_locks_for(settings))
        self._lock = threading.Lock()
        self._model = None
        self._embedder = None
        self.cancelled_streams = 0  # streams whose client left before the end (for logs and tests)

    # -- catalogue -----------------------------------------------------------------------------
    def catalogue(self) -> list[ModelEntry]:
        """Every model the API offers: each agent, and for factories that declare
        ``SupportsVariants`` (characters) each variant instead of the bare name."""
        from plait.core.host import get_host

        agents = get_host().agents
        out: list[ModelEntry] = []
        for name in agents.names():
            plugin = agents.entry(name).plugin
            variants = self._variants(name)
            if variants is not None:
                # a variant's kind is its factory's registered name ("character" for character/<slug>)
                out.extend(ModelEntry(v.name, name, v.description, plugin) for v in variants)
                continue
            try:
                desc = str(getattr(self.agent(name), "description", "") or "")
            except Exception:  # an agent that cannot be built is still listed; using it reports why
                desc = ""
            out.append(ModelEntry(name, "agent", desc, plugin))
        return out

    def _variants(self, name: str) -> list[Variant] | None:
        """The variants of agent ``name`` (None when its factory has none; [] when listing fails)."""
        from plait.core.host import get_host

        factory = get_host().agents.get(name)
        if not isinstance(factory, SupportsVariants):
            return None
        try:
            return list(factory.variants(self.settings))
        except Exception:  # a broken listing must not hide the other models
            return []

    def character(self, name: str) -> Character:
        """Load a character in the one lookup order the agents use (``builtin`` source first)."""
        from plait.core.host import get_host

        return find_character(name, get_host().characters, self.settings)

    # -- agents and models -----------------------------------------------------------------------
    def shared_model(self):
        with self._lock:
            if self._model is None:
                from plait.core.models import get_chat_model

                self._model = get_chat_model(None, self.settings)
            return self._model

    def embedder(self):
        with self._lock:
            if self._embedder is None:
                from plait.core.models import get_embedder

                self._embedder = get_embedder(None, self.settings)
            return self._embedder

    def check_model(self, model: str) -> None:
        """NotFound unless ``model`` is an id ``/v1/models`` offers (an agent, or a listed variant
        such as ``character/<slug>``): nothing is built for any other string."""
        from plait.core.host import get_host

        agents = get_host().agents
        if model in agents and self._variants(model) is None:
            return
        prefix, sep, _ = model.partition("/")
        variants = self._variants(prefix) if sep and prefix in agents else None
        if variants is not None:
            names = [v.name for v in variants]
            if model in names:
                return
            near = [n for n in names if n.lower() == model.lower()]
            hint = f"; did you mean {near[0]}?" if near else ""
            raise NotFound(f"no model {model[:80]!r}{hint} (GET /v1/models lists the {prefix}/<name> models)")
        raise NotFound(f"no model {model[:80]!r}; GET /v1/models lists the agents and characters this server offers")

    def agent(self, model: str) -> Agent:
        """The cached agent for an offered model id (NotFound for any other string, nothing built)."""
        self.check_model(model)

        def build() -> Agent:
            factory, arg = resolve_agent_factory(model)
            ctx = _PoolContext(self.settings, arg=arg)
            ctx._pool = self  # one loaded model for every agent, not one each
            return factory(ctx)

        return self.agents.get(model, build)

    # -- running ---------------------------------------------------------------------------------
    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def run_locked(self, session: str | None, fn: Callable[..., Any], *args: Any) -> Any:
        """``run`` while holding the session's lock (waited for on the loop, not on a worker).

        The lock is released when the worker finishes, even if this request was cancelled first.
        """
        if not session:
            return await self.run(fn, *args)
        release = await self.locks.acquire(session)
        try:
            future = asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)
        except BaseException:
            release()
            raise
        future.add_done_callback(lambda f: release())
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            future.add_done_callback(lambda f: f.cancelled() or f.exception())  # reap without warnings
            raise

    async def stream(self, work: Callable[[Callable[[Any], None], threading.Event], None], session: str | None = None) -> AsyncIterator[list[Any]]:
        """Run ``work(emit, cancelled)`` on one worker thread; yield what it emits, in order, in
        batches of whatever was ready at once (fewer, larger SSE chunks under load).

        With ``session`` the session's lock is awaited first and held until the worker is done.
        ``work`` raising is re-raised here; if the consumer stops early (client gone), ``cancelled``
        is set so the worker can stop between items.
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        cancelled = threading.Event()
        done = object()
        release = await self.locks.acquire(session) if session else None

        def put(item: Any) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:
                cancelled.set()  # loop closed: nobody is listening

        def body() -> None:
            try:
                work(put, cancelled)
            except BaseException as exc:  # handed to the event loop side
                put(_Failure(exc))
            finally:
                put(done)

        try:
            future = loop.run_in_executor(self.executor, body)
        except BaseException:
            if release:
                release()
            raise
        if release:
            future.add_done_callback(lambda f: release())
        try:
            while True:
                batch = [await queue.get()]
                while not queue.empty():  # whatever else is ready goes out together
                    batch.append(queue.get_nowait())
                ready, end = [], None
                for item in batch:
                    if item is done or isinstance(item, _Failure):
                        end = item
                        break
                    ready.append(item)
                if ready:
                    yield ready
                if isinstance(end, _Failure):
                    raise end.exc
                if end is done:
                    return
        finally:
            if not future.done() and not cancelled.is_set():
                self.cancelled_streams += 1
            cancelled.set()
            if not future.done():
                future.add_done_callback(lambda f: f.exception())  # reap without warnings

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.agents.clear()


@dataclass
class _Failure:
    exc: BaseException


def run_turn_stream(agent: Agent, request: AgentRequest, emit: Callable[[Any], None], cancelled: threading.Event) -> None:
    """Iterate ``agent.stream`` on this thread, emitting deltas and the final AgentReply."""
    gen = agent.stream(request)
    try:
        for item in gen:
            emit(item)
            if cancelled.is_set():
                break
    finally:
        close = getattr(gen, "close", None)
        if close:
            close()
