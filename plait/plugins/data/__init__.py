"""Training-data curation: ``plait data embed|cluster|sample|report`` (ClusterClip sampling).

Embed a dataset with any registered embedder (an engine stage), cluster the vectors with spherical
k-means, and draw a token-budgeted training schedule that balances clusters and clips repeats.
See docs/data.md.
"""

from plait import hookimpl


@hookimpl
def register_commands(cli):
    from plait.plugins.data import cli as data_cli

    data_cli.register(cli)
