"""The contract between agent graphs and the surfaces (CLI, HTTP server).

An agent is registered as ``register(name, factory)``; ``factory(context: AgentContext) -> Agent``. A
name registered as ``"character"`` also answers ``"character/<arg>"``: ``context.arg`` is ``<arg>``.
Optional capabilities are declared protocols (``SupportsHistory`` ...): surfaces check them with
``isinstance``. ``plait.agents.graph_agent.GraphAgent`` is the LangGraph adaptor agents share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol, runtime_checkable

from plait.core.config import Settings, load_settings
from plait.core.context import Context
from plait.core.models.base import ChatModel, Message


@dataclass
class AgentContext(Context):
    """What an agent factory receives: a :class:`~plait.core.context.Context` plus the chat model."""

    model_name: str | None = None  # None = the configured model
    _model: ChatModel | None = None

    @property
    def tools(self) -> dict[str, Any]:
        """Every registered tool by name (``plait.Tool``): what an agent may offer its model."""
        reg = self.registries.tools
        return {name: reg.get(name) for name in reg.names()}

    @property
    def model(self) -> ChatModel:
        if self._model is None:
            from plait.core.models import get_chat_model

            self._model = get_chat_model(self.model_name, self.settings)
        return self._model


@dataclass
class AgentRequest:
    messages: list[Message]  # the new turn(s); with a session, earlier turns come from the checkpoint
    session: str | None = None  # LangGraph thread_id; None = stateless
    options: dict[str, Any] = field(default_factory=dict)  # temperature, max_tokens, n, stop, retrieve...


@dataclass
class AgentReply:
    text: str
    extras: dict[str, Any] = field(default_factory=dict)  # sources, gate, memory, ... (JSON-safe)
    session: str | None = None
    alternatives: list[str] = field(default_factory=list)  # n > 1


@runtime_checkable
class Agent(Protocol):
    name: str
    description: str

    def invoke(self, request: AgentRequest) -> AgentReply:
        ...

    def stream(self, request: AgentRequest) -> Iterator[str | AgentReply]:
        """Text deltas, then exactly one final ``AgentReply``."""
        ...


# -- optional capabilities: surfaces check these with isinstance, never with hasattr ----------------
@runtime_checkable
class SupportsHistory(Protocol):
    """An agent whose sessions can be read back: ``history(session)`` -> user/assistant messages."""

    def history(self, session: str) -> list[dict[str, Any]]:
        ...


@runtime_checkable
class SupportsGreeting(Protocol):
    """An agent that opens a new session itself (a character's first message)."""

    def greeting(self, session: str | None = None) -> str | None:
        ...


@runtime_checkable
class SupportsCommands(Protocol):
    """An agent with slash commands: ``commands["/name"](session, args) -> text``."""

    commands: dict[str, Callable[[str | None, str], str]]


@runtime_checkable
class SupportsRegenerate(Protocol):
    """An agent that can replace its last reply and keep the earlier ones as alternatives."""

    def regenerate(self, session: str, options: dict[str, Any] | None = None) -> "AgentReply":
        ...

    def choose_alternative(self, session: str, index: int) -> str:
        ...


@runtime_checkable
class SupportsEndSession(Protocol):
    """An agent with work to do when a chat ends (e.g. writing long-term memory)."""

    def end_session(self, session: str) -> str:
        ...


@dataclass(frozen=True)
class Variant:
    """One concrete name an agent answers to, e.g. ``character/ada-lovelace``."""

    name: str
    description: str = ""


@runtime_checkable
class SupportsVariants(Protocol):
    """An agent *factory* that answers ``prefix/<arg>`` names and can list them (``character/<slug>``)."""

    def variants(self, settings: Settings) -> list[Variant]:
        ...


def resolve_agent_factory(name: str):
    """(factory, arg) for an agent name, exact first, then ``prefix/arg``."""
    from plait.core.host import get_host

    agents = get_host().agents
    if name in agents:
        return agents.get(name), None
    prefix, sep, arg = name.partition("/")
    if sep and prefix in agents:
        return agents.get(prefix), arg
    raise agents.not_found(name, "; see `plait plugins list --all`")  # names a plugin turned off, if any


def get_agent(name: str, settings: Settings | None = None, model: str | None = None, **options: Any) -> Agent:
    factory, arg = resolve_agent_factory(name)
    ctx = AgentContext(settings or load_settings(), name=name, arg=arg, options=options, model_name=model)
    return factory(ctx)
