"""The built-in RAG agent, registered as ``rag``."""

from plait import hookimpl


def _rag_factory(context):
    from plait.agents.rag import RagAgent

    return RagAgent(context)


@hookimpl
def register_agents(register):
    register("rag", _rag_factory)
