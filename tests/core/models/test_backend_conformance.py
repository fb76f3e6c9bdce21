"""The real backends pass plait's conformance suites (plait.testing.conformance)."""

from __future__ import annotations

import pytest

from plait.testing.conformance import EmbedderConformance, ModelBackendConformance


class TestOpenAIChatAgainstStub(ModelBackendConformance):
    @pytest.fixture
    def model(self, conformance_host, stub):
        from plait.core.models.openai_backend import OpenAIChatModel

        return OpenAIChatModel("stub-model", stub.url, max_retries=0)

    def make_failing_model(self):
        from plait.core.models.openai_backend import OpenAIChatModel

        return OpenAIChatModel("stub-model", "http://127.0.0.1:9/v1", max_retries=0)


class TestOpenAIEmbedderAgainstStub(EmbedderConformance):
    check_similarity = False  # the stub's vectors are hashes, not meanings

    @pytest.fixture
    def embedder(self, conformance_host, stub):
        from plait.core.models.openai_backend import OpenAIEmbedder

        return OpenAIEmbedder("stub-model", stub.url, max_retries=0)

    def make_failing_embedder(self):
        from plait.core.models.openai_backend import OpenAIEmbedder

        return OpenAIEmbedder("stub-model", "http://127.0.0.1:9/v1", max_retries=0)


@pytest.mark.slow
class TestLlamaCppSmolLM2(ModelBackendConformance):
    model_name = "llamacpp/smollm2"

    @pytest.fixture(autouse=True)
    def _needs_model(self, smollm2_gguf, tmp_path):
        self.bad_file = tmp_path / "broken.gguf"
        self.bad_file.write_bytes(b"this is not a GGUF file")

    def make_failing_model(self):
        from plait.core.models.llamacpp import LlamaCppChatModel

        return LlamaCppChatModel(self.bad_file)  # exists, fails to load on first use


@pytest.mark.slow
class TestLocalMiniLM(EmbedderConformance):
    embedder_name = "local/all-minilm-l6-v2"
