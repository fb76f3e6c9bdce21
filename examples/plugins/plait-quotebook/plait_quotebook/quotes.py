"""The quote book: public-domain quotations shipped with the package, searched by word overlap."""

from __future__ import annotations

import json
import random
import re
from functools import lru_cache
from importlib import resources

from plait import InputError, NotFound

STOPWORDS = set("a an the and or but of to in on at for with is are was were be been it its this that "
                "what who whom how why when where which do does did about me my i you your we our "
                "quote quotes quotation say says said tell give find any some".split())


@lru_cache(maxsize=1)
def all_quotes() -> tuple[dict, ...]:
    """Every quotation in the book (loaded once from ``data/quotes.jsonl``)."""
    text = resources.files("plait_quotebook").joinpath("data/quotes.jsonl").read_text(encoding="utf-8")
    return tuple(json.loads(line) for line in text.splitlines() if line.strip())


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9']+", text.lower()) if w not in STOPWORDS and len(w) > 1}


def _stem(word: str) -> str:
    return re.sub(r"(ing|ed|es|s)$", "", word) if len(word) > 4 else word


def quote_search(query: str, limit: int = 3, author: str | None = None) -> list[dict]:
    """Find quotations about a subject in the quote book, best match first.

    Args:
        query: words describing the subject, e.g. "time" or "love and fate"
        limit: the most quotations to return (1-20)
        author: only quotations by this author (case-insensitive substring)
    """
    if not 1 <= limit <= 20:
        raise InputError(f"limit must be between 1 and 20, got {limit}")
    wanted = {_stem(w) for w in _words(query)}
    scored = []
    for i, quote in enumerate(all_quotes()):
        if author and author.lower() not in quote["author"].lower():
            continue
        have = {_stem(w) for w in _words(quote["text"]) | set(quote.get("tags", []))}
        have |= {_stem(w) for w in _words(quote["author"])}
        score = len(wanted & have)
        if score:
            scored.append((-score, i, quote))
    return [dict(q) for _, _, q in sorted(scored)[:limit]]


def random_quote(seed: int | None = None, author: str | None = None) -> dict:
    """One quotation, chosen at random (``seed`` makes the choice repeatable)."""
    pool = [q for q in all_quotes() if not author or author.lower() in q["author"].lower()]
    if not pool:
        raise NotFound(f"no quotations by {author!r}; see `plait quotes authors`")
    return dict(random.Random(seed).choice(pool))


def authors() -> list[str]:
    return sorted({q["author"] for q in all_quotes()})
