"""Who may use the staff pages: agents and admins from a YAML file, passwords hashed."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from werkzeug.security import check_password_hash, generate_password_hash

ROLES = ("agent", "admin")
MIN_PASSWORD_LENGTH = 12
"""Characters; a short password falls to guessing however slowly each guess is checked."""


@dataclass(frozen=True)
class Account:
    """One member of staff."""

    username: str
    name: str
    role: str
    password_hash: str


def load_accounts(path: Path) -> dict[str, Account]:
    """Accounts by username; none if the file does not exist."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        a["username"]: Account(
            a["username"], a.get("name", a["username"]), a.get("role", "agent"), a["password_hash"]
        )
        for a in data.get("accounts", [])
    }


class AccountBook:
    """The accounts file, re-read when it changes, so edits apply to the next request."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None
        self._accounts: dict[str, Account] = {}

    def get(self, username: str) -> Account | None:
        """The account as the file says now, or None if it was deleted."""
        return self._current().get(username)

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account if the password is right; unknown users cost the same hash check."""
        account = self.get(username)
        if account is None:
            check_password_hash(_dummy_hash(), password)
            return None
        return account if check_password_hash(account.password_hash, password) else None

    def _current(self) -> dict[str, Account]:
        try:
            stat = os.stat(self.path)
            seen = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            return {}
        with self._lock:
            if seen != self._seen:
                self._accounts, self._seen = load_accounts(self.path), seen
            return self._accounts


def save_account(path: Path, username: str, password: str, name: str, role: str) -> None:
    """Add or replace an account; only the password's hash is written.

    Raises:
        ValueError: unknown role, or a password shorter than MIN_PASSWORD_LENGTH.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    accounts = load_accounts(path)
    accounts[username] = Account(username, name, role, generate_password_hash(password))
    _write(path, accounts)


def delete_account(path: Path, username: str) -> bool:
    """Remove an account; its sessions stop working at their next request."""
    accounts = load_accounts(path)
    if accounts.pop(username, None) is None:
        return False
    _write(path, accounts)
    return True


def _write(path: Path, accounts: dict[str, Account]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_suffix(".tmp")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        yaml.safe_dump(
            {"accounts": [a.__dict__ for a in accounts.values()]}, out, allow_unicode=True
        )
    os.replace(staged, path)


@cache
def _dummy_hash() -> str:
    """A hash made once, so an unknown user costs one check, as a known one does."""
    return generate_password_hash("no such account")
