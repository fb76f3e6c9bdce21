"""Knowledge mining after Query of CC (Fei et al. 2024): seed keywords -> LLM-extended questions and
thoughts -> BM25 retrieval from a corpus -> a deduplicated, filtered, cited knowledge pile.

Commands: ``plait mine index``, ``plait mine run``, ``plait mine ingest`` (docs/mining.md). The run
is two engine pipelines (``mine-extend``, ``mine-search``) kept in ``--out/runs/``.
"""

from plait import hookimpl


@hookimpl
def register_commands(cli):
    from plait.plugins.mining import cli as mining_cli

    mining_cli.register(cli)
