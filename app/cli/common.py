"""What every command needs: settings that fail in one line, the intent set, the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..config import Settings
from ..errors import ConfigError, IntentSetError
from ..speech.engines import ENGINES

if TYPE_CHECKING:
    from ..intents.catalogue import IntentSet
    from ..wiring import Services


def settings_or_exit() -> Settings:
    """Settings from the environment, or one clear line and exit 1."""
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def intents_dir(directory: str | None, settings: Settings) -> Path:
    """The directory a command was given, else INTENTS_DIR."""
    return Path(directory) if directory else settings.intents_dir


def open_services(settings: Settings, clock: Callable[[], datetime] | None = None) -> Services:
    """The shared services, or one clear line (a bad setting or intent set) and exit 1."""
    from ..wiring import Services

    try:
        return Services(settings, clock)
    except (ConfigError, IntentSetError) as exc:
        raise click.ClickException(str(exc)) from None


def load_set(path: Path) -> IntentSet:
    """An intent set from files, or its problems as `path:line: problem` and exit 1."""
    from ..intents.catalogue import load_intents

    try:
        return load_intents(path)
    except IntentSetError as exc:
        raise click.ClickException(str(exc)) from None


def speech_for(engine: str | None, model: str | None, vocabulary: str | None) -> tuple:
    """(settings, loaded model, the intent set's vocabulary) for the speech commands."""
    from ..speech import engines
    from ..wiring import Services

    settings = settings_or_exit()
    overrides = {"stt_engine": engine, "stt_model_path": model, "stt_vocabulary": vocabulary}
    settings = settings.with_(**{k: v for k, v in overrides.items() if v})
    try:
        loaded = engines.load(settings)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if loaded is None:
        raise click.ClickException("no speech model: set STT_MODEL_PATH (or pass --model)")
    return settings, loaded, Services(settings).vocabulary(load_set(settings.intents_dir))


ENGINE_OPTIONS = [
    click.option("--engine", type=click.Choice(ENGINES), help="STT_ENGINE."),
    click.option("--model", "model_dir", type=click.Path(file_okay=False), help="STT_MODEL_PATH."),
    click.option("--vocabulary", type=click.Choice(["restricted", "open"]), help="STT_VOCABULARY."),
    click.option("--phone-line", is_flag=True, help="First pass the audio through a phone line."),
]


def with_engine_options(command: Callable) -> Callable:
    """Add --engine, --model, --vocabulary and --phone-line to a speech command."""
    for option in reversed(ENGINE_OPTIONS):
        command = option(command)
    return command
