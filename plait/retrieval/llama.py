"""LlamaIndex glue: plait's Embedder as a LlamaIndex embedding, and the token-aware splitter.

Models are always passed explicitly; LlamaIndex's global ``Settings`` is never read or set.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterator

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import BaseNode, TransformComponent
from pydantic import PrivateAttr

from plait.core.errors import ConfigError
from plait.core.models.base import Embedder


class PlaitEmbedding(BaseEmbedding):
    """Wraps a plait ``Embedder`` so LlamaIndex pipelines and indexes can call it."""

    _embedder: Any = PrivateAttr()

    def __init__(self, embedder: Embedder, batch_size: int = 64, **kwargs: Any):
        super().__init__(model_name=embedder.id, embed_batch_size=batch_size, **kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "PlaitEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return list(self._embedder.embed([query])[0])

    def _get_text_embedding(self, text: str) -> list[float]:
        return list(self._embedder.embed([text])[0])

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [list(v) for v in self._embedder.embed(list(texts))]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)


class ChunkNumberer(TransformComponent):
    """Numbers the chunks of each source document ``start``, ``start + 1``... in ``metadata["chunk"]``.

    ``start`` is non-zero for the later sections of a large file written section by section.
    """

    start: int = 0

    def __call__(self, nodes: list[BaseNode], **kwargs: Any) -> list[BaseNode]:
        seen: dict[str, int] = {}
        for node in nodes:
            ref = node.ref_doc_id or node.node_id
            node.metadata["chunk"] = seen.get(ref, self.start)
            seen[ref] = node.metadata["chunk"] + 1
            # The embedded and displayed text is the chunk alone, never its metadata.
            node.excluded_embed_metadata_keys = list(node.metadata)
            node.excluded_llm_metadata_keys = list(node.metadata)
        return nodes


def chunk_id(i: int, doc: BaseNode) -> str:
    """Deterministic chunk ids, so a rerun overwrites instead of duplicating."""
    return f"{doc.node_id}#{i}"


# A sentence ends at . ! ? (or their CJK forms), optionally closed by quotes/brackets, then space.
_SENTENCE_END = re.compile(r"[.!?\u3002\uff01\uff1f]+[\"')\]\u201d\u2019]*\s+")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` with their trailing whitespace (the pieces join back to ``text``).

    Replaces LlamaIndex's default NLTK Punkt tokenizer, whose regexes run under a wall-clock
    timeout: on large files, or any file on a busy machine, the timeout fired and failed the
    ingest. This scan is linear in the text and has no time limit.
    """
    pieces, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        pieces.append(text[start:match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def sections(text: str, size: int) -> Iterator[str]:
    """``text`` cut into pieces of at most ``size`` characters, at a paragraph, line or word
    boundary when there is one in the second half of the window (the pieces join back to ``text``).
    """
    start = 0
    while len(text) - start > size:
        end = start + size
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = text.rfind(sep, start + size // 2, end)
            if cut >= 0:
                cut += len(sep)
                break
        end = cut if cut > start else end
        yield text[start:end]
        start = end
    if start < len(text):
        yield text[start:]


def check_chunking(chunk_size: int, chunk_overlap: int, embedder: Embedder) -> None:
    # Sentence encoders spend two of their positions on [CLS]/[SEP], which count_tokens leaves out.
    limit = embedder.max_tokens - 2
    if chunk_size > limit:
        raise ConfigError(
            f"chunk_size {chunk_size} is larger than what embedder {embedder.id!r} reads "
            f"({embedder.max_tokens} tokens, {limit} of text): text past that would be silently lost to "
            f"dense search; set chunk_size <= {limit} in plait.toml or PLAIT_CHUNK_SIZE"
        )
    if chunk_overlap >= chunk_size:
        raise ConfigError(
            f"chunk_overlap {chunk_overlap} must be smaller than chunk_size {chunk_size}; "
            f"lower PLAIT_CHUNK_OVERLAP"
        )


def make_splitter(chunk_size: int, chunk_overlap: int, embedder: Embedder, first_id: int = 0) -> SentenceSplitter:
    """A sentence splitter whose sizes are counted in the embedder's own tokens.

    ``first_id`` offsets the chunk ids (``<path>#<first_id + i>``) for the later sections of a
    large file.
    """
    check_chunking(chunk_size, chunk_overlap, embedder)

    def tokenize(text: str) -> list[int]:
        # SentenceSplitter only needs len(tokenizer(text)).
        return [0] * embedder.count_tokens(text)

    return SentenceSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        tokenizer=tokenize,
        chunking_tokenizer_fn=split_sentences,
        id_func=chunk_id if not first_id else (lambda i, doc: chunk_id(first_id + i, doc)),
        include_prev_next_rel=False,
    )


WRITE_BATCH = 2000  # upper bound on chunks per Chroma write, below the client's own limit


def max_batch(collection) -> int:
    """The most records one Chroma write may hold (SQLite's parameter limit, ~5 000 embedded)."""
    client = getattr(collection, "_client", None)
    try:
        limit = int(client.get_max_batch_size())
    except Exception:  # an older client or a stand-in collection without the call
        limit = WRITE_BATCH
    return max(1, min(limit, WRITE_BATCH))


def batched_store(collection):
    """A ``ChromaVectorStore`` whose ``add`` is cut into batches Chroma accepts.

    A single 5 MB file used to become one write of more records than Chroma's max batch size,
    which failed the whole ingest.
    """
    return _batched_class(max_batch(collection))(chroma_collection=collection)


@lru_cache(maxsize=None)
def _batched_class(size: int) -> type:
    from llama_index.vector_stores.chroma import ChromaVectorStore

    class BatchedChromaVectorStore(ChromaVectorStore):
        def add(self, nodes: list[BaseNode], **kwargs: Any) -> list[str]:
            ids: list[str] = []
            for i in range(0, len(nodes), size):
                ids.extend(super().add(nodes[i:i + size], **kwargs))
            return ids

    return BatchedChromaVectorStore
