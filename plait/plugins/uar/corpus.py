"""Training and validation sets for the UAR heads, from several sources (see data/README.md).

Sources, each row tagged with ``source`` (and ``family`` for a template family):
- ``template``: the generated sets of :mod:`plait.plugins.uar.datagen` (training only);
- ``seed:<style>``: hand-written questions in ``data/seeds.txt``, batch A for training, batch B
  (written separately, other topics and phrasings) for validation;
- ``harvest:<package>``: question sentences from documentation shipped in installed packages
  (``data/harvest.jsonl``); every package goes wholly to training or wholly to validation;
- ``knowledge:<family>`` (self only): labels from a knowledge source for a competent reference
  assistant (:mod:`plait.plugins.uar.selfdata`): well-known facts vs made-up identifiers, private
  and long-tail facts; whole template families held out for validation;
- ``private`` (self only): questions about the user's documents;
- ``selfqa`` (self only, ``self_source="model"``): a model's own labels from ``label-self``.
Validation therefore shares no template family and no source package with training. Questions of
the benchmark (``data/bench.jsonl``) are removed from every set so the benchmark stays held out.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

from plait.plugins.uar.datagen import DATA_DIR

HEADER = re.compile(r"^## (intent|knowledge|time|self) ([01]) (en|zh) ([AB]) (\w+)$")
# Harvested questions contain words that make a question time-sensitive now and then.
TIMELY = re.compile(r"\b(new|newest|latest|current|currently|now|today|recent|this year)\b", re.I)


def private_rows(n: int = 40) -> list[dict]:
    """Questions about the user's own documents: no model can know them (label 1 = retrieve)."""
    import random

    from plait.plugins.uar.datagen import doc_question_en, doc_question_zh

    rng = random.Random("self-private")
    seen: dict[str, dict] = {}
    for gen, lang in ((doc_question_en, "en"), (doc_question_zh, "zh")):
        while sum(r["lang"] == lang for r in seen.values()) < n:
            q = gen(rng)
            seen.setdefault(q, {"question": q, "label": 1, "lang": lang})
    return list(seen.values())


def norm(q: str) -> str:
    return re.sub(r"\W+", " ", unicodedata.normalize("NFKC", q).lower()).strip()


def bench_questions(path: Path = DATA_DIR / "bench.jsonl") -> set[str]:
    if not path.is_file():
        return set()
    return {norm(json.loads(line)["question"]) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


def read_seeds(path: Path = DATA_DIR / "seeds.txt") -> list[dict]:
    rows, head = [], None
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or (line.startswith("#") and not line.startswith("## ")):
            continue
        if line.startswith("## "):
            head = HEADER.match(line)
            if head is None:
                raise ValueError(f"{path}:{no}: bad header {line!r}; expected '## criterion label lang batch style'")
            continue
        if head is None:
            raise ValueError(f"{path}:{no}: question before any '## ...' header")
        c, label, lang, batch, style = head.groups()
        rows.append({"question": line, "criterion": c, "label": int(label), "lang": lang, "batch": batch,
                     "source": f"seed:{style}"})
    return rows


def _jsonl(name: str) -> list[dict]:
    p = DATA_DIR / name
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()] if p.is_file() else []


def val_packages(rows: list[dict], fraction: float = 0.2) -> set[str]:
    """Whole packages, in a fixed hash order, until about ``fraction`` of the harvested rows validate."""
    sizes: dict[str, int] = {}
    for r in rows:
        sizes[r["source"]] = sizes.get(r["source"], 0) + 1
    chosen, total = set(), 0
    for src in sorted(sizes, key=lambda s: hashlib.sha256(s.encode()).hexdigest()):
        if total + sizes[src] <= fraction * len(rows) + 1:
            chosen.add(src)
            total += sizes[src]
    return chosen


def lang_of(q: str) -> str:
    return "zh" if re.search(r"[\u4e00-\u9fff]", q) else "en"


def harvested(criterion: str) -> list[dict]:
    """Harvested doc questions with the label each criterion gives them (None: not used)."""
    label = {"intent": 0, "knowledge": 1, "time": 0, "self": 1}[criterion]
    rows = _jsonl("harvest.jsonl")
    val = val_packages(rows)
    out = []
    for r in rows:
        if criterion == "time" and TIMELY.search(r["question"]):
            continue
        out.append({"question": r["question"], "label": label, "lang": "en", "source": f"harvest:{r['source']}",
                    "batch": "B" if r["source"] in val else "A"})
    return out


def _self_rows(self_source: str = "knowledge") -> list[dict]:
    """Self-aware rows: ``knowledge`` (default, the shipped head: a competent reference assistant,
    labels from a knowledge source) or ``model`` (the embedded model's own ``label-self`` labels)."""
    if self_source == "model":
        rows = [{**r, "lang": lang_of(r["question"]), "source": "selfqa"} for r in _jsonl("self.smollm2.jsonl")]
    elif self_source == "knowledge":
        from plait.plugins.uar.selfdata import rows as knowledge_rows

        rows = knowledge_rows()
    else:
        raise ValueError(f"self_source must be 'knowledge' or 'model', not {self_source!r}")
    rows += [{**r, "source": "private"} for r in private_rows()]
    return rows


def build(criterion: str, self_rows: list[dict] | None = None, self_source: str = "knowledge") -> tuple[list[dict], list[dict]]:
    """(train, val) rows ``{"question", "label", "lang", "source"}`` for ``criterion``."""
    held_out = bench_questions()
    train: list[dict] = []
    val: list[dict] = []
    if criterion == "self":
        from plait.plugins.uar.training import stratified_split

        rows = self_rows if self_rows is not None else _self_rows(self_source)
        fixed = [r for r in rows if r.get("batch") in ("A", "B")]  # whole template families held out
        train += [r for r in fixed if r["batch"] == "A"]
        val += [r for r in fixed if r["batch"] == "B"]
        t, v = stratified_split([r for r in rows if r.get("batch") not in ("A", "B")], 0.2, seed=0)
        train += t
        val += v
    else:
        for name in (f"{criterion}.train.jsonl", f"{criterion}.val.jsonl"):
            train += [{**r, "source": "template"} for r in _jsonl(name)]
        for r in read_seeds():
            if r["criterion"] == criterion:
                (train if r["batch"] == "A" else val).append(r)
    for r in harvested(criterion):
        (train if r["batch"] == "A" else val).append(r)
    keep = lambda rows: [  # noqa: E731
        {k: r[k] for k in ("question", "label", "lang", "source") if k in r} for r in rows if norm(r["question"]) not in held_out]
    train, val = keep(train), keep(val)
    seen = {norm(r["question"]) for r in val}
    return [r for r in train if norm(r["question"]) not in seen], val
