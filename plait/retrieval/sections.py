"""Large files, written section by section so memory stays bounded by one section's chunks.

A file of 12 MB would otherwise become ~15 000 nodes and as many vectors held at once, and one
Chroma write larger than the client accepts. Each section is split, numbered, embedded and added
on its own; chunk ids and numbers continue across sections (``<path>#<n>``), so the store looks
as if the file had been chunked in one piece, except that no chunk spans a section boundary.
"""

from __future__ import annotations

from plait.core.config import Settings
from plait.core.models.base import Embedder


def write_sections(doc, settings: Settings, embedder: Embedder, collection, size: int) -> int:
    """Chunk, embed and add ``doc`` (a LlamaIndex Document) section by section; the chunks written."""
    from llama_index.core import Document
    from llama_index.core.ingestion import IngestionPipeline

    from plait.retrieval.llama import ChunkNumberer, PlaitEmbedding, batched_store, make_splitter, sections

    store = batched_store(collection)
    embedding = PlaitEmbedding(embedder)
    written = 0
    for text in sections(doc.text, size):
        part = Document(id_=doc.id_, text=text, metadata=dict(doc.metadata))
        part.excluded_embed_metadata_keys = list(doc.excluded_embed_metadata_keys)
        part.excluded_llm_metadata_keys = list(doc.excluded_llm_metadata_keys)
        pipeline = IngestionPipeline(  # no docstore: the caller commits the whole file's hash
            transformations=[
                make_splitter(settings.chunk_size, settings.chunk_overlap, embedder, first_id=written),
                ChunkNumberer(start=written),
                embedding,
            ],
            vector_store=store,
            disable_cache=True,
        )
        written += len(pipeline.run(documents=[part], store_doc_text=False))
    return written
