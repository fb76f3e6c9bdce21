"""The character store: unique stable slugs, no silent replace, stale temp folders cleaned after
a killed import, and the index that listings read instead of loading every card."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from typer.testing import CliRunner

from plait.core.config import load_settings
from plait.core.errors import InputError
from plait.plugins.characters.cards import character_from_card
from plait.plugins.characters.model import slugify
from plait.plugins.characters.store import BuiltinSource, CharacterStore


def card(name: str, description: str = "someone") -> dict:
    return {"spec": "chara_card_v2", "spec_version": "2.0", "data": {"name": name, "description": description, "first_mes": "hi"}}


def _cli():
    import typer

    from plait.plugins.characters.cli import register

    app = typer.Typer()
    register(app)
    return app


def _import(tmp_path, name: str, *args: str, description: str = "someone"):
    path = tmp_path / f"{abs(hash(name))}.json"
    path.write_text(json.dumps(card(name, description)), encoding="utf-8")
    return CliRunner().invoke(_cli(), ["characters", "import", str(path), "--json", *args])


# -- slugs ---------------------------------------------------------------------------------------
NON_LATIN = ["Мастер", "Маргарита", "李白", "杜甫", "🐉", "🦊", "Пётр", "Петр"]


def test_non_latin_names_get_distinct_slugs():
    slugs = [slugify(n) for n in NON_LATIN]
    assert len(set(slugs)) == len(slugs), slugs
    assert all(s != "char" and 3 <= len(s) <= 52 for s in slugs)


def test_slugs_are_stable_and_case_insensitive():
    assert slugify("Ada Lovelace") == "ada-lovelace" == slugify("ADA  lovelace")
    assert slugify("Мастер") == slugify("мастер") == slugify(" Мастер ")
    assert slugify("Benjamin Franklin") == "benjamin-franklin"


def test_slugs_transliterate_where_possible():
    pytest.importorskip("anyascii")
    assert slugify("Мастер").startswith("master-")
    assert slugify("李白").startswith("libai-")


def test_long_names_sharing_a_prefix_get_distinct_slugs():
    prefix = "The Most Honourable and Extremely Long Named Lord of the Northern Isles"
    a, b = slugify(prefix + " the First"), slugify(prefix + " the Second")
    assert a != b and len(a) <= 52 and len(b) <= 52


def test_non_latin_imports_keep_separate_folders_and_memories(tmp_path, plait_home):
    for name in NON_LATIN[:4]:
        res = _import(tmp_path, name)
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["replaced"] is False
    source = BuiltinSource(load_settings())
    loaded = {source.load(n).name for n in NON_LATIN[:4]}
    assert loaded == set(NON_LATIN[:4])
    assert len({source.load(n).slug for n in NON_LATIN[:4]}) == 4  # one memory collection each


# -- no silent replace ---------------------------------------------------------------------------
def test_a_slug_clash_is_refused_without_replace(tmp_path, plait_home):
    assert _import(tmp_path, "Mira", description="first").exit_code == 0
    res = _import(tmp_path, "MIRA", description="second")
    assert res.exit_code != 0
    assert isinstance(res.exception, InputError)
    assert "mira" in str(res.exception) and "--replace" in str(res.exception)
    assert BuiltinSource(load_settings()).load("mira").description == "first"
    res = _import(tmp_path, "MIRA", "--replace", description="second")
    assert res.exit_code == 0 and json.loads(res.stdout)["replaced"] is True
    assert BuiltinSource(load_settings()).load("mira").description == "second"


def test_an_import_cannot_silently_shadow_a_shipped_example(tmp_path, plait_home):
    res = _import(tmp_path, "Ada Lovelace")
    assert res.exit_code != 0 and "shipped example" in str(res.exception)
    assert BuiltinSource(load_settings()).load("ada-lovelace").origin == "example"
    assert _import(tmp_path, "Ada Lovelace", "--replace").exit_code == 0
    assert BuiltinSource(load_settings()).load("ada-lovelace").origin == "imported"


def test_a_character_stored_under_an_older_slug_still_resolves_by_name(plait_home):
    """Folders named by the old rule (every non-Latin name was `char`) keep working."""
    settings = load_settings()
    store = CharacterStore(settings)
    character = character_from_card(card("Мастер"), "x")
    character.stored_slug = "char"
    store.save(character)
    source = BuiltinSource(settings)
    loaded = source.load("Мастер")
    assert loaded.name == "Мастер" and loaded.slug == "char"  # memory stays in character-char


# -- stale temp folders --------------------------------------------------------------------------
KILLED_IMPORT = textwrap.dedent("""
    import os, signal, sys
    from plait.core.config import load_settings
    from plait.plugins.characters.cards import character_from_card
    from plait.plugins.characters import store

    def die(*args, **kwargs):  # the process is killed after writing, before renaming into place
        os.kill(os.getpid(), signal.SIGKILL)

    store.os.rename = die
    store.os.replace = die
    character = character_from_card({"name": "Killed", "first_mes": "hi"}, "x")
    store.CharacterStore(load_settings()).save(character)
""")


def test_a_killed_import_leaves_a_temp_folder_that_the_next_listing_removes(plait_home):
    proc = subprocess.run([sys.executable, "-c", KILLED_IMPORT], env={**os.environ}, cwd=plait_home.parent)
    assert proc.returncode == -signal.SIGKILL
    root = plait_home / "characters"
    leftovers = [p.name for p in root.iterdir() if p.name.startswith(".")]
    assert len(leftovers) == 1 and (root / leftovers[0] / "card.json").is_file()
    res = CliRunner().invoke(_cli(), ["characters", "list", "--json"])
    assert res.exit_code == 0, res.output
    assert "killed" not in {c["slug"] for c in json.loads(res.stdout)["characters"]}
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []


def test_stale_temp_folders_of_older_versions_are_removed_on_import(tmp_path, plait_home):
    root = plait_home / "characters"
    legacy = root / ".mira-k2j3h4"  # tempfile.mkdtemp name of earlier versions: no pid
    legacy.mkdir(parents=True)
    (legacy / "card.json").write_text("{}")
    old = time.time() - 3600
    os.utime(legacy, (old, old))
    fresh = root / ".other-abc123"  # may belong to an import running right now
    fresh.mkdir()
    live = root / f".tmp-{os.getpid()}-x-abc"  # a live process's import in progress
    live.mkdir()
    assert _import(tmp_path, "Mira").exit_code == 0
    hidden = sorted(p.name for p in root.iterdir() if p.name.startswith("."))
    assert hidden == sorted([fresh.name, live.name])


def test_a_replace_killed_between_its_renames_is_undone(plait_home):
    settings = load_settings()
    store = CharacterStore(settings)
    store.save(character_from_card(card("Mira", "kept"), "x"))
    root = plait_home / "characters"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    os.replace(root / "mira", root / f".mira.old-{int(dead.stdout)}")  # state right after the first rename
    assert "mira" not in store.names()
    assert [r["slug"] for r in store.index()] == ["mira"]
    assert store.load("mira").description == "kept"


# -- the index -----------------------------------------------------------------------------------
def test_listing_reads_the_index_not_the_cards(tmp_path, plait_home, monkeypatch):
    assert _import(tmp_path, "Mira", description="a lighthouse keeper").exit_code == 0
    assert _import(tmp_path, "Zed").exit_code == 0
    from plait.plugins.characters import store as store_mod

    def no_full_loads(*args, **kwargs):
        raise AssertionError("a listing loaded a card in full")

    monkeypatch.setattr(store_mod.CharacterStore, "load", no_full_loads)
    monkeypatch.setattr(store_mod, "load_example", no_full_loads)
    res = CliRunner().invoke(_cli(), ["characters", "list", "--json"])
    assert res.exit_code == 0, res.output
    rows = {r["slug"]: r for r in json.loads(res.stdout)["characters"]}
    assert {"mira", "zed", "ada-lovelace", "benjamin-franklin"} <= set(rows)
    mira = rows["mira"]
    assert mira["name"] == "Mira" and mira["description"] == "a lighthouse keeper" and mira["origin"] == "imported"
    assert mira["source"].endswith(".json")
    assert rows["ada-lovelace"]["origin"] == "example"


def test_a_missing_stale_or_corrupt_index_is_repaired(tmp_path, plait_home):
    assert _import(tmp_path, "Mira", description="first").exit_code == 0
    root = plait_home / "characters"
    index = root / "index.json"
    store = CharacterStore(load_settings())
    index.unlink()
    assert [r["name"] for r in store.index()] == ["Mira"] and index.is_file()
    index.write_text("{not json")
    assert [r["name"] for r in store.index()] == ["Mira"]
    data = json.loads((root / "mira" / "card.json").read_text())
    data["data"]["description"] = "edited by hand"
    (root / "mira" / "card.json").write_text(json.dumps(data))
    assert store.index()[0]["description"] == "edited by hand"
    assert json.loads(index.read_text())["characters"]["mira"]["description"] == "edited by hand"
    os.replace(root / "mira", tmp_path / "moved-away")  # removed behind the index's back
    assert store.index() == []
    assert json.loads(index.read_text())["characters"] == {}


def test_remove_updates_the_index(tmp_path, plait_home):
    assert _import(tmp_path, "Mira").exit_code == 0
    assert CliRunner().invoke(_cli(), ["characters", "remove", "Mira"]).exit_code == 0
    index = json.loads((plait_home / "characters" / "index.json").read_text())
    assert index["characters"] == {}


def test_v1_models_lists_characters_from_the_index(tmp_path, plait_home, monkeypatch):
    """The server's model catalogue (GET /v1/models) must not load every card in full either."""
    assert _import(tmp_path, "Mira", description="a lighthouse keeper").exit_code == 0
    from plait.plugins.characters import store as store_mod
    from plait.serve.runner import AgentPool

    def no_full_loads(*args, **kwargs):
        raise AssertionError("the catalogue loaded a card in full")

    monkeypatch.setattr(store_mod.CharacterStore, "load", no_full_loads)
    monkeypatch.setattr(store_mod, "load_example", no_full_loads)
    pool = AgentPool(load_settings())
    try:
        entries = {e.id: e for e in pool.catalogue() if e.kind == "character"}
    finally:
        pool.executor.shutdown(wait=False)
    assert {"character/mira", "character/ada-lovelace", "character/benjamin-franklin"} <= set(entries)
    assert entries["character/mira"].description == "a lighthouse keeper"
