"""Shared test set-up: offline Hugging Face, a fresh plugin host per test."""

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(autouse=True)
def _fresh_host():
    """Each test starts with a newly loaded host (plugins may be added by a test)."""
    from plait.core.host import set_host

    set_host(None)
    yield
    set_host(None)
