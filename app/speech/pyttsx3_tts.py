"""pyttsx3 (espeak-ng on Linux) speech synthesis; the only module that imports pyttsx3.

pyttsx3 keeps one engine per process, prints to stdout, and its output creeps longer call by call.
Its espeak driver also leaves `runAndWait` before espeak has finished a long text (its own
end-of-loop command runs first), so the file appears only later. So each render runs in a fresh
child process (`python -m app.speech.pyttsx3_tts VOICE RATE OUT.wav`, text on stdin) that waits
for a complete file, and the result is checked (written, duration plausible) and retried once.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

from ..errors import VoicebotError

RENDER_TIMEOUT_SECONDS = 30
MIN_SECONDS_PER_WORD = 0.08
MAX_SECONDS_PER_CHAR = 0.25


class SynthesisError(VoicebotError):
    """TTS produced no usable audio."""


class Pyttsx3Synthesizer:
    """Speaks Danish (or `voice`) through the host's espeak-ng."""

    def __init__(self, voice: str = "da", rate: int = 165) -> None:
        self.voice = voice
        self.rate = rate

    def synthesize(self, text: str) -> bytes:
        """WAV bytes of `text`; raises SynthesisError after two bad attempts."""
        problem = ""
        for _ in range(2):
            with tempfile.TemporaryDirectory(prefix="tts-") as tmp:
                out = Path(tmp) / "out.wav"
                done = subprocess.run(
                    [sys.executable, "-m", __name__, self.voice, str(self.rate), str(out)],
                    input=text.encode(),
                    capture_output=True,
                    timeout=RENDER_TIMEOUT_SECONDS,
                )
                if done.returncode == 0 and out.exists():
                    data = out.read_bytes()
                    problem = check_duration(data, text)
                    if not problem:
                        return data
                else:
                    problem = f"no file (exit {done.returncode}: {done.stderr.decode()[-200:]})"
        raise SynthesisError(f"pyttsx3 failed: {problem}")


def check_duration(wav_bytes: bytes, text: str) -> str:
    """Empty if the audio's length is plausible for the text, else what is wrong."""
    try:
        with wave.open(io.BytesIO(wav_bytes)) as wav:
            seconds = wav.getnframes() / wav.getframerate()
    except (wave.Error, EOFError) as exc:
        return f"not a WAV file ({exc})"
    low = MIN_SECONDS_PER_WORD * max(1, len(text.split()))
    high = MAX_SECONDS_PER_CHAR * max(1, len(text)) + 1.0
    return "" if low <= seconds <= high else f"{seconds:.2f} s for {len(text)} characters"


def _render(voice: str, rate: int, out: str, text: str) -> None:
    import pyttsx3

    engine = pyttsx3.init()
    engine.setProperty("voice", voice)
    engine.setProperty("rate", rate)
    engine.save_to_file(text, out)
    engine.runAndWait()
    deadline = time.monotonic() + RENDER_TIMEOUT_SECONDS - 5
    while not _complete_wav(Path(out)) and time.monotonic() < deadline:
        time.sleep(0.02)  # espeak is still synthesising on its own thread


def _complete_wav(path: Path) -> bool:
    try:
        with wave.open(str(path)) as wav:
            expected = wav.getnframes() * wav.getsampwidth() * wav.getnchannels()
        return path.stat().st_size >= expected + 44
    except (OSError, wave.Error, EOFError):
        return False


if __name__ == "__main__":
    sys.stdout = sys.stderr  # pyttsx3 prints "Audio saved to ..."; keep stdout clean
    _render(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.stdin.read())
