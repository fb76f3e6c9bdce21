"""The extension layer: hooks, plugin host, registries, configuration, errors."""
