"""Credentials: where keys come from, and a type that never shows them.

Resolution order for each credential a provider declares: the ``connect()`` argument, then
the environment variable, then the user key file (``voicekit keys set NAME``), stored in the
platform's config directory with mode 0600.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigurationError, MissingCredentials, register_secret
from .registry import ProviderInfo

__all__ = ["Secret", "key_file_path", "load_keys", "resolve_credentials", "store_key"]


class Secret:
    """A credential. ``repr``/``str`` never show the value; ``reveal()`` does.

    Equality compares values in constant time, so tests can compare secrets.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret) -> None:
        raw = value.reveal() if isinstance(value, Secret) else value
        if not isinstance(raw, str):
            raise ConfigurationError(f"a credential must be a string, not {type(raw).__name__}")
        self._value = raw.strip()
        register_secret(self._value)

    def reveal(self) -> str:
        """The value itself: only for putting into a request header or message."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        import hmac

        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> Any:
        raise TypeError("Secret values are not picklable")


def key_file_path() -> Path:
    """Where ``voicekit keys set`` stores keys (``VOICEKIT_KEY_FILE`` overrides)."""
    override = os.environ.get("VOICEKIT_KEY_FILE")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("voicekit")) / "keys.json"


def load_keys() -> dict[str, dict[str, str]]:
    """The key file's contents: ``{provider: {ENV_VAR: value}}`` (empty if absent)."""
    path = key_file_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        raise ConfigurationError(f"the key file {path} is not valid JSON; fix or delete it") \
            from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"the key file {path} should hold a JSON object")
    return {str(k): {str(n): str(v) for n, v in dict(v).items()} for k, v in data.items()}


def store_key(provider: str, env_var: str, value: str) -> Path:
    """Store one credential in the key file (created with mode 0600, written atomically)."""
    path = key_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = load_keys()
    keys.setdefault(provider, {})[env_var] = value
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".keys.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(keys, f, indent=2, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def stored_setting(provider: str, env_var: str) -> str | None:
    """A non-secret setting stored beside the keys (``NAME_BASE_URL``), or None."""
    try:
        value = load_keys().get(provider, {}).get(env_var)
    except ConfigurationError:
        return None
    return value or None


def resolve_credentials(
    info: ProviderInfo, given: Mapping[str, Any], *, required: bool = True,
    sources: dict[str, str] | None = None,
) -> dict[str, Secret]:
    """Find each credential ``info`` declares; keys of the result are option names.

    ``given`` holds the ``connect()`` arguments (``api_key=...``). Raises MissingCredentials
    naming every missing environment variable when ``required``. ``sources``, if given, is
    filled with where each found credential came from (for an authentication error).
    """
    found: dict[str, Secret] = {}
    missing: list[str] = []
    stored: dict[str, str] | None = None
    for env_var in info.credentials:
        option = info.option_name(env_var)
        value = given.get(option)
        source = f"the {option}= argument"
        if value is None:
            value = os.environ.get(env_var) or None
            source = f"the environment variable {env_var}"
        if value is None:
            if stored is None:
                stored = load_keys().get(info.name, {})
            value = stored.get(env_var)
            source = f"the key file {key_file_path()} (voicekit keys set {info.name})"
        if value is None or not Secret(value):
            missing.append(env_var)
        else:
            found[option] = Secret(value)
            if sources is not None:
                sources[option] = source
    if missing and required:
        raise MissingCredentials(info.name, missing)
    return found
