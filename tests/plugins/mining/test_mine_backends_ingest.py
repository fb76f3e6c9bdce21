"""The Elasticsearch/OpenSearch adapter against a loopback stub of ``_search`` (no cluster runs here),
and ``plait mine ingest`` into real Chroma so ``plait ask --collection`` cites the original URLs."""

import json
from http.server import BaseHTTPRequestHandler

from plait.core.models.scripted import ScriptedChatModel
from plait.plugins.mining.corpus import ElasticCorpus, open_corpus
from plait.testing.kit import http_server, send_json

from mine_corpus import HAWKING, scripted_reply

DOCS = {"d1": {"text": HAWKING, "url": "https://example.org/hawking"},
        "d2": {"text": "Hawking radiation lets a black hole lose mass and evaporate slowly over time.",
               "source": "books/hawking.txt"}}


class SearchStub(BaseHTTPRequestHandler):
    """``POST /INDEX/_search`` with a ``match`` query: documents sharing a word, scored by shared words."""

    seen: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        SearchStub.seen.append((self.path, body, self.headers.get("Authorization")))
        if self.path != "/kb/_search":
            return send_json(self, {"error": {"type": "index_not_found_exception"}}, 404)
        words = set(body["query"]["match"]["text"].lower().split())
        scored = sorted(((len(words & set(d["text"].lower().split())), i) for i, d in DOCS.items()), reverse=True)
        hits = [{"_index": "kb", "_id": i, "_score": float(s), "_source": DOCS[i]} for s, i in scored if s][:body["size"]]
        send_json(self, {"took": 1, "hits": {"total": {"value": len(hits)}, "hits": hits}})

    def log_message(self, *args):
        pass


def test_elastic_adapter_sends_match_queries_and_maps_hits_with_provenance():
    SearchStub.seen = []
    with http_server(SearchStub) as url:
        corpus = open_corpus(f"{url}/kb")
        [hits] = corpus.search(["hawking radiation evaporate"], 2)
        assert [(h["doc_id"], h["rank"]) for h in hits] == [("d2", 1), ("d1", 2)]
        assert hits[0]["source"] == "books/hawking.txt" and hits[1]["url"] == "https://example.org/hawking"
        assert SearchStub.seen[0][1] == {"size": 2, "query": {"match": {"text": "hawking radiation evaporate"}},
                                         "_source": True}
        auth = ElasticCorpus(f"http://elastic:s3cret@127.0.0.1:{url.rsplit(':', 1)[1]}/kb")
        auth.search(["hawking"], 1)
        assert SearchStub.seen[-1][2] == "Basic ZWxhc3RpYzpzM2NyZXQ="
        try:
            open_corpus(f"{url}/missing").search(["x"], 1)
        except Exception as exc:
            assert "answered 404" in str(exc) and "index name" in str(exc)
        else:
            raise AssertionError("a missing index must be an error naming it")


def test_mine_run_over_the_elastic_stub_writes_a_cited_pile(plait_host, plait_cli, seeds_file, tmp_path):
    plait_host(model=ScriptedChatModel(default=scripted_reply))
    with http_server(SearchStub) as url:
        res = plait_cli("mine", "run", "--seeds", str(seeds_file), "--corpus", f"{url}/kb", "--out",
                        str(tmp_path / "out"), "--questions", "2", "--k", "3", "--json")
    assert res.exit_code == 0, res.output
    pile = [json.loads(x) for x in (tmp_path / "out" / "pile.jsonl").read_text().splitlines()]
    assert {(r["id"], r.get("url") or r.get("source")) for r in pile} == {
        ("d1", "https://example.org/hawking"), ("d2", "books/hawking.txt")}


def test_ingest_pile_then_ask_collection_cites_original_urls(plait_host, plait_cli, corpus_file, seeds_file, tmp_path,
                                                             monkeypatch):
    plait_host(model=ScriptedChatModel(default=scripted_reply))
    # the test embedder (scripted/hash) has no semantics, so its cosines sit below the default
    # reject threshold; this test is about provenance, not relevance
    monkeypatch.setenv("PLAIT_MIN_SCORE", "0")
    index, out = tmp_path / "index", tmp_path / "out"
    assert plait_cli("mine", "index", str(corpus_file), "--out", str(index)).exit_code == 0
    assert plait_cli("mine", "run", "--seeds", str(seeds_file), "--corpus", str(index), "--out", str(out),
                     "--questions", "2", "--k", "5").exit_code == 0
    pile = [json.loads(x) for x in (out / "pile.jsonl").read_text().splitlines()]

    res = plait_cli("mine", "ingest", str(out), "--collection", "astro-pile", "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["documents"] == report["added"] == len(pile)
    again = json.loads(plait_cli("mine", "ingest", str(out), "--collection", "astro-pile", "--json").stdout)
    assert again["added"] == 0 and again["unchanged"] == len(pile)  # a rerun re-embeds nothing

    res = plait_cli("ask", "--collection", "astro-pile", "--model", "scripted/echo", "--retrieve", "always", "--json",
                    "How does Hawking radiation make a black hole evaporate?")
    assert res.exit_code == 0, res.output
    sources = [s["source"] for s in json.loads(res.stdout)["sources"]]
    assert sources and set(sources) <= {r["url"] for r in pile}
    assert "https://example.org/hawking" in sources
