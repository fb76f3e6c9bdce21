"""Built-in plugin: the generic model and embedder backends (scripted, openai — vLLM first —,
llamacpp, vllm, local).

Every factory takes the one context: ``factory(ctx) -> ChatModel`` (or ``Embedder``), where
``ctx.arg`` is the part after the backend's name ("gpt-4o" for "openai/gpt-4o").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from plait import hookimpl

if TYPE_CHECKING:  # the public API loads on first use; a plugin module stays cheap to import
    from plait import ChatModel, Context, Embedder


def _arg(ctx: Context, example: str) -> str:
    if not ctx.arg:
        from plait.core.errors import ConfigError

        raise ConfigError(f"model {ctx.name!r} names no model after the backend; write e.g. {example}")
    return ctx.arg


def scripted_chat(ctx: Context) -> ChatModel:
    """``scripted/echo``, or a scripted policy another plugin registered as the backend ``scripted.NAME``
    (``scripted/chain`` -> the FastMCTS plugin's ``scripted.chain``), found through the registry."""
    from dataclasses import replace

    from plait.core.errors import ConfigError
    from plait.core.models.scripted import EchoChatModel

    if ctx.arg == "echo":
        return EchoChatModel()
    name, _, rest = (ctx.arg or "").partition("/")
    models = ctx.registries.models
    if name and f"scripted.{name}" in models:
        return models.get(f"scripted.{name}")(replace(ctx, arg=rest or None))
    offered = ["scripted/echo"] + [f"scripted/{n.split('.', 1)[1]}" for n in models.names() if n.startswith("scripted.")]
    raise ConfigError(f"unknown scripted model {ctx.arg!r}; the scripted backend offers {', '.join(offered)}")


def openai_chat(ctx: Context) -> ChatModel:
    from plait.core.models.openai_backend import OpenAIChatModel

    return OpenAIChatModel.from_settings(_arg(ctx, "openai/MODEL"), ctx.settings)


def llamacpp_chat(ctx: Context) -> ChatModel:
    from plait.core.models.llamacpp import LlamaCppChatModel

    return LlamaCppChatModel.from_settings(_arg(ctx, "llamacpp/smollm2"), ctx.settings)


def vllm_chat(ctx: Context) -> ChatModel:
    from plait.core.models.vllm_inprocess import VLLMChatModel

    return VLLMChatModel.from_settings(_arg(ctx, "vllm/MODEL"), ctx.settings)


def scripted_embedder(ctx: Context) -> Embedder:
    from plait.core.models.scripted import HashEmbedder

    name = ctx.arg or ""
    dim = int(name.split("-", 1)[1]) if name.startswith("hash-") else 256
    return HashEmbedder(dim)


def local_embedder(ctx: Context) -> Embedder:
    from plait.core.models.local_embed import LocalEmbedder

    return LocalEmbedder.from_settings(_arg(ctx, "local/all-MiniLM-L6-v2"), ctx.settings)


def openai_embedder(ctx: Context) -> Embedder:
    from plait.core.models.openai_backend import OpenAIEmbedder

    return OpenAIEmbedder.from_settings(_arg(ctx, "openai/MODEL"), ctx.settings)


@hookimpl
def register_models(register):
    register("scripted", scripted_chat)
    register("openai", openai_chat)
    register("llamacpp", llamacpp_chat)
    register("vllm", vllm_chat)


@hookimpl
def register_embedders(register):
    register("scripted", scripted_embedder)
    register("local", local_embedder)
    register("openai", openai_embedder)
