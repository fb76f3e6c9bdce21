"""``plait data embed|cluster|sample|report`` end to end on a small skewed topical corpus."""

from __future__ import annotations

import json
import random

import pytest
from sklearn.metrics import adjusted_rand_score

from plait.core.io import read_jsonl

TOPICS = {
    "space": "orbit rocket planet comet nebula galaxy telescope astronaut lunar solar".split(),
    "cooking": "flour butter oven whisk simmer garlic pasta recipe saucepan basil".split(),
    "law": "court judge statute plaintiff verdict appeal contract clause tort jury".split(),
    "music": "chord melody tempo violin rhythm octave chorus guitar piano sonata".split(),
}
SIZES = {"space": 60, "cooking": 30, "law": 12, "music": 6}


@pytest.fixture()
def corpus(tmp_path):
    rng = random.Random(0)
    rows = []
    for topic, n in SIZES.items():
        for i in range(n):
            words = [rng.choice(TOPICS[topic]) for _ in range(rng.randint(6, 30))]
            row = {"id": f"{topic}-{i}", "text": f"{topic} note {i}\n" + " ".join(words), "topic": topic}
            if i % 5 == 0:
                row["n_tokens"] = 100 + i  # given counts win over the tokenizer
            rows.append(row)
    path = tmp_path / "synth.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path, rows


def embed_and_cluster(plait_cli, corpus, out):
    path, _ = corpus
    res = plait_cli("data", "embed", str(path), "--out", str(out), "--embedder", "scripted/hash-128", "--json")
    assert res.exit_code == 0, res.output
    res = plait_cli("data", "cluster", str(out), "--k", "4", "--seed", "3", "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_embed_keeps_ids_and_counts_tokens(plait_cli, corpus, tmp_path):
    import numpy as np

    path, rows = corpus
    out = tmp_path / "d"
    res = plait_cli("data", "embed", str(path), "--out", str(out), "--embedder", "scripted/hash-128", "--json")
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    saved = read_jsonl(out / "rows.jsonl")
    assert [r["id"] for r in saved] == [r["id"] for r in rows]
    for row, s in zip(rows, saved):
        assert s["n_tokens"] == row.get("n_tokens", len(row["text"].split()))  # whitespace fallback
        assert s["first_line"] == row["text"].splitlines()[0]
    vecs = np.load(out / "vectors.npy")
    assert vecs.shape == (len(rows), 128) == (info["rows"], info["dim"])
    assert info["tokens"] == sum(s["n_tokens"] for s in saved)
    # a rerun resumes (nothing to embed again); other options into the same --out are refused
    again = plait_cli("data", "embed", str(path), "--out", str(out), "--embedder", "scripted/hash-128", "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["rows"] == len(rows)
    other = plait_cli("data", "embed", str(path), "--out", str(out), "--embedder", "scripted/hash-64")
    assert other.exit_code != 0 and "other options" in other.output


def test_cluster_recovers_topics_and_summarises(plait_cli, corpus, tmp_path):
    _, rows = corpus
    out = tmp_path / "d"
    summary = embed_and_cluster(plait_cli, corpus, out)
    labels = [r["cluster"] for r in read_jsonl(out / "assignments.jsonl")]
    assert adjusted_rand_score([r["topic"] for r in rows], labels) > 0.95
    assert sorted(c["size"] for c in summary["clusters"]) == sorted(SIZES.values())
    by_id = {r["id"]: r["topic"] for r in rows}
    for c in summary["clusters"]:
        topics = {by_id[e["id"]] for e in c["examples"]}
        assert len(c["examples"]) == 3 and len(topics) == 1
        assert all(e["first_line"].startswith(f"{by_id[e['id']]} note ") for e in c["examples"])


def test_sample_json_shape_schedule_and_exact_resume(plait_cli, corpus, tmp_path):
    out = tmp_path / "d"
    embed_and_cluster(plait_cli, corpus, out)
    common = ["--strategy", "clusterclip", "--clip", "3", "--weighting", "sqrt", "--seed", "5"]
    whole = tmp_path / "whole.jsonl"
    res = plait_cli("data", "sample", str(out), "--tokens", "6000", *common, "--out", str(whole), "--json")
    assert res.exit_code == 0, res.output
    stats = json.loads(res.stdout)
    assert set(stats) == {"strategy", "drawn", "tokens", "clusters", "cluster_share", "max_repeats", "clipped_docs"}
    schedule = read_jsonl(whole)
    assert stats["drawn"] == len(schedule) and stats["tokens"] == sum(r["n_tokens"] for r in schedule)
    assert stats["max_repeats"] <= 3 and max(r["repeat"] for r in schedule) == stats["max_repeats"]
    assert abs(sum(stats["cluster_share"].values()) - 1) < 1e-9 and stats["clusters"] == 4
    tokens = {r["id"]: r["n_tokens"] for r in read_jsonl(out / "rows.jsonl")}
    assert all(r["n_tokens"] == tokens[r["id"]] for r in schedule)

    part1, part2 = tmp_path / "p1.jsonl", tmp_path / "p2.jsonl"
    assert plait_cli("data", "sample", str(out), "--tokens", "2500", *common, "--out", str(part1)).exit_code == 0
    res = plait_cli("data", "sample", str(out), "--tokens", "6000", *common, "--out", str(part2),
                    "--resume", str(tmp_path / "p1.state.json"), "--json")
    assert res.exit_code == 0, res.output
    assert read_jsonl(part1) + read_jsonl(part2) == schedule
    assert json.loads(res.stdout) == stats
    bad = plait_cli("data", "sample", str(out), "--tokens", "6000", "--strategy", "random", "--out", str(part2),
                    "--resume", str(tmp_path / "p1.state.json"))
    assert bad.exit_code != 0 and "other options" in bad.output


def test_sample_without_clustering_says_what_to_run(plait_cli, corpus, tmp_path):
    path, _ = corpus
    out = tmp_path / "d"
    assert plait_cli("data", "embed", str(path), "--out", str(out), "--embedder", "scripted/hash-64").exit_code == 0
    res = plait_cli("data", "sample", str(out), "--tokens", "10", "--strategy", "random", "--out", str(tmp_path / "s.jsonl"))
    assert res.exit_code != 0 and "plait data cluster" in res.output


def test_report_writes_a_png(plait_cli, corpus, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "d"
    embed_and_cluster(plait_cli, corpus, out)
    res = plait_cli("data", "report", str(out), "--clip", "2", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert (out / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and data["png"] == str(out / "report.png")
    assert set(data["strategies"]) == {"random", "uniform-cluster", "clusterclip"}
    assert data["strategies"]["clusterclip"]["max_repeats"] <= 2
