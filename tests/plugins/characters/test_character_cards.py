"""Character cards: V1/V2/V3 JSON, PNG chunks, CHARX, round trips, malformed input, the CLI."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest
import typer
from typer.testing import CliRunner

from plait.core.config import load_settings
from plait.core.errors import InputError
from plait.plugins.characters.cards import character_from_card, png_chunks, read_card_file, read_png, write_png
from plait.plugins.characters.store import BuiltinSource, CharacterStore


def _png(texts: dict[str, str], color=(200, 30, 30)) -> bytes:
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for key, value in texts.items():
        info.add_text(key, value)
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


def _b64(card: dict) -> str:
    return base64.b64encode(json.dumps(card).encode("utf-8")).decode("ascii")


def v2_card(name="Mira") -> dict:
    return {
        "spec": "chara_card_v2",
        "spec_version": "2.0",
        "x_top_level_unknown": {"kept": True},
        "data": {
            "name": name,
            "description": "A lighthouse keeper of {{char}}'s own making.",
            "personality": "calm",
            "scenario": "a storm",
            "first_mes": "Hello, {{user}}.",
            "mes_example": "<START>\n{{user}}: hi\n{{char}}: hello",
            "creator_notes": "",
            "system_prompt": "{{original}} Be brief.",
            "post_history_instructions": "Stay calm.",
            "alternate_greetings": ["Evening, {{user}}."],
            "tags": ["sea"],
            "creator": "tester",
            "character_version": "1",
            "extensions": {"depth_prompt": {"prompt": "x", "depth": 4}, "some_tool/custom": [1, 2, {"a": None}]},
            "character_book": {
                "scan_depth": 3,
                "token_budget": 100,
                "extensions": {"book_ext": 1},
                "entries": [{"keys": ["lamp"], "content": "The lamp is old.", "extensions": {"weird": "yes"},
                             "enabled": True, "insertion_order": 1, "x_entry_unknown": 5}],
            },
            "x_data_unknown": "survives",
        },
    }


def v3_card(name="Mira") -> dict:
    card = v2_card(name)
    card["spec"], card["spec_version"] = "chara_card_v3", "3.0"
    card["data"].update({
        "description": "V3 description wins",
        "nickname": "Mi",
        "group_only_greetings": ["Hello, all."],
        "creation_date": 1700000000,
        "assets": [{"type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"}],
        "extensions": {"v3_only_ext": {"deep": [1, {"x": "y"}]}},
    })
    return card


@pytest.fixture
def settings(plait_home):
    return load_settings()


def _roundtrip_png(tmp_path, settings, png: bytes):
    src = tmp_path / "in.png"
    src.write_bytes(png)
    first = read_card_file(src)
    store = CharacterStore(settings)
    slug, _ = store.save(first)
    stored = store.load(slug)
    exported = write_png(stored)
    out = tmp_path / "out.png"
    out.write_bytes(exported)
    again = read_card_file(out)
    return first, stored, again, exported


def test_v2_png_roundtrip_keeps_unknown_fields(tmp_path, settings):
    first, stored, again, exported = _roundtrip_png(tmp_path, settings, _png({"chara": _b64(v2_card())}))
    assert first.data == v2_card()["data"]
    assert stored.to_card() == first.to_card()
    assert again.data == first.data
    assert again.data["extensions"]["some_tool/custom"] == [1, 2, {"a": None}]
    assert again.data["x_data_unknown"] == "survives"
    assert again.data["character_book"]["entries"][0]["x_entry_unknown"] == 5
    assert again.top_extra == {"x_top_level_unknown": {"kept": True}}
    # the exported PNG carries both chunks, and the image itself survives
    keys = [p.split(b"\x00", 1)[0] for t, p in png_chunks(exported, "out") if t == b"tEXt"]
    assert b"chara" in keys and b"ccv3" in keys
    from PIL import Image

    assert Image.open(io.BytesIO(exported)).getpixel((0, 0)) == (200, 30, 30)


def test_v3_png_wins_over_older_chara_chunk(tmp_path, settings):
    png = _png({"chara": _b64(v2_card()), "ccv3": _b64(v3_card())})
    first, stored, again, _ = _roundtrip_png(tmp_path, settings, png)
    assert first.spec == "chara_card_v3"
    assert first.description == "V3 description wins"
    assert first.data == v3_card()["data"]
    assert again.spec == "chara_card_v3"
    assert again.data == first.data
    assert again.data["extensions"]["v3_only_ext"] == {"deep": [1, {"x": "y"}]}
    assert again.data["nickname"] == "Mi"


def test_v2_json_export_and_reimport(tmp_path, settings):
    character = character_from_card(v3_card(), "mem")
    path = tmp_path / "c.json"
    path.write_text(json.dumps(character.to_v2_card()))
    again = read_card_file(path)
    assert again.spec == "chara_card_v2"
    assert again.data["extensions"] == v3_card()["data"]["extensions"]
    assert again.data["group_only_greetings"] == ["Hello, all."]


def test_v1_card_is_converted_and_keeps_unknown_keys(tmp_path):
    path = tmp_path / "v1.json"
    path.write_text(json.dumps({"name": "Old", "description": "d", "personality": "p", "scenario": "s",
                                "first_mes": "hi", "mes_example": "", "x_v1": 3}))
    character = read_card_file(path)
    assert character.spec == "chara_card_v2"
    assert character.greetings == ["hi"]
    assert character.data["x_v1"] == 3


def test_charx_import_uses_card_json_and_icon(tmp_path):
    icon = _png({}, color=(1, 2, 3))
    card = v3_card("Charx")
    card["data"]["assets"] = [{"type": "icon", "uri": "embeded://assets/icon/main.png", "name": "main", "ext": "png"}]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("card.json", json.dumps(card))
        zf.writestr("assets/icon/main.png", icon)
    path = tmp_path / "c.charx"
    path.write_bytes(buf.getvalue())
    character = read_card_file(path)
    assert character.name == "Charx" and character.avatar == icon


@pytest.mark.parametrize(
    "mutate, fragment",
    [
        (lambda c: c["data"].pop("name"), "data.name"),
        (lambda c: c["data"].__setitem__("description", 5), "data.description must be a string"),
        (lambda c: c["data"].__setitem__("alternate_greetings", "hi"), "data.alternate_greetings"),
        (lambda c: c["data"].__setitem__("extensions", []), "data.extensions"),
        (lambda c: c["data"]["character_book"]["entries"][0].__setitem__("keys", "lamp"), "entries[0].keys"),
        (lambda c: c.__setitem__("spec", "chara_card_v9"), "unknown card spec"),
        (lambda c: c.pop("data"), "no 'data'"),
    ],
)
def test_malformed_json_cards_name_the_problem(tmp_path, mutate, fragment):
    card = v2_card()
    mutate(card)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(card))
    with pytest.raises(InputError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        read_card_file(path)


def test_malformed_files(tmp_path):
    bad_json = tmp_path / "a.json"
    bad_json.write_text("{not json")
    with pytest.raises(InputError, match="not valid JSON"):
        read_card_file(bad_json)
    no_chunk = tmp_path / "b.png"
    no_chunk.write_bytes(_png({"Title": "just an image"}))
    with pytest.raises(InputError, match="no 'ccv3' or 'chara'"):
        read_card_file(no_chunk)
    bad_b64 = tmp_path / "c.png"
    bad_b64.write_bytes(_png({"chara": "@@@ not base64 @@@"}))
    with pytest.raises(InputError, match="not valid base64"):
        read_card_file(bad_b64)
    truncated = tmp_path / "d.png"
    truncated.write_bytes(_png({"chara": _b64(v2_card())})[:60])
    with pytest.raises(InputError):
        read_card_file(truncated)
    fake = tmp_path / "e.png"
    fake.write_text("hello")
    with pytest.raises(InputError, match="not a PNG"):
        read_card_file(fake)


def _cli():
    from plait.plugins.characters.cli import register

    app = typer.Typer()
    register(app)
    return app


def test_cli_import_export_list_remove(tmp_path, settings):
    runner = CliRunner()
    app = _cli()
    src = tmp_path / "mira.png"
    src.write_bytes(_png({"chara": _b64(v2_card()), "ccv3": _b64(v3_card())}))
    res = runner.invoke(app, ["characters", "import", str(src), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == {"imported": "mira", "name": "Mira", "spec": "chara_card_v3", "replaced": False, "source": str(src)}
    res = runner.invoke(app, ["characters", "list", "--json"])
    slugs = {c["slug"]: c for c in json.loads(res.stdout)["characters"]}
    assert {"mira", "ada-lovelace", "benjamin-franklin"} <= set(slugs)
    assert slugs["mira"]["origin"] == "imported" and slugs["ada-lovelace"]["origin"] == "example"
    res = runner.invoke(app, ["characters", "show", "Mira", "--json"])
    assert json.loads(res.stdout)["card"]["data"]["nickname"] == "Mi"
    for ext in ("json", "png"):
        out = tmp_path / f"export.{ext}"
        res = runner.invoke(app, ["characters", "export", "mira", "--out", str(out)])
        assert res.exit_code == 0, res.output
        assert read_card_file(out).data["extensions"] == v3_card()["data"]["extensions"]
    res = runner.invoke(app, ["characters", "export", "mira", "--out", str(tmp_path / "x.txt")])
    assert res.exit_code != 0
    res = runner.invoke(app, ["characters", "remove", "mira"])
    assert res.exit_code == 0
    assert "mira" not in BuiltinSource(settings).names()


def test_cli_malformed_import_stores_nothing(tmp_path, settings):
    runner = CliRunner()
    app = _cli()
    good = tmp_path / "good.json"
    good.write_text(json.dumps(v2_card()))
    assert runner.invoke(app, ["characters", "import", str(good)]).exit_code == 0
    before = (settings.home / "characters" / "mira" / "card.json").read_bytes()
    bad = tmp_path / "bad.json"
    card = v2_card()
    card["data"]["tags"] = "oops"
    bad.write_text(json.dumps(card))
    res = runner.invoke(app, ["characters", "import", str(bad)])
    assert res.exit_code != 0
    assert isinstance(res.exception, InputError) and "data.tags" in str(res.exception)
    assert (settings.home / "characters" / "mira" / "card.json").read_bytes() == before
    assert sorted(p.name for p in (settings.home / "characters").iterdir()) == ["index.json", "mira"]


def test_examples_load_with_profile_greetings_and_lorebook(settings):
    source = BuiltinSource(settings)
    for slug in ("ada-lovelace", "benjamin-franklin"):
        character = source.load(slug)
        assert len(character.greetings) >= 2
        assert len(character.profile.split()) > 300
        assert character.era and character.knowledge_cutoff
        entries = character.character_book["entries"]
        assert any(e["constant"] for e in entries) and len(entries) >= 4
        # an example exports to a valid PNG card
        assert read_png(write_png(character), "x").data == character.data


def test_plait_toml_character_import_and_errors(tmp_path, settings):
    good = tmp_path / "nell.toml"
    good.write_text(
        'name = "Nell"\nera = "1900s"\nknowledge_cutoff = "1909"\nprofile = """First para.\n\nSecond para."""\n'
        'greetings = ["Hi {{user}}", "Hello again"]\n'
        '[lorebook]\nscan_depth = 2\n[[lorebook.entries]]\nkeys = ["boat"]\ncontent = "She rows."\n'
    )
    runner = CliRunner()
    res = runner.invoke(_cli(), ["characters", "import", str(good), "--json"])
    assert res.exit_code == 0, res.output
    nell = BuiltinSource(settings).load("nell")
    assert nell.greetings == ["Hi {{user}}", "Hello again"]
    assert nell.description == "First para." and nell.era == "1900s"
    assert nell.character_book["entries"][0]["keys"] == ["boat"]
    for text, fragment in [
        ('name = "X"\ngreetings = []\n', "greetings"),
        ('name = "X"\ngreetings = ["hi"]\ncolour = "red"\n', "unknown keys colour"),
        ('name = = "X"', "not valid TOML"),
        ('greetings = ["hi"]\n', "data.name"),
    ]:
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        with pytest.raises(InputError, match=fragment):
            read_card_file(bad)


def test_examples_have_an_avatar_and_export_round_trips(tmp_path, settings):
    ada = BuiltinSource(settings).load("ada-lovelace")
    assert ada.avatar and ada.avatar.startswith(b"\x89PNG")
    out = tmp_path / "ada.png"
    out.write_bytes(write_png(ada))
    again = read_card_file(out)
    assert again.data == ada.data and again.name == "Ada Lovelace"


def _charx(card: dict, files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("card.json", json.dumps(card))
        for path, blob in files.items():
            zf.writestr(path, blob)
    return buf.getvalue()


def test_charx_export_writes_card_json_and_icon_asset_and_round_trips(tmp_path, settings):
    """CHARX in -> store -> CHARX out -> import: identical data, avatar and extra assets kept."""
    icon = _png({}, color=(9, 8, 7))
    card = v3_card("Zipped")
    card["data"]["assets"] = [
        {"type": "icon", "uri": "embeded://assets/icon/images/main.png", "name": "main", "ext": "png"},
        {"type": "emotion", "uri": "embeded://assets/emotion/images/happy.png", "name": "happy", "ext": "png"},
        {"type": "background", "uri": "https://example.invalid/bg.png", "name": "bg", "ext": "png"},
    ]
    src = tmp_path / "in.charx"
    src.write_bytes(_charx(card, {"assets/icon/images/main.png": icon, "assets/emotion/images/happy.png": b"HAPPY"}))
    runner = CliRunner()
    app = _cli()
    assert runner.invoke(app, ["characters", "import", str(src)]).exit_code == 0
    out = tmp_path / "out.charx"
    res = runner.invoke(app, ["characters", "export", "zipped", "--out", str(out)])
    assert res.exit_code == 0, res.output
    with zipfile.ZipFile(out) as zf:
        written = json.loads(zf.read("card.json"))
        assert written["spec"] == "chara_card_v3"
        assert written["data"] == card["data"]  # the assets list is exactly the imported one
        assert written["x_top_level_unknown"] == {"kept": True}
        assert zf.read("assets/icon/images/main.png") == icon
        assert zf.read("assets/emotion/images/happy.png") == b"HAPPY"
    again = read_card_file(out)
    first = read_card_file(src)
    assert again.data == first.data == card["data"]
    assert again.data["extensions"]["v3_only_ext"] == {"deep": [1, {"x": "y"}]}
    assert again.data["character_book"]["entries"][0]["x_entry_unknown"] == 5
    assert again.top_extra == first.top_extra
    assert again.avatar == icon
    assert again.files == {"assets/emotion/images/happy.png": b"HAPPY"}


def test_charx_export_adds_the_icon_asset_to_a_card_without_one(tmp_path, settings):
    """A V2 card (no assets) or a ccdefault: icon gets an embeded:// main icon under assets/."""
    from plait.plugins.characters.cards import write_charx

    v2 = character_from_card(v2_card(), "mem", avatar=_png({}, color=(4, 5, 6)))
    blob = write_charx(v2)
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        data = json.loads(zf.read("card.json"))["data"]
        assert data["assets"] == [{"type": "icon", "uri": "embeded://assets/icon/images/main.png", "name": "main", "ext": "png"}]
        assert zf.read("assets/icon/images/main.png") == v2.avatar
    path = tmp_path / "v2.charx"
    path.write_bytes(blob)
    again = read_card_file(path)
    assert again.avatar == v2.avatar
    assert {k: v for k, v in again.data.items() if k != "assets"} == v2.data
    # a second export of the re-import is a fixed point
    path2 = tmp_path / "v2b.charx"
    path2.write_bytes(write_charx(again))
    assert read_card_file(path2).data == again.data
    # a V3 card whose icon is ccdefault: (as PNG cards carry) is pointed into the archive
    v3 = character_from_card(v3_card(), "mem", avatar=_png({}))
    with zipfile.ZipFile(io.BytesIO(write_charx(v3))) as zf:
        icon = json.loads(zf.read("card.json"))["data"]["assets"][0]
        assert icon["uri"] == "embeded://assets/icon/images/main.png" and icon["name"] == "main"
        assert zf.read("assets/icon/images/main.png").startswith(b"\x89PNG")


def test_charx_example_export_and_unsafe_paths(tmp_path, settings):
    from plait.plugins.characters.cards import write_charx

    ada = BuiltinSource(settings).load("ada-lovelace")
    path = tmp_path / "ada.charx"
    path.write_bytes(write_charx(ada))
    again = read_card_file(path)
    assert again.name == "Ada Lovelace" and again.avatar == ada.avatar
    assert again.data["character_book"] == ada.data["character_book"]
    # an asset pointing outside the archive root is not read, and nothing is written outside the store
    card = v3_card("Sneaky")
    card["data"]["assets"] = [{"type": "other", "uri": "embeded://../evil.txt", "name": "x", "ext": "txt"}]
    bad = tmp_path / "sneaky.charx"
    bad.write_bytes(_charx(card, {"../evil.txt": b"no"}))
    sneaky = read_card_file(bad)
    assert sneaky.files == {}
    CharacterStore(settings).save(sneaky)
    assert not (settings.home / "evil.txt").exists()
    junk = tmp_path / "junk.charx"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="not a valid CHARX"):
        read_card_file(junk)
