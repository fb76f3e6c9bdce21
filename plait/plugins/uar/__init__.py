"""The UAR retrieval gate (Unified Active Retrieval, Cheng et al. 2024) as a built-in plugin.

Registers the gate ``uar`` and its commands under ``plait gate uar``; settings in ``[uar]``. Heavy imports (numpy, sklearn,
the featurizer's model) happen only when the gate first decides or a command runs.
"""

from plait import hookimpl


def _factory(ctx):
    from plait.plugins.uar.decision import UARGate

    return UARGate(ctx.settings)


@hookimpl
def register_retrieval_gates(register):
    register("uar", _factory)


@hookimpl
def register_commands(cli):
    from plait.cli.common import subgroup
    from plait.plugins.uar.cli import app
    from plait.plugins.uar.legacy_cli import register_legacy

    gate = subgroup(cli, "gate", "Retrieval gates: list them, see a decision, score one on a benchmark.")
    gate.add_typer(app, name="uar", help="The UAR gate's own commands: train, label-self, eval, heads.")
    register_legacy(gate)
