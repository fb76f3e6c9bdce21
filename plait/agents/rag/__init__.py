"""The RAG agent: gate -> retrieve -> answer with numbered citations."""

from plait.agents.rag.graph import RagAgent

__all__ = ["RagAgent"]
