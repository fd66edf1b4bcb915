"""`voicebot bench calls`: N simultaneous calls against a real `voicebot serve`.

The server (gunicorn, embedded Redis, worker) runs in a child process; each caller dials over a
real WebSocket at real-time pace, signed as Twilio signs. Speech is the Korean model's (the one
Vosk model on PyPI) with a tiny Korean intent set; espeak-ng makes the callers' voices.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode
from xml.etree import ElementTree

from ..channels.twilio import signature
from ..speech.codecs import FRAME_MS, ulaw_to_pcm16, wav_to_ulaw
from .server import (
    PUBLIC_BASE,
    Engine,
    Server,
    children,
    cpu_seconds,
    percentile,
    rss_mb,
    sample_rss,
)

FRAME = FRAME_MS / 1000
SILENCE = b"\xff" * 160
TURNS = ("여권", "아니요")
"""What each simulated caller says: a question, then "no" to "anything else?"."""


@dataclass
class CallResult:
    """One simulated call's measurements."""

    latencies: list[float] = field(default_factory=list)
    """End of caller speech → first bot audio frame, per turn (seconds)."""
    greeting: float = float("inf")
    """Stream start → first greeting audio frame (seconds)."""
    error: str = ""


def speech_for(texts: tuple[str, ...]) -> dict[str, bytes]:
    """Callers' utterances as 8 kHz μ-law, spoken by espeak-ng's Korean voice."""
    from ..speech.pyttsx3_tts import Pyttsx3Synthesizer

    voice = Pyttsx3Synthesizer("ko", rate=140)
    return {t: _trim_silence(wav_to_ulaw(voice.synthesize(t))) for t in texts}


def _trim_silence(ulaw: bytes, threshold: int = 500) -> bytes:
    """Cut espeak's leading and trailing silence, so "end of audio" is the end of speech."""
    import numpy as np

    loud = np.flatnonzero(np.abs(np.frombuffer(ulaw_to_pcm16(ulaw), "<i2")) > threshold)
    return ulaw[loud[0] : loud[-1] + 1] if len(loud) else ulaw


def recogniser_rtf(engine: Engine, audio: bytes, restricted: bool) -> float:
    """Real-time factor of one recogniser on one utterance, in this process."""
    from ..config import Settings
    from ..speech import engines

    model = engines.load(
        Settings.for_tests(
            stt_engine=engine.name,
            stt_model_path=engine.model,
            stt_vocabulary="restricted" if restricted else "open",
        )
    )
    assert model is not None
    rec = model.recognizer(["여권", "아니요", "네", "상담원"])
    pcm = ulaw_to_pcm16(audio + SILENCE * 25)
    started = time.perf_counter()
    for i in range(0, len(pcm), 320):
        rec.accept(pcm[i : i + 320])
    rec.finish()
    return (time.perf_counter() - started) / (len(pcm) / 16_000)


def place_call(server: Server, index: int, speech: dict[str, bytes], result: CallResult) -> None:
    """One caller: dial, listen, say each turn at real-time pace, time the bot's replies."""
    import websocket

    sid = f"CA{index:032d}"
    form = {"CallSid": sid, "From": f"+45{20000000 + index}", "To": "+4543353000"}
    try:
        doc = ElementTree.fromstring(_post(server, "/twilio/voice", form))
        stream = doc.find("./Connect/Stream")
        params = {p.attrib["name"]: p.attrib["value"] for p in stream.findall("Parameter")}
        header = {"X-Twilio-Signature": signature.compute(server.token, stream.attrib["url"])}
        ws = websocket.create_connection(
            server.base.replace("http", "ws") + "/twilio/stream", header=header, timeout=30
        )
        listener = _Listener(ws)
        opened = time.monotonic()
        ws.send(
            json.dumps(
                {
                    "event": "start",
                    "start": {
                        "streamSid": "MZ" + sid[2:],
                        "callSid": sid,
                        "customParameters": params,
                    },
                }
            )
        )
        send = _Sender(ws, listener.lock)
        while listener.marks < 2:  # greeting and question
            send(SILENCE)
        result.greeting = listener.first_audio_after(opened) - opened
        for text in TURNS:
            for i in range(0, len(speech[text]), 160):
                send(speech[text][i : i + 160])
            spoke_until = time.monotonic()
            heard_before = listener.audio_frames
            while listener.audio_frames == heard_before and time.monotonic() - spoke_until < 5:
                send(SILENCE)
            result.latencies.append(listener.first_audio_after(spoke_until) - spoke_until)
            target = listener.marks + 1
            while listener.marks < target and not listener.closed:
                send(SILENCE)
        ws.close()
    except Exception as exc:  # noqa: BLE001 - a bench reports failures, it does not stop on them
        result.error = f"{type(exc).__name__}: {exc}"


class _Listener:
    """Reads what the server sends; echoes marks at once (instant playback)."""

    def __init__(self, ws: object) -> None:
        self.ws = ws
        self.lock = threading.Lock()
        """websocket-client is not safe for two threads sending at once."""
        self.marks = 0
        self.audio_frames = 0
        self.audio_times: list[float] = []
        self.closed = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        try:
            while raw := self.ws.recv():  # type: ignore[attr-defined]
                message = json.loads(raw)
                if message["event"] == "media":
                    self.audio_times.append(time.monotonic())
                    self.audio_frames += 1
                elif message["event"] == "mark":
                    self.marks += 1
                    with self.lock:
                        self.ws.send(raw)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - the server closing the stream ends the call
            pass
        self.closed = True

    def first_audio_after(self, moment: float) -> float:
        return next((t for t in self.audio_times if t >= moment), float("inf"))


class _Sender:
    """Sends media at Twilio's pace: one 20 ms frame every 20 ms, without drift."""

    def __init__(self, ws: object, lock: threading.Lock) -> None:
        self.ws = ws
        self.lock = lock
        self.next = time.monotonic()

    def __call__(self, ulaw: bytes) -> None:
        message = json.dumps(
            {"event": "media", "media": {"payload": base64.b64encode(ulaw).decode()}}
        )
        with self.lock:
            self.ws.send(message)  # type: ignore[attr-defined]
        self.next += FRAME
        delay = self.next - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def run_calls(
    concurrency: list[int],
    restricted: bool,
    pin_client: bool = False,
    engine: Engine | None = None,
    turn_model: str | None = None,
) -> Iterator[str]:
    """Place N simultaneous calls for each N; yields the report line by line.

    With `pin_client` the callers run on CPU 0 and the server (and its children) on the other
    CPUs, so the server's share of the machine is what its figures show.
    """
    engine = engine or Engine()
    speech = speech_for(TURNS)
    yield f"engine {engine.name}, model {engine.model}, end of turn {turn_model or 'fixed wait'}"
    yield f"vocabulary: {'restricted to the intents' if restricted else 'open (the whole model)'}"
    rtf = recogniser_rtf(engine, speech[TURNS[0]], restricted)
    yield f"recogniser RTF (one utterance, in-process): {rtf:.3f}"
    server = Server(
        restricted,
        threads=max(64, 2 * max(concurrency)),
        engine=engine,
        extra_env={"TURN_MODEL": turn_model} if turn_model else None,
    )
    try:
        if pin_client:
            yield _pin(server)
        yield (
            f"{'calls':>5} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'errors':>6} "
            f"{'CPU/call-s':>10} {'RSS MB':>7} {'+MB/call':>8} {'early':>6} {'greet ms':>8} "
            f"{'stt ms':>6} {'real time':>9}"
        )
        cold = _warm_up(server, speech)
        worker = server.worker_pid()
        base_rss = rss_mb(worker)
        sustained = 0
        for n in concurrency:
            results = [CallResult() for _ in range(n)]
            cpu_before, started = cpu_seconds(worker), time.monotonic()
            turns_before, stt_before = _turns(server), _stt_seconds(server)
            peak = [base_rss]
            done = threading.Event()
            sampler = threading.Thread(target=sample_rss, args=(worker, peak, done), daemon=True)
            threads = [
                threading.Thread(target=place_call, args=(server, i + n * 1000, speech, r))
                for i, r in enumerate(results)
            ]
            for t in threads:
                t.start()
            sampler.start()
            for t in threads:
                t.join()
            done.set()
            sampler.join()
            wall = time.monotonic() - started
            cpu = (cpu_seconds(worker) - cpu_before) / (n * wall)
            lat = sorted(x * 1000 for r in results for x in r.latencies)
            errors = sum(bool(r.error) for r in results)
            p50, p95 = percentile(lat, 50), percentile(lat, 95)
            ok = errors == 0 and p95 <= 1200
            sustained = n if ok else sustained
            turns, early = (a - b for a, b in zip(_turns(server), turns_before, strict=True))
            stt_ms = (_stt_seconds(server) - stt_before) * 1000 / max(1, turns)
            greet = percentile(sorted(r.greeting * 1000 for r in results), 50)
            yield (
                f"{n:>5} {p50:>7.0f} {p95:>7.0f} {max(lat, default=0):>7.0f} {errors:>6} "
                f"{cpu:>10.3f} {peak[0]:>7.0f} {(peak[0] - base_rss) / n:>8.1f} "
                f"{early / max(1, turns):>6.0%} {greet:>8.0f} {stt_ms:>6.0f} "
                f"{'yes' if ok else 'NO':>9}"
            )
            first_error = next((r.error for r in results if r.error), "")
            if first_error:
                yield f"      first error: {first_error}"
        yield f"largest N sustained in real time (p95 <= 1200 ms, no errors): {sustained}"
        yield (
            f"greeting on a fresh server (cold): first audio {cold * 1000:.0f} ms after the "
            "stream opened; 'greet ms' above is the warm p50; 'early' is the share of turns "
            "ended on the short pause; 'stt ms' the mean time from the end of a turn to its "
            "transcript"
        )
    finally:
        server.stop()


def _warm_up(server: Server, speech: dict[str, bytes]) -> float:
    """One call first, so caches are warm before measuring; returns its greeting time (cold)."""
    result = CallResult()
    place_call(server, 999_999, speech, result)
    if result.error:
        raise RuntimeError(f"warm-up call failed: {result.error}")
    return result.greeting


def _pin(server: Server) -> str:
    """Callers on CPU 0, the server's processes on the rest (Linux only)."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return "pinning skipped: one CPU"
    client, rest = {cpus[0]}, set(cpus[1:])
    os.sched_setaffinity(0, client)
    for pid in [server.process.pid, *children(server.process.pid)]:
        os.sched_setaffinity(pid, rest)
    return f"callers pinned to CPU {cpus[0]}, server to CPU {', '.join(map(str, sorted(rest)))}"


def _metrics(server: Server) -> dict[str, str]:
    """The server's /metrics, by name without labels."""
    with urllib.request.urlopen(server.base + "/metrics", timeout=5) as response:
        lines = response.read().decode().splitlines()
    return {
        name.split("{")[0]: value
        for name, value in (line.rsplit(" ", 1) for line in lines if line and line[0] != "#")
    }


def _stt_seconds(server: Server) -> float:
    """Total time from turn ends to transcripts so far."""
    return float(_metrics(server).get("voicebot_recognizer_seconds_sum", 0))


def _turns(server: Server) -> tuple[int, int]:
    """(turns recognised, turns ended early) so far, from the server's /metrics."""
    values = _metrics(server)
    return (
        int(float(values.get("voicebot_recognizer_seconds_count", 0))),
        int(float(values.get("voicebot_early_turns_total", 0))),
    )


def _post(server: Server, path: str, form: dict[str, str]) -> bytes:
    header = signature.compute(server.token, PUBLIC_BASE + path, {k: [v] for k, v in form.items()})
    request = urllib.request.Request(
        server.base + path, data=urlencode(form).encode(), headers={"X-Twilio-Signature": header}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()
