"""The RAG agent: gate -> retrieve -> answer with numbered citations (a GraphAgent)."""

from plait.agents.rag.graph import RagAgent

__all__ = ["RagAgent"]
