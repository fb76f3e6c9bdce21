"""Benchmark the UAR gate: added latency vs one model call, and vs asking the LLM to decide.

    python benchmarks/gate.py [--bench FILE.jsonl] [--model llamacpp/smollm2] [--calls 12]
        [--featurizers e5,embed,last] [--baseline-limit N] [--json-out FILE]

On a loaded machine set PLAIT_LLAMACPP__N_THREADS=1: llama.cpp's threads spin at barriers and a
two-thread prefill took ~10x longer than a one-thread one here. Parts can run as separate
processes (``--featurizers ""`` for the model call and baseline only, ``--baseline-limit 0`` to
skip the baseline); ``--json-out`` keeps the raw figures.

Measured in one run on the same machine:
1. the gate's latency per question (featurize + four dot products; the featurizer is warm);
2. one chat call of the model answering the question (``--answer-tokens``, default 64);
3. the prompting baseline: the same model asked "Do you need to retrieve ...? yes/no"
   (1-3 tokens), its accuracy on the benchmark next to the gate's.
Prints a Markdown section for ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import pickle
import re
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "plait" / "plugins" / "uar" / "data" / "bench.jsonl"
PROMPT = (
    "You decide whether a question needs a search in external documents before it can be answered. "
    "Answer 'yes' if the user asks to search or look something up, if the answer depends on current "
    "events or private documents, or if it is an obscure fact; answer 'no' for arithmetic, writing, "
    "translation, small talk or well-known facts. Reply with one word: yes or no.\n\nQuestion: {q}"
)


def _ms(times: list[float]) -> float:
    return 1000 * statistics.mean(times)


class _cached:
    """A featurizer reading (and filling) a pickle of question -> feature row under ``cache_dir``:
    accuracy needs every benchmark question's feature, which for ``last`` on a loaded machine takes
    seconds each. Latency is always measured on the live featurizer."""

    def __init__(self, feat, cache_dir: Path | None):
        self.feat, self.id = feat, feat.id
        self.path = cache_dir / (re.sub(r"[^A-Za-z0-9._-]+", "_", feat.id) + ".pkl") if cache_dir else None
        self.rows = pickle.loads(self.path.read_bytes()) if self.path and self.path.is_file() else {}

    def features(self, texts: list[str]):
        import numpy as np

        miss = [t for t in dict.fromkeys(texts) if t not in self.rows]
        if miss:
            self.rows.update(zip(miss, self.feat.features(miss)))
            if self.path:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.path.write_bytes(pickle.dumps(self.rows))
        return np.stack([self.rows[t] for t in texts])


def _featurizer_rows(kinds: list[str], rows: list[dict], model_name: str, cache_dir: Path | None = None) -> list[dict]:
    """Per featurizer: latency per question (featurizer warm, one question at a time) and, where
    heads exist for it, the gate's accuracy by scenario and language (plait.core.gates.score_gate)."""
    import os

    from plait.core.config import load_settings
    from plait.core.errors import ConfigError
    from plait.core.gates import score_gate
    from plait.plugins.uar.decision import UARGate
    from plait.plugins.uar.featurizers import featurizer_from_settings

    out = []
    for kind in kinds:
        os.environ["PLAIT_UAR__FEATURIZER"] = kind
        os.environ["PLAIT_MODEL"] = model_name
        settings = load_settings()
        feat = featurizer_from_settings(settings)
        feat.features(["warm up"])
        times = []
        for r in rows[:40]:  # latency on the first 40 questions
            t0 = time.perf_counter()
            feat.features([r["question"]])
            times.append(time.perf_counter() - t0)
        entry = {"featurizer": feat.id, "ms": _ms(times)}
        try:
            entry["report"] = score_gate(UARGate(settings, featurizer=_cached(feat, cache_dir)), rows)
        except ConfigError as exc:  # no heads trained for this featurizer
            entry["report"] = None
            entry["note"] = str(exc).split(";")[0]
        out.append(entry)
        print(json.dumps(entry), file=sys.stderr, flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", type=Path, default=BENCH)
    ap.add_argument("--model", default="llamacpp/smollm2")
    ap.add_argument("--featurizers", default="e5,embed,last", help="comma-separated [uar] featurizer kinds")
    ap.add_argument("--calls", type=int, default=12, help="questions answered by the model for the latency baseline")
    ap.add_argument("--answer-tokens", type=int, default=64)
    ap.add_argument("--baseline-limit", type=int, default=None,
                    help="ask the model about every k-th question so at most N are asked (default: all; 0: skip)")
    ap.add_argument("--json-out", type=Path, default=None, help="write the raw figures here")
    ap.add_argument("--feature-cache", type=Path, default=None,
                    help="directory of per-featurizer feature pickles reused for the accuracy columns")
    args = ap.parse_args()

    from plait.core.config import load_settings
    from plait.core.models import ChatOptions, get_chat_model
    from plait.plugins.uar.evaluation import read_bench

    rows = read_bench(args.bench)
    for r in rows:
        r.setdefault("language", "")
    truth = [r["need_retrieve"] for r in rows]
    feats = _featurizer_rows([k for k in args.featurizers.split(",") if k], rows, args.model, args.feature_cache)

    model = get_chat_model(args.model, load_settings())
    model.chat([{"role": "user", "content": "hi"}], ChatOptions(max_tokens=1, temperature=0))  # load weights
    call_t = []
    for r in rows[: args.calls]:
        t0 = time.perf_counter()
        model.chat([{"role": "user", "content": r["question"]}], ChatOptions(max_tokens=args.answer_tokens, temperature=0))
        call_t.append(time.perf_counter() - t0)
    base_rows = rows
    if args.baseline_limit is not None:  # every k-th question keeps the scenario/language mix
        step = max(1, -(-len(rows) // args.baseline_limit)) if args.baseline_limit else len(rows) + 1
        base_rows = rows[::step] if args.baseline_limit else []
    base_t, base_pred = [], []
    for r in base_rows:
        t0 = time.perf_counter()
        reply = model.chat([{"role": "user", "content": PROMPT.format(q=r["question"])}], ChatOptions(max_tokens=3, temperature=0)).text
        base_t.append(time.perf_counter() - t0)
        base_pred.append(reply.strip().lower().startswith(("yes", "是", "需要")))

    def group(key: str, pred: list[bool]) -> dict[str, float]:
        names = sorted({r[key] for r in base_rows if r[key]})
        return {n: sum(p == r["need_retrieve"] for p, r in zip(pred, base_rows) if r[key] == n) / sum(r[key] == n for r in base_rows)
                for n in names}

    c_ms = _ms(call_t)
    base = None
    if base_rows:
        base = {"n": len(base_rows), "ms": _ms(base_t), "yes": sum(base_pred),
                "accuracy": sum(p == r["need_retrieve"] for p, r in zip(base_pred, base_rows)) / len(base_rows),
                "by_scenario": group("scenario", base_pred), "by_language": group("language", base_pred)}
    raw = {"model_call_ms": c_ms, "calls": len(call_t), "baseline": base, "featurizers": feats}
    print(json.dumps({k: v for k, v in raw.items() if k != "featurizers"}), file=sys.stderr)
    if args.json_out:
        args.json_out.write_text(json.dumps(raw, indent=1))
    print(render(feats, base, rows, args, c_ms, len(call_t)))


def render(feats, base, rows, args, c_ms, n_calls) -> str:
    scen = sorted({r["scenario"] for r in rows})
    langs = sorted({r["language"] for r in rows if r["language"]})
    cols = ["overall", *scen, *langs]
    head = "| featurizer | ms / question | / one model call | " + " | ".join(cols) + " |\n"
    head += "|---" * (3 + len(cols)) + "|\n"

    def cells(rep):
        if rep is None:
            return " | ".join("no heads" for _ in cols)
        vals = [rep["accuracy"], *(rep["by_scenario"].get(s, 0) for s in scen), *(rep.get("by_language", {}).get(l, 0) for l in langs)]
        return " | ".join(f"{v:.0%}" for v in vals)

    body = "".join(f"| `{f['featurizer']}` | {f['ms']:.1f} | {f['ms'] / c_ms:.3f} | {cells(f['report'])} |\n" for f in feats)
    if base is not None:
        body += (f"| prompting baseline (`{args.model}` asked \"retrieve?\", {base['n']} questions) | {base['ms']:.0f} | "
                 f"{base['ms'] / c_ms:.3f} | {cells(base)} |\n")
    said = f" The prompting baseline said \"yes\" to {base['yes']} of {base['n']} questions." if base else ""
    return f"""## gate

`python benchmarks/gate.py` on the {len(rows)} questions of `plait/plugins/uar/data/bench.jsonl` (held out:
no head was trained or calibrated on it), model `{args.model}`, 2 shared CPU cores, one run.
One model call ({args.answer_tokens} answer tokens, mean of {n_calls} questions): **{c_ms:.0f} ms**. Featurizer
latency is one question at a time, warm; the four heads add microseconds. Accuracy columns: overall,
per scenario, per language.{said}

{head}{body}"""


if __name__ == "__main__":
    main()
