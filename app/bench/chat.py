"""`voicebot bench chat`: citizens chatting at once over HTTP against a real `voicebot serve`."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator

from .server import Server, children, cmdline, cpu_seconds, percentile, rss_mb

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
            (c for c in children(server.process.pid) if b"redis-server" in cmdline(c)), None
        )
        base_rss = rss_mb(worker)
        base_redis = rss_mb(redis_pid) if redis_pid else 0.0
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

        cpu_before, started = cpu_seconds(worker), time.monotonic()
        threads = [threading.Thread(target=citizen, args=(i,)) for i in range(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - started
        cpu = cpu_seconds(worker) - cpu_before
        ms = sorted(t * 1000 for t in times)
        rss = rss_mb(worker) - base_rss
        redis_rss = (rss_mb(redis_pid) - base_redis) if redis_pid else 0.0
        yield (
            f"{sessions} citizens ({len(times) / wall:.0f} messages/s), {len(times)} replies "
            f"in {wall:.1f} s: "
            f"p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, "
            f"max {max(ms, default=0):.0f} ms"
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
