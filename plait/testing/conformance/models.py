"""Contracts of chat model backends and embedders."""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest

from plait.testing.conformance._base import SuiteBase

from plait.core.errors import PlaitError


class ModelBackendConformance(SuiteBase):
    """A chat model backend. Set ``model_name = "backend/name"`` (resolved through the host) or
    override ``make_model()``. Override ``make_failing_model()`` to return a model configured to
    fail (unreachable server, missing file) so that errors are checked to be ``PlaitError``s."""

    model_name: str | None = None
    supports_n: bool = True  # False for backends that cannot return several choices per request
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Say hello to the conformance tests."},
    ]

    def make_model(self):
        if not self.model_name:
            raise NotImplementedError(f"{type(self).__name__}: set model_name = 'backend/name' or override make_model()")
        from plait.core.config import load_settings
        from plait.core.models import get_chat_model

        return get_chat_model(self.model_name, load_settings())

    def make_failing_model(self):
        """A model that fails on use; None = this backend has no failure to provoke here."""
        return None

    def options(self, **kw: Any):
        from plait.core.models.base import ChatOptions

        return ChatOptions(**{"temperature": 0.0, "max_tokens": 32, "seed": 0, **kw})

    @pytest.fixture
    def model(self, conformance_host):
        return self.make_model()

    def test_is_a_chat_model(self, model):
        from plait.core.models.base import ChatModel

        assert isinstance(model, ChatModel), "needs .name, .chat(messages, options), .stream(messages, options)"
        assert isinstance(model.name, str) and model.name

    def test_chat_returns_chat_result(self, model):
        from plait.core.models.base import ChatResult, Choice

        result = model.chat(copy.deepcopy(self.messages), self.options())
        assert isinstance(result, ChatResult)
        assert len(result.choices) == 1
        assert all(isinstance(c, Choice) and isinstance(c.text, str) for c in result.choices)
        assert isinstance(result.text, str)

    def test_stream_equals_chat(self, model):
        chat = model.chat(copy.deepcopy(self.messages), self.options())
        deltas = list(model.stream(copy.deepcopy(self.messages), self.options()))
        assert all(isinstance(d, str) for d in deltas), f"stream must yield str deltas, got {deltas!r}"
        assert "".join(deltas) == chat.text

    def test_n_choices(self, model):
        result = model.chat(copy.deepcopy(self.messages), self.options(n=2))
        if self.supports_n:
            assert len(result.choices) == 2
        else:
            assert len(result.choices) >= 1

    def test_messages_not_mutated(self, model):
        messages = copy.deepcopy(self.messages)
        model.chat(messages, self.options())
        list(model.stream(messages, self.options()))
        assert messages == self.messages

    def test_errors_are_plait_errors(self, conformance_host):
        failing = self.make_failing_model()
        if failing is None:
            pytest.skip("no failing configuration given (override make_failing_model)")
        with pytest.raises(PlaitError):
            failing.chat(copy.deepcopy(self.messages), self.options())
        with pytest.raises(PlaitError):
            list(failing.stream(copy.deepcopy(self.messages), self.options()))


class EmbedderConformance(SuiteBase):
    """An embedder. Set ``embedder_name = "backend/name"`` or override ``make_embedder()``."""

    embedder_name: str | None = None
    check_similarity: bool = True  # related texts must be closer than unrelated ones
    texts: list[str] = [
        "The cat sat on the warm mat.",
        "A cat was sitting on the mat.",
        "Quarterly revenue of the bank grew by four percent.",
    ]

    def make_embedder(self):
        if not self.embedder_name:
            raise NotImplementedError(f"{type(self).__name__}: set embedder_name = 'backend/name' or override make_embedder()")
        from plait.core.config import load_settings
        from plait.core.models import get_embedder

        return get_embedder(self.embedder_name, load_settings())

    def make_failing_embedder(self):
        return None

    @pytest.fixture
    def embedder(self, conformance_host):
        return self.make_embedder()

    def test_attributes(self, embedder):
        from plait.core.models.base import Embedder

        assert isinstance(embedder, Embedder)
        assert isinstance(embedder.id, str) and "/" in embedder.id, "id looks like backend/name"
        assert isinstance(embedder.dim, int) and embedder.dim > 0
        assert isinstance(embedder.max_tokens, int) and embedder.max_tokens > 0

    def test_shape_and_dim(self, embedder):
        vectors = embedder.embed(list(self.texts))
        assert len(vectors) == len(self.texts)
        for vec in vectors:
            assert len(vec) == embedder.dim
            assert all(isinstance(float(x), float) and math.isfinite(float(x)) for x in vec)

    def test_empty_batch(self, embedder):
        assert list(embedder.embed([])) == []

    def test_deterministic(self, embedder):
        a, b = embedder.embed(list(self.texts)), embedder.embed(list(self.texts))
        for va, vb in zip(a, b):
            assert max(abs(float(x) - float(y)) for x, y in zip(va, vb)) < 1e-5

    def test_normalised(self, embedder):
        for vec in embedder.embed(list(self.texts)):
            assert abs(math.sqrt(sum(float(x) ** 2 for x in vec)) - 1.0) < 1e-3

    def test_batch_independent(self, embedder):
        together = embedder.embed(list(self.texts))
        alone = embedder.embed([self.texts[-1]])[0]
        assert max(abs(float(x) - float(y)) for x, y in zip(together[-1], alone)) < 1e-4

    def test_count_tokens(self, embedder):
        one = embedder.count_tokens(self.texts[0])
        assert isinstance(one, int) and one > 0
        assert embedder.count_tokens(self.texts[0] + " " + self.texts[2]) > one

    def test_related_texts_are_closer(self, embedder):
        if not self.check_similarity:
            pytest.skip("check_similarity = False for this embedder")
        a, b, c = embedder.embed(list(self.texts[:3]))
        dot = lambda u, v: sum(float(x) * float(y) for x, y in zip(u, v))  # noqa: E731
        assert dot(a, b) > dot(a, c)

    def test_errors_are_plait_errors(self, conformance_host):
        failing = self.make_failing_embedder()
        if failing is None:
            pytest.skip("no failing configuration given (override make_failing_embedder)")
        with pytest.raises(PlaitError):
            failing.embed(["text"])
