"""Size limits for reading character cards, so a hostile card cannot exhaust memory or disk.

A PNG card's text chunk may be zlib-compressed (``zTXt``/``iTXt``) and a CHARX is a zip: a few
kilobytes can inflate to gigabytes. Every decompression here is streamed with a ceiling, and a
zip member is checked by its declared size before reading and by the bytes actually produced
while reading (a header can lie). The limits are set in ``[characters]`` of plait.toml, in MiB:

    max_card_file_mb  = 128   # the card file as read from disk
    max_card_text_mb  = 16    # the card itself: a PNG's decompressed card chunk, card.json, a JSON card
    max_card_asset_mb = 32    # one CHARX asset, decompressed
    max_card_total_mb = 128   # everything read from one CHARX, decompressed
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import IO, Any

from plait.core.errors import InputError

MIB = 1024 * 1024
MAX_ZIP_MEMBERS = 10_000  # a card with more files than this is not a card
_READ_BLOCK = 256 * 1024


class CardTooLarge(InputError):
    """A card (or a part of it) is over a size limit; nothing was imported."""


@dataclass(frozen=True)
class CardLimits:
    file_bytes: int = 128 * MIB
    text_bytes: int = 16 * MIB
    asset_bytes: int = 32 * MIB
    total_bytes: int = 128 * MIB

    @classmethod
    def from_table(cls, table: dict[str, Any] | None) -> "CardLimits":
        """Limits from the ``[characters]`` table (values in MiB); defaults for what is not set."""
        table = table or {}
        default = cls()
        values: dict[str, int] = {}
        for field, key in _KEYS.items():
            raw = table.get(key)
            if raw is None:
                values[field] = getattr(default, field)
                continue
            try:
                mb = float(raw)
            except (TypeError, ValueError):
                raise InputError(f"[characters] {key} must be a number of MiB, got {type(raw).__name__}") from None
            if not mb > 0 or mb == float("inf"):
                raise InputError(f"[characters] {key} must be a positive number of MiB")
            values[field] = int(mb * MIB)
        return cls(**values)


_KEYS = {
    "file_bytes": "max_card_file_mb",
    "text_bytes": "max_card_text_mb",
    "asset_bytes": "max_card_asset_mb",
    "total_bytes": "max_card_total_mb",
}


def human(n: int) -> str:
    return f"{n / MIB:g} MiB" if n >= MIB else f"{n} bytes"


def too_large(where: str, what: str, limit: int, field: str) -> CardTooLarge:
    key = _KEYS[field]
    return CardTooLarge(
        f"{where}: {what} is larger than {human(limit)} (limit [characters] {key}); nothing was imported. "
        f"If the card is genuine, raise {key} in plait.toml"
    )


def inflate(data: bytes, limit: int, where: str, what: str, field: str = "text_bytes") -> bytes:
    """zlib-decompress ``data`` producing at most ``limit`` bytes; CardTooLarge past it.

    Raises ``zlib.error`` for a corrupt or truncated stream (callers decide what that means).
    """
    d = zlib.decompressobj()
    out = d.decompress(data, limit + 1)  # never more than limit + 1 bytes in memory
    if len(out) > limit or d.unconsumed_tail:
        raise too_large(where, what, limit, field)
    out += d.flush()
    if len(out) > limit:
        raise too_large(where, what, limit, field)
    if not d.eof:
        raise zlib.error("incomplete or truncated stream")
    return out


def read_capped(stream: IO[bytes], limit: int, where: str, what: str, field: str) -> bytes:
    """Read ``stream`` to its end, refusing past ``limit`` bytes actually produced."""
    parts, size = [], 0
    while True:
        block = stream.read(min(_READ_BLOCK, limit + 1 - size))
        if not block:
            return b"".join(parts)
        size += len(block)
        if size > limit:
            raise too_large(where, what, limit, field)
        parts.append(block)
