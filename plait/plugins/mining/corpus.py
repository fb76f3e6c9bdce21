"""Corpus backends behind one protocol: the local sharded BM25 index and an Elasticsearch /
OpenSearch index over its ``_search`` API.

``--corpus`` is either a folder built by ``plait mine index`` or ``http(s)://HOST:PORT/INDEX`` (the
index's documents need a ``text`` field; ``url`` or ``source`` are taken as provenance when present).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from plait.core.errors import InputError, PlaitError

Row = dict[str, Any]


@runtime_checkable
class Corpus(Protocol):
    def search(self, queries: list[str], k: int) -> list[list[Row]]:
        """Top-``k`` hits per query, best first: ``{"doc_id", "text", "url"|"source", "bm25", "rank"}``."""
        ...


class ElasticCorpus:
    """BM25 through an Elasticsearch / OpenSearch cluster: one ``match`` query per question."""

    def __init__(self, url: str, *, field: str = "text", timeout: float = 30.0):
        parts = urllib.parse.urlsplit(url)
        index = parts.path.strip("/")
        if not index or "/" in index:
            raise InputError(f"--corpus {url!r}: an Elasticsearch corpus is http(s)://HOST:PORT/INDEX (one index name)")
        self.base = urllib.parse.urlunsplit((parts.scheme, parts.hostname + (f":{parts.port}" if parts.port else ""),
                                             "", "", ""))
        self.index, self.field, self.timeout = index, field, timeout
        self.auth = None
        if parts.username:  # http://user:password@host:9200/index
            token = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
            self.auth = "Basic " + base64.b64encode(token.encode()).decode()

    def _post(self, body: Row) -> Row:
        url = f"{self.base}/{urllib.parse.quote(self.index)}/_search"
        headers = {"Content-Type": "application/json"}
        if self.auth:
            headers["Authorization"] = self.auth
        req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:300]
            raise PlaitError(f"{url} answered {exc.code}: {detail}; check the index name and credentials") from exc
        except urllib.error.URLError as exc:
            raise PlaitError(f"cannot reach {url}: {exc.reason}; is the cluster up?") from exc

    def search(self, queries: list[str], k: int) -> list[list[Row]]:
        out = []
        for query in queries:
            body = {"size": k, "query": {"match": {self.field: query}}, "_source": True}
            hits = (self._post(body).get("hits") or {}).get("hits") or []
            rows = []
            for rank, hit in enumerate(hits[:k], 1):
                src = hit.get("_source") or {}
                row = {"doc_id": str(hit.get("_id")), "text": str(src.get(self.field, "")),
                       "bm25": round(float(hit.get("_score") or 0.0), 6), "rank": rank}
                if src.get("url"):
                    row["url"] = str(src["url"])
                else:
                    row["source"] = str(src.get("source") or f"{self.index}/{hit.get('_id')}")
                rows.append(row)
            out.append(rows)
        return out


def open_corpus(spec: str) -> Corpus:
    """The backend ``--corpus`` names (see the module docstring)."""
    if spec.startswith(("http://", "https://")):
        return ElasticCorpus(spec)
    from plait.plugins.mining.index import MANIFEST, LocalIndex

    path = Path(spec)
    if path.is_dir() and (path / MANIFEST).is_file():
        return LocalIndex(path)
    raise InputError(f"--corpus {spec!r} is neither a mine index nor an Elasticsearch URL; build an index first: "
                     f"`plait mine index {spec} --out INDEX`, then --corpus INDEX")


@lru_cache(maxsize=8)
def cached_corpus(spec: str) -> Corpus:
    """One open corpus per process (stages run batch after batch; shards stay mapped)."""
    return open_corpus(spec)
