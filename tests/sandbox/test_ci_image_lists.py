"""CI builds the scientific image and installs the host's packages from shell lines that cannot
import plait (they run before `make install`); these tests keep those lists equal to the profile's."""

import re
from pathlib import Path

from plait.sandbox.profiles import PROFILES, SCIENTIFIC_PROBE

ROOT = Path(__file__).resolve().parents[2]


def test_the_ci_image_build_installs_exactly_the_scientific_profile():
    script = (ROOT / ".ci" / "start-services").read_text()
    listed = re.search(r"^\s*SCI_PACKAGES=(\S+)$", script, re.M)
    assert listed, "SCI_PACKAGES=... not found in .ci/start-services"
    assert tuple(listed.group(1).split(",")) == PROFILES["scientific"].packages
    assert f'SCI_IMAGE={PROFILES["scientific"].image}' in script


def test_ci_installs_on_the_host_every_package_bubblewrap_scientific_probes():
    run = (ROOT / ".ci" / "run").read_text()
    apt = " ".join(line for line in run.replace("\\\n", " ").splitlines() if "apt-get install" in line).split()
    assert {package for _, package in SCIENTIFIC_PROBE} <= set(apt)
