"""The built-in RAG agent, registered as ``rag``. The graph itself is the reference agent in
``plait.agents.rag`` (the agents layer keeps it, so the contract and its example live together)."""

from plait import hookimpl


def _rag_factory(ctx):
    from plait.agents.rag import RagAgent

    return RagAgent(ctx)


@hookimpl
def register_agents(register):
    register("rag", _rag_factory)
