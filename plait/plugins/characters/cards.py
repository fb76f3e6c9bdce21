"""Character Card V1/V2/V3 import and export: JSON, PNG (tEXt ``ccv3`` / ``chara``), CHARX zip.

Reading validates the card and raises ``InputError`` naming the file and the field that is
wrong; nothing is stored here, so a bad card can never be half-imported.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any, Iterator

from plait.core.errors import InputError
from plait.plugins.characters.limits import MAX_ZIP_MEMBERS, CardLimits, inflate, read_capped, too_large
from plait.plugins.characters.model import V1_FIELDS, V2_FIELDS, V2_SPEC, V3_SPEC, Character
from plait.plugins.characters.validate import card_error as _fail
from plait.plugins.characters.validate import validate_data

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CARD_CHUNK_KEYS = ("ccv3", "chara")


# -- card objects ----------------------------------------------------------------------------
def character_from_card(card: Any, where: str, avatar: bytes | None = None) -> Character:
    """A Character from a parsed card object of any version (V1 is converted to V2)."""
    if not isinstance(card, dict):
        raise _fail(where, f"a character card must be a JSON object, got {type(card).__name__}")
    spec = card.get("spec")
    if spec in (V2_SPEC, V3_SPEC):
        data = card.get("data")
        if data is None:
            raise _fail(where, f"{spec} card has no 'data' object")
        validate_data(data, where)
        top_extra = {k: v for k, v in card.items() if k not in ("spec", "spec_version", "data")}
        version = card.get("spec_version", "3.0" if spec == V3_SPEC else "2.0")
        return Character(dict(data), spec, str(version), top_extra, avatar)
    if spec is not None:
        raise _fail(where, f"unknown card spec {spec!r} (known: {V2_SPEC}, {V3_SPEC}, or a V1 card without 'spec')")
    if "name" not in card:
        raise _fail(where, "not a character card: no 'spec' and no V1 'name' field")
    # V1: flat fields; unknown V1 keys are kept inside data so they survive
    data: dict[str, Any] = {k: card[k] for k in card}
    for key in V1_FIELDS:
        data.setdefault(key, "")
    for key, default in V2_FIELDS.items():
        data.setdefault(key, default if not isinstance(default, (list, dict)) else type(default)())
    validate_data(data, where)
    return Character(data, V2_SPEC, "2.0", {}, avatar)


def _decode_json(raw: bytes | str, where: str) -> Any:
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _fail(where, f"not valid JSON ({exc})") from None


# -- PNG chunks -----------------------------------------------------------------------------
def iter_png_chunks(blob: bytes, where: str) -> Iterator[tuple[bytes, bytes]]:
    """(type, payload) of each chunk of a PNG file, lazily, checking the signature and lengths."""
    if not blob.startswith(PNG_SIGNATURE):
        raise _fail(where, "not a PNG file (bad signature)")
    pos = len(PNG_SIGNATURE)
    while pos + 8 <= len(blob):
        length, ctype = struct.unpack(">I4s", blob[pos:pos + 8])
        end = pos + 8 + length + 4
        if end > len(blob):
            raise _fail(where, f"PNG chunk {ctype!r} is truncated")
        yield ctype, blob[pos + 8:pos + 8 + length]
        pos = end
        if ctype == b"IEND":
            break


def png_chunks(blob: bytes, where: str) -> list[tuple[bytes, bytes]]:
    """[(type, payload)] of a PNG file, checking the signature and lengths."""
    return list(iter_png_chunks(blob, where))


def _chunk_keyword(ctype: bytes, payload: bytes) -> str | None:
    """The keyword of a tEXt/zTXt/iTXt chunk (read without decompressing anything), else None."""
    if ctype not in (b"tEXt", b"zTXt", b"iTXt"):
        return None
    return payload.partition(b"\x00")[0].decode("latin-1").lower()


def _text_chunk(ctype: bytes, payload: bytes, where: str, limits: CardLimits) -> tuple[str, str] | None:
    """(keyword, text) of a tEXt/zTXt/iTXt chunk, else None; compressed text is inflated with a ceiling."""
    what = f"the PNG's {ctype.decode('latin-1')} chunk"
    try:
        key, _, rest = payload.partition(b"\x00")
        keyword = key.decode("latin-1")
        if ctype == b"tEXt":
            return keyword, rest.decode("latin-1")
        if ctype == b"zTXt":
            return keyword, inflate(rest[1:], limits.text_bytes, where, f"{what} {keyword!r}").decode("latin-1")
        if ctype == b"iTXt":
            compressed, rest = rest[0], rest[2:]
            _lang, _, rest = rest.partition(b"\x00")
            _tkey, _, text = rest.partition(b"\x00")
            if compressed:
                text = inflate(text, limits.text_bytes, where, f"{what} {keyword!r}")
            return keyword, text.decode("utf-8")
    except (zlib.error, UnicodeDecodeError, IndexError):
        return None
    return None


def _chunk(ctype: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + ctype + payload + struct.pack(">I", zlib.crc32(ctype + payload) & 0xFFFFFFFF)


def strip_card_chunks(blob: bytes, where: str = "PNG") -> bytes:
    """The PNG without its ``chara``/``ccv3`` text chunks (the plain avatar)."""
    out = [PNG_SIGNATURE]
    for ctype, payload in iter_png_chunks(blob, where):
        if _chunk_keyword(ctype, payload) in CARD_CHUNK_KEYS:
            continue  # dropped by keyword: nothing is decompressed to strip a chunk
        out.append(_chunk(ctype, payload))
    return b"".join(out)


def read_png(blob: bytes, where: str, limits: CardLimits | None = None) -> Character:
    """A Character from a PNG card: ``ccv3`` wins over ``chara``.

    Only the card chunks are decompressed (each at most ``limits.text_bytes``); other text
    chunks are never inflated.
    """
    limits = limits or CardLimits()
    texts: dict[str, str] = {}
    for ctype, payload in iter_png_chunks(blob, where):
        keyword = _chunk_keyword(ctype, payload)
        if keyword not in CARD_CHUNK_KEYS or keyword in texts:
            continue
        text = _text_chunk(ctype, payload, where, limits)
        if text:
            texts[keyword] = text[1]
    key = next((k for k in CARD_CHUNK_KEYS if k in texts), None)
    if key is None:
        raise _fail(where, "PNG has no 'ccv3' or 'chara' text chunk, so it carries no character card")
    try:
        raw = base64.b64decode(texts[key].strip(), validate=True)
    except (binascii.Error, ValueError):
        raise _fail(where, f"the PNG's {key!r} chunk is not valid base64") from None
    card = _decode_json(raw, f"{where} ({key} chunk)")
    return character_from_card(card, f"{where} ({key} chunk)", avatar=strip_card_chunks(blob, where))


def write_png(character: Character, avatar: bytes | None = None) -> bytes:
    """A PNG card with both chunks: ``chara`` (V2) and ``ccv3`` (V3), before IEND."""
    base = avatar or character.avatar or default_avatar(character.name)
    base = strip_card_chunks(base)
    chunks = png_chunks(base, "avatar")
    v2 = base64.b64encode(json.dumps(character.to_v2_card(), ensure_ascii=False).encode("utf-8"))
    v3 = base64.b64encode(json.dumps(character.to_v3_card(), ensure_ascii=False).encode("utf-8"))
    out = [PNG_SIGNATURE]
    for ctype, payload in chunks:
        if ctype == b"IEND":
            out.append(_chunk(b"tEXt", b"chara\x00" + v2))
            out.append(_chunk(b"tEXt", b"ccv3\x00" + v3))
        out.append(_chunk(ctype, payload))
    return b"".join(out)


def default_avatar(name: str) -> bytes:
    """A plain square with the character's initial, for cards that came without an image."""
    from PIL import Image, ImageDraw

    hue = sum(name.encode()) % 200
    img = Image.new("RGB", (256, 256), (40 + hue // 2, 60, 120 + hue // 3))
    draw = ImageDraw.Draw(img)
    draw.text((118, 118), (name[:1] or "?").upper(), fill=(255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


# -- CHARX -----------------------------------------------------------------------------------
EMBED_SCHEMES = ("embeded://", "embedded://")  # the spec spells it "embeded"; accept the fix too
CHARX_ICON_PATH = "assets/icon/images/main.png"


def safe_member(path: str) -> str | None:
    """``path`` if it is a plain relative zip path (no ``..``, no absolute part), else None."""
    from pathlib import PurePosixPath

    p = PurePosixPath(path)
    if not path or p.is_absolute() or any(part in ("..", "") for part in path.split("/")) or "\\" in path:
        return None
    return str(p)


def _embedded_path(asset: Any) -> str | None:
    uri = str(asset.get("uri", "")) if isinstance(asset, dict) else ""
    for scheme in EMBED_SCHEMES:
        if uri.startswith(scheme):
            return safe_member(uri[len(scheme):])
    return None


def main_icon_index(assets: list[Any]) -> int | None:
    """The main icon: the ``icon`` asset named ``main``, else the first ``icon`` asset."""
    icons = [i for i, a in enumerate(assets) if isinstance(a, dict) and a.get("type") == "icon"]
    named = [i for i in icons if assets[i].get("name") == "main"]
    return (named or icons or [None])[0]


class _CharxReader:
    """Reads members of a CHARX zip under the size limits: declared size first, then actual bytes."""

    def __init__(self, zf: zipfile.ZipFile, where: str, limits: CardLimits):
        self.zf, self.where, self.limits = zf, where, limits
        self.total = 0

    def read(self, name: str, limit: int, field: str) -> bytes:
        info = self.zf.getinfo(name)  # KeyError when absent
        what = f"CHARX member {name!r}"
        if info.file_size > limit:  # refused before a single byte is inflated
            raise too_large(self.where, f"{what} (declared {info.file_size} bytes)", limit, field)
        left = self.limits.total_bytes - self.total
        if info.file_size > left:
            raise too_large(self.where, "the CHARX's files together", self.limits.total_bytes, "total_bytes")
        with self.zf.open(info) as stream:  # the header may lie: count what really comes out
            if limit <= left:
                blob = read_capped(stream, limit, self.where, what, field)
            else:
                blob = read_capped(stream, left, self.where, "the CHARX's files together", "total_bytes")
        self.total += len(blob)
        return blob


def _open_charx(blob: bytes, where: str, limits: CardLimits) -> tuple[_CharxReader, Any]:
    """The reader and the parsed card.json of a CHARX archive."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(blob))
        if len(zf.infolist()) > MAX_ZIP_MEMBERS:
            raise _fail(where, f"CHARX archive has {len(zf.infolist())} files (at most {MAX_ZIP_MEMBERS} are read)")
        reader = _CharxReader(zf, where, limits)
        card = _decode_json(reader.read("card.json", limits.text_bytes, "text_bytes"), f"{where} (card.json)")
    except KeyError:
        raise _fail(where, "CHARX archive has no card.json") from None
    except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, EOFError, NotImplementedError):
        # RuntimeError: encrypted member; BadZipFile also covers a CRC mismatch from a lying header
        raise _fail(where, "not a valid CHARX (zip) archive") from None
    return reader, card


def read_charx(blob: bytes, where: str, limits: CardLimits | None = None) -> Character:
    """A CHARX zip: ``card.json`` (V3) plus assets; the main ``icon`` asset becomes the avatar.

    Every other ``embeded://`` file the card references is kept in ``Character.files``. Each
    member is read under ``limits`` (CardTooLarge names the member and the limit).
    """
    limits = limits or CardLimits()
    reader, card = _open_charx(blob, where, limits)
    assets = (card.get("data") or {}).get("assets") if isinstance(card, dict) else None
    assets = assets if isinstance(assets, list) else []
    files: dict[str, bytes] = {}
    for asset in assets:
        path = _embedded_path(asset)
        if path and path not in files:
            try:
                files[path] = reader.read(path, limits.asset_bytes, "asset_bytes")
            except (KeyError, zipfile.BadZipFile, zlib.error, RuntimeError, EOFError, NotImplementedError):
                continue  # a missing or broken asset file is not fatal: the card itself is whole
    avatar = None
    icon = main_icon_index(assets)
    icon_path = _embedded_path(assets[icon]) if icon is not None else None
    if icon_path and files.get(icon_path, b"").startswith(PNG_SIGNATURE):
        avatar = files.pop(icon_path)
    character = character_from_card(card, where, avatar=avatar)
    character.files = files
    return character


def write_charx(character: Character, avatar: bytes | None = None) -> bytes:
    """A CHARX zip: ``card.json`` (V3) and the avatar as the main icon asset under ``assets/``.

    A card whose main icon already points into the archive keeps its ``assets`` list as is (so
    re-importing gives identical data); otherwise the main icon entry is added (or a
    ``ccdefault:`` one is pointed) at ``assets/icon/images/main.png``.
    """
    card = character.to_v3_card()
    data = card["data"]
    image = strip_card_chunks(avatar or character.avatar or default_avatar(character.name))
    assets = data.get("assets")
    if not isinstance(assets, list):
        assets = data["assets"] = []
    icon = main_icon_index(assets)
    icon_path = _embedded_path(assets[icon]) if icon is not None else None
    if icon_path is None:
        entry = {"type": "icon", "uri": f"embeded://{CHARX_ICON_PATH}", "name": "main", "ext": "png"}
        if icon is None:
            assets.insert(0, entry)
        else:
            assets[icon] = {**assets[icon], "uri": entry["uri"], "ext": "png"}
        icon_path = CHARX_ICON_PATH
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("card.json", json.dumps(card, ensure_ascii=False, indent=1))
        zf.writestr(icon_path, image)
        for path, blob in sorted(character.files.items()):
            member = safe_member(path)
            if member and member not in (icon_path, "card.json"):
                zf.writestr(member, blob)
    return buf.getvalue()


# -- entry point -----------------------------------------------------------------------------
def read_card_file(path: Path, limits: CardLimits | None = None) -> Character:
    """Parse a card file by content: PNG, CHARX zip, JSON, or plait TOML, under ``limits``."""
    limits = limits or CardLimits()
    if not path.is_file():
        raise InputError(f"no such card file: {path}")
    where = str(path)
    size = path.stat().st_size
    if size > limits.file_bytes:
        raise too_large(where, f"the file ({size} bytes)", limits.file_bytes, "file_bytes")
    with path.open("rb") as fh:  # the file may grow after stat(): read at most the limit + 1
        blob = read_capped(fh, limits.file_bytes, where, "the file", "file_bytes")
    if blob.startswith(PNG_SIGNATURE):
        return read_png(blob, where, limits)
    if blob.startswith(b"PK"):
        return read_charx(blob, where, limits)
    if path.suffix.lower() in (".png", ".charx"):
        raise _fail(where, f"the file is not a {path.suffix[1:].upper()} (its contents do not match)")
    if len(blob) > limits.text_bytes:  # a JSON or TOML card is all text: the card limit applies
        raise too_large(where, f"the card ({len(blob)} bytes)", limits.text_bytes, "text_bytes")
    if path.suffix.lower() in (".toml",):
        from plait.plugins.characters.tomlfile import character_from_toml

        return character_from_toml(blob, where)
    return character_from_card(_decode_json(blob, where), where)
