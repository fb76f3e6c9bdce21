"""The character graph's state, checkpointed per session (LangGraph thread).

Conversation only: per-turn options (temperature, streaming, the owner...) travel in
``config["configurable"]`` and are never stored; of the owner only its hashed memory scope is.
"""

from __future__ import annotations

from typing import Any, TypedDict


class CharacterState(TypedDict, total=False):
    messages: list[dict[str, Any]]  # the chat so far: the greeting, then user/assistant turns
    pending: list[dict[str, Any]]  # this turn's new user message(s), merged in by ``respond``
    action: str  # "reply" (answer pending) or "regenerate" (answer the last user message again)
    alternatives: list[str]  # every reply generated for the last user message (current one included)
    chosen: int  # index in ``alternatives`` of the reply now in ``messages``
    memory: list[dict[str, Any]]  # what ``recall`` retrieved for the last reply
    lore: list[dict[str, Any]]  # lorebook entries activated for the last reply
    prompt_info: dict[str, Any]  # tokens used and what was pruned
    memory_owner: str  # the memory scope of the last turn's owner ("local" or "key-<hash>"), never the key
    summarized_upto: int  # messages[:summarized_upto] are already summarised into memory
