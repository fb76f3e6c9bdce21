"""``plait eval math|case2code|rag`` and ``plait gate eval`` with ``--items-out``: two runs (two
scripted models, two gates, two prediction sets) written to files, concatenated, and analysed by
``plait eval rasch``; a bad extension is refused before anything runs."""

import csv
import json

import pytest

from plait.core.hookspecs import hookimpl
from plait.core.item_rows import item_ids, item_row, write_item_rows
from plait.core.models.base import ChatResult, Choice
from plait.core.models.scripted import ScriptedChatModel
from plait.plugins.evaluation.table import load_results

# question -> (answer, human score rate); the weak model gets only the first two right
MATH = [("What is 2 + 3?", "5", 0.95), ("What is 4 * 6?", "24", 0.9), ("What is 7 * 8 - 6?", "50", 0.6),
        ("What is 2 to the power 10?", "1024", 0.5), ("What is 17 * 23?", "391", 0.3), ("What is 1001 - 999?", "2", 0.8)]


def _answerer(right: int):
    answers = [a for _, a, _ in MATH]

    def reply(messages, _options):
        q = next(m["content"] for m in messages if m["role"] == "user")
        k = next(i for i, (question, _, _) in enumerate(MATH) if question in q)
        return f"The answer is \\boxed{{{answers[k] if k < right else '-1'}}}."
    return reply


def _counting(right: int):
    """Like :func:`_answerer`, and reports usage: more generated tokens on the later (harder) questions."""
    answer = _answerer(right)

    def reply(messages, options):
        q = next(m["content"] for m in messages if m["role"] == "user")
        k = next(i for i, (question, _, _) in enumerate(MATH) if question in q)
        return ChatResult([Choice(answer(messages, options), finish_reason="stop")],
                          usage={"completion_tokens": 30 + 20 * k + right})
    return reply


class BenchModels:
    """Backend ``bench``: ``bench/strong`` answers every question, ``bench/weak`` two of them;
    ``bench/strong-usage`` and ``bench/weak-usage`` the same, reporting token usage."""

    @hookimpl
    def register_models(self, register):
        models = {"strong": ScriptedChatModel(default=_answerer(6)), "weak": ScriptedChatModel(default=_answerer(2)),
                  "strong-usage": ScriptedChatModel(default=_counting(6)),
                  "weak-usage": ScriptedChatModel(default=_counting(2))}
        register("bench", lambda ctx: models[ctx.arg])


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _rasch(plait_cli, table):
    res = plait_cli("eval", "rasch", str(table), "--json")
    assert res.exit_code == 0, res.output
    return res.json()


def test_eval_math_items_out_from_two_models_feeds_rasch(plait_host, plait_cli, tmp_path):
    plait_host(("bench", BenchModels()))
    data = _jsonl(tmp_path / "math.jsonl", [{"question": q, "answer": a, "difficulty": p, **({"id": "sum"} if not k else {})}
                                            for k, (q, a, p) in enumerate(MATH)])
    for name, ext in (("strong", "csv"), ("weak", "csv")):
        res = plait_cli("eval", "math", "--data", str(data), "--model", f"bench/{name}", "--items-out",
                        str(tmp_path / f"{name}.{ext}"), "--json")
        assert res.exit_code == 0, res.output
        assert res.json()["items_out"] == str(tmp_path / f"{name}.{ext}")
    with (tmp_path / "weak.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [r["item"] for r in rows] == ["sum", *[q for q, _, _ in MATH[1:]]]  # the line's id, else the question
    assert [r["score"] for r in rows] == ["1", "1", "0", "0", "0", "0"] and {r["max_score"] for r in rows} == {"1"}
    assert {r["model"] for r in rows} == {"bench/weak"} and rows[4]["difficulty"] == "0.3"
    assert "reasoning_tokens" not in rows[0]  # the model reports no usage: the column is left out
    combined = tmp_path / "all.csv"  # `cat strong.csv weak.csv > all.csv`: the second header is skipped
    combined.write_text((tmp_path / "strong.csv").read_text() + (tmp_path / "weak.csv").read_text())
    report = _rasch(plait_cli, combined)
    assert report["mode"] == "anchored" and report["difficulty_source"] == "human"
    assert set(report["models"]) == {"bench/strong", "bench/weak"} and len(report["items"]) == 6
    assert report["models"]["bench/strong"]["ability"] > report["models"]["bench/weak"]["ability"]
    plain = plait_cli("eval", "math", "--data", str(data), "--model", "bench/weak", "--items-out",
                      str(tmp_path / "w.jsonl"), "--items-model", "weak-v2")
    assert plain.exit_code == 0 and "item rows in" in plain.stdout
    assert {json.loads(x)["model"] for x in (tmp_path / "w.jsonl").read_text().splitlines()} == {"weak-v2"}


def test_eval_math_items_out_carries_reasoning_tokens_from_model_usage(plait_host, plait_cli, tmp_path):
    plait_host(("bench", BenchModels()))
    data = _jsonl(tmp_path / "math.jsonl", [{"question": q, "answer": a} for q, a, _ in MATH])
    for name in ("strong-usage", "weak-usage"):
        res = plait_cli("eval", "math", "--data", str(data), "--model", f"bench/{name}", "--items-out",
                        str(tmp_path / f"{name}.jsonl"), "--json")
        assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in (tmp_path / "weak-usage.jsonl").read_text().splitlines()]
    assert [r["reasoning_tokens"] for r in rows] == [30 + 20 * k + 2 for k in range(len(MATH))]
    combined = tmp_path / "all.jsonl"
    combined.write_text((tmp_path / "strong-usage.jsonl").read_text() + (tmp_path / "weak-usage.jsonl").read_text())
    report = _rasch(plait_cli, combined)  # no difficulty column: reasoning length is the difficulty
    assert report["mode"] == "anchored" and report["difficulty_source"] == "reasoning"
    assert report["models"]["bench/strong-usage"]["ability"] > report["models"]["bench/weak-usage"]["ability"]


def test_eval_case2code_items_out_scores_correct_samples_out_of_k(plait_cli, tmp_path):
    pytest.importorskip("docker")
    from plait.sandbox import default_backend

    backend = default_backend()
    refs = [{"id": f"p{n}", "func_name": "f", "example_str": f"examples = [dict(x={n})]",
             "example_outputs": [{"return": f'"{n * n}"'}], "difficulty": 0.5} for n in (2, 3)]
    ref = _jsonl(tmp_path / "ref.jsonl", refs)
    square, wrong = "def f(x):\n    return x * x\n", "def f(x):\n    return x + x\n"
    # good: both samples of p2 right (2*2 == 2+2), p3 one of two; poor: only p2's, once
    good = _jsonl(tmp_path / "good.jsonl", [{"id": "p2", "code": square}, {"id": "p2", "code": wrong},
                                            {"id": "p3", "code": square}, {"id": "p3", "code": wrong}])
    poor = _jsonl(tmp_path / "poor.jsonl", [{"id": "p2", "code": wrong}, {"id": "p3", "code": wrong}])
    for pred in (good, poor):
        res = plait_cli("eval", "case2code", "--ref", str(ref), "--data", str(pred), "--samples", "2", "--backend", backend,
                        "--items-out", str(pred.with_suffix(".items.jsonl")), "--json")
        assert res.exit_code == 0, res.output
    got = [json.loads(x) for x in (tmp_path / "good.items.jsonl").read_text().splitlines()]
    assert got == [{"model": "good", "item": "p2", "score": 2, "max_score": 2, "difficulty": 0.5},
                   {"model": "good", "item": "p3", "score": 1, "max_score": 2, "difficulty": 0.5}]
    poor_rows = [json.loads(x) for x in (tmp_path / "poor.items.jsonl").read_text().splitlines()]
    assert [(r["model"], r["score"]) for r in poor_rows] == [("poor", 1), ("poor", 0)]
    combined = tmp_path / "all.jsonl"
    combined.write_text((tmp_path / "good.items.jsonl").read_text() + (tmp_path / "poor.items.jsonl").read_text())
    assert list(load_results(combined).max_score) == [2, 2]  # partial-credit items in the analysis
    report = _rasch(plait_cli, combined)
    assert report["models"]["good"]["ability"] > report["models"]["poor"]["ability"]


def test_eval_rag_items_out_one_row_per_question(plait_cli, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "alpha.md").write_text("Herons nest near quiet lakes.\n")
    (docs / "beta.md").write_text("Otters build dens along rivers.\n")
    (docs / "gamma.md").write_text("Owls hunt mice at night.\n")
    assert plait_cli("ingest", "docs").exit_code == 0
    data = _jsonl(tmp_path / "q.jsonl", [
        {"question": "Where do herons nest?", "gold_sources": ["alpha.md"], "difficulty": 0.9},
        {"question": "otters dens rivers", "gold_sources": ["beta.md"], "difficulty": 0.8},
        {"question": "herons lakes", "gold_sources": ["gamma.md"], "difficulty": 0.3},  # not first: a miss at k=1
        {"question": "herons lakes", "gold_sources": ["alpha.md"], "difficulty": 0.7},  # again: "herons lakes #2"
        {"id": "owls", "question": "owls mice night", "gold_sources": ["gamma.md"], "difficulty": 0.6},
    ])
    for k in ("1", "3"):
        res = plait_cli("eval", "rag", "--data", str(data), "--k", k, "--items-out", str(tmp_path / f"k{k}.csv"),
                        "--items-model", f"hash-k{k}", "--json")
        assert res.exit_code == 0, res.output
    default = plait_cli("eval", "rag", "--data", str(data), "--k", "1", "--items-out", str(tmp_path / "d.jsonl"))
    assert default.exit_code == 0 and "item rows in" in default.stdout
    assert {json.loads(x)["model"] for x in (tmp_path / "d.jsonl").read_text().splitlines()} == {"scripted/hash"}
    with (tmp_path / "k1.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["item"], r["score"]) for r in rows] == [("Where do herons nest?", "1"), ("otters dens rivers", "1"),
                                                       ("herons lakes", "0"), ("herons lakes #2", "1"), ("owls", "1")]
    combined = tmp_path / "all.csv"
    combined.write_text((tmp_path / "k1.csv").read_text() + (tmp_path / "k3.csv").read_text())
    report = _rasch(plait_cli, combined)
    assert set(report["models"]) == {"hash-k1", "hash-k3"} and len(report["items"]) == 5
    assert report["models"]["hash-k3"]["score"] == 5 and report["models"]["hash-k1"]["score"] == 4
    assert report["models"]["hash-k3"]["ability"] > report["models"]["hash-k1"]["ability"]


def test_gate_eval_items_out_scores_each_decision(plait_cli, tmp_path):
    bench = _jsonl(tmp_path / "bench.jsonl", [
        {"id": "g1", "question": "search my notes for pricing", "need_retrieve": True, "difficulty": 0.8},
        {"id": "g2", "question": "find the server list in my documents", "need_retrieve": True, "difficulty": 0.6},
        {"id": "g3", "question": "write a poem about the sea", "need_retrieve": False, "difficulty": 0.7},
    ])
    for gate in ("always", "never"):
        res = plait_cli("gate", "eval", "--gate", gate, "--data", str(bench), "--items-out", str(tmp_path / f"{gate}.jsonl"), "--json")
        assert res.exit_code == 0, res.output
        assert "right" not in res.json() and res.json()["items_out"].endswith(f"{gate}.jsonl")
    always = [json.loads(x) for x in (tmp_path / "always.jsonl").read_text().splitlines()]
    assert [(r["model"], r["item"], r["score"]) for r in always] == [("always", "g1", 1), ("always", "g2", 1), ("always", "g3", 0)]
    combined = tmp_path / "gates.jsonl"
    combined.write_text((tmp_path / "always.jsonl").read_text() + (tmp_path / "never.jsonl").read_text())
    report = _rasch(plait_cli, combined)
    assert report["difficulty_source"] == "human"
    assert report["models"]["always"]["ability"] > report["models"]["never"]["ability"]
    assert "items_out" not in plait_cli("gate", "eval", "--gate", "never", "--data", str(bench), "--json").json()


@pytest.mark.parametrize("argv", [
    ("eval", "math", "--data", "{data}"),
    ("eval", "case2code", "--ref", "{data}", "--data", "{data}"),
    ("eval", "rag", "--data", "{data}"),
    ("gate", "eval", "--data", "{data}"),
])
def test_a_bad_items_out_extension_is_refused_before_the_run(plait_cli, tmp_path, argv):
    data = tmp_path / "absent.jsonl"  # never read: the flag is checked first
    res = plait_cli(*[a.format(data=data) for a in argv], "--items-out", str(tmp_path / "items.txt"))
    assert res.exit_code == 1, res.output
    assert "--items-out" in res.stderr and ".csv or .jsonl" in res.stderr and "absent" not in res.stderr
    assert not (tmp_path / "items.txt").exists()


def test_rows_write_as_csv_or_jsonl_and_read_back(tmp_path):
    rows = [item_row("m", i, s, 2, difficulty=d) for i, s, d in zip(item_ids([{"question": "a"}, {"question": "a"}]), (2, 0), (0.4, None))]
    assert [r["item"] for r in rows] == ["a", "a #2"]
    for ext in ("csv", "jsonl"):
        path = write_item_rows(tmp_path / f"r.{ext}", rows)
        res = load_results(path)
        assert res.items == ["a", "a #2"] and list(res.scores[0]) == [2, 0] and list(res.max_score) == [2, 2]
    write_item_rows(tmp_path / "r.csv", rows[:1])  # replaced whole, never appended
    assert len((tmp_path / "r.csv").read_text().splitlines()) == 2


def test_math_rows_leave_out_items_whose_agent_call_failed():
    from plait.plugins.math.evaluate import items_table

    items = [{"question": "a", "answer": "1"}, {"question": "b", "answer": "2", "id": "q2"}, {"question": "c", "answer": "3"}]
    records = [{"index": 0, "correct": True, "error": None}, {"index": 1, "correct": False, "error": "model unavailable"},
               {"index": 2, "correct": False, "error": None}]
    assert items_table(items, records, "m") == [item_row("m", "a", 1), item_row("m", "c", 0)]
