"""Answer quality of `plait ask` with the embedded model: correct / partial / wrong per answer strategy.

What a new user gets from `plait ask` on documentation, over two corpora:

- ``plait-docs``: this repository's ``docs/*.md``;
- ``awscli``: the AWS CLI's own docs in the ``awscli`` package (built as in retrieval_quality.py).

Questions and their expected facts: ``benchmarks/data/answers_questions.jsonl`` (written by hand;
each fact lists accepted spellings). Before anything runs, every fact is checked against its gold
source file: a fact the docs no longer state stops the run (edit the data file, do not loosen it).

Strategies, all through the RAG agent in one process (model loaded once; ``retrieve`` auto: the
gate as configured decides in ``generate``, the quoting modes always retrieve), embedded model
``llamacpp/smollm2`` unless ``--model``:

- ``generate``: the model answers from the numbered sources (small-model settings: greedy, at most
  128 new tokens, the top 3 hits);
- ``grounded`` (the default for the embedded model): quoted sentences with their [n], plus a
  one-sentence model summary kept only when one quote supports it;
- ``extractive``: the quotes only, no generation;
- ``grounded, summary unchecked``: the same quotes and summary call, the summary always shown
  (what the support check in ``grounded`` removes);
- ``extractive, no carried blocks``: ``extractive`` without the code block / list a quoted sentence
  ending in ``:`` carries (the ablation of that rule, same stores, same run).

Scoring rule (mechanical, on the answer text the user sees, before the sources list):

- answerable question: a fact is *stated* when one of its spellings occurs as a whole token
  (case-insensitive; not inside a longer word, path or flag). **correct** = every fact stated and
  the answer cites ``[n]`` for a source whose file is a gold source; **partial** = at least one fact
  stated, but not all, or all without a citation of a gold source; **wrong** = no fact stated.
- unanswerable question (``"answerable": false``): **correct** = the answer says nothing was found
  (the agent's not-found / nothing-to-quote message); otherwise **wrong** (it quoted or invented).

A citation of a number that was not a given source is counted separately (``bad_cites``; must be 0),
and so is a shown summary that no quoted sentence supports (``unsupported``: the support rule of
``plait.agents.rag.grounded.supported``; invented text the verdict above does not see, because a
correct quote followed by an invented summary still states the facts).
Latency: wall time of one ``agent.invoke`` per question after a warm-up question (model, embedder,
gate and BM25 index loaded), median per strategy. Run:

    python benchmarks/answers.py [--corpus plait-docs|awscli] [--strategy NAME ...] [--limit N]
                                 [--model llamacpp/PATH.gguf] [--home DIR] [--show]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).parent))

from retrieval_quality import CorpusUnavailable, build_awscli  # noqa: E402  (same corpus, same builder)

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "answers_questions.jsonl"
MODEL = "llamacpp/smollm2"
STRATEGIES = ("generate", "grounded", "extractive", "grounded, summary unchecked", "extractive, no carried blocks")
WARM_UP = "What is this documentation about?"


def build_plait_docs(target: Path) -> Path:
    for f in sorted((ROOT / "docs").glob("*.md")):
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target / f.name)
    return target


CORPORA = {"plait-docs": build_plait_docs, "awscli": build_awscli}


# -- questions and scoring ------------------------------------------------------------------------
def load_questions(path: Path = DATA) -> list[dict]:
    rows = []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        row = json.loads(line)
        row.setdefault("answerable", True)
        if row["corpus"] not in CORPORA:
            raise SystemExit(f"{path}:{no}: unknown corpus {row['corpus']!r}; one of {', '.join(CORPORA)}")
        if row["answerable"] and not (row.get("facts") and row.get("gold_sources")):
            raise SystemExit(f"{path}:{no}: an answerable question needs facts and gold_sources")
        rows.append(row)
    return rows


def stated(fact: list[str], text: str) -> bool:
    """One spelling of ``fact`` occurs as a whole token: ``10`` is not in ``100`` or ``10.5``,
    ``--delete`` is not in ``--delete-marker``."""
    return any(re.search(rf"(?<![\w\-]){re.escape(s)}(?![\w\-]|\.\d)", text, re.I) for s in fact)


def unsupported(text: str) -> bool:
    """The answer shows an ``In short:`` summary that none of its quoted sentences supports."""
    from plait.agents.rag import grounded

    head, sep, summary = text.partition("\n\nIn short: ")
    if not sep:
        return False
    quotes: list = []
    for line in head.splitlines():
        m = re.match(r'^- "(.*)" \[(\d+)\]$', line)
        if m:
            quotes.append(grounded.Quote(int(m.group(2)), "", 0, m.group(1), 0.0))
        elif quotes and (line.startswith("  ") or not line):  # the block a quote ending in ':' carries
            quotes[-1].text += "\n" + line[2:]
    return not grounded.supported(summary, quotes)


def gold_match(source: str, gold: list[str]) -> bool:
    from plait.retrieval.evaluate import source_matches

    return any(source_matches(source, g) for g in gold)


def check_facts(rows: list[dict], docs: Path) -> None:
    """Each fact must still be stated by one of its gold files (the docs may have changed)."""
    stale = []
    for row in rows:
        if not row["answerable"]:
            continue
        texts = [(docs / g).read_text(encoding="utf-8") for g in row["gold_sources"] if (docs / g).is_file()]
        for fact in row["facts"]:
            if not any(stated(fact, t) for t in texts):
                stale.append(f"{row['question']!r}: {fact} not in {row['gold_sources']}")
    if stale:
        raise SystemExit("expected facts no longer in their gold sources; update " + str(DATA) + ":\n  " + "\n  ".join(stale))


def score(row: dict, text: str, sources: list[dict], said_not_found: bool) -> tuple[str, int]:
    """(verdict, bad citations) under the rule in the module docstring."""
    from plait.agents.rag.grounded import cited_numbers

    cited = cited_numbers(text)
    bad = sum(1 for n in cited if not 1 <= n <= len(sources))
    if not row["answerable"]:
        return ("correct" if said_not_found else "wrong"), bad
    hits = sum(stated(f, text) for f in row["facts"])
    gold_cited = any(gold_match(sources[n - 1]["source"], row["gold_sources"]) for n in cited if 1 <= n <= len(sources))
    if hits == len(row["facts"]) and gold_cited:
        return "correct", bad
    return ("partial" if hits else "wrong"), bad


# -- running ----------------------------------------------------------------------------------------
def settings_for(home: Path, model: str):
    from plait.core.config import load_settings

    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAIT_")}
    env.update(PLAIT_HOME=str(home), PLAIT_MODEL=model)
    home.mkdir(parents=True, exist_ok=True)
    return load_settings(cwd=home, environ=env)  # cwd=home: no plait.toml of the caller's folder


def refused(reply) -> bool:
    """The agent said it found nothing (``not_found``) or had nothing to quote: its fixed replies."""
    from plait.agents.rag import prompts

    return bool(reply.extras.get("not_found")) or reply.text in (prompts.NOTHING_TO_QUOTE, prompts.NO_QUOTABLE_SENTENCE)


def unchecked_summary(agent, question: str) -> tuple[str, list[dict], bool]:
    """Extractive quotes, then the grounded summary call, its sentence shown whatever it says."""
    from plait.agents.base import AgentRequest
    from plait.agents.rag import grounded
    from plait.core.models.base import ChatOptions

    reply = agent.invoke(AgentRequest([{"role": "user", "content": question}], None, {"answer_mode": "extractive"}))
    quotes = [grounded.Quote(**q) for q in reply.extras["quotes"]]
    if not quotes:
        return reply.text, reply.extras["sources"], refused(reply)
    options = ChatOptions(temperature=0.0, max_tokens=grounded.SUMMARY_MAX_TOKENS)
    said = agent.context.model.chat(grounded.summary_messages(question, quotes), options).text
    summary = grounded.first_sentence(grounded.clean_citations(said, len(reply.extras["sources"])))
    text = reply.text + ("\n\nIn short: " + grounded.cite_summary(summary, quotes) if summary else "")
    return text, reply.extras["sources"], False


def answer(agent, strategy: str, question: str) -> tuple[str, list[dict], bool]:
    from plait.agents.base import AgentRequest

    if strategy == "grounded, summary unchecked":
        return unchecked_summary(agent, question)
    if strategy == "extractive, no carried blocks":
        from unittest import mock

        from plait.agents.rag import grounded

        with mock.patch.object(grounded, "_following_block", lambda paragraphs, i: ""):
            return answer(agent, "extractive", question)
    reply = agent.invoke(AgentRequest([{"role": "user", "content": question}], None, {"answer_mode": strategy}))
    return reply.text, reply.extras["sources"], refused(reply)


def run_corpus(corpus: str, rows: list[dict], base: Path, model: str, strategies: list[str], show: bool) -> dict:
    from plait.agents.base import get_agent
    from plait.core.models import get_embedder
    from plait.retrieval.ingest import ingest_paths

    docs = base / "docs" / corpus
    if not docs.exists():
        CORPORA[corpus](docs)
    check_facts(rows, docs)
    settings = settings_for(base / f"home-{corpus}", model)
    t = time.perf_counter()
    report = ingest_paths([docs], settings, get_embedder(None, settings), progress=False)
    print(f"[{corpus}] store ready in {time.perf_counter() - t:.1f} s ({report.counts()})", file=sys.stderr)
    agent = get_agent("rag", settings)
    out: dict = {}
    for strategy in strategies:
        answer(agent, strategy, WARM_UP)  # loads the model, the embedder, the gate and the BM25 index
        verdicts, times, bad, details, invented = {"correct": 0, "partial": 0, "wrong": 0}, [], 0, [], 0
        for row in rows:
            t = time.perf_counter()
            text, sources, said_not_found = answer(agent, strategy, row["question"])
            times.append(time.perf_counter() - t)
            verdict, b = score(row, text, sources, said_not_found)
            verdicts[verdict] += 1
            bad += b
            invented += unsupported(text)
            details.append({"question": row["question"], "verdict": verdict, "seconds": round(times[-1], 2), "answer": text})
            if show:
                print(f"--- [{corpus} | {strategy}] {verdict} {times[-1]:.1f}s  {row['question']}\n{text}\n", file=sys.stderr)
        out[strategy] = {**verdicts, "questions": len(rows), "bad_cites": bad, "unsupported": invented,
                         "median_s": round(statistics.median(times), 2), "details": details}
        print(f"[{corpus}] {strategy:28s} {verdicts['correct']:2d} / {verdicts['partial']:2d} / {verdicts['wrong']:2d}"
              f"  median {out[strategy]['median_s']:.2f} s  bad cites {bad}  unsupported {invented}", file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", action="append", choices=sorted(CORPORA))
    ap.add_argument("--strategy", action="append", choices=STRATEGIES)
    ap.add_argument("--limit", type=int, help="first N questions per corpus (a quick look, not a result)")
    ap.add_argument("--model", default=MODEL, help=f"chat model (default {MODEL}; any llamacpp/PATH.gguf)")
    ap.add_argument("--home", type=Path, help="keep corpora and stores here (reused on the next run)")
    ap.add_argument("--show", action="store_true", help="print every answer to stderr")
    ap.add_argument("--out", type=Path, help="write the full results (with every answer) as JSON here")
    args = ap.parse_args()
    base = args.home or Path(tempfile.mkdtemp(prefix="plait-answers-"))
    base.mkdir(parents=True, exist_ok=True)
    rows = load_questions()
    strategies = args.strategy or list(STRATEGIES)
    results: dict = {}
    for corpus in args.corpus or list(CORPORA):
        mine = [r for r in rows if r["corpus"] == corpus][: args.limit]
        try:
            results[corpus] = run_corpus(corpus, mine, base, args.model, strategies, args.show)
        except CorpusUnavailable as exc:
            print(f"({corpus} skipped: {exc})", file=sys.stderr)
        if args.out:  # after each corpus: a long run cut short keeps what it measured
            args.out.write_text(json.dumps({"model": args.model, "results": results}, indent=1, ensure_ascii=False))

    print(f"\nmodel {args.model}; correct / partial / wrong (rule: benchmarks/answers.py docstring)\n")
    print("| strategy | " + " | ".join(results) + " | all | median latency | bad cites | unsupported summaries shown |")
    print("|---|" + "---|" * (len(results) + 4))
    for strategy in strategies:
        cells, total, secs, bad, invented = [], {"correct": 0, "partial": 0, "wrong": 0}, [], 0, 0
        for corpus, res in results.items():
            r = res[strategy]
            cells.append(f"{r['correct']} / {r['partial']} / {r['wrong']}")
            for key in total:
                total[key] += r[key]
            secs += [d["seconds"] for d in r["details"]]
            bad += r["bad_cites"]
            invented += r["unsupported"]
        print(f"| {strategy} | " + " | ".join(cells) + f" | {total['correct']} / {total['partial']} / {total['wrong']}"
              f" | {statistics.median(secs):.2f} s | {bad} | {invented} |")


if __name__ == "__main__":
    main()
