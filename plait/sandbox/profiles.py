"""Sandbox profiles: which Python libraries a sandbox offers, named in a backend spec.

    docker                 the minimal image plait-sandbox:bookworm (python3 and its stdlib)
    docker@scientific      plait-sandbox:scientific (Debian's numpy, pandas, scipy, ... added)
    bubblewrap@scientific  the host's own Debian python3 packages, bound read-only with /usr

Libraries come from Debian packages only (no registry is reachable while an image is built, and
the host's bubblewrap sandbox can only see what is under /usr). A profile names the packages
``plait sandbox build-image --profile P`` installs and the modules that must import for the
profile to count as usable.
"""

from __future__ import annotations

from dataclasses import dataclass

from plait.core.errors import InputError


@dataclass(frozen=True)
class Profile:
    name: str
    image: str  # the Docker image of this profile (overridable: [sandbox] image / <profile>_image)
    packages: tuple[str, ...]  # Debian packages debootstrap installs (python3 always)
    probe: tuple[tuple[str, str], ...]  # (module, Debian package) that must import in the sandbox


# The scientific set: the Debian packages behind the third-party roots of UnitCoder's allow-list
# that bookworm carries (see docs/sandbox.md for what is left out and why).
SCIENTIFIC_PACKAGES = (
    "python3-numpy", "python3-pandas", "python3-scipy", "python3-matplotlib", "python3-sklearn",
    "python3-requests", "python3-flask", "python3-nltk", "python3-bs4", "python3-lxml", "python3-pil",
    "python3-dateutil", "python3-tz", "python3-yaml", "python3-sympy", "python3-statsmodels",
    "python3-seaborn", "python3-openpyxl", "python3-xmltodict", "python3-chardet", "python3-cryptography",
    "python3-psutil", "python3-regex", "python3-natsort", "python3-prettytable", "python3-texttable",
    "python3-levenshtein", "python3-rsa", "python3-werkzeug", "python3-wtforms", "python3-flask-login",
    "python3-xlwt",
    "python3-cffi-backend",  # cryptography's virtual dependency, which debootstrap does not resolve
)
SCIENTIFIC_PROBE = (
    ("numpy", "python3-numpy"), ("pandas", "python3-pandas"), ("scipy", "python3-scipy"),
    ("matplotlib", "python3-matplotlib"), ("sklearn", "python3-sklearn"), ("requests", "python3-requests"),
    ("flask", "python3-flask"), ("nltk", "python3-nltk"),
)

PROFILES: dict[str, Profile] = {
    "minimal": Profile("minimal", "plait-sandbox:bookworm", ("python3",), ()),
    "scientific": Profile("scientific", "plait-sandbox:scientific", ("python3",) + SCIENTIFIC_PACKAGES, SCIENTIFIC_PROBE),
}
DEFAULT = "minimal"


def get_profile(name: str | None) -> Profile:
    name = name or DEFAULT
    if name not in PROFILES:
        raise InputError(f"unknown sandbox profile {name!r}: choose one of {', '.join(PROFILES)} "
                         "(e.g. --backend docker@scientific, --profile scientific)")
    return PROFILES[name]


def split_spec(spec: str) -> tuple[str, str]:
    """``"docker@scientific"`` -> ``("docker", "scientific")``; no ``@`` means the minimal profile."""
    base, sep, profile = spec.partition("@")
    if sep and not (base and profile):
        raise InputError(f"sandbox backend {spec!r} must look like BACKEND or BACKEND@PROFILE (e.g. docker@scientific)")
    get_profile(profile or DEFAULT)
    return base, profile or DEFAULT


def with_profile(spec: str, profile: str | None) -> str:
    """``spec`` with ``profile`` attached unless the spec names one already (an explicit
    ``docker@minimal`` wins over a preset's profile); the minimal profile adds nothing."""
    base, own = split_spec(spec)
    if "@" in spec:
        return spec if own != DEFAULT else base
    chosen = get_profile(profile).name
    return base if chosen == DEFAULT else f"{base}@{chosen}"


def image_for(profile: str, config: dict | None = None) -> str:
    """The image of ``profile``: ``[sandbox] image`` for minimal, ``[sandbox] <profile>_image`` else."""
    config = config or {}
    key = "image" if profile == DEFAULT else f"{profile}_image"
    return str(config.get(key) or get_profile(profile).image)


def probe_source(profile: Profile) -> str:
    """A program printing the Debian packages whose module does not import (one per line)."""
    pairs = repr(list(profile.probe))
    return (
        "import importlib\n"
        f"for mod, pkg in {pairs}:\n"
        "    try:\n"
        "        importlib.import_module(mod)\n"
        "    except Exception:\n"
        "        print(pkg)\n"
    )
