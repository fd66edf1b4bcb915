"""`voicebot`: the command group; each group of commands lives in its own module."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from .bench import bench
from .chat import chat, match
from .intents import intents
from .kpi import kpi
from .serve import serve, sip, worker
from .speech import evaluate, transcribe
from .staff import accounts, privacy


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log at INFO to stderr.")
def main(verbose: bool) -> None:
    """Self-hosted Danish voicebot for a municipal contact centre."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def reference(directory: Path) -> None:
    """Write cli.md and settings.md (every command and setting, from the code) into DIRECTORY."""
    from .reference import write

    for path in write(directory, main):
        click.echo(f"wrote {path}")


for command in (chat, match, serve, sip, worker, intents, accounts, privacy, transcribe, evaluate):
    main.add_command(command)
main.add_command(bench)
main.add_command(kpi)
