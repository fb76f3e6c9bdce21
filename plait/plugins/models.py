"""Built-in model and embedder backends: scripted, openai (vLLM first), llamacpp, vllm, local."""

from __future__ import annotations

from plait import hookimpl


def _scripted_chat(name, settings):
    from plait.core.errors import ConfigError
    from plait.core.models.scripted import EchoChatModel

    if name != "echo":
        raise ConfigError(f"unknown scripted model {name!r}; the scripted backend offers scripted/echo")
    return EchoChatModel()


def _openai_chat(name, settings):
    from plait.core.models.openai_backend import OpenAIChatModel

    return OpenAIChatModel.from_settings(name, settings)


def _llamacpp_chat(name, settings):
    from plait.core.models.llamacpp import LlamaCppChatModel

    return LlamaCppChatModel.from_settings(name, settings)


def _vllm_chat(name, settings):
    from plait.core.models.vllm_inprocess import VLLMChatModel

    return VLLMChatModel.from_settings(name, settings)


def _scripted_embedder(name, settings):
    from plait.core.models.scripted import HashEmbedder

    dim = int(name.split("-", 1)[1]) if name.startswith("hash-") else 256
    return HashEmbedder(dim)


def _local_embedder(name, settings):
    from plait.core.models.local_embed import LocalEmbedder

    return LocalEmbedder.from_settings(name, settings)


def _openai_embedder(name, settings):
    from plait.core.models.openai_backend import OpenAIEmbedder

    return OpenAIEmbedder.from_settings(name, settings)


@hookimpl
def register_models(register):
    register("scripted", _scripted_chat)
    register("openai", _openai_chat)
    register("llamacpp", _llamacpp_chat)
    register("vllm", _vllm_chat)


@hookimpl
def register_embedders(register):
    register("scripted", _scripted_embedder)
    register("local", _local_embedder)
    register("openai", _openai_embedder)
