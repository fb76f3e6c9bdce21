"""``plait sandbox run|test|backends|build-image``."""

import json
import sys
from pathlib import Path
from typing import Annotated, Optional


def _read_text(path: Path, what: str) -> str:
    from plait.core.errors import InputError

    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{what} {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what} {path}: {exc}") from None


def _limits(timeout: float | None, memory: int | None):
    from plait.core.errors import InputError
    from plait.sandbox import Limits

    kw = {}
    if timeout is not None:
        kw["timeout_s"] = timeout
    if memory is not None:
        kw["memory_mb"] = memory
    try:
        return Limits(**kw)
    except ValueError as exc:  # name the flag the user typed, not the dataclass field
        flag = "--timeout" if "timeout_s" in str(exc) else "--memory"
        what = "a positive, finite number of seconds" if flag == "--timeout" else "a positive whole number of MB"
        value = timeout if flag == "--timeout" else memory
        raise InputError(f"{flag} must be {what}, got {value!r}; e.g. {flag} 10") from None


def register(cli) -> None:
    import typer

    from plait.cli.common import JsonOption, console, print_json, subgroup

    BackendOpt = Annotated[
        Optional[str],
        typer.Option("--backend", "-b", help="docker, bubblewrap or process (process = NO isolation), optionally @PROFILE (docker@scientific); default: strongest available"),
    ]
    TimeoutOpt = Annotated[Optional[float], typer.Option("--timeout", help="wall-clock limit in seconds (default 10)")]
    MemoryOpt = Annotated[Optional[int], typer.Option("--memory", help="memory limit in MB (default 512)")]

    group = subgroup(cli, "sandbox", "Run untrusted code in a sandbox (docker, bubblewrap) and grade it.")

    @group.command("run")
    def run_cmd(
        file: Annotated[Path, typer.Argument(help="Python file to run as main.py in a fresh work dir")],
        backend: BackendOpt = None,
        timeout: TimeoutOpt = None,
        memory: MemoryOpt = None,
        env: Annotated[list[str], typer.Option("--env", "-e", help="KEY=VALUE for the sandbox; nothing else of the environment enters")] = [],
        stdin_file: Annotated[Optional[Path], typer.Option("--stdin", help="file fed to the program's stdin (default: empty)")] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Run FILE.py in the sandbox and print its output (or, with --json, the ExecResult)."""
        from plait.core.errors import InputError
        from plait.sandbox import run

        code = _read_text(file, "file")
        variables = {}
        for item in env:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise InputError(f"--env {item!r} must look like KEY=VALUE")
            variables[key] = value
        stdin = stdin_file.read_bytes() if stdin_file else b""
        result = run(code, limits=_limits(timeout, memory), backend=backend, env=variables, stdin=stdin,
                     allow_process=backend == "process")
        if as_json:
            print_json(result.to_dict())
            raise typer.Exit(0 if result.ok else 1)  # scripts get the verdict from the exit status too
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        note = f" ({result.detail})" if result.detail else ""
        print(f"[{result.backend}] status={result.status} exit={result.exit_code} wall={result.wall_s:.2f}s{note}", file=sys.stderr)
        raise typer.Exit(0 if result.ok else 1)

    @group.command("test")
    def test_cmd(
        file: Annotated[Path, typer.Argument(help="Python file defining the function under test")],
        entry: Annotated[str, typer.Option("--entry", help="name of the function to call")],
        tests: Annotated[Path, typer.Option("--tests", help='JSON list of {"args": [...], "kwargs": {...}, "expected": value}')],
        backend: BackendOpt = None,
        timeout: TimeoutOpt = None,
        memory: MemoryOpt = None,
        as_json: JsonOption = False,
    ) -> None:
        """Grade a function on input/output cases; values are compared by serialised form in the parent."""
        from plait.core.errors import InputError
        from plait.sandbox.grading import grade

        code = _read_text(file, "file")
        try:
            cases = json.loads(_read_text(tests, "tests file"))
        except json.JSONDecodeError as exc:
            raise InputError(f"{tests} is not valid JSON: {exc}") from None
        res = grade(code, entry, cases, limits=_limits(timeout, memory), backend=backend,
                    allow_process=backend == "process")
        if as_json:
            print_json(res.to_dict())
            raise typer.Exit(0 if res.passed else 1)
        for row in res.tests:
            mark = "[green]pass[/green]" if row["passed"] else f"[red]{row['outcome']}[/red]"
            extra = "" if row["passed"] else f" got={row.get('got', row.get('error'))!r} expected={row.get('expected')!r}"
            console.print(f"test {row['index']}: {mark}{extra}", highlight=False)
        if res.load_error:
            console.print(f"[red]load error:[/red] {res.load_error}", highlight=False)
        console.print(f"verdict: {res.verdict} ({res.result.backend}, status {res.result.status})", highlight=False)
        raise typer.Exit(0 if res.passed else 1)

    @group.command("backends")
    def backends_cmd(as_json: JsonOption = False) -> None:
        """List the sandbox backends and whether each is usable here."""
        from plait.sandbox import get_backend
        from plait.sandbox.api import available_backends

        rows = []
        for name in available_backends(all=True):
            try:
                box = get_backend(name)
                ok, why = box.available()
                isolating = box.isolating
            except Exception as exc:  # noqa: BLE001
                ok, why, isolating = False, str(exc), None
            rows.append({"name": name, "available": ok, "isolating": isolating, "reason": why})
        if as_json:
            print_json(rows)
            return
        for r in rows:
            state = "[green]available[/green]" if r["available"] else f"[yellow]unavailable[/yellow]: {r['reason']}"
            iso = "" if r["isolating"] else " (NOT isolation)"
            console.print(f"{r['name']}{iso}: {state}", highlight=False)

    @group.command("build-image")
    def build_image_cmd(
        name: Annotated[Optional[str], typer.Option("--name", help="image name (default: the profile's, plait-sandbox:bookworm or [sandbox] image)")] = None,
        profile: Annotated[str, typer.Option("--profile", help="minimal (python3) or scientific (+ Debian's numpy, pandas, scipy, ...; used as docker@scientific)")] = "minimal",
        rootfs: Annotated[Optional[Path], typer.Option("--rootfs", help="use this prepared root file system instead of running debootstrap")] = None,
        force: Annotated[bool, typer.Option("--force", help="rebuild even if the image exists")] = False,
    ) -> None:
        """Build the Docker sandbox image locally (debootstrap bookworm + python3 [+ the profile's packages], docker import)."""
        from plait.core.errors import Unavailable
        from plait.sandbox.api import _config
        from plait.sandbox.image import build_image
        from plait.sandbox.profiles import get_profile, image_for

        get_profile(profile)  # a bad name fails before Docker is asked anything

        try:
            import docker

            client = docker.from_env()
            client.ping()
        except Exception as exc:  # noqa: BLE001
            raise Unavailable(f"no Docker engine answers ({exc}); start dockerd (see .ci/start-services)") from None
        image = name or image_for(profile, _config())
        ident = build_image(client, name=image, profile=profile, rootfs=rootfs, force=force,
                            log=lambda m: console.print(m, highlight=False))
        console.print(f"{image} {ident[:19]}", highlight=False)
