"""The process's secret and the keys derived from it: never a public default.

SECRET_KEY, when set, must be strong. Unset, a random secret is created once under DATA_DIR
(mode 0600) and reused by every process that shares the directory. Staff sessions and the
caller hash get separate keys derived from it, so knowing one never yields the other.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

log = logging.getLogger(__name__)

MIN_SECRET_LENGTH = 32
"""Characters: a random 32-character secret is far past brute force; a password is not."""
SECRET_FILE = "secret_key"


@dataclass(frozen=True)
class Keys:
    """Keys for one purpose each, derived from the one secret."""

    session: bytes
    """Signs staff session cookies (Flask's SECRET_KEY)."""
    caller_hash: bytes
    """Keys the hash of a caller's number in KPI records (re-contact counting)."""

    @classmethod
    def from_secret(cls, secret: str) -> Keys:
        """Derive the purpose keys (HMAC with a label: a key leaks nothing about its siblings)."""
        return cls(_derive(secret, b"staff-session"), _derive(secret, b"caller-hash"))


def load_keys(secret_key: str | None, data_dir: Path) -> Keys:
    """The configured secret (checked), else the one under `data_dir`, created on first use.

    Raises:
        ConfigError: SECRET_KEY is too short, or the secret file cannot be made or read.
    """
    if secret_key:
        if len(secret_key) < MIN_SECRET_LENGTH or len(set(secret_key)) < 8:
            raise ConfigError(
                f"SECRET_KEY must be at least {MIN_SECRET_LENGTH} random characters "
                "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return Keys.from_secret(secret_key)
    return Keys.from_secret(_stored_secret(data_dir / SECRET_FILE))


def _stored_secret(path: Path) -> str:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(path)
    except OSError as exc:
        raise ConfigError(f"cannot create {path}: {exc}; set SECRET_KEY") from None
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(48))
    log.warning("no SECRET_KEY: created a random secret in %s (keep it, or set SECRET_KEY)", path)
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    try:
        secret = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(f"{path} holds no usable secret; delete it or set SECRET_KEY")
    return secret


def _derive(secret: str, label: bytes) -> bytes:
    return hmac.new(secret.encode(), label, hashlib.sha256).digest()
