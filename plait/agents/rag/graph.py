"""The RAG graph: gate -> (retrieve -> answer | not found) | answer directly.

A session is a LangGraph thread: ``history`` is checkpointed in SQLite, so a session survives
a restart. Streaming uses LangGraph's custom stream mode: the answer node writes text deltas.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Iterator

from plait.agents.base import AgentContext, AgentReply, AgentRequest
from plait.agents.rag import prompts
from plait.agents.rag.state import RagState, plain, plain_node
from plait.core.errors import InputError
from plait.core.gates import GateDecision
from plait.core.models.base import ChatOptions

RETRIEVE_MODES = ("auto", "always", "never")


def _chat_options(options: dict[str, Any]) -> ChatOptions:
    keys = ("temperature", "max_tokens", "n", "stop", "seed")
    return ChatOptions(**{k: options[k] for k in keys if options.get(k) is not None})


def sources_of(hits: list[dict]) -> list[dict]:
    """Citations as returned to users: number, file, chunk, score and the chunk text."""
    return [
        {"n": n, "source": h["source"], "chunk": h["chunk"], "score": round(h["score"], 4),
         "similarity": None if h.get("similarity") is None else round(h["similarity"], 4),
         "id": h.get("id", ""), "text": h["text"]}
        for n, h in enumerate(hits, start=1)
    ]


class RagAgent:
    name = "rag"
    description = "Answers from the ingested documents with numbered citations; decides per question whether to retrieve."

    def __init__(self, context: AgentContext):
        self.context = context
        self.settings = context.settings

    # -- components, built on first use ---------------------------------------------------
    @cached_property
    def gate(self):
        from plait.core.host import get_host

        return get_host().gates.get(self.settings.gate)(self.settings)

    @cached_property
    def retriever(self):
        from plait.core.models import get_embedder
        from plait.retrieval.retrieve import Retriever

        return Retriever(self.settings, get_embedder(None, self.settings))

    @cached_property
    def reject_threshold(self) -> float:
        return self.settings.table("gate").number("reject_threshold", self.settings.min_score)

    # -- nodes --------------------------------------------------------------------------------
    def _decide(self, state: RagState) -> dict:
        mode = state.get("retrieve_mode") or "auto"
        if mode == "always":
            decision = GateDecision(True, "override")
        elif mode == "never":
            decision = GateDecision(False, "override")
        else:
            decision = self.gate.decide(state["question"], state.get("history", []))
        return {"gate": decision.to_json(), "hits": [], "rejected": False}

    def _retrieve(self, state: RagState) -> dict:
        hits = [h.to_json() for h in self.retriever.retrieve(state["question"], self.settings.top_k)]
        # Hit.score is the cosine similarity, raised to the lexical match when the question's rare
        # terms appear verbatim (an error code, a name): such a chunk is relevant even if the
        # embedding disagrees, so it must not be rejected.
        best = max((h["score"] for h in hits), default=0.0)
        return {"hits": hits, "rejected": not hits or best < self.reject_threshold}

    def _answer(self, state: RagState) -> dict:
        from langgraph.config import get_stream_writer

        question = state["question"]
        if state.get("rejected"):
            text, alternatives = prompts.NOT_FOUND, []
            if state.get("streaming"):
                get_stream_writer()(text)
        else:
            messages = prompts.build_messages(question, state.get("history", []), state.get("hits") or None)
            options = _chat_options(state.get("options", {}))
            if state.get("streaming"):
                write, parts = get_stream_writer(), []
                for delta in self.context.model.stream(messages, options):
                    parts.append(delta)
                    write(delta)
                text, alternatives = "".join(parts), []
            else:
                result = self.context.model.chat(messages, options)
                text, alternatives = result.text, [c.text for c in result.choices[1:]]
        turn = [{"role": "user", "content": question}, {"role": "assistant", "content": text}]
        return {"answer": text, "alternatives": alternatives, "history": turn}

    @staticmethod
    def _route(state: RagState) -> str:
        return "retrieve" if state["gate"]["retrieve"] else "answer"

    # -- graph ----------------------------------------------------------------------------------
    def _build(self, checkpointer=None):
        from langgraph.graph import END, START, StateGraph

        graph = StateGraph(RagState)
        # plain_node: whatever a gate, the store or the model hands back, the checkpoint gets JSON types.
        graph.add_node("gate", plain_node(self._decide))
        graph.add_node("retrieve", plain_node(self._retrieve))
        graph.add_node("answer", plain_node(self._answer))
        graph.add_edge(START, "gate")
        graph.add_conditional_edges("gate", self._route, {"retrieve": "retrieve", "answer": "answer"})
        graph.add_edge("retrieve", "answer")
        graph.add_edge("answer", END)
        return graph.compile(checkpointer=checkpointer, name="rag")

    @cached_property
    def graph(self):
        return self._build()

    @cached_property
    def session_graph(self):
        from plait.agents.sessions import checkpointer

        return self._build(checkpointer(self.settings))

    # -- Agent protocol ---------------------------------------------------------------------------
    def _inputs(self, request: AgentRequest, streaming: bool) -> tuple[Any, dict, dict]:
        users = [m for m in request.messages if m.get("role") == "user"]
        if not users or not str(users[-1].get("content") or "").strip():
            raise InputError("the request has no user message to answer; send at least one non-empty user message")
        mode = request.options.get("retrieve") or self.settings.retrieve
        if mode not in RETRIEVE_MODES:
            raise InputError(f"retrieve mode {mode!r} is not one of {', '.join(RETRIEVE_MODES)}")
        question = str(users[-1]["content"])
        state: dict[str, Any] = {"question": question, "retrieve_mode": mode, "options": dict(request.options), "streaming": streaming}
        if request.session:
            graph, config = self.session_graph, {"configurable": {"thread_id": request.session}}
        else:
            # stateless: earlier turns come from the request itself
            graph, config = self.graph, {}
            state["history"] = [m for m in request.messages[:-1] if m.get("role") in ("user", "assistant")]
        return graph, plain(state), config

    def _reply(self, state: dict, request: AgentRequest) -> AgentReply:
        if request.session:
            from plait.agents.sessions import touch

            touch(self.settings, request.session, self.name, title=state["question"])
        hits = state.get("hits") or []
        extras = {
            "sources": [] if state.get("rejected") else sources_of(hits),
            "retrieved": bool(state["gate"]["retrieve"]),
            "gate": state["gate"],
            "not_found": bool(state.get("rejected")),
        }
        return AgentReply(state["answer"], plain(extras), request.session, state.get("alternatives", []))

    def history(self, session: str) -> list[dict]:
        """The user/assistant turns checkpointed in ``session`` (empty for a new session)."""
        snapshot = self.session_graph.get_state({"configurable": {"thread_id": session}})
        return list((snapshot.values or {}).get("history", []))

    def invoke(self, request: AgentRequest) -> AgentReply:
        graph, state, config = self._inputs(request, streaming=False)
        return self._reply(graph.invoke(state, config), request)

    def stream(self, request: AgentRequest) -> Iterator[str | AgentReply]:
        graph, state, config = self._inputs(request, streaming=True)
        final: dict = {}
        for mode, chunk in graph.stream(state, config, stream_mode=["custom", "values"]):
            if mode == "custom":
                yield chunk
            else:
                final = chunk
        yield self._reply(final, request)
