"""Context: what every registry factory receives (one factory shape for every registry).

    register("openai", factory)      # factory(ctx) -> ChatModel, ctx.arg == "gpt-4o" for "openai/gpt-4o"
    register("uar", factory)         # factory(ctx) -> RetrievalGate
    register("character", factory)   # factory(ctx) -> Agent, ctx.arg == "ada-lovelace"

A factory's real inputs are all here: the settings, the name asked for, the part after the
registered prefix, the caller's options and the host whose registries it may use. Nothing needs
``get_host()`` or ``load_settings()`` from deep inside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from plait.core.config import ConfigTable, Settings


# The process-wide host's getter, installed by plait.core.host when it loads: the host's registries
# hold factories that take a Context, so this module must not import the host (no import circle).
_process_host: Callable[[], Any] | None = None


def use_process_host(getter: Callable[[], Any]) -> None:
    """Called once by ``plait.core.host``: where a Context without ``host`` finds the registries."""
    global _process_host
    _process_host = getter


@dataclass
class Context:
    settings: Settings
    name: str = ""  # the full name asked for, e.g. "openai/gpt-4o" or "character/ada-lovelace"
    arg: str | None = None  # what follows "<registered name>/", or None
    options: dict[str, Any] = field(default_factory=dict)
    host: Any = None  # the plugin host; None = the process's host, found on first use

    @property
    def registries(self) -> Any:
        """The host (its registries: models, embedders, tools, gates, characters, sandboxes, agents)."""
        if self.host is None:
            if _process_host is None:
                raise RuntimeError("no plugin host: import plait.core.host (or pass host=) before using ctx.registries")
            self.host = _process_host()
        return self.host

    def table(self, name: str) -> ConfigTable:
        """A plugin's config table (``[name]`` in plait.toml)."""
        return self.settings.table(name)
