"""Test kit for plait and plugin authors (a pytest plugin; see ``plait.testing.fixtures``)."""
