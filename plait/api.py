"""plait's public API: every type a plugin author needs, from one place.

    from plait import hookimpl, Tool, ChatOptions, GraphAgent, AgentReply, PlaitError

Docs, the plugin scaffold and the example plugin import only from ``plait`` (which re-exports this
module lazily, so ``import plait`` stays cheap). Modules inside plait may move; these names stay.
"""

from __future__ import annotations

from plait.agents.base import (
    Agent,
    AgentContext,
    AgentReply,
    AgentRequest,
    SupportsCommands,
    SupportsEndSession,
    SupportsGreeting,
    SupportsHistory,
    SupportsRegenerate,
    SupportsVariants,
    Variant,
    get_agent,
)
from plait.agents.graph_agent import GraphAgent, is_streaming, stream_text, turn_options
from plait.agents.tooling import run_with_tools
from plait.core.characters import Character, CharacterSource, IndexedCharacterSource, find_character
from plait.core.config import ConfigTable, Settings, load_settings
from plait.core.context import Context
from plait.core.errors import (
    ConfigError,
    InputError,
    ModelError,
    ModelResponseError,
    ModelUnavailable,
    NotFound,
    PlaitError,
    PluginError,
    RegistrationClash,
    SandboxError,
    StoreError,
    Unavailable,
)
from plait.core.gates import AlwaysRetrieve, GateDecision, NeverRetrieve, RetrievalGate
from plait.core.hookspecs import hookimpl
from plait.core.io import atomic_write_bytes, atomic_write_json, atomic_write_text, iter_jsonl, read_jsonl, write_jsonl
from plait.core.models import get_chat_model, get_embedder
from plait.core.models.base import ChatModel, ChatOptions, ChatResult, Choice, Embedder, Message, ToolCall
from plait.core.tools import Tool, tool
from plait.cli.common import subgroup
from plait.pipeline.pipeline import Pipeline
from plait.pipeline.stage import ModelStage, SandboxStage, Stage, filter_stage, flat_map_stage, map_stage
from plait.sandbox.types import ExecResult, Limits, Sandbox

__all__ = [
    # errors (plait.core.errors draws the hierarchy)
    "PlaitError", "ConfigError", "PluginError", "RegistrationClash", "ModelError", "ModelUnavailable",
    "ModelResponseError", "InputError", "StoreError", "NotFound", "SandboxError", "Unavailable",
    # plugins and configuration
    "hookimpl", "Context", "Settings", "ConfigTable", "load_settings",
    # models
    "Message", "ChatOptions", "ChatResult", "Choice", "ToolCall", "ChatModel", "Embedder",
    "get_chat_model", "get_embedder",
    # tools
    "Tool", "tool",
    # retrieval gates
    "RetrievalGate", "GateDecision", "AlwaysRetrieve", "NeverRetrieve",
    # agents
    "Agent", "AgentContext", "AgentRequest", "AgentReply", "GraphAgent", "turn_options", "is_streaming",
    "stream_text", "SupportsHistory", "SupportsGreeting", "SupportsCommands", "SupportsRegenerate",
    "SupportsEndSession", "SupportsVariants", "Variant", "get_agent", "run_with_tools",
    # characters
    "Character", "CharacterSource", "IndexedCharacterSource", "find_character",
    # sandbox
    "Sandbox", "Limits", "ExecResult",
    # pipeline stages
    "Pipeline", "Stage", "ModelStage", "SandboxStage", "map_stage", "flat_map_stage", "filter_stage",
    # CLI: a command group several plugins share (`eval`, `synth`, ...)
    "subgroup",
    # I/O kit
    "read_jsonl", "iter_jsonl", "write_jsonl", "atomic_write_text", "atomic_write_bytes", "atomic_write_json",
]
