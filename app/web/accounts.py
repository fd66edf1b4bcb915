"""Who may use the staff pages: agents and admins from a YAML file, passwords hashed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from werkzeug.security import check_password_hash, generate_password_hash

ROLES = ("agent", "admin")


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


def authenticate(path: Path, username: str, password: str) -> Account | None:
    """The account if the password is right, else None (same answer for unknown users)."""
    account = load_accounts(path).get(username)
    if account is None:
        check_password_hash(generate_password_hash("x"), password)  # same time either way
        return None
    return account if check_password_hash(account.password_hash, password) else None


def save_account(path: Path, username: str, password: str, name: str, role: str) -> None:
    """Add or replace an account; only the password's hash is written."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    accounts = load_accounts(path)
    accounts[username] = Account(username, name, role, generate_password_hash(password))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        yaml.safe_dump({"accounts": [a.__dict__ for a in accounts.values()]}, allow_unicode=True),
        encoding="utf-8",
    )
    path.chmod(0o600)
