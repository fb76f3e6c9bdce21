"""Train the heads shipped with plait for the default featurizer (maintainers only).

``python -m plait.plugins.uar.ship [--self-labels FILE]`` regenerates nothing; it fits intent,
knowledge and time on ``data/{criterion}.train.jsonl`` against ``data/{criterion}.val.jsonl``
and, given labels from ``plait gate label-self``, the self head, into ``data/heads/<featurizer>/``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from plait.core.config import load_settings
from plait.plugins.uar.datagen import DATA_DIR
from plait.plugins.uar.featurizers import featurizer_from_settings
from plait.plugins.uar.heads import shipped_dir
from plait.plugins.uar.training import read_labelled, save_with_val, train_head


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--self-labels", type=Path, help="labelled self data from plait gate label-self")
    ap.add_argument("--criteria", default="intent,knowledge,time")
    args = ap.parse_args()
    settings = load_settings()
    featurizer = featurizer_from_settings(settings)
    out = shipped_dir(featurizer.id)
    for criterion in [c for c in args.criteria.split(",") if c]:
        head, val = train_head(featurizer, criterion, read_labelled(DATA_DIR / f"{criterion}.train.jsonl"),
                               read_labelled(DATA_DIR / f"{criterion}.val.jsonl"))
        save_with_val(head, val, out)
        print(criterion, head.info())
    if args.self_labels:
        rows = read_labelled(args.self_labels) + private_rows()
        head, val = train_head(featurizer, "self", rows)
        head.meta["source"] = f"{args.self_labels.name} + {len(private_rows())} private-document questions labelled unknown"
        save_with_val(head, val, out)
        print("self", head.info())


if __name__ == "__main__":
    main()
