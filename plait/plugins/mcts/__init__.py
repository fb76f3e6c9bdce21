"""FastMCTS synthesis: tree search for verified reasoning paths, against rejection sampling at equal tokens.

Command: ``plait synth mcts``. Model: ``chain/<tokens per step>`` (``chain/20`` in the docs), the stochastic
policy of the chain environment (``scripted`` is the generic scripted backend's name, so the chain
policy has its own). See docs/synthesis.md.
"""

from plait import hookimpl


def chain_model(ctx):
    from plait import ConfigError
    from plait.plugins.mcts.chain import ChainPolicy

    arg = ctx.arg or "20"  # chain/20, scripted/chain (20) or scripted/chain/30
    if not arg.isdigit() or int(arg) < 1:
        raise ConfigError(f"model {ctx.name!r}: write chain/<tokens per step>, e.g. chain/20")
    return ChainPolicy(step_tokens=int(arg), name=ctx.name or "chain")


@hookimpl
def register_models(register):
    register("chain", chain_model)
    register("scripted.chain", chain_model)  # the spelling: scripted/chain (scripted/chain/<tokens per step>)


@hookimpl
def register_commands(cli):
    from plait.plugins.mcts import cli as mcts_cli

    mcts_cli.register(cli)
