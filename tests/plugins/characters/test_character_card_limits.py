"""Hostile character cards: zlib bombs in PNG text chunks, zip bombs in CHARX (declared and lying
sizes), oversized files. Each is refused with an error naming the file and the limit, within
bounded memory, and nothing is stored."""

from __future__ import annotations

import base64
import json
import resource
import struct
import zipfile
import zlib

import pytest
from typer.testing import CliRunner

from plait.core.config import load_settings
from plait.plugins.characters.cards import PNG_SIGNATURE, read_card_file
from plait.plugins.characters.limits import MIB, CardLimits, CardTooLarge

SMALL = CardLimits(file_bytes=4 * MIB, text_bytes=1 * MIB, asset_bytes=1 * MIB, total_bytes=2 * MIB)


def _chunk(ctype: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + ctype + payload + struct.pack(">I", zlib.crc32(ctype + payload) & 0xFFFFFFFF)


def _png_with(*chunks: bytes) -> bytes:
    ihdr = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    idat = _chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00"))
    return PNG_SIGNATURE + ihdr + b"".join(chunks) + idat + _chunk(b"IEND", b"")


def _zlib_bomb(size: int) -> bytes:
    """``size`` zero bytes, compressed (about 1000:1) without ever holding them in memory."""
    c = zlib.compressobj(9)
    block = b"\x00" * MIB
    out = [c.compress(block) for _ in range(size // MIB)]
    return b"".join(out) + c.flush()


def _card_b64(name: str = "Mira") -> bytes:
    card = {"spec": "chara_card_v2", "spec_version": "2.0", "data": {"name": name, "first_mes": "hi"}}
    return base64.b64encode(json.dumps(card).encode())


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cli():
    import typer

    from plait.plugins.characters.cli import register

    app = typer.Typer()
    register(app)
    return app


def test_png_ztxt_card_bomb_is_refused_naming_file_and_limit(tmp_path, plait_home):
    bomb = _zlib_bomb(256 * MIB)  # 256 MiB of zeros in about 256 KB
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_with(_chunk(b"zTXt", b"chara\x00\x00" + bomb)))
    before = _peak_rss_mb()
    with pytest.raises(CardTooLarge) as err:
        read_card_file(path)
    assert str(path) in str(err.value) and "max_card_text_mb" in str(err.value) and "16 MiB" in str(err.value)
    assert _peak_rss_mb() - before < 200, "the bomb was inflated in memory"


def test_png_itxt_card_bomb_is_refused(tmp_path):
    bomb = _zlib_bomb(64 * MIB)
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_with(_chunk(b"iTXt", b"ccv3\x00\x01\x00\x00\x00" + bomb)))
    with pytest.raises(CardTooLarge, match="max_card_text_mb"):
        read_card_file(path, SMALL)


def test_png_bomb_in_a_non_card_text_chunk_is_never_inflated(tmp_path):
    """A zTXt chunk that is not the card (e.g. 'Comment') is skipped without decompressing it."""
    bomb = _zlib_bomb(256 * MIB)
    path = tmp_path / "card.png"
    path.write_bytes(_png_with(_chunk(b"zTXt", b"Comment\x00\x00" + bomb), _chunk(b"tEXt", b"chara\x00" + _card_b64())))
    before = _peak_rss_mb()
    character = read_card_file(path)
    assert character.name == "Mira"
    assert _peak_rss_mb() - before < 200


def test_png_compressed_card_within_limit_still_imports(tmp_path):
    path = tmp_path / "card.png"
    path.write_bytes(_png_with(_chunk(b"zTXt", b"chara\x00\x00" + zlib.compress(_card_b64("Zed")))))
    assert read_card_file(path, SMALL).name == "Zed"


def _charx(tmp_path, members: dict[str, bytes], assets: list[dict] | None = None) -> bytes:
    card = {"spec": "chara_card_v3", "spec_version": "3.0",
            "data": {"name": "Mira", "first_mes": "hi", "assets": assets or []}}
    path = tmp_path / "card.charx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("card.json", json.dumps(card))
        for name, blob in members.items():
            zf.writestr(name, blob)
    return path.read_bytes()


def test_charx_asset_bomb_by_declared_size_is_refused_and_nothing_stored(tmp_path, plait_home):
    asset = {"type": "other", "uri": "embeded://assets/bomb.bin", "name": "x", "ext": "bin"}
    path = tmp_path / "bomb.charx"
    path.write_bytes(_charx(tmp_path, {"assets/bomb.bin": b"\x00" * (8 * MIB)}, [asset]))
    runner = CliRunner()
    (tmp_path / "plait.toml").write_text("[characters]\nmax_card_asset_mb = 1\n")  # ./plait.toml
    res = runner.invoke(_cli(), ["characters", "import", str(path)])
    assert res.exit_code != 0
    assert isinstance(res.exception, CardTooLarge)
    message = str(res.exception)
    assert str(path) in message and "assets/bomb.bin" in message and "max_card_asset_mb" in message and "1 MiB" in message
    root = load_settings().home / "characters"
    assert not root.exists() or [p.name for p in root.iterdir() if p.name != "index.json"] == []


def test_charx_total_over_many_assets_is_refused(tmp_path):
    members = {f"assets/{i}.bin": bytes([i]) * (900 * 1024) for i in range(4)}  # each under 1 MiB, 3.5 MiB in all
    assets = [{"type": "other", "uri": f"embeded://{n}", "name": n, "ext": "bin"} for n in members]
    path = tmp_path / "many.charx"
    path.write_bytes(_charx(tmp_path, members, assets))
    with pytest.raises(CardTooLarge, match="max_card_total_mb"):
        read_card_file(path, SMALL)


def _lie_about_size(blob: bytes, member: str, declared: int) -> bytes:
    """Rewrite the local and central headers of ``member`` to declare ``declared`` bytes."""
    name = member.encode()
    out = bytearray(blob)
    pos = 0
    while (pos := out.find(b"PK\x03\x04", pos)) != -1:
        nlen = struct.unpack("<H", out[pos + 26:pos + 28])[0]
        if out[pos + 30:pos + 30 + nlen] == name:
            out[pos + 22:pos + 26] = struct.pack("<I", declared)
        pos += 4
    pos = 0
    while (pos := out.find(b"PK\x01\x02", pos)) != -1:
        nlen = struct.unpack("<H", out[pos + 28:pos + 30])[0]
        if out[pos + 46:pos + 46 + nlen] == name:
            out[pos + 24:pos + 28] = struct.pack("<I", declared)
        pos += 4
    return bytes(out)


def test_charx_member_lying_about_its_size_is_refused(tmp_path, plait_home):
    """The header says 100 bytes; the data inflates to 64 MiB: refused, never inflated in full."""
    card = {"spec": "chara_card_v3", "spec_version": "3.0", "data": {"name": "Mira", "first_mes": "hi"}}
    padding = " " * (64 * MIB)
    path = tmp_path / "liar.charx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("card.json", json.dumps(card) + padding)
    path.write_bytes(_lie_about_size(path.read_bytes(), "card.json", 100))
    before = _peak_rss_mb()
    with pytest.raises(Exception) as err:
        read_card_file(path, SMALL)
    assert str(path) in str(err.value)
    assert "not a valid CHARX" in str(err.value) or "max_card_text_mb" in str(err.value)
    assert _peak_rss_mb() - before < 32, "the lying member was inflated past its limit"


def test_charx_card_json_over_the_limit_is_refused(tmp_path):
    card = {"spec": "chara_card_v3", "spec_version": "3.0", "data": {"name": "Mira", "first_mes": "x" * (2 * MIB)}}
    path = tmp_path / "big.charx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("card.json", json.dumps(card))
    with pytest.raises(CardTooLarge, match=r"card\.json.*max_card_text_mb"):
        read_card_file(path, SMALL)


def test_oversized_files_are_refused_before_reading(tmp_path):
    path = tmp_path / "huge.json"
    with path.open("wb") as fh:
        fh.truncate(5 * MIB)  # sparse: costs no disk
    with pytest.raises(CardTooLarge, match="max_card_file_mb"):
        read_card_file(path, SMALL)
    path.write_text(json.dumps({"name": "Big", "description": "x" * (2 * MIB)}))
    with pytest.raises(CardTooLarge, match="max_card_text_mb"):
        read_card_file(path, SMALL)


def test_card_limits_from_config_reject_bad_values():
    assert CardLimits.from_table({"max_card_text_mb": 2}).text_bytes == 2 * MIB
    assert CardLimits.from_table({}) == CardLimits()
    for bad in ("lots", -1, 0, float("nan")):
        with pytest.raises(Exception, match="max_card_text_mb"):
            CardLimits.from_table({"max_card_text_mb": bad})
