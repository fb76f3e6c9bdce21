"""Model resolution: ``prefix/name`` strings to backends registered by plugins.

``get_chat_model("openai/Qwen2.5-7B")`` looks up the ``openai`` backend in the host's model
registry and calls its factory with the one context: ``factory(ctx)`` where ``ctx.name`` is
"openai/Qwen2.5-7B" and ``ctx.arg`` is "Qwen2.5-7B".
"""

from __future__ import annotations

from typing import Any

from plait.core.config import Settings, load_settings
from plait.core.context import Context
from plait.core.errors import ConfigError
from plait.core.models.base import ChatModel, ChatOptions, ChatResult, Choice, Embedder, Message, ToolCall

__all__ = [
    "ChatModel", "ChatOptions", "ChatResult", "Choice", "Embedder", "Message", "ToolCall",
    "get_chat_model", "get_embedder", "split_model_name",
]


def split_model_name(full: str, kind: str = "model") -> tuple[str, str]:
    prefix, sep, rest = full.partition("/")
    if not sep or not prefix or not rest:
        raise ConfigError(
            f"{kind} {full!r} must look like BACKEND/NAME, e.g. llamacpp/smollm2, openai/MODEL or scripted/echo"
        )
    return prefix, rest


def _resolve(registry: Any, full: str, settings: Settings, kind: str, host: Any, options: dict[str, Any]) -> Any:
    prefix, rest = split_model_name(full, kind)
    if prefix not in registry:
        known = ", ".join(registry.names()) or "none"
        hint = registry.hint(prefix) if registry.hint else ""
        raise ConfigError(
            f"unknown {kind} backend {prefix!r} in {full!r} (known: {known}); "
            + (hint if hint else "install the plugin that provides it")
        )
    return registry.get(prefix)(Context(settings, name=full, arg=rest, options=dict(options), host=host))


def get_chat_model(name: str | None = None, settings: Settings | None = None, *, host: Any = None,
                   **options: Any) -> ChatModel:
    """The chat model named ``name``, or the configured one (``PLAIT_MODEL`` / ``model``)."""
    if host is None:
        from plait.core.host import get_host

        host = get_host()
    settings = settings or load_settings()
    return _resolve(host.models, name or settings.model, settings, "model", host, options)


def get_embedder(name: str | None = None, settings: Settings | None = None, *, host: Any = None,
                 **options: Any) -> Embedder:
    """The embedder named ``name``, or the configured one (``PLAIT_EMBEDDER`` / ``embedder``)."""
    if host is None:
        from plait.core.host import get_host

        host = get_host()
    settings = settings or load_settings()
    return _resolve(host.embedders, name or settings.embedder, settings, "embedder", host, options)
