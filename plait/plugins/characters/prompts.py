"""Prompt assembly for character chat, following the character card spec.

Order: system prompt (the card's ``system_prompt`` with ``{{original}}`` = plait's default main
prompt, or the default itself), lorebook ``before_char`` entries, description, personality,
scenario, lorebook ``after_char`` entries, the era rule, retrieved memories, example dialogue;
then the chat history (with lorebook entries carrying a V3 ``@@depth N`` inserted N messages
before its end, in their ``@@role``); then ``post_history_instructions`` (``{{original}}`` = nothing) as the
last system message. ``{{char}}``/``{{user}}`` (and V1's ``<BOT>``/``<USER>``) are replaced
everywhere. When the prompt is over budget, example dialogues go first (last block first), then
the oldest history turns, then memories.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from plait.core.characters import Character

DEFAULT_MAIN = (
    "Write {{char}}'s next reply in a fictional chat between {{char}} and {{user}}. "
    "Stay in character as {{char}}: speak as {{char}} would, in {{char}}'s voice, never as an AI assistant."
)
ERA_RULE = (
    "{{char}} lives in {era}. {{char}} knows only what a person of that time and place could know"
    "{cutoff}. Asked about later events, people, inventions or words, {{char}} does not know them: "
    "{{char}} is puzzled, says so in character, and never describes them."
)
SUMMARY_PROMPT = (
    "Summarise the conversation below from {{char}}'s point of view, in the first person, in at most "
    "five sentences: who {{user}} is, what was talked about, what {{char}} learned or promised. "
    "Write only the summary.\n\n{transcript}"
)


def substitute(text: str, char: str, user: str, original: str = "") -> str:
    """Replace the card macros (case-insensitive, as SillyTavern does)."""
    if not text:
        return ""
    text = re.sub(r"\{\{original\}\}", lambda _m: original, text, flags=re.I)
    text = re.sub(r"\{\{char\}\}|<BOT>", lambda _m: char, text, flags=re.I)
    text = re.sub(r"\{\{user\}\}|<USER>", lambda _m: user, text, flags=re.I)
    return text


def example_blocks(mes_example: str) -> list[str]:
    """The ``<START>``-separated example dialogues."""
    blocks = [b.strip() for b in re.split(r"<START>", mes_example or "", flags=re.I)]
    return [b for b in blocks if b]


def era_rule(era: str, cutoff: str) -> str:
    if not era and not cutoff:
        return ""
    return ERA_RULE.format(era=era or "their own time", cutoff=f" up to {cutoff}" if cutoff else "")


def _msg_tokens(messages: list[dict[str, Any]], count: Callable[[str], int]) -> int:
    return sum(count(str(m.get("content") or "")) + 4 for m in messages)


def build_prompt(
    character: Character,
    history: list[dict[str, Any]],
    *,
    user: str = "User",
    lore: list[dict[str, Any]] | None = None,
    memory: list[dict[str, Any]] | None = None,
    context_tokens: int = 4096,
    reply_tokens: int = 512,
    count_tokens: Callable[[str], int] = lambda s: len(s.split()),
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(messages for the model, info about what was kept or pruned)."""
    char = character.name
    sub = lambda t, original="": substitute(t, char, user, original)  # noqa: E731
    lore = list(lore or [])
    memory = list(memory or [])
    history = [m for m in history if m.get("role") in ("user", "assistant") and m.get("content") is not None]
    examples = example_blocks(character.mes_example)
    pruned = {"examples": 0, "history": 0, "memory": 0}

    def system_text() -> str:
        main = sub(character.system_prompt, sub(DEFAULT_MAIN)) if character.system_prompt.strip() else sub(DEFAULT_MAIN)
        parts = [main]
        parts += [sub(e["content"]) for e in lore if e.get("position") != "after_char" and "depth" not in e]
        if character.description.strip():
            parts.append(sub(character.description))
        if character.personality.strip():
            parts.append(f"{char}'s personality: {sub(character.personality)}")
        if character.scenario.strip():
            parts.append(f"Scenario: {sub(character.scenario)}")
        parts += [sub(e["content"]) for e in lore if e.get("position") == "after_char" and "depth" not in e]
        rule = era_rule(character.era, character.knowledge_cutoff)
        if rule:
            parts.append(sub(rule))
        if memory:
            parts.append(f"What {char} remembers:\n" + "\n".join(f"- {sub(m['text'])}" for m in memory))
        if examples:
            parts.append("Example dialogue (style only; not part of this chat):\n" + "\n\n".join(sub(b) for b in examples))
        return "\n\n".join(p for p in parts if p.strip())

    def assemble() -> list[dict[str, Any]]:
        msgs = [{"role": "system", "content": system_text()}]
        chat = [{"role": m["role"], "content": sub(str(m["content"]))} for m in history]
        # V3 ``@@depth N``: the entry goes N messages before the end of the chat (0 = after the last)
        placed = [(max(0, len(chat) - int(e["depth"])), n, e) for n, e in enumerate(lore) if "depth" in e]
        for pos, _, e in sorted(placed, key=lambda p: (-p[0], -p[1])):
            chat.insert(pos, {"role": e.get("role") or "system", "content": sub(e["content"])})
        msgs += chat
        post = sub(character.post_history_instructions, "")
        if post.strip():
            msgs.append({"role": "system", "content": post})
        return msgs

    budget = max(64, context_tokens - reply_tokens)
    msgs = assemble()
    while _msg_tokens(msgs, count_tokens) > budget:
        if examples:
            examples.pop()
            pruned["examples"] += 1
        elif len(history) > 1:
            history.pop(0)
            pruned["history"] += 1
        elif memory:
            memory.pop()
            pruned["memory"] += 1
        else:
            break
        msgs = assemble()
    info = {"tokens": _msg_tokens(msgs, count_tokens), "budget": budget, "pruned": pruned, "examples_kept": len(examples)}
    return msgs, info


def transcript(messages: list[dict[str, Any]], char: str, user: str) -> str:
    lines = []
    for m in messages:
        who = char if m.get("role") == "assistant" else user
        lines.append(f"{who}: {m.get('content', '')}")
    return "\n".join(lines)


def summary_messages(messages: list[dict[str, Any]], char: str, user: str) -> list[dict[str, Any]]:
    text = substitute(SUMMARY_PROMPT, char, user).replace("{transcript}", transcript(messages, char, user))
    return [{"role": "user", "content": text}]
