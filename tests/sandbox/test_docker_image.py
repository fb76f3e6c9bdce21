"""The docker backend's image handling: a missing image is a clear 'unavailable', trimming strips setuid."""

import os
import stat

import pytest

from plait.sandbox.image import trim


def test_trim_strips_setuid_and_makes_work_dir(tmp_path):
    (tmp_path / "usr" / "bin").mkdir(parents=True)
    (tmp_path / "usr" / "share" / "doc").mkdir(parents=True)
    su = tmp_path / "usr" / "bin" / "su"
    su.write_text("#!/bin/sh\n")
    os.chmod(su, 0o4755)
    trim(tmp_path)
    assert not su.stat().st_mode & (stat.S_ISUID | stat.S_ISGID)
    assert not (tmp_path / "usr" / "share" / "doc").exists()
    assert stat.S_IMODE((tmp_path / "work").stat().st_mode) == 0o1777


def test_missing_image_is_unavailable_with_the_fix():
    from plait.sandbox.docker_backend import DockerSandbox

    box = DockerSandbox({"image": "plait-sandbox:does-not-exist"})
    ok, why = box.available()
    if "no Docker engine" in why or "docker Python package" in why:
        pytest.skip(f"no Docker engine here: {why}")
    assert not ok and "plait sandbox build-image" in why
    box.close()
