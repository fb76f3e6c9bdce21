"""LlamaIndex glue: plait's Embedder as a LlamaIndex embedding, and the token-aware splitter.

Models are always passed explicitly; LlamaIndex's global ``Settings`` is never read or set.
"""

from __future__ import annotations

from typing import Any

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
    """Numbers the chunks of each source document 0, 1, 2... in ``metadata["chunk"]``."""

    def __call__(self, nodes: list[BaseNode], **kwargs: Any) -> list[BaseNode]:
        seen: dict[str, int] = {}
        for node in nodes:
            ref = node.ref_doc_id or node.node_id
            node.metadata["chunk"] = seen.get(ref, 0)
            seen[ref] = node.metadata["chunk"] + 1
            # The embedded and displayed text is the chunk alone, never its metadata.
            node.excluded_embed_metadata_keys = list(node.metadata)
            node.excluded_llm_metadata_keys = list(node.metadata)
        return nodes


def chunk_id(i: int, doc: BaseNode) -> str:
    """Deterministic chunk ids, so a rerun overwrites instead of duplicating."""
    return f"{doc.node_id}#{i}"


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


def make_splitter(chunk_size: int, chunk_overlap: int, embedder: Embedder) -> SentenceSplitter:
    """A sentence splitter whose sizes are counted in the embedder's own tokens."""
    check_chunking(chunk_size, chunk_overlap, embedder)

    def tokenize(text: str) -> list[int]:
        # SentenceSplitter only needs len(tokenizer(text)).
        return [0] * embedder.count_tokens(text)

    return SentenceSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        tokenizer=tokenize,
        id_func=chunk_id,
        include_prev_next_rel=False,
    )
