"""`voicebot bench frames`: the per-frame work of a call without the recogniser."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator


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

    from ..channels.twilio import stream as twilio_stream
    from ..speech.codecs import ulaw_to_pcm16
    from ..speech.turns import TurnDetector, WebRtcVad

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
