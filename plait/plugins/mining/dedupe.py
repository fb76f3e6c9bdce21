"""Post-processing of retrieved documents: quality filters, then exact and near-duplicate removal.

Hits arrive best-ranked first. The first copy of a document is kept and every later copy is recorded
in its ``absorbed`` list with the reason: ``exact`` (same normalised content hash) or ``near``
(MinHash-LSH, Jaccard of word 5-shingles above the threshold; datasketch).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

Row = dict[str, Any]
_WORD = re.compile(r"\w+", re.U)


@dataclass(frozen=True)
class Quality:
    min_chars: int = 40
    max_chars: int = 100_000
    max_symbol_ratio: float = 0.3  # share of characters that are neither letters, digits nor spaces
    min_latin_ratio: float = 0.5  # share of letters in Latin script (the language check; 0 turns it off)


def quality_reason(text: str, q: Quality) -> str | None:
    """Why ``text`` fails the filters (``too_short``, ``too_long``, ``symbols``, ``language``), or None."""
    n = len(text.strip())
    if n < q.min_chars:
        return "too_short"
    if n > q.max_chars:
        return "too_long"
    symbols = sum(1 for c in text if not (c.isalnum() or c.isspace()))
    if symbols / max(1, len(text)) > q.max_symbol_ratio:
        return "symbols"
    letters = [c for c in text if c.isalpha()]
    if q.min_latin_ratio > 0 and letters:
        latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
        if latin / len(letters) < q.min_latin_ratio:
            return "language"
    return None


def normalise(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def content_hash(text: str) -> str:
    return hashlib.sha1(normalise(text).encode("utf-8")).hexdigest()


def _minhash(text: str, num_perm: int):
    from datasketch import MinHash

    words = normalise(text).split()
    shingles = {" ".join(words[i:i + 5]) for i in range(max(1, len(words) - 4))}
    m = MinHash(num_perm=num_perm, seed=1)
    for s in shingles:
        m.update(s.encode("utf-8"))
    return m


def _absorbed(row: Row, reason: str) -> Row:
    out = {"id": row["id"], "reason": reason, "query_id": row["query_id"], "rank": row["rank"]}
    out.update({k: row[k] for k in ("url", "source") if k in row})
    return out


def dedupe(rows: list[Row], *, threshold: float = 0.8, num_perm: int = 128) -> tuple[list[Row], dict[str, int]]:
    """Keep the first (best-ranked) copy of each document; returns (kept rows, counts per reason)."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    kept: list[Row] = []
    by_hash: dict[str, Row] = {}
    by_key: dict[str, Row] = {}
    counts = {"exact": 0, "near": 0}
    for row in rows:
        h = content_hash(row["text"])
        if h in by_hash:
            by_hash[h]["absorbed"].append(_absorbed(row, "exact"))
            counts["exact"] += 1
            continue
        mh = _minhash(row["text"], num_perm)
        near = lsh.query(mh)
        if near:
            by_key[min(near, key=int)]["absorbed"].append(_absorbed(row, "near"))  # the earliest = best-ranked
            counts["near"] += 1
            continue
        row = {**row, "absorbed": []}
        key = str(len(kept))
        lsh.insert(key, mh)
        by_hash[h] = by_key[key] = row
        kept.append(row)
    return kept, counts
