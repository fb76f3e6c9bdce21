"""The ``quotebot`` agent: a two-node LangGraph graph (search the book, then answer with the model).

State flows ``search -> answer``; when the search finds nothing the graph ends at ``none`` without
calling the model, so the agent never invents a quotation. The answer node streams the model's
deltas through LangGraph's custom stream, which ``QuotebotAgent.stream`` passes on.
"""

from __future__ import annotations

from typing import Any, Iterator, TypedDict

NO_MATCH = "I know no quotation about that in my quote book."
SYSTEM = ("You answer with quotations from the numbered list only. Quote the best one exactly, "
          "name its author, and cite it as [n].")


class QuoteState(TypedDict, total=False):
    question: str
    quotes: list[dict]
    answer: str


def build_graph(model: Any):
    """Compile the graph for one chat model."""
    from langgraph.config import get_stream_writer
    from langgraph.graph import END, START, StateGraph

    from plait_quotebook.quotes import quote_search

    def search(state: QuoteState) -> QuoteState:
        return {"quotes": quote_search(state["question"], limit=3)}

    def answer(state: QuoteState) -> QuoteState:
        listing = "\n".join(f"[{i}] \"{q['text']}\" ({q['author']}, {q['source']})"
                            for i, q in enumerate(state["quotes"], 1))
        messages = [{"role": "system", "content": SYSTEM},
                    {"role": "user", "content": f"Quotations:\n{listing}\n\nRequest: {state['question']}"}]
        write = get_stream_writer()
        parts = []
        for delta in model.stream(messages):
            parts.append(delta)
            write(delta)
        return {"answer": "".join(parts)}

    def none(state: QuoteState) -> QuoteState:
        get_stream_writer()(NO_MATCH)
        return {"answer": NO_MATCH}

    graph = StateGraph(QuoteState)
    graph.add_node("search", search)
    graph.add_node("answer", answer)
    graph.add_node("none", none)
    graph.add_edge(START, "search")
    graph.add_conditional_edges("search", lambda s: "answer" if s["quotes"] else "none", ["answer", "none"])
    graph.add_edge("answer", END)
    graph.add_edge("none", END)
    return graph.compile()


class QuotebotAgent:
    """plait's Agent protocol over the graph: ``invoke`` and ``stream``."""

    name = "quotebot"
    description = "Answers with a fitting quotation from the quote book, citing it."

    def __init__(self, context: Any):
        self.context = context
        self._graph = None

    @property
    def graph(self):
        if self._graph is None:
            self._graph = build_graph(self.context.model)
        return self._graph

    @staticmethod
    def _question(request: Any) -> str:
        for message in reversed(request.messages):
            if message.get("role") == "user":
                return str(message.get("content") or "")
        return ""

    def _reply(self, state: dict, request: Any):
        from plait.agents.base import AgentReply

        return AgentReply(state["answer"], extras={"quotes": state.get("quotes", [])}, session=request.session)

    def invoke(self, request: Any):
        return self._reply(self.graph.invoke({"question": self._question(request)}), request)

    def stream(self, request: Any) -> Iterator[Any]:
        final: dict = {}
        for mode, chunk in self.graph.stream({"question": self._question(request)}, stream_mode=["custom", "values"]):
            if mode == "custom":
                yield chunk
            else:
                final = chunk
        yield self._reply(final, request)
