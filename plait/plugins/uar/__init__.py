"""The UAR retrieval gate (Unified Active Retrieval, Cheng et al. 2024) as a built-in plugin.

Registers the gate ``uar`` and the ``plait gate`` command group. Heavy imports (numpy, sklearn,
the featurizer's model) happen only when the gate first decides or a command runs.
"""

from plait import hookimpl


def _factory(settings):
    from plait.plugins.uar.decision import UARGate

    return UARGate(settings)


@hookimpl
def register_retrieval_gates(register):
    register("uar", _factory)


@hookimpl
def register_commands(cli):
    from plait.plugins.uar.cli import app

    cli.add_typer(app, name="gate", help="The UAR retrieval gate: train, label-self, eval, calibrate, decide.")
