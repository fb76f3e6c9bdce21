"""The simple built-in retrieval gates: ``always`` and ``never`` (factories take the one ``plait.Context``)."""

from plait import hookimpl


def _always(ctx):
    from plait.core.gates import AlwaysRetrieve

    return AlwaysRetrieve()


def _never(ctx):
    from plait.core.gates import NeverRetrieve

    return NeverRetrieve()


@hookimpl
def register_retrieval_gates(register):
    register("always", _always)
    register("never", _never)
