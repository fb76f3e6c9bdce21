"""Hiding secrets in what plait prints: ``plait config show``, config errors, CLI errors, warnings.

One rule, used everywhere: a value whose key names a credential (``password``, ``token``,
``secret``, ``auth``, ``api_key``, ``*_key`` ...) is replaced by ``***``, and the password part of a
URL (``https://user:pass@host``) is replaced by ``***`` wherever it appears in a value or a message.
"""

from __future__ import annotations

import re
from typing import Any

MASK = "***"

# key segments (split on _ - . and camelCase) that name a credential; "tokens" (max_tokens) does not
_SECRET_WORDS = {
    "password", "passwd", "pwd", "passphrase", "secret", "secrets", "token", "auth", "authorization",
    "credential", "credentials", "key", "keys", "apikey", "apikeys", "cookie", "bearer", "signature",
}
_SECRET_SUFFIXES = ("password", "secret", "token", "apikey", "passwd")
# scheme://user:password@host -> scheme://user:***@host (also a password without a user name)
_URL_CREDENTIALS = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s/@:'\"]*:)(?P<pw>[^\s/@'\"]+)(?=@)")
# ?token=...&api_key=... in query strings
_QUERY_SECRET = re.compile(r"(?P<head>[?&](?P<name>[A-Za-z0-9_\-.]+)=)(?P<value>[^&\s#'\"]+)")


def _words(key: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key)
    return [w for w in re.split(r"[_\-.\s]+", spaced.lower()) if w]


def is_secret_key(key: object) -> bool:
    """Whether a config key (``llm_api_key``, ``password``, ``hfToken``) names a credential."""
    if not isinstance(key, str):
        return False
    words = _words(key)
    if any(w in _SECRET_WORDS for w in words):
        return True
    joined = "".join(words)
    return "apikey" in joined or joined.endswith(_SECRET_SUFFIXES)


def redact_text(text: str) -> str:
    """``text`` with URL passwords and secret query parameters replaced by ``***``."""
    text = _URL_CREDENTIALS.sub(lambda m: m.group("head") + MASK, text)
    return _QUERY_SECRET.sub(
        lambda m: m.group("head") + (MASK if is_secret_key(m.group("name")) else m.group("value")), text
    )


def redact(value: Any, key: object = None) -> Any:
    """``value`` (of config key ``key``) safe to print: secrets masked, nested tables and lists too."""
    if is_secret_key(key) and value not in (None, "", [], {}):
        if isinstance(value, dict):
            return {k: MASK for k in value}
        if isinstance(value, (list, tuple)):
            return [MASK] * len(value)
        return MASK
    if isinstance(value, dict):
        return {k: redact(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value
