"""Code verification: UnitCoder (model-written unit tests, fix rounds, polish) and Case2Code
(input/output cases from a corpus; scoring predicted programs). Every run of code goes through
``plait.sandbox``.

Commands: ``plait code verify``, ``plait synth unitcoder``, ``plait synth case2code``,
``plait eval case2code``. Pipelines (``plait pipeline run NAME --input CORPUS``): ``case2code``,
``unitcoder``; the two ``synth`` commands are fronts over them.
"""

from plait import hookimpl


@hookimpl
def register_commands(cli):
    from plait.plugins.codeverify import cli as codeverify_cli

    codeverify_cli.register(cli)


@hookimpl
def register_agents(register):
    def factory(context):
        from plait.plugins.codeverify.agent import UnitCoderAgent

        return UnitCoderAgent(context)

    register("unitcoder", factory)


@hookimpl
def register_pipelines(register):
    from plait.plugins.codeverify import case2code_pipeline, unitcoder_pipeline

    register("case2code", lambda ctx: case2code_pipeline.registered(ctx.settings))
    register("unitcoder", lambda ctx: unitcoder_pipeline.registered(ctx.settings))
