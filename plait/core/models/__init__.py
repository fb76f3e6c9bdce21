"""Model resolution: ``prefix/name`` strings to backends registered by plugins.

``get_chat_model("openai/Qwen2.5-7B")`` looks up the ``openai`` backend in the host's model
registry and calls its factory with ``("Qwen2.5-7B", settings)``.
"""

from __future__ import annotations

from plait.core.config import Settings, load_settings
from plait.core.errors import ConfigError, NotFound
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


def _resolve(registry, full: str, settings: Settings, kind: str):
    prefix, rest = split_model_name(full, kind)
    try:
        factory = registry.get(prefix)
    except NotFound:
        known = ", ".join(registry.names()) or "none"
        raise ConfigError(
            f"unknown {kind} backend {prefix!r} in {full!r} (known: {known}); install the plugin that provides it"
        ) from None
    return factory(rest, settings)


def get_chat_model(name: str | None = None, settings: Settings | None = None) -> ChatModel:
    """The chat model named ``name``, or the configured one (``PLAIT_MODEL`` / ``model``)."""
    from plait.core.host import get_host

    settings = settings or load_settings()
    return _resolve(get_host().models, name or settings.model, settings, "model")


def get_embedder(name: str | None = None, settings: Settings | None = None) -> Embedder:
    """The embedder named ``name``, or the configured one (``PLAIT_EMBEDDER`` / ``embedder``)."""
    from plait.core.host import get_host

    settings = settings or load_settings()
    return _resolve(get_host().embedders, name or settings.embedder, settings, "embedder")
