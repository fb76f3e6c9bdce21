"""The control layer: LangGraph agent graphs, their state, checkpointed sessions."""
