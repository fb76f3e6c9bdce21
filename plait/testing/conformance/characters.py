"""Contract of character sources (``plait.core.characters.CharacterSource``): list names, load
each by name, NotFound for an unknown name; a source with ``index()`` lists the same characters."""

from __future__ import annotations

import pytest

from plait.testing.conformance._base import SuiteBase

from plait.core.errors import NotFound


class CharacterSourceConformance(SuiteBase):
    """A character source. Set ``source_name`` (resolved through the host's ``characters``
    registry) or override ``make_source()``. A source implements ``CharacterSource``: ``names()``
    and ``load(name)`` returning a character with a non-empty ``name``; an
    ``IndexedCharacterSource`` also has ``index()``, one row per character."""

    source_name: str | None = None

    def make_source(self):
        if not self.source_name:
            raise NotImplementedError(f"{type(self).__name__}: set source_name or override make_source()")
        from plait.core.config import load_settings
        from plait.core.context import Context
        from plait.core.host import get_host

        host = get_host()  # factory(ctx) -> CharacterSource (an old-style instance is adapted by the host)
        return host.characters.get(self.source_name)(Context(load_settings(), name=self.source_name, host=host))

    @pytest.fixture
    def source(self, conformance_host):
        return self.make_source()

    @staticmethod
    def names_of(source) -> list[str]:
        lister = getattr(source, "names", None) or getattr(source, "list")
        return list(lister())

    def test_implements_the_protocol(self, source):
        from plait.core.characters import CharacterSource

        assert isinstance(source, CharacterSource), "a character source has names() and load(name)"

    def test_index_rows_match_the_names(self, source):
        from plait.core.characters import IndexedCharacterSource

        if not isinstance(source, IndexedCharacterSource):
            pytest.skip("the source has no index()")
        rows = list(source.index())
        for row in rows:
            assert {"name", "slug", "description"} <= set(row), f"index row {row!r} lacks name/slug/description"
        assert sorted(r["slug"] for r in rows) == sorted(self.names_of(source))
        for row in rows:
            assert source.load(row["slug"]).name == row["name"]

    def test_lists_names(self, source):
        names = self.names_of(source)
        assert all(isinstance(n, str) and n for n in names)
        assert len(names) == len(set(names)), "names are unique"

    def test_loads_every_listed_character(self, source):
        for name in self.names_of(source):
            character = source.load(name)
            assert isinstance(getattr(character, "name", None), str) and character.name, f"{name!r} has no name"

    def test_unknown_name_is_not_found(self, source):
        with pytest.raises(NotFound):
            source.load("no-such-character-xyz-123")
