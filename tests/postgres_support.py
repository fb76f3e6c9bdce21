"""A throwaway PostgreSQL cluster on loopback for tests (Debian's postgresql package).

`postgres_url` (session scope) starts one cluster per test session: initdb as the `postgres` OS
user (initdb refuses root), data and unix socket in a tmp dir, TCP on 127.0.0.1 with a free port,
trust auth on loopback only, stopped with `pg_ctl stop -m immediate` at teardown.
`fresh_postgres_db` gives each test its own empty database on that cluster.

Without the binaries the fixtures skip (naming `apt-get install postgresql`), unless
PLAIT_REQUIRE_SERVICES contains `postgres` (CI), where they fail.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

INSTALL_HINT = "PostgreSQL is not installed: apt-get install postgresql (Debian's server binaries)"


def find_bindir() -> Path | None:
    """The newest /usr/lib/postgresql/N/bin with initdb, or PLAIT_PG_BINDIR."""
    explicit = os.environ.get("PLAIT_PG_BINDIR")
    if explicit:
        return Path(explicit) if (Path(explicit) / "initdb").exists() else None
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _required() -> bool:
    return "postgres" in os.environ.get("PLAIT_REQUIRE_SERVICES", "")


def _unavailable(reason: str) -> None:
    if _required():
        pytest.fail(f"{reason} (PLAIT_REQUIRE_SERVICES asks for postgres)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    """initdb/postgres refuse to run as root: drop to the `postgres` OS user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _run(args: list[str]) -> None:
    proc = subprocess.run(_as_postgres(args), capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr or proc.stdout}")


class PostgresCluster:
    """One cluster in `root`, listening on 127.0.0.1:`port` and a unix socket in `root`."""

    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir = bindir
        self.root = root
        self.data = root / "data"
        self.port = _free_port()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres", group="postgres")
        _run([str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
              "--no-sync", "-E", "UTF8", "--locale=C"])
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        _run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"),
              "-w", "-t", "60", "start"])

    def stop(self) -> None:
        subprocess.run(_as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                                     "-w", "stop"]), capture_output=True)

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    bindir = find_bindir()
    if bindir is None:
        _unavailable(INSTALL_HINT)
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("no `postgres` OS user to run initdb as: apt-get install postgresql")
    root = Path(tempfile.mkdtemp(prefix="plait-pg-"))
    cluster = PostgresCluster(bindir, root)
    try:
        cluster.start()
    except RuntimeError as exc:
        shutil.rmtree(root, ignore_errors=True)
        _unavailable(f"could not start a throwaway PostgreSQL: {exc}")
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """postgresql://postgres@127.0.0.1:PORT/postgres of the session's throwaway cluster."""
    return postgres_cluster.url


@pytest.fixture
def fresh_postgres_db(postgres_cluster: PostgresCluster) -> str:
    """URL of a new, empty database on the session's cluster (one per test)."""
    return postgres_cluster.create_database("t_" + uuid.uuid4().hex[:12])


@pytest.fixture(params=["sqlite", "postgres"])
def sessions_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Runs a test on both session backends: SQLite under PLAIT_HOME, and PostgreSQL (a fresh
    database, via PLAIT_SESSIONS_URL). Request it before ``plait_settings`` so settings see it."""
    if request.param == "sqlite":
        monkeypatch.delenv("PLAIT_SESSIONS_URL", raising=False)
        yield "sqlite"
        return
    monkeypatch.setenv("PLAIT_SESSIONS_URL", request.getfixturevalue("fresh_postgres_db"))
    yield "postgres"
    from plait.agents.sessions.backend import close_backends

    close_backends()  # the database is per test: drop this process's pool on it


@pytest.fixture
def run_plait_sessions(run_plait, sessions_backend):  # run_plait: tests/cli/conftest.py
    """``run_plait`` on both session backends (it drops PLAIT_* from the environment, so the
    PostgreSQL URL is passed on explicitly)."""
    url = os.environ.get("PLAIT_SESSIONS_URL")
    if sessions_backend == "sqlite" or not url:
        return run_plait

    def run(*args, extra_env=None, **kwargs):
        return run_plait(*args, extra_env={"PLAIT_SESSIONS_URL": url, **(extra_env or {})}, **kwargs)

    return run
