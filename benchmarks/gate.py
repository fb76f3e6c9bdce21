"""Benchmark the UAR gate: added latency vs one model call, and vs asking the LLM to decide.

    python benchmarks/gate.py [--bench FILE.jsonl] [--model llamacpp/smollm2] [--calls 12]

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
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "plait" / "plugins" / "uar" / "data" / "bench.example.jsonl"
PROMPT = (
    "You decide whether a question needs a search in external documents before it can be answered. "
    "Answer 'yes' if the user asks to search or look something up, if the answer depends on current "
    "events or private documents, or if it is an obscure fact; answer 'no' for arithmetic, writing, "
    "translation, small talk or well-known facts. Reply with one word: yes or no.\n\nQuestion: {q}"
)


def _ms(times: list[float]) -> float:
    return 1000 * statistics.mean(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", type=Path, default=BENCH)
    ap.add_argument("--model", default="llamacpp/smollm2")
    ap.add_argument("--calls", type=int, default=12, help="questions answered by the model for the latency baseline")
    ap.add_argument("--answer-tokens", type=int, default=64)
    args = ap.parse_args()

    from plait.core.config import load_settings
    from plait.core.models import ChatOptions, get_chat_model
    from plait.plugins.uar.decision import UARGate
    from plait.plugins.uar.evaluation import read_bench

    rows = read_bench(args.bench)
    questions = [r["question"] for r in rows]
    truth = [r["need_retrieve"] for r in rows]
    settings = load_settings()
    gate = UARGate(settings)
    gate.decide("warm up the featurizer")  # loads the embedder once, as a server would

    gate_t, gate_pred = [], []
    for q in questions:
        t0 = time.perf_counter()
        gate_pred.append(gate.decide(q).retrieve)
        gate_t.append(time.perf_counter() - t0)

    model = get_chat_model(args.model, settings)
    model.chat([{"role": "user", "content": "hi"}], ChatOptions(max_tokens=1, temperature=0))  # load weights
    call_t = []
    for q in questions[: args.calls]:
        t0 = time.perf_counter()
        model.chat([{"role": "user", "content": q}], ChatOptions(max_tokens=args.answer_tokens, temperature=0))
        call_t.append(time.perf_counter() - t0)

    base_t, base_pred = [], []
    for q in questions:
        t0 = time.perf_counter()
        reply = model.chat([{"role": "user", "content": PROMPT.format(q=q)}], ChatOptions(max_tokens=3, temperature=0)).text
        base_t.append(time.perf_counter() - t0)
        base_pred.append(reply.strip().lower().startswith(("yes", "是", "需要")))

    acc = lambda pred: sum(p == t for p, t in zip(pred, truth)) / len(truth)  # noqa: E731
    scen = sorted({r["scenario"] for r in rows})

    def by(pred):
        return {s: sum(p == r["need_retrieve"] for p, r in zip(pred, rows) if r["scenario"] == s)
                / sum(r["scenario"] == s for r in rows) for s in scen}

    g_ms, c_ms, b_ms = _ms(gate_t), _ms(call_t), _ms(base_t)
    result = {
        "n": len(rows), "featurizer": gate.featurizer.id, "model": args.model,
        "gate_ms": round(g_ms, 2), "model_call_ms": round(c_ms, 1), "gate_over_call": round(g_ms / c_ms, 4),
        "gate_accuracy": round(acc(gate_pred), 4), "baseline_ms": round(b_ms, 1), "baseline_accuracy": round(acc(base_pred), 4),
        "baseline_over_gate_latency": round(b_ms / g_ms, 1),
        "baseline_says_yes": sum(base_pred), "gate_by_scenario": by(gate_pred), "baseline_by_scenario": by(base_pred),
    }
    print(json.dumps(result, indent=1), file=sys.stderr)
    print(f"""## gate

`python benchmarks/gate.py` on {len(rows)} questions of `plait/plugins/uar/data/bench.example.jsonl`
(featurizer `{gate.featurizer.id}`, model `{args.model}`, 2 shared CPU cores; all in one run).

| | latency per question | accuracy |
|---|---|---|
| UAR gate (4 heads on the sentence embedding) | {g_ms:.1f} ms | {acc(gate_pred):.1%} |
| one model call ({args.answer_tokens} answer tokens, {len(call_t)} questions) | {c_ms:.0f} ms | — |
| prompting baseline ("do you need to retrieve?", {args.model}) | {b_ms:.0f} ms | {acc(base_pred):.1%} |

Gate / one model call = **{g_ms / c_ms:.3f}**; prompting baseline / gate latency = **{b_ms / g_ms:.0f}x**.
The baseline said "yes" to {sum(base_pred)} of {len(rows)} questions.

| scenario | gate | baseline |
|---|---|---|
""" + "".join(f"| {s} | {result['gate_by_scenario'][s]:.0%} | {result['baseline_by_scenario'][s]:.0%} |\n" for s in scen))


if __name__ == "__main__":
    main()
