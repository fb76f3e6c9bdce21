"""``plait gate uar ...`` and the generic ``plait gate decide|eval`` in-process, with the hash
featurizer and the scripted model; the old ``plait gate train|calibrate|...`` spellings still work."""

from __future__ import annotations

import json

import pytest

from plait.core.config import load_settings


def test_train_saves_a_head_with_its_featurizer(hash_gate_env, plait_cli, tmp_path, tiny_rows, write_jsonl):
    data = write_jsonl(tmp_path / "intent.jsonl", tiny_rows)
    res = plait_cli("gate", "uar", "train", "--criterion", "intent", "--data", str(data), "--json")
    assert res.exit_code == 0, res.stderr
    info = json.loads(res.stdout)
    assert info["featurizer"] == "embed:scripted/hash-256" and info["criterion"] == "intent"
    assert info["val_accuracy"] >= 0.9 and info["data_hash"].startswith("sha256:")
    assert info["path"].startswith(str(hash_gate_env))
    heads = json.loads(plait_cli("gate", "uar", "heads", "--json").stdout)
    assert heads["featurizer"] == "embed:scripted/hash-256"
    assert [h["criterion"] for h in heads["heads"] if h["path"]] == ["intent"]
    d = json.loads(plait_cli("gate", "decide", "search my documents for invoices", "--gate", "uar", "--json").stdout)
    assert d == {"gate": "uar", "retrieve": True, "decided_by": "intent", "scores": {"intent": pytest.approx(d["scores"]["intent"])}}


def test_train_refuses_bad_input_and_keeps_the_old_head(hash_gate_env, plait_cli, tmp_path, tiny_rows, write_jsonl):
    data = write_jsonl(tmp_path / "intent.jsonl", tiny_rows)
    assert plait_cli("gate", "uar", "train", "--criterion", "intent", "--data", str(data)).exit_code == 0
    before = list((hash_gate_env / "gate" / "heads").rglob("intent.npz"))[0].read_bytes()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "x", "label": 1}\n{"oops": 1}\n')
    res = plait_cli("gate", "uar", "train", "--criterion", "intent", "--data", str(bad))
    assert res.exit_code == 1 and "bad.jsonl:2" in res.stderr
    res = plait_cli("gate", "uar", "train", "--criterion", "mood", "--data", str(data))
    assert res.exit_code == 1 and "unknown criterion" in res.stderr
    assert list((hash_gate_env / "gate" / "heads").rglob("intent.npz"))[0].read_bytes() == before


def test_eval_json_shape(hash_gate_env, plait_cli, tmp_path, tiny_rows, write_jsonl):
    data = write_jsonl(tmp_path / "intent.jsonl", tiny_rows)
    plait_cli("gate", "uar", "train", "--criterion", "intent", "--data", str(data))
    bench = write_jsonl(tmp_path / "bench.jsonl", [
        {"question": "search my documents for pricing", "need_retrieve": True, "scenario": "intent"},
        {"question": "find servers in my notes", "need_retrieve": True, "scenario": "intent"},
        {"question": "write a poem about pricing", "need_retrieve": False, "scenario": "creative"},
        {"question": "sing about servers", "need_retrieve": "false", "scenario": "creative"},
    ])
    res = plait_cli("gate", "uar", "eval", "--data", str(bench), "--json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert {"accuracy", "by_scenario", "n", "criteria"} <= set(out)
    assert out["n"] == 4 and out["accuracy"] == 1.0
    assert out["by_scenario"] == {"creative": 1.0, "intent": 1.0}
    assert set(out["criteria"]) == {"intent"} and 0.9 <= out["criteria"]["intent"] <= 1.0
    plain = plait_cli("gate", "uar", "eval", "--data", str(bench))
    assert "creative" in plain.stdout and "100.0%" in plain.stdout


def test_generic_gate_eval_scores_any_gate_on_the_same_file(hash_gate_env, plait_cli, tmp_path, tiny_rows, write_jsonl):
    data = write_jsonl(tmp_path / "intent.jsonl", tiny_rows)
    plait_cli("gate", "uar", "train", "--criterion", "intent", "--data", str(data))
    bench = write_jsonl(tmp_path / "bench.jsonl", [
        {"question": "search my documents for pricing", "need_retrieve": True, "scenario": "intent", "language": "en"},
        {"question": "find servers in my notes", "need_retrieve": True, "scenario": "intent", "language": "en"},
        {"question": "write a poem about pricing", "need_retrieve": False, "scenario": "creative", "language": "en"},
    ])
    runs = {}
    for gate in ("always", "never", "uar"):
        res = plait_cli("gate", "eval", "--gate", gate, "--data", str(bench), "--json")
        assert res.exit_code == 0, res.stderr
        runs[gate] = json.loads(res.stdout)
    assert runs["always"]["accuracy"] == round(2 / 3, 4) and runs["always"]["retrieved"] == 3
    assert runs["never"]["accuracy"] == round(1 / 3, 4) and runs["never"]["by_scenario"] == {"creative": 1.0, "intent": 0.0}
    assert runs["uar"]["accuracy"] == 1.0 and runs["uar"]["gate"] == "uar" and runs["uar"]["by_language"] == {"en": 1.0}
    res = plait_cli("gate", "eval", "--gate", "psychic", "--data", str(bench))
    assert res.exit_code == 1 and "psychic" in res.stderr and "always" in res.stderr  # names the known gates
    listed = json.loads(plait_cli("gate", "list", "--json").stdout)
    assert {"always", "never", "uar"} <= {g["name"] for g in listed}


def test_eval_refuses_a_bad_benchmark(hash_gate_env, plait_cli, tmp_path, write_jsonl):
    bench = write_jsonl(tmp_path / "b.jsonl", [{"question": "q", "need_retrieve": "perhaps"}])
    res = plait_cli("gate", "eval", "--data", str(bench))
    assert res.exit_code == 1 and "need_retrieve" in res.stderr
    res = plait_cli("gate", "uar", "eval", "--data", str(bench))
    assert res.exit_code == 1 and "need_retrieve" in res.stderr


def test_label_self_labels_by_correctness(hash_gate_env, plait_cli, plait_host, scripted_model, tmp_path, write_jsonl):
    scripted_model.queue("The sky is blue.", "Hamlet was written by Marlowe.", "八边形有几条边？不知道。", "6 times 7 is 42")
    plait_host(model=scripted_model)
    qa = write_jsonl(tmp_path / "qa.jsonl", [
        {"question": "What colour is the sky?", "answer": "blue"},
        {"question": "Who wrote Hamlet?", "answers": ["Shakespeare", "William Shakespeare"]},
        {"question": "八边形有几条边？", "answer": "八"},  # repeating the question is no answer
        {"question": "What is 6 times 7?", "answer": "42"},
    ])
    out = tmp_path / "self.jsonl"
    res = plait_cli("gate", "uar", "label-self", "--data", str(qa), "--out", str(out), "--json")
    assert res.exit_code == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["n"] == 4 and summary["known"] == 2 and summary["unknown"] == 2
    labelled = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["label"] for r in labelled] == [0, 1, 1, 0]
    assert labelled[1]["reply"] == "Hamlet was written by Marlowe."
    # the model saw the question at temperature 0
    messages, options = scripted_model.calls[0]
    assert messages[-1] == {"role": "user", "content": "What colour is the sky?"} and options.temperature == 0.0
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"question": "no answer given"}])
    res = plait_cli("gate", "uar", "label-self", "--data", str(bad))
    assert res.exit_code == 1 and "answer" in res.stderr


def test_calibrate_writes_the_f1_threshold(hash_gate_env, plait_cli, tmp_path, write_jsonl):
    from plait.core.models.scripted import HashEmbedder
    from plait.retrieval.ingest import ingest_paths

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "tea.md").write_text("Green tea is steeped at eighty degrees for two minutes.\n")
    (docs / "backup.md").write_text("Backups run nightly at two and are kept for thirty days.\n")
    ingest_paths([docs], load_settings(), HashEmbedder(256), progress=False)
    data = write_jsonl(tmp_path / "cal.jsonl", [
        {"question": "green tea steeped degrees", "answerable": True},
        {"question": "backups kept thirty days", "answerable": True},
        {"question": "volcano eruption lava", "answerable": False},
        {"question": "penguin migration antarctica", "answerable": False},
    ])
    res = plait_cli("eval", "calibrate", "--data", str(data), "--json")
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["f1"] == 1.0 and 0.0 < out["min_score"] < 1.0
    assert load_settings().min_score == out["min_score"]  # the retrieval setting, not a gate's table


def test_old_gate_spellings_still_work_with_a_notice(hash_gate_env, plait_cli, tmp_path, tiny_rows, write_jsonl):
    data = write_jsonl(tmp_path / "intent.jsonl", tiny_rows)
    res = plait_cli("gate", "train", "--criterion", "intent", "--data", str(data), "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["criterion"] == "intent"
    assert "deprecated" in res.stderr and "plait gate uar train" in res.stderr
    (tmp_path / "docs").mkdir()
    good = write_jsonl(tmp_path / "good.jsonl", [{"question": "a"}])
    res = plait_cli("gate", "calibrate", "--good", str(good), "--bad", str(good))
    assert "plait eval calibrate" in res.stderr and res.exit_code == 1  # empty store: told to ingest
    assert "ingest" in res.stderr


def test_calibrate_on_an_empty_store_says_ingest(hash_gate_env, plait_cli, tmp_path, write_jsonl):
    q = write_jsonl(tmp_path / "q.jsonl", [{"question": "anything"}])
    res = plait_cli("gate", "calibrate", "--good", str(q), "--bad", str(q))
    assert res.exit_code == 1 and "ingest" in res.stderr
    assert not (tmp_path / "plait.toml").exists()


def test_heads_names_the_model_each_head_belongs_to():
    from plait.plugins.uar.cli import head_model

    assert head_model({"featurizer": "last:llamacpp/smollm2"}) == "llamacpp/smollm2"
    assert head_model({"featurizer": "hidden:llamacpp/smollm2:mean"}) == "llamacpp/smollm2"
    assert head_model({"featurizer": "pooling:Qwen2.5-7B:chat"}) == "Qwen2.5-7B"
    assert head_model({"featurizer": "e5:multilingual-e5-small-q4", "model": "llamacpp/smollm2"}) == "llamacpp/smollm2"
    assert head_model({"featurizer": "e5:multilingual-e5-small-q4"}) is None


def test_uar_eval_items_out_rows_feed_rasch(hash_gate_env, plait_cli, tmp_path, tiny_rows, write_jsonl):
    data = write_jsonl(tmp_path / "intent.jsonl", tiny_rows)
    plait_cli("gate", "uar", "train", "--criterion", "intent", "--data", str(data))
    bench = write_jsonl(tmp_path / "bench.jsonl", [
        {"id": "b1", "question": "search my documents for pricing", "need_retrieve": True, "difficulty": 0.9},
        {"id": "b2", "question": "write a poem about pricing", "need_retrieve": False, "difficulty": 0.4},
        {"id": "b3", "question": "write a poem about servers", "need_retrieve": True, "difficulty": 0.2},  # gate says no
    ])
    res = plait_cli("gate", "uar", "eval", "--data", str(bench), "--items-out", str(tmp_path / "bad.txt"))
    assert res.exit_code == 1 and "--items-out" in res.stderr  # refused before the run
    out = tmp_path / "uar.jsonl"
    res = plait_cli("gate", "uar", "eval", "--data", str(bench), "--items-out", str(out), "--json")
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["items_out"] == str(out) and "rows" not in report and "right" not in report
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["item"], r["score"], r["max_score"], r["difficulty"]) for r in rows] == [
        ("b1", 1, 1, 0.9), ("b2", 1, 1, 0.4), ("b3", 0, 1, 0.2)]
    assert {r["model"] for r in rows} == {f"uar/{report['featurizer']}"}
    assert round(sum(r["score"] for r in rows) / len(rows), 4) == report["accuracy"]
    rasch = plait_cli("eval", "rasch", str(out), "--json")
    assert rasch.exit_code == 0, rasch.output
    assert set(json.loads(rasch.stdout)["items"]) == {"b1", "b2", "b3"}
