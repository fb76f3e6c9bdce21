"""``plait eval rag``: hit rate and MRR on a known tiny set; the JSON contract; bad lines."""

from __future__ import annotations

import json

import pytest

from plait.core.errors import InputError
from plait.retrieval.evaluate import EvalItem, evaluate, load_eval_data, source_matches


def _corpus(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    (d / "alpha.md").write_text("Herons nest near quiet lakes.\n")
    (d / "beta.md").write_text("Otters build dens along rivers.\n")
    (d / "gamma.md").write_text("Owls hunt mice at night.\n")
    return d


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_eval_rag_json_metrics(run_plait, tmp_path):
    _corpus(tmp_path)
    run_plait("ingest", "docs")
    data = _write(tmp_path / "q.jsonl", [
        {"question": "Where do herons nest?", "gold_sources": ["alpha.md"]},
        {"question": "otters dens rivers", "gold_sources": ["docs/beta.md"]},
        {"question": "herons lakes", "gold_sources": ["gamma.md"]},  # retrieval returns alpha: a miss
        {"question": "owls mice night", "gold_sources": ["missing.md", "gamma.md"]},
    ])
    out = json.loads(run_plait("eval", "rag", "--data", str(data), "--k", "1", "--json").stdout)
    assert out == {"hit_rate": 0.75, "mrr": 0.75, "k": 1, "questions": 4, "split": "all"}
    default_k = json.loads(run_plait("eval", "rag", "--data", str(data), "--json").stdout)
    assert default_k["k"] == 5 and default_k["questions"] == 4 and default_k["hit_rate"] == 1.0
    # q3's gold is ranked 2nd or 3rd (beta and gamma share nothing with it): MRR (3 + 1/2 or 1/3) / 4
    assert default_k["mrr"] in (pytest.approx(3.5 / 4), pytest.approx((3 + 1 / 3) / 4))


def test_eval_rag_malformed_line_names_it(run_plait, tmp_path):
    _corpus(tmp_path)
    run_plait("ingest", "docs")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "q", "gold_sources": ["alpha.md"]}\n\n{"question": "no gold"}\n')
    proc = run_plait("eval", "rag", "--data", str(bad), "--json", check=False)
    assert proc.returncode == 1 and "bad.jsonl:3" in proc.stderr and proc.stdout == ""


@pytest.mark.parametrize("line,why", [
    ("not json", "not valid JSON"),
    ('["a list"]', "question"),
    ('{"question": "", "gold_sources": ["a"]}', "question"),
    ('{"question": "q", "gold_sources": []}', "gold_sources"),
    ('{"question": "q", "gold_sources": [3]}', "gold_sources"),
])
def test_load_rejects_bad_lines(tmp_path, line, why):
    p = tmp_path / "d.jsonl"
    p.write_text('{"question": "ok", "gold_sources": ["a.md"]}\n' + line + "\n")
    with pytest.raises(InputError, match=f"d.jsonl:2: .*{why}"):
        load_eval_data(p)


def test_metrics_from_known_ranks():
    class Hit:
        def __init__(self, source):
            self.source = source

    ranked = {"q1": ["x/a.md", "x/b.md"], "q2": ["x/b.md", "x/c.md", "x/a.md"], "q3": ["x/c.md"]}

    class FakeRetriever:
        def retrieve(self, question, k):
            return [Hit(s) for s in ranked[question][:k]]

    items = [EvalItem("q1", ["a.md"], 1), EvalItem("q2", ["a.md"], 2), EvalItem("q3", ["a.md"], 3)]
    out = evaluate(FakeRetriever(), items, k=3)
    assert out["hit_rate"] == pytest.approx(2 / 3) and out["mrr"] == pytest.approx((1 + 1 / 3) / 3)
    assert evaluate(FakeRetriever(), items, k=2)["hit_rate"] == pytest.approx(1 / 3)


def test_source_matching():
    assert source_matches("examples/docs/gate.md", "gate.md")
    assert source_matches("examples/docs/gate.md", "docs/gate.md")
    assert source_matches("gate.md", "./gate.md")
    assert not source_matches("examples/docs/subgate.md", "gate.md")


def test_eval_rag_split_keeps_tune_and_test_apart(run_plait, tmp_path):
    _corpus(tmp_path)
    run_plait("ingest", "docs")
    data = _write(tmp_path / "q.jsonl", [
        {"question": "Where do herons nest?", "gold_sources": ["alpha.md"], "split": "tune"},
        {"question": "otters dens rivers", "gold_sources": ["beta.md"], "split": "test"},
        {"question": "herons lakes", "gold_sources": ["gamma.md"], "split": "test"},  # a miss at k=1
        {"question": "owls mice night", "gold_sources": ["gamma.md"]},  # no split: only in "all"
    ])

    def run(split):
        return json.loads(run_plait("eval", "rag", "--data", str(data), "--k", "1", "--split", split, "--json").stdout)

    assert run("tune") == {"hit_rate": 1.0, "mrr": 1.0, "k": 1, "questions": 1, "split": "tune"}
    assert run("test") == {"hit_rate": 0.5, "mrr": 0.5, "k": 1, "questions": 2, "split": "test"}
    assert run("all")["questions"] == 4
    bad = run_plait("eval", "rag", "--data", str(data), "--split", "train", check=False)
    assert bad.returncode != 0 and "tune, test, all" in bad.stderr
    only_test = _write(tmp_path / "t.jsonl", [{"question": "q", "gold_sources": ["a.md"], "split": "test"}])
    none = run_plait("eval", "rag", "--data", str(only_test), "--split", "tune", check=False)
    assert none.returncode == 1 and '"split": "tune"' in none.stderr


def test_eval_calibrate_split_uses_only_that_split(run_plait, tmp_path):
    _corpus(tmp_path)
    run_plait("ingest", "docs")
    data = _write(tmp_path / "c.jsonl", [
        {"question": "Where do herons nest?", "answerable": True, "split": "tune"},
        {"question": "quantum chromodynamics lattice", "answerable": False, "split": "tune"},
        {"question": "otters dens rivers", "answerable": True, "split": "test"},
    ])
    out = json.loads(run_plait("eval", "calibrate", "--data", str(data), "--split", "tune", "--no-write", "--json").stdout)
    assert out["n_good"] == 1 and out["n_bad"] == 1
    proc = run_plait("eval", "calibrate", "--data", str(data), "--split", "test", "--no-write", check=False)
    assert proc.returncode == 1  # the test split has no unanswerable question: nothing to calibrate on
