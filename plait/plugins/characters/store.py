"""Where characters live: the shipped examples plus imports under ``PLAIT_HOME/characters``.

Each imported character is a folder ``<slug>/`` holding ``card.json`` (the card exactly as
imported), ``meta.json`` (where it came from), ``avatar.png`` when it had one, and ``files/``
with the other assets a CHARX carried; ``index.json`` lists them all (``catalog.py``).

An import is written (and fsynced) under a hidden ``.tmp-<pid>-...`` folder and renamed into
place, so it happens completely or not at all. A process killed mid-import leaves that folder
behind; the next import or listing removes it once its process is gone (and puts back a
character a killed ``--replace`` had moved aside). A slug that is already taken is never
replaced silently: the import is refused unless ``replace=True`` (``--replace``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from plait.core.config import Settings, load_settings
from plait.core.errors import InputError, NotFound, StoreError
from plait.plugins.characters import catalog
from plait.plugins.characters.model import Character, normalize_name, slugify

EXAMPLES = Path(__file__).parent / "examples"
TMP_PREFIX = ".tmp-"
STALE_UNOWNED_SECONDS = 15 * 60  # hidden leftovers without a pid (older versions' temp names)
STALE_OWNED_SECONDS = 24 * 3600  # a pid may be reused: no import takes a day
_PID_NAME = re.compile(r"^\.(?:tmp-(\d+)-.*|.+\.(?:old|removed)-(\d+))$")
_MOVED_ASIDE = re.compile(r"^\.(.+)\.old-\d+$")


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


@lru_cache(maxsize=None)
def _example_row(slug: str, mtime_ns: int) -> dict[str, Any]:
    from plait.plugins.characters.tomlfile import character_from_toml

    path = example_files()[slug]
    return catalog.row_of(character_from_toml(path.read_bytes(), str(path)), "example", str(path))


def example_rows() -> list[dict[str, Any]]:
    """Index rows of the shipped examples (parsed once per process, no avatar drawn)."""
    return [{**_example_row(slug, path.stat().st_mtime_ns), "slug": slug} for slug, path in example_files().items()]


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def clean_stale(root: Path) -> list[str]:
    """Remove hidden leftovers of killed imports/removals; returns the names removed or restored."""
    if not root.is_dir():
        return []
    done = []
    now = time.time()
    for path in root.iterdir():
        if not path.name.startswith(".") or path.name == catalog.INDEX_FILE:
            continue
        try:
            age = now - path.lstat().st_mtime
        except OSError:
            continue
        found = _PID_NAME.match(path.name)
        pid = int(found.group(1) or found.group(2)) if found else None
        if pid is not None and _pid_alive(pid) and age < STALE_OWNED_SECONDS:
            continue  # an import or removal still running in another process
        if pid is None and age < STALE_UNOWNED_SECONDS:
            continue
        aside = _MOVED_ASIDE.match(path.name)
        if aside and path.is_dir() and not (root / aside.group(1)).exists():
            os.replace(path, root / aside.group(1))  # a --replace killed between its two renames
        elif path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        done.append(path.name)
    return done


def _write(path: Path, blob: bytes) -> None:
    """Write and fsync, so a renamed-in folder never holds a half-written file after a crash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.write(blob)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class CharacterStore:
    """Imported characters under ``settings.home / "characters"``."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = characters_dir(settings)

    def names(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "card.json").is_file() and not p.name.startswith("."))

    def index(self) -> list[dict[str, Any]]:
        """One small row per imported character (name, slug, description, source, ...), from the index."""
        clean_stale(self.root)
        return catalog.refreshed(self.root, self.names())

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
        character.stored_slug = slug  # its folder, even if an older version named it by other rules
        files_dir = folder / "files"
        if files_dir.is_dir():
            character.files = {p.relative_to(files_dir).as_posix(): p.read_bytes() for p in sorted(files_dir.rglob("*")) if p.is_file()}
        return character

    def _clash(self, character: Character, slug: str) -> InputError | None:
        """Why importing ``character`` as ``slug`` would replace something, or None."""
        if (self.root / slug).exists():
            existing = catalog.read_meta(self.root / slug)
            row = next((r for r in catalog.refreshed(self.root, self.names()) if r["slug"] == slug), {})
            other = row.get("name") or slug
            came = f" (imported from {existing['source']})" if existing.get("source") else ""
            return InputError(
                f"a character {other!r}{came} is already imported as {slug!r}; importing {character.name!r} "
                f"would replace it and its memory. Use `plait characters import FILE --replace` to replace it, "
                f"or rename the character in the card"
            )
        if slug in example_files():
            return InputError(
                f"{character.name!r} would take the slug {slug!r} of a shipped example (and its memory); "
                f"use `plait characters import FILE --replace` to shadow the example, or rename the character in the card"
            )
        return None

    def save(self, character: Character, replace: bool = False, source: str = "") -> tuple[str, bool]:
        """Store atomically; returns (slug, replaced_existing). A taken slug needs ``replace=True``."""
        slug = character.slug
        if not slug:
            raise InputError(f"character name {character.name!r} has no letters or digits to name it by")
        self.root.mkdir(parents=True, exist_ok=True)
        clean_stale(self.root)
        if not replace and (clash := self._clash(character, slug)):
            raise clash
        tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-{slug}-", dir=self.root))
        try:
            self._fill(tmp, character, source)
            replaced = self._move_in(tmp, slug, replace)
        except (InputError, StoreError):
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise StoreError(f"could not store character {character.name!r} in {self.root}: {exc}") from None
        row = catalog.row_of(character, "imported", source)
        row["stamp"] = catalog.stamp(self.root / slug / "card.json")
        catalog.update_row(self.root, row, slug)
        return slug, replaced

    @staticmethod
    def _fill(tmp: Path, character: Character, source: str) -> None:
        from plait.plugins.characters.cards import safe_member

        _write(tmp / "card.json", json.dumps(character.to_card(), ensure_ascii=False, indent=1).encode("utf-8"))
        _write(tmp / "meta.json", json.dumps({"source": source, "name": character.name}, ensure_ascii=False).encode("utf-8"))
        if character.avatar:
            _write(tmp / "avatar.png", character.avatar)
        for rel, blob in character.files.items():
            member = safe_member(rel)
            if member is None:  # never write outside the character's folder
                raise InputError(f"character {character.name!r} carries an unsafe asset path {rel!r}; not stored")
            _write(tmp / "files" / member, blob)

    def _move_in(self, tmp: Path, slug: str, replace: bool) -> bool:
        target = self.root / slug
        replaced = target.exists()
        if replaced and not replace:  # another process imported the same slug meanwhile
            raise InputError(f"a character was imported as {slug!r} meanwhile; import again with --replace to replace it")
        if replaced:
            old = self.root / f".{slug}.old-{os.getpid()}"
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            try:
                os.rename(tmp, target)  # fails if the slug appeared meanwhile: never merged, never replaced
            except OSError:
                if target.exists():
                    raise InputError(f"a character was imported as {slug!r} meanwhile; import again with --replace to replace it") from None
                raise
        _fsync_dir(self.root)
        return replaced

    def remove(self, slug: str) -> None:
        folder = self.root / slug
        if not (folder / "card.json").is_file():
            raise NotFound(f"no imported character {slug!r}; `plait characters list` shows them")
        trash = self.root / f".{slug}.removed-{os.getpid()}"
        os.replace(folder, trash)
        shutil.rmtree(trash, ignore_errors=True)
        catalog.update_row(self.root, None, slug)


class BuiltinSource:
    """The ``builtin`` character source: imported characters first, then the shipped examples."""

    def __init__(self, settings: Settings | None = None):
        self._settings = settings

    @property
    def settings(self) -> Settings:
        return self._settings or load_settings()  # read PLAIT_HOME at call time

    def with_settings(self, settings: Settings) -> "BuiltinSource":
        """This source over ``settings``'s data directory (``SettingsBoundSource``)."""
        return BuiltinSource(settings)

    def names(self) -> list[str]:
        return sorted(set(CharacterStore(self.settings).names()) | set(example_files()))

    def index(self) -> list[dict[str, Any]]:
        """One small row per character (imported ones shadow examples), without loading any card.

        Rows: name, slug, description, source, origin, spec, greetings, lorebook_entries, era.
        """
        rows = {r["slug"]: r for r in example_rows()}
        for row in CharacterStore(self.settings).index():
            rows[row["slug"]] = {k: v for k, v in row.items() if k != "stamp"}
        return [rows[s] for s in sorted(rows)]

    def resolve(self, name: str) -> str:
        """The slug for a slug, a display name, or a case variant of either."""
        names = self.names()
        for slug in (name, slugify(name)):
            if slug in names:
                return slug
        wanted = normalize_name(name)  # characters stored under an older slug rule, by their name
        for row in CharacterStore(self.settings).index():
            if normalize_name(str(row.get("name", ""))) == wanted:
                return str(row["slug"])
        raise NotFound(
            f"no character named {name!r} (known: {', '.join(names) or 'none'}); "
            f"import one with `plait characters import FILE`"
        )

    def load(self, name: str) -> Character:
        slug = self.resolve(name)
        store = CharacterStore(self.settings)
        if slug in store.names():
            return store.load(slug)
        return load_example(slug)

    def is_example(self, name: str) -> bool:
        slug = slugify(name)
        return slug in example_files() and slug not in CharacterStore(self.settings).names()
