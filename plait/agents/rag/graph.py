"""The RAG graph: gate -> (retrieve -> answer | not found) | answer directly.

In the quoting answer modes (``grounded``, ``extractive``) the gate is not asked: they always
retrieve, and never answer from the model alone (see ``_decide``).

``RagAgent`` is a :class:`~plait.agents.graph_agent.GraphAgent`: the base runs the graph, streams
the answer node's text deltas (LangGraph's custom stream mode), reads sessions back and records
each session turn. A session is a LangGraph thread checkpointed in SQLite, so it survives a
restart. The turn's options (retrieve mode, sampling, tools, owner) are read in the nodes from
``config["configurable"]`` with ``turn_options``; the checkpoint holds conversation only.

With ``tools: [names]`` in the request options (``plait ask --tool NAME``) the answer node offers
those registered tools to the model and runs its calls (``plait.agents.tooling``); the reply's
``extras["tool_calls"]`` is the trace.
"""

from __future__ import annotations

import sys
from functools import cached_property
from typing import Any

from langchain_core.runnables import RunnableConfig

from plait.agents.base import AgentReply, AgentRequest
from plait.agents.graph_agent import GraphAgent, is_streaming, stream_text, turn_options
from plait.agents.rag import grounded, prompts, small_model
from plait.agents.rag.state import RagState, plain, plain_node
from plait.agents.tooling import resolve_tools, run_with_tools
from plait.core.config import Settings
from plait.core.context import Context
from plait.core.errors import InputError
from plait.core.gates import GateDecision
from plait.core.models.base import ChatOptions

RETRIEVE_MODES = ("auto", "always", "never")
_warned_legacy_threshold = False


def _chat_options(options: dict[str, Any]) -> ChatOptions:
    keys = ("temperature", "max_tokens", "n", "stop", "seed")
    return ChatOptions(**{k: options[k] for k in keys if options.get(k) is not None})


def reject_threshold(settings: Settings) -> float:
    """The retrieval setting ``min_score``; an old ``[gate] reject_threshold`` is still read for one
    release (with a notice) unless ``min_score`` is set too."""
    global _warned_legacy_threshold
    legacy = settings.table("gate")
    if "reject_threshold" not in legacy or "min_score" in settings.sources:
        return settings.min_score
    value = legacy.number("reject_threshold", settings.min_score)
    if not _warned_legacy_threshold:
        _warned_legacy_threshold = True
        print(f"plait: deprecated: [gate] reject_threshold (in {legacy.sources.get('reject_threshold', 'config')}) "
              f"is read for one more release; set the retrieval setting min_score = {value} instead "
              "(top level in plait.toml, or PLAIT_MIN_SCORE; `plait eval calibrate --data FILE` writes it)",
              file=sys.stderr)
    return value


def sources_of(hits: list[dict]) -> list[dict]:
    """Citations as returned to users: number, file, chunk, score and the chunk text."""
    return [
        {"n": n, "source": h["source"], "chunk": h["chunk"], "score": round(h["score"], 4),
         "similarity": None if h.get("similarity") is None else round(h["similarity"], 4),
         "id": h.get("id", ""), "text": h["text"]}
        for n, h in enumerate(hits, start=1)
    ]


class RagAgent(GraphAgent):
    name = "rag"
    description = "Answers from the ingested documents with numbered citations; decides per question whether to retrieve."
    history_key = "history"

    # -- components, built on first use ---------------------------------------------------
    @cached_property
    def gate(self):
        host = self.context.registries
        return host.gates.get(self.settings.gate)(Context(self.settings, name=self.settings.gate, host=host))

    @cached_property
    def retriever(self):
        from plait.core.models import get_embedder
        from plait.retrieval.retrieve import Retriever

        return Retriever(self.settings, get_embedder(None, self.settings, host=self.context.registries))

    @cached_property
    def reject_threshold(self) -> float:
        return reject_threshold(self.settings)

    def tools_of(self, options: dict[str, Any]) -> dict[str, Any]:
        """The registered tools the turn asked for (``options["tools"]``), by name."""
        names = options.get("tools") or []
        return resolve_tools(names, self.context.tools) if names else {}

    # -- nodes --------------------------------------------------------------------------------
    def _decide(self, state: RagState, config: RunnableConfig) -> dict:
        options = turn_options(config)
        mode = options.get("retrieve") or self.settings.retrieve
        if mode == "always":
            decision = GateDecision(True, "override")
        elif mode == "never":
            decision = GateDecision(False, "override")
        elif grounded.answer_mode(self.settings, options) != "generate":
            # Grounded answers need sources: the quoting modes always search, and the gate is not
            # asked. Its "no retrieval" means "the model knows this", and a small model's own answer
            # is invented text; it has no chit-chat class either (a greeting and "Who wrote
            # Moby-Dick?" are both "no"), so a greeting gets the not-found reply too.
            decision = GateDecision(True, "answer_mode")
        else:
            decision = self.gate.decide(state["question"], state.get("history", []))
        return {"gate": decision.to_json(), "hits": [], "rejected": False}

    def _retrieve(self, state: RagState, config: RunnableConfig) -> dict:
        generate = grounded.answer_mode(self.settings, turn_options(config)) == "generate"
        k = small_model.generate_top_k(self.settings) if generate else self.settings.top_k
        hits = [h.to_json() for h in self.retriever.retrieve(state["question"], k)]
        # Hit.score is the cosine similarity, raised to the lexical match when the question's rare
        # terms appear verbatim (an error code, a name): such a chunk is relevant even if the
        # embedding disagrees, so it must not be rejected.
        # The threshold applies to every hit, not only the best: a weak hit in the prompt is what a
        # small model copies from (the demo's invented PLAINT_TRACE), in every answer mode.
        hits = [h for h in hits if h["score"] >= self.reject_threshold]
        return {"hits": hits, "rejected": not hits}

    def _answer(self, state: RagState, config: RunnableConfig) -> dict:
        question, options = state["question"], turn_options(config)
        mode = grounded.answer_mode(self.settings, options)
        hits = state.get("hits") or []
        update: dict[str, Any] = {"alternatives": [], "tool_calls": [], "quotes": []}
        if state.get("rejected"):  # searched, nothing relevant: say so, and nothing from the model
            text = prompts.not_found(self.settings.collection, quoting=mode != "generate")
            stream_text(config, text)
        elif mode != "generate" and hits:
            text, update["quotes"] = self._quote(question, hits, mode, options, config)
        elif mode != "generate":  # retrieval turned off (--retrieve never): nothing to quote, nothing generated
            text = prompts.NOTHING_TO_QUOTE
            stream_text(config, text)
        else:
            text, update["alternatives"], update["tool_calls"] = self._generate(state, options, config)
        turn = [{"role": "user", "content": question}, {"role": "assistant", "content": text}]
        return {**update, "answer": text, "answer_mode": mode, "citations": grounded.cited_numbers(text, len(hits)),
                "history": turn}

    def _generate(self, state: RagState, options: dict[str, Any], config: RunnableConfig) -> tuple[str, list[str], list]:
        """The model's answer from the numbered sources; citations it invents are removed."""
        hits = state.get("hits") or []
        messages = prompts.build_messages(state["question"], state.get("history", []), hits or None)
        chat_options, tools = small_model.generate_options(self.settings, _chat_options(options)), self.tools_of(options)
        clean = grounded.CitationStream(len(hits))
        alternatives: list[str] = []
        trace: list[dict[str, Any]] = []
        if tools:  # tool rounds are whole chat calls; a stream gets the final answer in one piece
            result, trace = run_with_tools(self.context.model, messages, tools, chat_options)
            text, alternatives = result.text, [c.text for c in result.choices[1:]]
        elif is_streaming(config):
            for delta in self.context.model.stream(messages, chat_options):
                stream_text(config, clean.feed(delta))
            stream_text(config, clean.flush())
            return clean.sent, alternatives, trace
        else:
            result = self.context.model.chat(messages, chat_options)
            text, alternatives = result.text, [c.text for c in result.choices[1:]]
        text = grounded.clean_citations(text, len(hits))
        stream_text(config, text)
        return text, [grounded.clean_citations(a, len(hits)) for a in alternatives], trace

    def _quote(self, question: str, hits: list[dict], mode: str, options: dict[str, Any],
               config: RunnableConfig) -> tuple[str, list[dict]]:
        """Extractive quotes, then (grounded) a model summary only if the quotes support it."""
        quotes = grounded.select_quotes(question, hits, self.retriever.embedder, self.reject_threshold)
        if not quotes:
            stream_text(config, prompts.NO_QUOTABLE_SENTENCE)
            return prompts.NO_QUOTABLE_SENTENCE, []
        text = grounded.render_quotes(quotes)
        stream_text(config, text)
        if mode == "grounded":
            chat_options = _chat_options(options)
            chat_options.temperature = 0.0 if chat_options.temperature is None else chat_options.temperature
            chat_options.max_tokens = chat_options.max_tokens or grounded.SUMMARY_MAX_TOKENS
            chat_options.n = 1
            reply = self.context.model.chat(grounded.summary_messages(question, quotes), chat_options).text
            summary = grounded.first_sentence(grounded.clean_citations(reply, len(hits)))
            if summary and grounded.supported(summary, quotes):
                addition = "\n\nIn short: " + grounded.cite_summary(summary, quotes)
                stream_text(config, addition)
                text += addition
        return text, [q.to_json() for q in quotes]

    @staticmethod
    def _route(state: RagState) -> str:
        return "retrieve" if state["gate"]["retrieve"] else "answer"

    # -- GraphAgent ---------------------------------------------------------------------------
    def build_graph(self, checkpointer: Any | None) -> Any:
        from langgraph.graph import END, START, StateGraph

        graph = StateGraph(RagState)
        # plain_node: whatever a gate, the store, a tool or the model hands back, the checkpoint gets JSON types.
        graph.add_node("gate", plain_node(self._decide))
        graph.add_node("retrieve", plain_node(self._retrieve))
        graph.add_node("answer", plain_node(self._answer))
        graph.add_edge(START, "gate")
        graph.add_conditional_edges("gate", self._route, {"retrieve": "retrieve", "answer": "answer"})
        graph.add_edge("retrieve", "answer")
        graph.add_edge("answer", END)
        return graph.compile(checkpointer=checkpointer, name="rag")

    def _build(self, checkpointer: Any | None = None) -> Any:
        """Kept for callers that swap the session graph's checkpointer (tests, benchmarks/sessions.py)."""
        return self.build_graph(checkpointer)

    @cached_property
    def session_graph(self) -> Any:
        """The graph with the session checkpointer; replaceable per instance (see ``_build``)."""
        return super().graph(True)

    def graph(self, persistent: bool = False) -> Any:
        return self.session_graph if persistent else super().graph(False)

    def graph_input(self, request: AgentRequest) -> dict[str, Any]:
        users = [m for m in request.messages if m.get("role") == "user"]
        if not users or not str(users[-1].get("content") or "").strip():
            raise InputError("the request has no user message to answer; send at least one non-empty user message")
        mode = request.options.get("retrieve") or self.settings.retrieve
        if mode not in RETRIEVE_MODES:
            raise InputError(f"retrieve mode {mode!r} is not one of {', '.join(RETRIEVE_MODES)}")
        grounded.answer_mode(self.settings, request.options)  # a bad mode is refused before anything runs
        self.tools_of(request.options)  # an unknown tool name is refused before anything runs
        state: dict[str, Any] = {"question": str(users[-1]["content"])}
        if not request.session:  # stateless: earlier turns come from the request itself
            state["history"] = [m for m in request.messages[:-1] if m.get("role") in ("user", "assistant")]
        return plain(state)

    def make_reply(self, values: dict[str, Any], request: AgentRequest) -> AgentReply:
        rejected = bool(values.get("rejected"))
        extras = {
            "sources": [] if rejected else sources_of(values.get("hits") or []),
            "retrieved": bool(values["gate"]["retrieve"]),
            "gate": values["gate"],
            "not_found": rejected,
            "tool_calls": list(values.get("tool_calls") or []),
            "answer_mode": values.get("answer_mode") or "generate",
            "citations": list(values.get("citations") or []),
            "quotes": list(values.get("quotes") or []),
        }
        return AgentReply(values["answer"], plain(extras), request.session, list(values.get("alternatives") or []))

    def after_turn(self, values: dict[str, Any], request: AgentRequest) -> None:
        """Records the session turn; its title is the question (the last user message)."""
        if request.session:
            from plait.agents.sessions import touch

            touch(self.settings, request.session, self.name, title=str(values.get("question") or ""),
                  owner=request.options.get("owner"))
