"""The character chat graph: recall -> respond -> remember.

- ``recall``: lorebook scan over the recent messages, and long-term memory (profile chunks and
  earlier-conversation summaries) from the character's Chroma collection.
- ``respond``: the card-spec prompt (``prompts.build_prompt``), one model call; the reply is
  appended to the chat and to ``alternatives`` (``/regenerate`` adds more).
- ``remember``: every ``summary_every`` new messages, the unsummarised part of the chat is
  summarised by the model in the character's voice and written to its memory collection.

Per-turn options (temperature, max_tokens, n, stop, seed, memory) come from
``config["configurable"]`` (``turn_options``), so a checkpoint never stores them.

Nothing in ``messages`` changes before ``respond`` succeeds, so a failed model call leaves the
checkpointed chat as it was.
"""

from __future__ import annotations

from typing import Any

from plait.agents.graph_agent import is_streaming, turn_options
from plait.core.errors import InputError
from plait.core.models.base import ChatOptions
from plait.plugins.characters import prompts
from plait.plugins.characters.lore import scan
from plait.plugins.characters.memory import LOCAL_OWNER
from plait.plugins.characters.state import CharacterState


def conversation(state: CharacterState) -> list[dict[str, Any]]:
    """The chat the next reply answers (pending merged in, or the last reply dropped to regenerate)."""
    messages = list(state.get("messages") or [])
    if state.get("action") == "regenerate":
        if not messages or messages[-1].get("role") != "assistant" or not any(m.get("role") == "user" for m in messages):
            raise InputError("nothing to regenerate: the last turn is not a reply to a user message; say something first")
        return messages[:-1]
    new = [
        {"role": m.get("role", "user"), "content": m.get("content", "")}
        for m in state.get("pending") or []
        if m.get("role") in ("user", "assistant")
    ]
    return messages + new


def _last_user(messages: list[dict[str, Any]]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            return str(m.get("content") or "")
    return ""


def build_graph(agent: Any, checkpointer: Any = None):
    """Compile the graph for ``agent``, a ``CharacterAgent`` (character, model, memory, settings).

    Typed ``Any``: the agent module builds this graph, so naming its class here would be a circle.
    """
    from langgraph.config import get_stream_writer
    from langgraph.graph import END, START, StateGraph

    def recall(state: CharacterState, config) -> dict[str, Any]:
        chat = conversation(state)
        options = turn_options(config)
        lore = scan(agent.character.character_book, chat, agent.count_tokens)
        memory: list[dict[str, Any]] = []
        if options.get("memory", True) and agent.memory_k > 0:
            query = _last_user(chat)
            memory = agent.recall(query, str(state.get("memory_owner") or LOCAL_OWNER))
        return {"lore": lore, "memory": memory}

    def respond(state: CharacterState, config) -> dict[str, Any]:
        chat = conversation(state)
        options = turn_options(config)
        msgs, info = prompts.build_prompt(
            agent.character, chat, user=agent.user_name, lore=state.get("lore"), memory=state.get("memory"),
            context_tokens=min(agent.context_tokens, int(getattr(agent.model, "n_ctx", 0) or agent.context_tokens)),
            reply_tokens=int(options.get("max_tokens") or agent.reply_tokens),
            count_tokens=agent.count_tokens,
        )
        chat_opts = ChatOptions(
            temperature=options.get("temperature", agent.temperature),
            max_tokens=options.get("max_tokens") or agent.reply_tokens,
            n=max(1, int(options.get("n") or 1)),
            stop=options.get("stop") or [f"\n{agent.user_name}:"],
            seed=options.get("seed"),
        )
        if is_streaming(config) and chat_opts.n == 1:
            writer = get_stream_writer()
            pieces = []
            for delta in agent.model.stream(msgs, chat_opts):
                pieces.append(delta)
                writer({"delta": delta})
            texts = ["".join(pieces)]
        else:
            result = agent.model.chat(msgs, chat_opts)
            texts = [c.text for c in result.choices] or [""]
        texts = [agent.clean(t) for t in texts]
        previous = list(state.get("alternatives") or []) if state.get("action") == "regenerate" else []
        if state.get("action") == "regenerate" and not previous:
            previous = [str(state["messages"][-1].get("content", ""))]
        return {
            "messages": chat + [{"role": "assistant", "content": texts[0]}],
            "alternatives": previous + texts,
            "chosen": len(previous),
            "pending": [],
            "prompt_info": info,
        }

    def remember(state: CharacterState, config) -> dict[str, Any]:
        session = ((config or {}).get("configurable") or {}).get("thread_id")
        messages = state.get("messages") or []
        upto = int(state.get("summarized_upto") or 0)
        if not session or agent.summary_every <= 0 or len(messages) - upto < agent.summary_every:
            return {}
        agent.write_summary(session, messages[upto:], len(messages), str(state.get("memory_owner") or LOCAL_OWNER))
        return {"summarized_upto": len(messages)}

    graph = StateGraph(CharacterState)
    graph.add_node("recall", recall)
    graph.add_node("respond", respond)
    graph.add_node("remember", remember)
    graph.add_edge(START, "recall")
    graph.add_edge("recall", "respond")
    graph.add_edge("respond", "remember")
    graph.add_edge("remember", END)
    return graph.compile(checkpointer=checkpointer)
