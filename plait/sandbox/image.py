"""Build the local Docker image of the sandbox (no registry needed): debootstrap + docker import.

    plait sandbox build-image                        # ~1 minute; idempotent (skips when the image exists)
    plait sandbox build-image --profile scientific   # + Debian's numpy, pandas, scipy, ... (several minutes)

The root file system is Debian bookworm ``minbase`` with ``python3`` (and the profile's Debian
packages), trimmed (docs, apt lists) and stripped of setuid/setgid bits, imported as
``plait-sandbox:bookworm`` (``plait-sandbox:scientific``). See :mod:`plait.sandbox.profiles`.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Callable

from plait.core.errors import SandboxError, Unavailable

DEFAULT_IMAGE = "plait-sandbox:bookworm"
MIRROR = "http://deb.debian.org/debian"
TRIM = ("usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "var/cache/apt", "var/lib/apt/lists")


def image_exists(client, name: str) -> bool:
    import docker.errors

    try:
        client.images.get(name)
        return True
    except docker.errors.ImageNotFound:
        return False


def debootstrap(rootfs: Path, *, suite: str = "bookworm", mirror: str = MIRROR, packages: tuple[str, ...] = ("python3",),
                log: Callable[[str], None] = print) -> None:
    if shutil.which("debootstrap") is None:
        raise Unavailable("debootstrap is not installed (apt-get install debootstrap)")
    if os.geteuid() != 0:
        raise Unavailable("debootstrap needs root; run `plait sandbox build-image` as root, or pass --rootfs DIR")
    took = "about a minute" if len(packages) <= 1 else "several minutes"
    log(f"debootstrap {suite} + {len(packages)} package(s) into {rootfs} ({took})")
    proc = subprocess.run(
        ["debootstrap", "--variant=minbase", "--include=" + ",".join(packages), suite, str(rootfs), mirror],
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise SandboxError(f"debootstrap failed ({proc.returncode}): {proc.stdout[-800:]}{proc.stderr[-800:]}")


def trim(rootfs: Path) -> None:
    for rel in TRIM:
        shutil.rmtree(rootfs / rel, ignore_errors=True)
    for dirpath, _, names in os.walk(rootfs):
        for n in names:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode) and st.st_mode & (stat.S_ISUID | stat.S_ISGID):
                os.chmod(p, st.st_mode & ~(stat.S_ISUID | stat.S_ISGID))  # no privilege gain inside
    (rootfs / "work").mkdir(exist_ok=True)
    os.chmod(rootfs / "work", 0o1777)  # docker copies this mode onto the tmpfs mounted there


def build_image(
    client,
    *,
    name: str | None = None,
    profile: str = "minimal",
    rootfs: Path | None = None,
    force: bool = False,
    log: Callable[[str], None] = print,
) -> str:
    """Build (or keep) the image ``name`` (default: the profile's image); returns its id."""
    from plait.sandbox.profiles import get_profile

    chosen = get_profile(profile)
    name = name or chosen.image
    if not force and image_exists(client, name):
        log(f"image {name} already present")
        return client.images.get(name).id
    with tempfile.TemporaryDirectory(prefix="plait-image-") as tmp:
        if rootfs is None:
            rootfs = Path(tmp) / "rootfs"
            debootstrap(rootfs, packages=chosen.packages, log=log)
        trim(rootfs)
        tar_path = Path(tmp) / "rootfs.tar"
        log("packing the root file system")
        with tarfile.open(tar_path, "w") as tar:
            for entry in sorted(os.listdir(rootfs)):
                tar.add(rootfs / entry, arcname=entry)
        repo, _, tag = name.partition(":")
        log(f"docker import -> {name}")
        client.api.import_image_from_file(
            str(tar_path), repository=repo, tag=tag or "latest",
            changes=["USER 65534:65534", "WORKDIR /work"],
        )
    return client.images.get(name).id
