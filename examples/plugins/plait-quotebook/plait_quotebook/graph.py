"""The ``quotebot`` agent: a two-node LangGraph graph (search the book, then answer with the model).

State flows ``search -> answer``; when the search finds nothing the graph ends at ``none`` without
calling the model, so the agent never invents a quotation. The search node calls the registered
tool ``quote_search`` (``ctx.tools``), as any agent may call any plugin's tool. ``plait.GraphAgent``
owns the LangGraph adaptor (invoke, stream, sessions); this module says only what the graph is.
"""

from __future__ import annotations

from typing import Any, TypedDict

from plait import AgentReply, AgentRequest, GraphAgent, InputError, stream_text, turn_options

NO_MATCH = "I know no quotation about that in my quote book."
SYSTEM = ("You answer with quotations from the numbered list only. Quote the best one exactly, "
          "name its author, and cite it as [n].")


class QuoteState(TypedDict, total=False):
    question: str
    quotes: list[dict]
    answer: str


class QuotebotAgent(GraphAgent):
    """plait's Agent protocol over the graph, through ``plait.GraphAgent``."""

    name = "quotebot"
    description = "Answers with a fitting quotation from the quote book, citing it."

    def build_graph(self, checkpointer: Any | None) -> Any:
        from langgraph.graph import END, START, StateGraph

        search_tool = self.context.tools["quote_search"]  # registered by this plugin's register_tools
        model = self.context.model

        def search(state: QuoteState) -> QuoteState:
            return {"quotes": search_tool.call({"query": state["question"], "limit": 3})}

        def answer(state: QuoteState, config) -> QuoteState:  # config: LangGraph passes the run config
            from plait import ChatOptions

            listing = "\n".join(f"[{i}] \"{q['text']}\" ({q['author']}, {q['source']})"
                                for i, q in enumerate(state["quotes"], 1))
            messages = [{"role": "system", "content": SYSTEM},
                        {"role": "user", "content": f"Quotations:\n{listing}\n\nRequest: {state['question']}"}]
            options = ChatOptions(**{k: v for k, v in turn_options(config).items()
                                     if k in ("temperature", "max_tokens", "stop", "seed")})
            parts = []
            for delta in model.stream(messages, options):
                parts.append(delta)
                stream_text(config, delta)
            return {"answer": "".join(parts)}

        def none(state: QuoteState, config) -> QuoteState:
            stream_text(config, NO_MATCH)
            return {"answer": NO_MATCH}

        graph = StateGraph(QuoteState)
        graph.add_node("search", search)
        graph.add_node("answer", answer)
        graph.add_node("none", none)
        graph.add_edge(START, "search")
        graph.add_conditional_edges("search", lambda s: "answer" if s["quotes"] else "none", ["answer", "none"])
        graph.add_edge("answer", END)
        graph.add_edge("none", END)
        return graph.compile(checkpointer=checkpointer)

    def graph_input(self, request: AgentRequest) -> dict[str, Any]:
        for message in reversed(request.messages):
            if message.get("role") == "user":
                return {"question": str(message.get("content") or "")}
        raise InputError("quotebot needs a user message to find a quotation for")

    def make_reply(self, values: dict[str, Any], request: AgentRequest) -> AgentReply:
        return AgentReply(values["answer"], extras={"quotes": values.get("quotes", [])}, session=request.session)
