"""The built-in model and embedder backends pass the conformance suites."""

from __future__ import annotations

import pytest

from plait.testing.conformance import EmbedderConformance, ModelBackendConformance


class TestScriptedEcho(ModelBackendConformance):
    model_name = "scripted/echo"

    def make_failing_model(self):
        from plait.core.models.scripted import ScriptedChatModel

        return ScriptedChatModel([])  # nothing queued: ModelError


class TestScriptedQueue(ModelBackendConformance):
    def make_model(self):
        from plait.core.models.scripted import ScriptedChatModel

        return ScriptedChatModel(default="Hello, conformance tests. Nice to meet you.")

    def make_failing_model(self):
        from plait.core.models.scripted import ScriptedChatModel

        return ScriptedChatModel(replies=[])  # queue ran dry: ModelError


def test_openai_backend_unreachable_server_is_model_unavailable(plait_settings):
    """The openai backend's failure path: nothing listens on the port, so ModelUnavailable names the URL."""
    from plait.core.errors import ModelUnavailable
    from plait.core.models import get_chat_model

    plait_settings.llm_url = "http://127.0.0.1:9/v1"
    model = get_chat_model("openai/some-model", plait_settings)
    messages = [{"role": "user", "content": "hi"}]
    with pytest.raises(ModelUnavailable, match="127.0.0.1:9"):
        model.chat(messages)
    with pytest.raises(ModelUnavailable, match="127.0.0.1:9"):
        list(model.stream(messages))


class TestHashEmbedder(EmbedderConformance):
    embedder_name = "scripted/hash"


class TestHashEmbedderSmall(EmbedderConformance):
    embedder_name = "scripted/hash-64"
