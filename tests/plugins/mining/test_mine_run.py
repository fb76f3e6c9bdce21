"""``plait mine index|run`` on a synthetic corpus with planted targets and a scripted model."""

import json

from plait.core.models.scripted import ScriptedChatModel
from plait.plugins.mining.index import LocalIndex, build_index

from mine_corpus import SEEDS, scripted_reply

TARGETS = {"T-hawking", "T-schwarzschild", "T-neutron"}
PROVENANCE = ("id", "text", "url", "domain", "seed_id", "query_id", "query_kind", "bm25", "rank")


def _lines(path):
    return [json.loads(x) for x in path.read_text().splitlines()]


def _index(plait_cli, corpus_file, tmp_path, shard_docs=40):
    index = tmp_path / "index"
    res = plait_cli("mine", "index", str(corpus_file), "--out", str(index), "--shard-docs", str(shard_docs), "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["shards"] == 4  # 133 documents, 40 per shard
    return index


def _mine(plait_cli, seeds_file, index, out, *extra):
    res = plait_cli("mine", "run", "--seeds", str(seeds_file), "--corpus", str(index), "--out", str(out),
                    "--questions", "2", "--k", "5", "--json", *extra)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _found(hits, kinds):
    return {h["doc_id"] for h in hits if h["query_kind"] in kinds} & TARGETS


def test_extended_questions_and_thoughts_retrieve_planted_targets_seeds_miss(plait_host, plait_cli, corpus_file,
                                                                            seeds_file, tmp_path):
    model = ScriptedChatModel(default=scripted_reply)
    plait_host(model=model)
    index = _index(plait_cli, corpus_file, tmp_path)
    out = tmp_path / "out"
    stats = _mine(plait_cli, seeds_file, index, out)

    # seeds alone, as BM25 queries over the same index
    seeds_only = {h["doc_id"] for hits in LocalIndex(index).search([s["text"] for s in SEEDS], 5) for h in hits}
    hits = _lines(out / "hits.jsonl")
    assert seeds_only & TARGETS == {"T-neutron"}
    assert _found(hits, {"faq", "question"}) == {"T-neutron", "T-hawking"}
    assert _found(hits, {"faq", "question", "thought"}) == TARGETS
    assert "T-schwarzschild" in _found(hits, {"thought"})

    queries = _lines(out / "queries.jsonl")
    texts = [q["text"] for q in queries if q["kind"] == "question"]
    assert len(texts) == len(set(texts)) == 4  # the repeat across sampling seeds was dropped
    assert {q["sampling_seed"] for q in queries if q["kind"] == "question"} == {0, 1}
    assert all(set(q) == {"id", "domain", "seed_id", "kind", "text", "sampling_seed"} for q in queries)
    # each sampling seed reached the model as its own request seed, at a high temperature
    extend_calls = [opts for msgs, opts in model.calls if "JSON array" in msgs[-1]["content"]]
    assert sorted(o.seed for o in extend_calls) == [0, 0, 1, 1] and all(o.temperature >= 1.0 for o in extend_calls)
    # malformed replies are counted as skipped, not errors
    assert stats["skipped"] == {"extend": 1, "think": 1} and stats["errors"] == 0


def test_pile_removes_exact_and_near_duplicates_keeps_distinct_and_records_absorbed(plait_host, plait_cli, corpus_file,
                                                                                    seeds_file, tmp_path):
    plait_host(model=ScriptedChatModel(default=scripted_reply))
    out = tmp_path / "out"
    stats = _mine(plait_cli, seeds_file, _index(plait_cli, corpus_file, tmp_path), out)
    pile = {row["id"]: row for row in _lines(out / "pile.jsonl")}
    assert "T-hawking-copy" not in pile and "T-hawking-near" not in pile
    assert {"T-hawking", "T-hawking-other", "T-schwarzschild", "T-neutron"} <= set(pile)
    absorbed = {a["id"]: a["reason"] for a in pile["T-hawking"]["absorbed"]}
    assert absorbed == {"T-hawking-copy": "exact", "T-hawking-near": "near"}
    assert "junk-symbols" not in pile and stats["filtered"].get("symbols") == 1
    assert stats["exact_duplicates"] == 1 and stats["near_duplicates"] == 1 and stats["pile"] == len(pile)
    for row in pile.values():
        assert all(row.get(k) not in (None, "") for k in PROVENANCE), row
    assert stats["per_domain"]["astro"]["pile"] == len(pile)


def test_rerun_spends_zero_tokens_and_provenance_is_identical(plait_host, plait_cli, corpus_file, seeds_file, tmp_path):
    model = ScriptedChatModel(default=scripted_reply)
    plait_host(model=model)
    index = _index(plait_cli, corpus_file, tmp_path)
    out = tmp_path / "out"
    first = _mine(plait_cli, seeds_file, index, out)
    calls = len(model.calls)
    assert first["this_run"]["model_calls"] == calls > 0 and first["this_run"]["completion_tokens"] > 0
    files = {name: (out / name).read_text() for name in ("queries.jsonl", "hits.jsonl", "pile.jsonl")}

    again = _mine(plait_cli, seeds_file, index, out)
    assert len(model.calls) == calls, "finished rows were sent to the model again"
    assert again["this_run"] == {"model_calls": 0, "prompt_tokens": 0, "completion_tokens": 0}
    assert again["tokens"] == first["tokens"]
    assert {name: (out / name).read_text() for name in files} == files


def test_rerun_with_other_options_into_the_same_out_is_refused(plait_host, plait_cli, corpus_file, seeds_file, tmp_path):
    plait_host(model=ScriptedChatModel(default=scripted_reply))
    index = _index(plait_cli, corpus_file, tmp_path)
    _mine(plait_cli, seeds_file, index, tmp_path / "out")
    res = plait_cli("mine", "run", "--seeds", str(seeds_file), "--corpus", str(index), "--out", str(tmp_path / "out"),
                    "--questions", "2", "--k", "5", "--no-thoughts")
    assert res.exit_code != 0 and "thoughts True -> False" in res.output


def test_run_refuses_a_raw_corpus_naming_the_index_command(plait_host, plait_cli, corpus_file, seeds_file, tmp_path):
    plait_host(model=ScriptedChatModel(default=scripted_reply))
    res = plait_cli("mine", "run", "--seeds", str(seeds_file), "--corpus", str(corpus_file), "--out", str(tmp_path / "o"))
    assert res.exit_code != 0 and "plait mine index" in res.output


def test_sharded_index_returns_the_same_top_hits_as_one_shard(corpus_file, tmp_path):
    one = LocalIndex(tmp_path / "one") if build_index(corpus_file, tmp_path / "one", shard_docs=10_000) else None
    many = LocalIndex(tmp_path / "many") if build_index(corpus_file, tmp_path / "many", shard_docs=7) else None
    queries = ["Hawking radiation evaporate", "Schwarzschild radius escape velocity", "neutron star"]
    assert [h[0]["doc_id"] for h in one.search(queries, 3)] == [h[0]["doc_id"] for h in many.search(queries, 3)]
    assert len(many.shards) == 19


def test_index_from_a_folder_of_files_and_from_parquet(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.md").write_text("Photosynthesis turns light into sugar in chloroplasts.")
    (folder / "b.txt").write_text("Mitochondria make ATP for the cell.")
    (folder / "skip.bin").write_bytes(b"\x00\x01")
    build_index(folder, tmp_path / "i1")
    [[hit]] = LocalIndex(tmp_path / "i1").search(["chloroplasts light"], 1)
    assert (hit["doc_id"], hit["source"]) == ("sub/a.md", "sub/a.md")

    pq.write_table(pa.Table.from_pylist([{"id": "p1", "text": "Parquet rows carry columns", "url": "https://x.org/p1"}]),
                   tmp_path / "c.parquet")
    build_index(tmp_path / "c.parquet", tmp_path / "i2")
    [[hit]] = LocalIndex(tmp_path / "i2").search(["parquet columns"], 2)
    assert hit["url"] == "https://x.org/p1"


def test_questions_parse_from_json_or_numbered_quoted_lines_and_junk_gives_none():
    from plait.plugins.mining.stages import parse_questions

    assert parse_questions('Sure:\n["What is a black hole?", "Why do stars collapse?"] done', 5) == [
        "What is a black hole?", "Why do stars collapse?"]
    # what the packaged small model writes: numbered, quoted questions among prose
    reply = 'Sure! The questions could be:\n\n1. "What is a black hole?"\n   Answer in JSON.\n**2. "How hot is it?"**'
    assert parse_questions(reply, 5) == ["What is a black hole?", "How hot is it?"]
    assert parse_questions('```json\n{"type": "", "text/javascript"\n', 5) == []
    assert parse_questions("1. Why?\n2. What is it?", 1) == ["What is it?"]  # one-word questions are no queries
