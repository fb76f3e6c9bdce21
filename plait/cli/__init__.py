"""The command line: one ``*_cmd.py`` module per noun group, each with ``register(app)``."""
