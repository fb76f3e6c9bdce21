"""UnitCoder: model-written unit tests verify (and repair) code in the sandbox."""

from plait.agents.unitcoder.graph import UnitCoder, extract_code

__all__ = ["UnitCoder", "extract_code"]
