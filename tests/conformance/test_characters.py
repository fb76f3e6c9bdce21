"""Every character source a built-in plugin registers passes the character-source suite."""

from __future__ import annotations

import pytest

from plait.testing.conformance import CharacterSourceConformance

from .conftest import builtin_names

SOURCES = builtin_names("characters")


def test_builtin_source_exists():
    assert "builtin" in SOURCES


class TestBuiltinCharacterSources(CharacterSourceConformance):
    @pytest.fixture(params=SOURCES)
    def source(self, request, plait_home):
        self.source_name = request.param
        return self.make_source()

    def test_ships_examples(self, source):
        assert "ada-lovelace" in self.names_of(source)
