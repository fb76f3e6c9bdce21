"""UnitCoder presets (Ma et al. 2025, "UnitCoder: Scalable Iterative Code Synthesis with Unit Test
Guidance", arXiv 2502.11460): plait's ``default`` and the released pipeline's ``paper`` settings.

The paper values are read from the authors' repository ``Entarochuan/UnitCoder``:
``data_filter/filter_code_from_raw.py`` (``ALLOWED_MODULES``, 139 roots, and
``check_code_validation_v2``, which returns nothing for the whole file as soon as one function
uses a name imported from a root outside the list), ``UnitCoder_pipeline.py`` (``debug_code``:
``n=3`` candidates, ``max_pass_per_round`` passing fixes kept; ``_get_polish_prompt``: the
docstring spec) and ``run_pipeline.py`` (temperatures, rounds, ``max_pass_per_round = 2``).
Tests read this table, so the numbers live here only.
"""

from __future__ import annotations

from typing import Any

from plait.plugins.codeverify.unitcoder import DEFAULT_ALLOWED

# ALLOWED_MODULES of data_filter/filter_code_from_raw.py, sorted; 77 standard-library and 62
# third-party roots (the BigCodeBench library set the paper follows).
PAPER_ALLOWED: tuple[str, ...] = tuple(sorted((
    "Crypto", "Levenshtein", "PIL", "array", "ast", "base64", "binascii", "bisect", "blake3", "bs4",
    "calendar", "cgi", "chardet", "cmath", "codecs", "collections", "configparser", "cryptography", "csv",
    "ctypes", "cv2", "datetime", "dateutil", "decimal", "difflib", "django", "docx", "email", "enum",
    "errno", "faker", "flask", "flask_login", "flask_mail", "flask_restful", "flask_wtf", "fnmatch",
    "folium", "ftplib", "functools", "gensim", "geopandas", "geopy", "getpass", "glob", "gzip", "hashlib",
    "heapq", "hmac", "holidays", "html", "http", "importlib", "inspect", "io", "ipaddress", "itertools",
    "json", "keras", "librosa", "logging", "lxml", "math", "matplotlib", "mechanize", "mimetypes",
    "mpl_toolkits", "multiprocessing", "natsort", "nltk", "numpy", "openpyxl", "operator", "os", "pandas",
    "pathlib", "pickle", "pkgutil", "platform", "prettytable", "psutil", "pyquery", "pytesseract",
    "python_http_client", "pytz", "queue", "random", "re", "regex", "requests", "rsa", "scipy", "seaborn",
    "secrets", "select", "sendgrid", "shapely", "shlex", "shutil", "signal", "skimage", "sklearn", "smtplib",
    "socket", "soundfile", "sqlite3", "ssl", "statistics", "statsmodels", "string", "struct", "subprocess",
    "sympy", "sys", "tarfile", "tensorflow", "textblob", "texttable", "textwrap", "threading", "time",
    "turtle", "types", "typing", "unicodedata", "urllib", "uuid", "warnings", "werkzeug", "wikipedia",
    "wordcloud", "wordninja", "wtforms", "xlwt", "xml", "xmltodict", "yaml", "zipfile", "zlib",
)))

# The polish step's docstring spec (UnitCoder_pipeline.py, _get_polish_prompt, item 1).
PAPER_DOCSTRING = ("description", "parameters", "returns", "requirements", "raises", "examples")

PRESETS: dict[str, dict[str, Any]] = {
    "default": {
        "allowed": DEFAULT_ALLOWED,
        "reject": "function",  # a disallowed import skips only the function that uses it
        "rounds": 3,
        "candidates": 3,
        "keep_passing": 1,  # the first passing fix ends the round
        "fix_temperature": 0.7,
        "tests_temperature": 0.2,
        "polish_temperature": 0.2,
        "polish_spec": ("docstring", "names", "comments"),
        "sandbox_profile": "minimal",
        "timeout_s": 20,
    },
    "paper": {
        "allowed": PAPER_ALLOWED,
        "reject": "file",  # one function using a disallowed import drops the whole file
        "rounds": 3,
        "candidates": 3,
        "keep_passing": 2,
        "fix_temperature": 0.5,
        "tests_temperature": 0.2,
        "polish_temperature": 0.5,
        "polish_spec": PAPER_DOCSTRING,
        "sandbox_profile": "scientific",
        "timeout_s": 10,
    },
}

_REPO = "github.com/Entarochuan/UnitCoder"
SOURCES: dict[str, str] = {
    "allowed": f"{_REPO} data_filter/filter_code_from_raw.py ALLOWED_MODULES (139 roots; paper §3.1 package-based retrieval)",
    "reject": f"{_REPO} data_filter/filter_code_from_raw.py check_code_validation_v2 (return False, None for the file)",
    "rounds": f"{_REPO} run_pipeline.py --max_debug_rounds 3",
    "candidates": f"{_REPO} UnitCoder_pipeline.py debug_code (n=3)",
    "keep_passing": f"{_REPO} run_pipeline.py --max_pass_per_round 2",
    "fix_temperature": f"{_REPO} run_pipeline.py --debug_temperature 0.5",
    "tests_temperature": f"{_REPO} run_pipeline.py --unittest_temperature 0.2",
    "polish_temperature": f"{_REPO} run_pipeline.py --polish_temperature 0.5",
    "polish_spec": f"{_REPO} UnitCoder_pipeline.py _get_polish_prompt (item 1)",
    "sandbox_profile": "paper §3.1: functions call the 139 libraries, so the sandbox must have them (plait sandbox image profile)",
    "timeout_s": f"{_REPO} UnitCoder_pipeline.py _execute_code (gt_time_limit=10)",
}
