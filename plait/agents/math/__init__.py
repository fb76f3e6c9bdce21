"""The math agent: a LangGraph code-interpreter graph (model -> sandboxed Python -> model ... -> boxed answer)."""
