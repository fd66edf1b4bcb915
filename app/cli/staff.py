"""`voicebot accounts …` and `privacy audit`: staff accounts and the personal-data check."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import open_services, settings_or_exit


@click.group()
def privacy() -> None:
    """Checks that no raw personal number is kept where it should not be."""


@privacy.command("audit")
@click.option(
    "--log",
    "logs",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="A log file to scan too (repeatable).",
)
def privacy_audit(logs: tuple[str, ...]) -> None:
    """Scan Redis (and log files) for CPR- and phone-like strings; exit 1 on any finding."""
    from ..infra.privacy import scan_logs, scan_redis

    services = open_services(settings_or_exit())
    try:
        findings = [*scan_redis(services.redis), *scan_logs(Path(p) for p in logs)]
    finally:
        services.close()
    for finding in findings:
        click.echo(finding)
    if findings:
        sys.exit(1)
    click.echo("no raw personal numbers found")


@click.group()
def accounts() -> None:
    """Staff accounts for the agents' and admin pages."""


@accounts.command("add")
@click.argument("username")
@click.option("--name", default=None, help="Shown on the page (default: the username).")
@click.option(
    "--role",
    type=click.Choice(["agent", "admin"]),
    default="agent",
    show_default=True,
    help="What the account may see.",
)
@click.password_option(help="Asked for when not given (12+ characters).")
def accounts_add(username: str, name: str | None, role: str, password: str) -> None:
    """Add or replace an account in ACCOUNTS_FILE (only a hash of the password is stored)."""
    from ..staff.accounts import save_account

    settings = settings_or_exit()
    try:
        save_account(settings.accounts(), username, password, name or username, role)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{settings.accounts()}: {username} ({role}) saved")


@accounts.command("delete")
@click.argument("username")
def accounts_delete(username: str) -> None:
    """Remove an account; its open sessions stop working at their next request."""
    from ..staff.accounts import delete_account

    settings = settings_or_exit()
    if not delete_account(settings.accounts(), username):
        raise click.ClickException(f"no account {username!r}")
    click.echo(f"{settings.accounts()}: {username} deleted")
