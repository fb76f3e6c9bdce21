"""The simple built-in retrieval gates: ``always`` and ``never``."""

from plait import hookimpl


@hookimpl
def register_retrieval_gates(register):
    from plait.core.gates import AlwaysRetrieve, NeverRetrieve

    register("always", lambda settings: AlwaysRetrieve())
    register("never", lambda settings: NeverRetrieve())
