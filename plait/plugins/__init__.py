"""Built-in plugins. Every module or subpackage here is loaded by the host as ``plait.<name>``
and registers its capabilities through the same hooks a third-party plugin uses.

Keep plugin modules cheap to import: import heavy libraries inside factories.
"""
