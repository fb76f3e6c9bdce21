"""Evaluation analysis: Rasch / partial credit IRT over model x item results (``plait eval rasch``).

Looks past one accuracy number: abilities on a difficulty scale, fit, difficulty-invariant scoring,
plots (Wright map, observed vs expected accuracy by difficulty, item fit). See docs/evaluation.md.
"""

from plait import hookimpl


@hookimpl
def register_commands(cli):
    from plait.plugins.evaluation import cli as evaluation_cli

    evaluation_cli.register(cli)
