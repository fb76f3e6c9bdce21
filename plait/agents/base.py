"""The contract between agent graphs and the surfaces (CLI, HTTP server).

An agent is registered as ``register(name, factory)``; ``factory(context) -> Agent``. A name
registered as ``"character"`` also answers ``"character/<arg>"``: ``context.arg`` is ``<arg>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Protocol, runtime_checkable

from plait.core.config import Settings, load_settings
from plait.core.errors import NotFound
from plait.core.models.base import ChatModel, Message


@dataclass
class AgentContext:
    settings: Settings
    model_name: str | None = None  # None = the configured model
    arg: str | None = None  # "<arg>" of "agent/<arg>"
    options: dict[str, Any] = field(default_factory=dict)
    _model: ChatModel | None = None

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


def resolve_agent_factory(name: str):
    """(factory, arg) for an agent name, exact first, then ``prefix/arg``."""
    from plait.core.host import get_host

    agents = get_host().agents
    if name in agents:
        return agents.get(name), None
    prefix, sep, arg = name.partition("/")
    if sep and prefix in agents:
        return agents.get(prefix), arg
    raise NotFound(f"no agent named {name!r} (known: {', '.join(agents.names()) or 'none'}); see `plait plugins list`")


def get_agent(name: str, settings: Settings | None = None, model: str | None = None, **options: Any) -> Agent:
    factory, arg = resolve_agent_factory(name)
    ctx = AgentContext(settings or load_settings(), model_name=model, arg=arg, options=options)
    return factory(ctx)
