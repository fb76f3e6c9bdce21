"""GraphAgent: the one LangGraph adaptor every graph-backed agent shares.

A subclass says how to build its graph, what the graph's input is for a request, and how its
final state becomes an ``AgentReply``. This base owns the rest: one compiled graph without and one
with the session checkpointer, ``invoke``, ``stream`` (text deltas from LangGraph's custom stream
mode, then the reply), ``history`` and ``state`` of a session.

Per-turn options (temperature, max_tokens, stop, n, owner, streaming, ...) travel in
``config["configurable"]`` and never in checkpointed state, so a session stores conversation only.
Nodes read them with :func:`turn_options` and :func:`is_streaming`.
"""

from __future__ import annotations

from typing import Any, Iterator

from plait.agents.base import AgentContext, AgentReply, AgentRequest


def turn_options(config: Any) -> dict[str, Any]:
    """The request's per-turn options, inside a node that takes ``(state, config)``."""
    return dict(((config or {}).get("configurable") or {}).get("options") or {})


def is_streaming(config: Any) -> bool:
    return bool(((config or {}).get("configurable") or {}).get("streaming"))


def stream_text(config: Any, text: str) -> None:
    """Emit ``text`` as a delta when the turn is streamed (a no-op otherwise)."""
    if text and is_streaming(config):
        from langgraph.config import get_stream_writer

        get_stream_writer()(text)


# Checkpoints are written once, when the graph exits, not after every step: a session's turn is
# stored whole (or, if the process dies mid-turn, not at all), and a turn costs one checkpoint write
# instead of one per step (on PostgreSQL, 100 turns from 20 threads: 2.6 s -> 0.6 s in-process).
DURABILITY = "exit"


class GraphAgent:
    """Base for agents backed by a LangGraph graph. Subclasses implement the three hooks below."""

    name: str = ""
    description: str = ""
    history_key: str = "messages"  # the state key holding the user/assistant turns of a session

    def __init__(self, context: AgentContext):
        self.context = context
        self.settings = context.settings
        self._graphs: dict[bool, Any] = {}

    # -- what a subclass provides -----------------------------------------------------------------
    def build_graph(self, checkpointer: Any | None) -> Any:
        """The compiled graph (``StateGraph(...).compile(checkpointer=checkpointer)``)."""
        raise NotImplementedError

    def graph_input(self, request: AgentRequest) -> dict[str, Any]:
        """The graph's input for ``request`` (validate the request here; raise ``InputError``)."""
        raise NotImplementedError

    def make_reply(self, values: dict[str, Any], request: AgentRequest) -> AgentReply:
        """The reply from the graph's final state."""
        raise NotImplementedError

    def recursion_limit(self, request: AgentRequest) -> int | None:
        return None

    def after_turn(self, values: dict[str, Any], request: AgentRequest) -> None:
        """Book-keeping after a completed turn: records the session turn (its agent and title)."""
        if request.session:
            from plait.agents.sessions import touch

            title = next((str(m.get("content") or "") for m in request.messages if m.get("role") == "user"), "")
            touch(self.settings, request.session, self.name, title=title, owner=request.options.get("owner"))

    # -- the adaptor ------------------------------------------------------------------------------
    def graph(self, persistent: bool = False) -> Any:
        if persistent not in self._graphs:
            saver = None
            if persistent:
                from plait.agents.sessions import checkpointer

                saver = checkpointer(self.settings)
            self._graphs[persistent] = self.build_graph(saver)
        return self._graphs[persistent]

    def run_config(self, request: AgentRequest, streaming: bool) -> dict[str, Any]:
        configurable: dict[str, Any] = {"options": dict(request.options), "streaming": streaming}
        if request.session:
            configurable["thread_id"] = request.session
        config: dict[str, Any] = {"configurable": configurable}
        limit = self.recursion_limit(request)
        if limit:
            config["recursion_limit"] = limit
        return config

    @staticmethod
    def durability(request: AgentRequest) -> dict[str, Any]:
        """When checkpoints are written (only a session's graph has a checkpointer)."""
        return {"durability": DURABILITY} if request.session else {}

    def invoke(self, request: AgentRequest) -> AgentReply:
        values = self.graph(bool(request.session)).invoke(self.graph_input(request), self.run_config(request, False),
                                                          **self.durability(request))
        self.after_turn(values, request)
        return self.make_reply(values, request)

    def stream(self, request: AgentRequest) -> Iterator[str | AgentReply]:
        graph = self.graph(bool(request.session))
        values: dict[str, Any] = {}
        for mode, chunk in graph.stream(self.graph_input(request), self.run_config(request, True),
                                        stream_mode=["custom", "values"], **self.durability(request)):
            if mode == "values":
                values = chunk
            elif isinstance(chunk, dict) and "delta" in chunk:
                yield str(chunk["delta"])
            elif chunk:
                yield str(chunk)
        self.after_turn(values, request)
        yield self.make_reply(values, request)

    # -- sessions ---------------------------------------------------------------------------------
    @staticmethod
    def session_config(session: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": session}}

    def state(self, session: str) -> dict[str, Any]:
        return dict(self.graph(True).get_state(self.session_config(session)).values or {})

    def history(self, session: str) -> list[dict[str, Any]]:
        """The user/assistant turns checkpointed in ``session`` (empty for a new session)."""
        return list(self.state(session).get(self.history_key) or [])
