"""Helpers for the serve tests: a small test plugin and a real server on a loopback port.

The plugin registers ``talk`` (a LangGraph agent on the SQLite checkpointer, replying through the
scripted model and saying which earlier user turns it remembers), a ``character`` agent, and a
character source with one character ``ada`` (greetings and a PNG avatar).
"""

from __future__ import annotations

import io
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any, Iterator


from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

from plait import hookimpl
from plait.agents.base import AgentReply, AgentRequest
from plait.testing.kit import free_port

API_KEY = "test-key-123"
SOURCE = {"source": "docs/guide.md", "chunk": 0, "score": 0.91, "text": "plait serves agents over HTTP."}
GATE = {"retrieve": True, "decided_by": "always", "scores": {}}


@dataclass
class Character:
    name: str
    description: str
    greetings: list[str] = field(default_factory=list)
    avatar: bytes | None = None


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 120, 60)).save(buf, format="PNG")
    return buf.getvalue()


class Characters:
    extra: list[str] = []  # more character names, for tests that need many distinct models

    def names(self) -> list[str]:
        return ["ada", *Characters.extra]

    def load(self, name: str) -> Character:
        from plait.core.errors import NotFound

        if name != "ada" and name not in Characters.extra:
            raise NotFound(f"no character {name!r}")
        return Character("Ada", "Mathematician, writes about the Analytical Engine.", ["Good day! I am Ada.", "Hello again."], _png())


class Hold:
    """Makes the test agent's turns of one session wait until released (for queueing and
    disconnect tests). ``at`` is where: "turn" (before the reply is computed) or "stream" (after
    the first streamed piece). ``entered`` is set each time a turn reaches that point."""

    holds: dict[str, "Hold"] = {}

    def __init__(self, session: str, at: str = "turn"):
        self.session, self.at = session, at
        self.entered = threading.Event()
        self.release = threading.Event()
        Hold.holds[session] = self

    @classmethod
    def wait_here(cls, session: str | None, at: str) -> None:
        hold = cls.holds.get(session or "")
        if hold is not None and hold.at == at:
            hold.entered.set()
            if not hold.release.wait(120):  # a guard against a hung test, not a timing assertion
                raise RuntimeError(f"test hold on {session} was never released")


class State(TypedDict):
    messages: Annotated[list, add_messages]


class TalkAgent:
    """Echo through the context's model, plus the user turns remembered in this thread."""

    description = "test agent: echoes and remembers the session's user turns"
    seen_options: list[dict[str, Any]] = []  # every request's options, for assertions
    stream_delay = 0.0  # seconds between streamed pieces (the browser test watches them arrive)

    def __init__(self, ctx, prefix: str = ""):
        from langgraph.graph import START, StateGraph

        from plait.agents.sessions import checkpointer
        from plait.serve.history import to_dict

        self.name = f"character/{ctx.arg}" if ctx.arg else "talk"
        self.ctx = ctx
        self.prefix = prefix

        def answer(state: State) -> dict:
            msgs = [to_dict(m) for m in state["messages"]]
            users = [m["content"] for m in msgs if m and m["role"] == "user"]
            echo = ctx.model.chat(msgs).text
            earlier = " | ".join(users[:-1]) or "nothing"
            return {"messages": [{"role": "assistant", "content": f"{self.prefix}{echo} (remembers: {earlier}) [1]"}]}

        graph = StateGraph(State)
        graph.add_node("answer", answer)
        graph.add_edge(START, "answer")
        self.stateful = graph.compile(checkpointer=checkpointer(ctx.settings))
        self.stateless = graph.compile()

    def invoke(self, request: AgentRequest) -> AgentReply:
        TalkAgent.seen_options.append(dict(request.options))
        Hold.wait_here(request.session, "turn")
        if request.session:
            config = {"configurable": {"thread_id": request.session}}
            if self.prefix and not self.stateful.get_state(config).values.get("messages"):
                # like the real character agent: a new session starts with the greeting
                self.stateful.update_state(config, {"messages": [{"role": "assistant", "content": "Good day! I am Ada."}]}, as_node="answer")
            state = self.stateful.invoke({"messages": request.messages}, {"configurable": {"thread_id": request.session}})
        else:
            state = self.stateless.invoke({"messages": request.messages})
        text = state["messages"][-1].content
        n = int(request.options.get("n", 1))
        alts = [f"{text} (alternative {i})" for i in range(2, n + 1)]
        return AgentReply(text, {"sources": [dict(SOURCE)], "gate": dict(GATE)}, request.session, alts)

    def stream(self, request: AgentRequest) -> Iterator[str | AgentReply]:
        import re

        reply = self.invoke(request)
        for i, piece in enumerate(re.findall(r"\S+\s*|\s+", reply.text)):
            if self.stream_delay:
                time.sleep(self.stream_delay)
            yield piece
            if i == 0:
                Hold.wait_here(request.session, "stream")
        yield reply


class CharacterFactory:
    """``character/<name>`` for the test characters; lists them as variants (``SupportsVariants``)."""

    def __call__(self, ctx) -> TalkAgent:
        return TalkAgent(ctx, prefix=f"[{ctx.arg}] ")

    def variants(self, settings) -> list:
        from plait.agents.base import Variant

        source = Characters()
        return [Variant(f"character/{n}", source.load(n).description) for n in source.names()]


class ServeTestPlugin:
    @hookimpl
    def register_agents(self, register):
        register("talk", lambda ctx: TalkAgent(ctx))
        register("character", CharacterFactory())

    @hookimpl
    def register_characters(self, register):
        register("serve-test", Characters())

    @hookimpl
    def register_routes(self, app):
        @app.get("/docsearch/{query}")
        async def docsearch(query: str) -> dict:  # a plugin route whose path starts like /docs
            return {"query": query}


class RunningServer:
    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = app
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "RunningServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)



def new_session() -> str:
    return f"s-{uuid.uuid4().hex[:12]}"
