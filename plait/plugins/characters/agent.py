"""CharacterAgent: the ``character/<name>`` agent (Agent protocol + greeting + slash commands).

Sessions are LangGraph threads in the SQLite checkpointer, so a chat survives a restart: a new
agent instance on the same data directory continues the session where it stopped.

Configuration (``[characters]`` in plait.toml, or ``PLAIT_CHARACTERS__KEY``):
``context_tokens`` (4096), ``reply_tokens`` (400), ``temperature`` (0.8), ``memory_k`` (3),
``summary_every`` (8 messages; 0 = only on ``/remember``), ``user_name`` ("User"),
``shared_memory`` (false: each session owner recalls only its own conversation summaries).
Agent options (``get_agent(..., greeting=1)``): ``greeting`` picks an alternate greeting.

Per-turn option ``owner`` (``AgentRequest.options["owner"]``): who the session belongs to. The
server sets it to the API key's owner; the command line leaves it unset (the local user). It
selects whose summaries are recalled and written (see ``memory.py``) and is never checkpointed
as given: the state keeps only its scope (``local`` or a hash).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator

from plait.agents.base import (
    AgentContext,
    AgentReply,
    AgentRequest,
    SupportsCommands,
    SupportsEndSession,
    SupportsGreeting,
    SupportsHistory,
    SupportsRegenerate,
)
from plait.agents.graph_agent import DURABILITY, GraphAgent
from plait.core.characters import Character
from plait.core.errors import InputError
from plait.plugins.characters import prompts
from plait.plugins.characters.memory import LOCAL_OWNER, CharacterMemory, owner_scope


def _flag(value: Any) -> bool:
    """A config boolean that may arrive as a string from the environment ("false" is False)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


class CharacterAgent(GraphAgent, SupportsHistory, SupportsGreeting, SupportsCommands, SupportsRegenerate,
                     SupportsEndSession):
    description = "Chat with a character (Character-LLM persona, character card, lorebook, long-term memory)"

    def __init__(self, context: AgentContext, character: Character):
        super().__init__(context)
        self.character = character
        self.name = f"character/{character.slug}"
        table = self.settings.table("characters")
        opts = context.options

        def conf(key: str, default: Any, cast: Callable = int) -> Any:
            return cast(opts.get(key, table.get(key, default)))

        self.context_tokens = conf("context_tokens", 4096)
        self.reply_tokens = conf("reply_tokens", 400)
        self.temperature = conf("temperature", 0.8, float)
        self.memory_k = conf("memory_k", 3)
        self.summary_every = conf("summary_every", 8)
        self.user_name = conf("user_name", "User", str)
        self.greeting_index = conf("greeting", 0)
        self.shared_memory = conf("shared_memory", False, _flag)
        self.memory = CharacterMemory(self.settings, character.slug, shared=self.shared_memory)
        self._profile_indexed = False
        self.commands: dict[str, Callable[[str | None, str], str]] = {
            "/regenerate": self._cmd_regenerate,
            "/alts": self._cmd_alts,
            "/memory": self._cmd_memory,
            "/lore": self._cmd_lore,
            "/greetings": self._cmd_greetings,
            "/remember": self._cmd_remember,
        }

    # -- pieces the graph uses ------------------------------------------------------------------
    @property
    def model(self):
        return self.context.model

    def count_tokens(self, text: str) -> int:
        try:
            return int(self.memory.embedder.count_tokens(text))
        except Exception:  # an embedder without a tokenizer: words are close enough for budgets
            return len(text.split())

    def clean(self, text: str) -> str:
        """Drop a leading ``Name:`` the model may echo from the transcript style."""
        text = text.strip()
        return re.sub(rf"^{re.escape(self.character.name)}\s*(\((speaking)\))?\s*:\s*", "", text)

    def recall(self, query: str, scope: str = LOCAL_OWNER) -> list[dict[str, Any]]:
        if not self._profile_indexed:
            self.memory.ensure_profile(self.character.profile)
            self._profile_indexed = True
        return self.memory.recall(query, self.memory_k, scope)

    def write_summary(self, session: str, messages: list[dict[str, Any]], upto: int, scope: str = LOCAL_OWNER) -> str:
        msgs = prompts.summary_messages(messages, self.character.name, self.user_name)
        from plait.core.models.base import ChatOptions

        text = self.model.chat(msgs, ChatOptions(temperature=0.2, max_tokens=200)).text.strip()
        if text:
            self.memory.add_summary(session, text, upto, scope)
        return text

    # -- GraphAgent hooks: per-turn options travel in config["configurable"], never in state ------
    def build_graph(self, checkpointer: Any | None) -> Any:
        from plait.plugins.characters.graph import build_graph

        return build_graph(self, checkpointer)

    def graph_input(self, request: AgentRequest, action: str = "reply") -> dict[str, Any]:
        msgs = [m for m in request.messages if m.get("role") in ("user", "assistant")]
        if action == "reply" and not any(m.get("role") == "user" for m in msgs):
            raise InputError("a character chat turn needs a user message")
        # who is asking decides whose memories are recalled: only its hashed scope is stored
        data: dict[str, Any] = {"pending": msgs, "action": action, "memory_owner": owner_scope(request.options.get("owner"))}
        if request.session is None:
            data.update(messages=[], alternatives=[], summarized_upto=0)
        return data

    def make_reply(self, values: dict[str, Any], request: AgentRequest) -> AgentReply:
        messages = values.get("messages") or []
        text = str(messages[-1]["content"]) if messages else ""
        extras = {
            "character": self.character.name,
            "memory": values.get("memory") or [],
            "lore": values.get("lore") or [],
            "prompt": values.get("prompt_info") or {},
        }
        alternatives = list(values.get("alternatives") or [])
        return AgentReply(text=text, extras=extras, session=request.session,
                          alternatives=alternatives if len(alternatives) > 1 else [])

    # -- Agent protocol: a session's greeting is recorded before its first turn ---------------------
    def _open_turn(self, request: AgentRequest) -> None:
        self.graph_input(request)  # a bad turn is refused before anything (the greeting) is written
        if request.session:
            self.greeting(request.session, record_only=True)

    def invoke(self, request: AgentRequest) -> AgentReply:
        self._open_turn(request)
        return super().invoke(request)

    def stream(self, request: AgentRequest) -> Iterator[str | AgentReply]:
        self._open_turn(request)
        yield from super().stream(request)

    # -- greeting -------------------------------------------------------------------------------
    def greeting(self, session: str | None = None, *, index: int | None = None, record_only: bool = False) -> str | None:
        """The greeting (``index`` or the ``greeting`` option picks an alternate).

        For a new session it is recorded as the first assistant turn and returned; for a session
        that already has messages nothing is recorded and None is returned (see ``history``).
        """
        greetings = self.character.greetings
        if not greetings:
            return None
        i = self.greeting_index if index is None else index
        if not 0 <= i < len(greetings):
            raise InputError(f"{self.character.name} has {len(greetings)} greeting(s); choose 0..{len(greetings) - 1}")
        text = prompts.substitute(greetings[i], self.character.name, self.user_name)
        if session is None:
            return None if record_only else text
        if self.state(session).get("messages"):
            return None
        self.graph(True).update_state(
            self.session_config(session),
            {"messages": [{"role": "assistant", "content": text}], "alternatives": [], "summarized_upto": 0, "pending": []},
            as_node="remember",
        )
        if not record_only:
            self.after_turn({}, AgentRequest([], session))
        return text

    # -- slash commands -----------------------------------------------------------------------------
    def _need_session(self, session: str | None, cmd: str) -> str:
        if not session:
            raise InputError(f"{cmd} needs a chat session (start the chat with --session ID)")
        return session

    def regenerate(self, session: str, options: dict[str, Any] | None = None) -> AgentReply:
        """Another reply to the last user message; the earlier ones stay in ``alternatives``."""
        request = AgentRequest([], session, dict(options or {}))
        values = self.graph(True).invoke(self.graph_input(request, "regenerate"), self.run_config(request, False),
                                         durability=DURABILITY)
        self.after_turn(values, request)
        return self.make_reply(values, request)

    def choose_alternative(self, session: str, index: int) -> str:
        """Make alternative ``index`` (0-based) the last reply of the session."""
        values = self.state(session)
        alts = list(values.get("alternatives") or [])
        if not 0 <= index < len(alts):
            raise InputError(f"no alternative {index + 1}; there are {len(alts)} (see /alts)")
        messages = list(values.get("messages") or [])
        messages[-1] = {"role": "assistant", "content": alts[index]}
        self.graph(True).update_state(self.session_config(session), {"messages": messages, "chosen": index}, as_node="remember")
        return alts[index]

    def summarize(self, session: str) -> str:
        """Write the unsummarised part of ``session`` to long-term memory now; returns the summary."""
        values = self.state(session)
        messages = values.get("messages") or []
        upto = int(values.get("summarized_upto") or 0)
        if len(messages) <= upto or not any(m.get("role") == "user" for m in messages[upto:]):
            return ""
        scope = str(values.get("memory_owner") or LOCAL_OWNER)  # the owner of the session's last turn
        text = self.write_summary(session, messages[upto:], len(messages), scope)
        self.graph(True).update_state(self.session_config(session), {"summarized_upto": len(messages)}, as_node="remember")
        return text

    def end_session(self, session: str) -> str:
        """Call when a chat ends (the REPL's /exit): writes what is not yet remembered. Returns the summary."""
        return self.summarize(session)

    def _cmd_regenerate(self, session: str | None, args: str) -> str:
        return self.regenerate(self._need_session(session, "/regenerate")).text

    def _cmd_alts(self, session: str | None, args: str) -> str:
        session = self._need_session(session, "/alts")
        if args.strip():
            if not args.strip().isdigit():
                raise InputError("usage: /alts [N] — N is the number shown by /alts")
            return self.choose_alternative(session, int(args.strip()) - 1)
        values = self.state(session)
        alts = list(values.get("alternatives") or [])
        chosen = int(values.get("chosen") or 0)
        if not alts:
            return "no alternatives yet; /regenerate makes one"
        return "\n".join(f"{'*' if i == chosen else ' '} {i + 1}. {a}" for i, a in enumerate(alts))

    def _cmd_memory(self, session: str | None, args: str) -> str:
        memory = self.state(self._need_session(session, "/memory")).get("memory") or []
        if not memory:
            return "nothing was retrieved for the last reply"
        return "\n".join(f"[{m['kind']} {m['score']:.2f}] {m['text']}" for m in memory)

    def _cmd_lore(self, session: str | None, args: str) -> str:
        lore = self.state(self._need_session(session, "/lore")).get("lore") or []
        if not lore:
            return "no lorebook entry was active for the last reply"
        return "\n".join(f"[{', '.join(e['keys']) or 'constant'}] {e['content']}" for e in lore)

    def _cmd_greetings(self, session: str | None, args: str) -> str:
        return "\n".join(f"{i}. {g}" for i, g in enumerate(self.character.greetings))

    def _cmd_remember(self, session: str | None, args: str) -> str:
        text = self.summarize(self._need_session(session, "/remember"))
        return f"remembered: {text}" if text else "nothing new to remember"
