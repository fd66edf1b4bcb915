"""`voicebot transcribe` and `eval audio`: the recogniser on recordings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .common import load_set, speech_for, with_engine_options


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True))
@with_engine_options
def transcribe(
    files: tuple[str, ...],
    engine: str | None,
    model_dir: str | None,
    vocabulary: str | None,
    phone_line: bool,
) -> None:
    """Recognise WAV files (any rate; PCM, μ-law or A-law): one JSON line per file."""
    from ..speech.audio_eval import transcribe as recognise
    from ..speech.audio_files import AudioFileError

    _, model, words = speech_for(engine, model_dir, vocabulary)
    failed = False
    for name in files:
        try:
            result = recognise(model, words, Path(name), phone=phone_line)
        except AudioFileError as exc:
            click.echo(str(exc), err=True)
            failed = True
            continue
        click.echo(json.dumps({**result.as_dict(), "file": name}, ensure_ascii=False))
    if failed:
        sys.exit(2)


@click.group("eval")
def evaluate() -> None:
    """Measure the recogniser on recordings (the intents have `voicebot intents eval`)."""


@evaluate.command("audio")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
@with_engine_options
@click.option("--max-wer", type=float, help="Exit 1 when the word error rate is above this.")
@click.option("--min-top1", type=float, help="Exit 1 when intent top-1 is below this.")
@click.option("--show", is_flag=True, help="Print each file's transcript too.")
def eval_audio(
    directory: str,
    engine: str | None,
    model_dir: str | None,
    vocabulary: str | None,
    phone_line: bool,
    max_wer: float | None,
    min_top1: float | None,
    show: bool,
) -> None:
    """WER, CER, intent top-1, wrong answers and turn latency on DIR/transcripts.tsv.

    Exit 0 when measured (and within --max-wer / --min-top1), 1 when a limit is missed,
    2 when the directory or a file cannot be read.
    """
    from ..core.matcher import Matcher
    from ..speech.audio_eval import evaluate as run
    from ..speech.audio_files import AudioFileError

    settings, model, words = speech_for(engine, model_dir, vocabulary)
    matcher = Matcher(
        load_set(settings.intents_dir), settings.thresholds(), model_cache=settings.model_cache()
    )
    try:
        report = run(model, words, Path(directory), matcher, phone=phone_line)
    except (AudioFileError, ValueError) as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    from ..speech.engines import model_path

    click.echo(
        f"engine {settings.stt_engine}   model {Path(str(model_path(settings))).name}"
        f"   vocabulary {settings.stt_vocabulary}   phone line {'yes' if phone_line else 'no'}"
    )
    if show:
        for t in report.transcripts:
            click.echo(f"  {t.file}: {t.text}")
    for line in report.lines():
        click.echo(line)
    missed = (max_wer is not None and report.wer > max_wer) or (
        min_top1 is not None and (report.intents is None or report.intents.top1 < min_top1)
    )
    if missed:
        sys.exit(1)
