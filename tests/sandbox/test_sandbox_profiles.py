"""Sandbox profiles: ``docker@scientific`` (the plait-sandbox:scientific image) and
``bubblewrap@scientific`` (the host's Debian python3 packages) run numpy and pandas; a missing
profile is a clear 'unavailable' naming its fix; specs are parsed strictly."""

import pytest

from plait.core.errors import InputError
from plait.sandbox import Limits, get_backend, run
from plait.sandbox.profiles import PROFILES, Profile, split_spec, with_profile

from tests.sandbox.conftest import use_backend

# importing the scientific stack takes seconds on a loaded machine; no timing is asserted
SLOW = Limits(timeout_s=90, memory_mb=1024)

NUMPY_PANDAS = """
import numpy as np
import pandas as pd
frame = pd.DataFrame({"x": np.arange(1, 5), "y": [2.0, 4.0, 6.0, 8.0]})
print(int(frame["x"].sum()), float((frame["y"] / frame["x"]).mean()), np.__name__, pd.__name__)
"""


@pytest.fixture(params=["docker@scientific", "bubblewrap@scientific"], ids=lambda spec: spec.replace("@", "-"))
def scientific(request) -> str:
    return use_backend(request.param)


def test_scientific_profile_imports_numpy_and_pandas(scientific):
    r = run(NUMPY_PANDAS, limits=SLOW, backend=scientific)
    assert r.status == "ok", (r.status, r.detail, r.stderr[-500:])
    assert r.stdout.split() == ["10", "2.0", "numpy", "pandas"]
    assert r.backend == scientific


def test_scientific_profile_offers_the_probe_set_and_a_headless_matplotlib(scientific):
    code = ("import matplotlib.pyplot as plt, scipy, sklearn, requests, flask, nltk, os\n"
            "plt.plot([1, 2, 3]); plt.savefig('plot.png')\n"
            "print(os.path.getsize('plot.png') > 0, scipy.__name__, sklearn.__name__)\n")
    r = run(code, limits=SLOW, backend=scientific)
    assert r.status == "ok", (r.status, r.detail, r.stderr[-500:])
    assert r.stdout.split() == ["True", "scipy", "sklearn"]


def test_the_minimal_image_lacks_pandas():
    """Control for the docker test above: the plain image really has no pandas, so the import
    that succeeds there is the scientific image's doing."""
    use_backend("docker")
    r = run(NUMPY_PANDAS, limits=SLOW, backend="docker")
    assert r.status == "failed" and "ModuleNotFoundError" in r.stderr


def test_bubblewrap_profile_without_its_packages_is_unavailable_naming_the_fix(monkeypatch):
    use_backend("bubblewrap")
    monkeypatch.setitem(PROFILES, "needs-missing", Profile(
        "needs-missing", "unused:image", ("python3",), (("json", "python3-minimal"), ("plait_no_such_mod", "python3-plait-no-such"))))
    box = get_backend("bubblewrap").for_profile("needs-missing")
    ok, why = box.available()
    assert not ok
    assert "apt-get install python3-plait-no-such" in why and "python3-minimal" not in why  # only what is missing


def test_docker_profile_with_a_missing_image_names_the_build_command():
    from plait.sandbox.docker_backend import DockerSandbox

    box = DockerSandbox({"scientific_image": "plait-sandbox:does-not-exist"}, profile="scientific")
    ok, why = box.available()
    if "no Docker engine" in why or "docker Python package" in why:
        pytest.skip(f"no Docker engine here: {why}")
    assert box.name == "docker@scientific" and box.image == "plait-sandbox:does-not-exist"
    assert not ok and "plait sandbox build-image --profile scientific" in why
    box.close()


def test_backend_specs():
    assert split_spec("docker") == ("docker", "minimal")
    assert split_spec("bubblewrap@scientific") == ("bubblewrap", "scientific")
    assert with_profile("docker", "scientific") == "docker@scientific"
    assert with_profile("docker@minimal", "scientific") == "docker"  # an explicit profile wins
    assert with_profile("bubblewrap", "minimal") == "bubblewrap"
    for bad in ("docker@", "@scientific", "docker@nope"):
        with pytest.raises(InputError, match="docker@scientific"):
            split_spec(bad)
    assert get_backend("docker@minimal") is get_backend("docker")


def test_process_backend_has_no_profiles():
    from plait.core.errors import NotFound

    with pytest.raises(NotFound, match="has no profiles"):
        get_backend("process@scientific")


def test_build_image_refuses_an_unknown_profile_before_asking_docker(plait_cli):
    res = plait_cli("sandbox", "build-image", "--profile", "huge")
    assert res.exit_code != 0
    assert "unknown sandbox profile 'huge'" in res.output and "scientific" in res.output
