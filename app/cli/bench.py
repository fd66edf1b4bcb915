"""`voicebot bench …`: figures for speed and memory (the harnesses live in app/bench)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from ..speech.engines import ENGINES


@click.group()
def bench() -> None:
    """Benchmarks that print figures (speed, memory, capacity)."""


@bench.command("calls")
@click.option("--concurrency", default="1,8", show_default=True, help="Comma-separated N.")
@click.option("--open-vocabulary", is_flag=True, help="Decode with the model's full vocabulary.")
@click.option(
    "--pin-client", is_flag=True, help="Run the callers on CPU 0 and the server on the others."
)
@click.option(
    "--engine", type=click.Choice(ENGINES), default="vosk", help="STT_ENGINE for the server."
)
@click.option(
    "--model", "model_dir", type=click.Path(file_okay=False), help="Default: PyPI's Korean model."
)
@click.option("--turn-model", help="TURN_MODEL for the server (e.g. smart-turn-v3.2).")
def bench_calls(
    concurrency: str,
    open_vocabulary: bool,
    pin_client: bool,
    engine: str,
    model_dir: str | None,
    turn_model: str | None,
) -> None:
    """N simultaneous simulated callers over real WebSockets, real model, real-time pacing."""
    from ..bench.calls import run_calls
    from ..bench.server import Engine

    levels = [int(n) for n in concurrency.split(",") if n.strip()]
    chosen = Engine(engine, model_dir) if model_dir else Engine(engine)
    lines = run_calls(
        levels,
        restricted=not open_vocabulary,
        pin_client=pin_client,
        engine=chosen,
        turn_model=turn_model,
    )
    for line in lines:
        click.echo(line)


def _random_model(engine: str, shape: str) -> Callable:
    """`bench <engine>-model DIRECTORY`: a model of `shape` with random weights, for cost."""

    @click.argument("directory", type=click.Path(file_okay=False))
    @click.option("--float32", is_flag=True, help="Keep float32 weights (default: int8).")
    def command(directory: str, float32: bool) -> None:
        from importlib import import_module

        build = import_module(f".bench.{engine}", __package__).build
        for line in build(Path(directory), quantise=not float32):
            click.echo(line)

    command.__doc__ = f"Write a {engine} model of {shape}'s shape with random weights (for cost)."
    return command


bench.command("ctc-model")(_random_model("ctc", "Røst-315m"))


bench.command("transducer-model")(_random_model("transducer", "parakeet-rnnt-110m"))


_turn_cost_options = [
    click.option(
        "--model",
        "model_dir",
        required=True,
        type=click.Path(file_okay=False),
        help="The model directory.",
    ),
    click.option("--chunks", default="0,500,1000", show_default=True, help="Chunk sizes (ms)."),
    click.option("--threads", default=2, show_default=True, help="onnxruntime threads."),
]


def _turn_cost(engine: str) -> Callable:
    def command(model_dir: str, chunks: str, threads: int) -> None:
        from ..bench.ctc import run_turns

        chunk_sizes = [int(c) for c in chunks.split(",")]
        for line in run_turns(model_dir, chunk_sizes, threads, engine=engine):
            click.echo(line)

    command.__doc__ = f"{engine}: end of turn → transcript for a 3 s turn, per STT_CHUNK_MS."
    for option in reversed(_turn_cost_options):
        command = option(command)
    return command


bench.command("ctc")(_turn_cost("ctc"))


bench.command("transducer")(_turn_cost("transducer"))


@bench.command("turn-model")
@click.option("--turn-model", default="smart-turn-v3.2", show_default=True, help="TURN_MODEL.")
def bench_turn_model(turn_model: str) -> None:
    """The end-of-turn model on Danish espeak-ng turns: complete vs cut mid-phrase."""
    from ..bench.turn import run

    for line in run(turn_model):
        click.echo(line)


@bench.command("chat")
@click.option("--sessions", default=200, show_default=True, help="Citizens chatting at once.")
@click.option(
    "--think", default=5.0, show_default=True, help="Mean seconds between a citizen's messages."
)
def bench_chat(sessions: int, think: float) -> None:
    """N citizens chatting at once over HTTP: reply time and memory per session."""
    from ..bench.chat import run_chat

    for line in run_chat(sessions, think):
        click.echo(line)


@bench.command("frames")
def bench_frames() -> None:
    """Per-frame cost of a call's audio path, stage by stage, without the recogniser."""
    from ..bench.frames import run_frames

    for line in run_frames():
        click.echo(line)


@bench.command("sip")
@click.option("--calls", default="10,20,40", show_default=True, help="Comma-separated N.")
@click.option("--hold", default=20.0, show_default=True, help="Seconds each call lasts.")
@click.option("--rate", default=10, show_default=True, help="New calls per second.")
def bench_sip(calls: str, hold: float, rate: int) -> None:
    """N SIPp calls at once through `voicebot sip`: set-up, RTP send jitter, CPU per call."""
    from ..bench.sip import run_sip

    for line in run_sip([int(n) for n in calls.split(",") if n.strip()], hold, rate):
        click.echo(line)


@bench.command("match")
@click.option("--lines", default=5000, show_default=True, help="Utterances to time.")
@click.option("--intents", "size", type=int, help="Grow the set to this many intents first.")
def bench_match(lines: int, size: int | None) -> None:
    """Matcher build time and cost per utterance, on the shipped set or one grown to a size."""
    from ..bench.match import run_match

    for line in run_match(lines, size):
        click.echo(line)
