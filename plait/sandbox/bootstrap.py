"""The first program inside a sandbox (stdlib only; its source is passed as ``python3 -c``).

It reads one length-prefixed JSON header from stdin: the files to write (base64), the argv, the
environment, the rlimits. It writes the files into the work dir, applies the rlimits, closes every
other descriptor and ``execve``s the argv with exactly the given environment. The rest of stdin is
left unread, so the program sees the user's stdin. Nothing of the host is passed by any path.
"""

import base64
import json
import os
import resource
import sys

LIMITS = {
    "cpu": resource.RLIMIT_CPU,
    "fsize": resource.RLIMIT_FSIZE,
    "nofile": resource.RLIMIT_NOFILE,
    "nproc": resource.RLIMIT_NPROC,
    "as": resource.RLIMIT_AS,
    "core": resource.RLIMIT_CORE,
}


def _read_exact(n):
    chunks = []
    while n > 0:
        chunk = os.read(0, n)
        if not chunk:
            raise SystemExit("plait-bootstrap: header truncated")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def main():
    size = int(_read_exact(16).decode("ascii"))
    header = json.loads(_read_exact(size).decode("utf-8"))
    workdir = header["workdir"]
    os.chdir(workdir)
    for rel, data in header["files"].items():
        path = os.path.join(workdir, rel)
        os.makedirs(os.path.dirname(path) or workdir, exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(base64.b64decode(data))
        if header.get("executable", {}).get(rel):
            os.chmod(path, 0o755)
    for name, value in header["rlimits"].items():
        resource.setrlimit(LIMITS[name], (value[0], value[1]))
    os.closerange(3, 65536)
    argv = header["argv"]
    env = header["env"]
    exe = argv[0]
    if "/" not in exe:
        for d in ("/usr/local/bin", "/usr/bin", "/bin"):
            if os.path.exists(os.path.join(d, exe)):
                exe = os.path.join(d, exe)
                argv = [exe] + argv[1:]  # so sys.executable resolves without a PATH
                break
    try:
        os.execve(exe, argv, env)
    except OSError as exc:
        sys.stderr.write("plait-bootstrap: cannot execute %r: %s\n" % (argv[0], exc))
        os._exit(127)


main()
