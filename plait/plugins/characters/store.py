"""Where characters live: the shipped examples plus imports under ``PLAIT_HOME/characters``.

Each imported character is a folder ``<slug>/`` holding ``card.json`` (the card exactly as
imported), ``avatar.png`` when it had one, and ``files/`` with the other assets a CHARX carried. A folder is written under a temporary name and
renamed into place, so an import either happens completely or not at all.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from plait.core.config import Settings, load_settings
from plait.core.errors import InputError, NotFound, StoreError
from plait.plugins.characters.model import Character, slugify

EXAMPLES = Path(__file__).parent / "examples"


def characters_dir(settings: Settings) -> Path:
    return settings.home / "characters"


def example_files() -> dict[str, Path]:
    return {p.stem: p for p in sorted(EXAMPLES.glob("*.toml"))}


def load_example(slug: str) -> Character:
    from plait.plugins.characters.tomlfile import character_from_toml

    path = example_files()[slug]
    character = character_from_toml(path.read_bytes(), str(path))
    character.origin = "example"
    from plait.plugins.characters.cards import default_avatar

    character.avatar = default_avatar(character.name)  # so the web page and PNG export have an image
    return character


class CharacterStore:
    """Imported characters under ``settings.home / "characters"``."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = characters_dir(settings)

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "card.json").is_file() and not p.name.startswith("."))

    def load(self, slug: str) -> Character:
        folder = self.root / slug
        card_path = folder / "card.json"
        if not card_path.is_file():
            raise NotFound(f"no imported character {slug!r} in {self.root}")
        from plait.plugins.characters.cards import character_from_card

        try:
            card = json.loads(card_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise StoreError(f"stored character {card_path} is unreadable ({exc}); remove it with `plait characters remove {slug}`") from None
        avatar_path = folder / "avatar.png"
        avatar = avatar_path.read_bytes() if avatar_path.is_file() else None
        character = character_from_card(card, str(card_path), avatar=avatar)
        files_dir = folder / "files"
        if files_dir.is_dir():
            character.files = {p.relative_to(files_dir).as_posix(): p.read_bytes() for p in sorted(files_dir.rglob("*")) if p.is_file()}
        return character

    def save(self, character: Character) -> tuple[str, bool]:
        """Store atomically; returns (slug, replaced_existing)."""
        slug = character.slug
        if not slug:
            raise InputError(f"character name {character.name!r} has no letters or digits to name it by")
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{slug}-", dir=self.root))
        try:
            (tmp / "card.json").write_text(json.dumps(character.to_card(), ensure_ascii=False, indent=1), encoding="utf-8")
            if character.avatar:
                (tmp / "avatar.png").write_bytes(character.avatar)
            from plait.plugins.characters.cards import safe_member

            for rel, blob in character.files.items():
                member = safe_member(rel)
                if member is None:  # never write outside the character's folder
                    raise InputError(f"character {character.name!r} carries an unsafe asset path {rel!r}; not stored")
                target_file = tmp / "files" / member
                target_file.parent.mkdir(parents=True, exist_ok=True)
                target_file.write_bytes(blob)
            target = self.root / slug
            replaced = target.exists()
            if replaced:
                old = self.root / f".{slug}.old-{os.getpid()}"
                os.replace(target, old)
                os.replace(tmp, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, target)
        except InputError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise StoreError(f"could not store character {character.name!r} in {self.root}: {exc}") from None
        return slug, replaced

    def remove(self, slug: str) -> None:
        folder = self.root / slug
        if not (folder / "card.json").is_file():
            raise NotFound(f"no imported character {slug!r}; `plait characters list` shows them")
        trash = self.root / f".{slug}.removed-{os.getpid()}"
        os.replace(folder, trash)
        shutil.rmtree(trash, ignore_errors=True)


class BuiltinSource:
    """The ``builtin`` character source: imported characters first, then the shipped examples."""

    def __init__(self, settings: Settings | None = None):
        self._settings = settings

    @property
    def settings(self) -> Settings:
        return self._settings or load_settings()  # read PLAIT_HOME at call time

    def names(self) -> list[str]:
        return sorted(set(CharacterStore(self.settings).names()) | set(example_files()))

    def resolve(self, name: str) -> str:
        """The slug for a slug, a display name, or a case variant of either."""
        slug = slugify(name)
        if slug in self.names():
            return slug
        raise NotFound(
            f"no character named {name!r} (known: {', '.join(self.names()) or 'none'}); "
            f"import one with `plait characters import FILE`"
        )

    def load(self, name: str) -> Character:
        slug = self.resolve(name)
        store = CharacterStore(self.settings)
        if slug in store.names():
            character = store.load(slug)
            return character
        return load_example(slug)

    def is_example(self, name: str) -> bool:
        slug = slugify(name)
        return slug in example_files() and slug not in CharacterStore(self.settings).names()


def find_character(name: str, settings: Settings | None = None) -> Character:
    """Load ``name`` from any registered character source (``builtin`` first)."""
    from plait.core.host import get_host

    sources = get_host().characters
    order = (["builtin"] if "builtin" in sources else []) + [n for n in sources.names() if n != "builtin"]
    if not order:
        return BuiltinSource(settings).load(name)
    last: Exception | None = None
    for source_name in order:
        source = sources.get(source_name)
        if source_name == "builtin" and settings is not None:
            source = BuiltinSource(settings)
        try:
            return source.load(name)
        except NotFound as exc:
            last = exc
    raise last or NotFound(f"no character named {name!r}")
