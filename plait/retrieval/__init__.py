"""The data layer: ingestion into Chroma through LlamaIndex, hybrid retrieval, citations."""
