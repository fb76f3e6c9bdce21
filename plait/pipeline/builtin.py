"""The pipeline layer's built-in plugin: registers the example pipelines through the public hook."""

from __future__ import annotations

from plait.core.hookspecs import hookimpl


@hookimpl
def register_pipelines(register):
    from plait.pipeline.demo import case2code_pipeline, demo_pipeline

    register("demo", lambda ctx: demo_pipeline(ctx.settings))
    register("case2code-demo", lambda ctx: case2code_pipeline(ctx.settings))
