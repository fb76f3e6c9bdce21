"""Deprecated: the character agent moved to ``plait.plugins.characters`` (removed in the next release).

Only ``plait.agents.character.lore`` remains, as a shim that docs promised (see ``plait._deprecated``).
"""
