"""A softphone, not a test tool, calls the SIP edge and speaks: baresip → `voicebot sip` → Vosk.

No Danish model is on the registries, so the bot runs the tiny Korean intent set with PyPI's
Korean Vosk model (as tests/channels/test_real_speech.py does for Twilio), and the caller's
voice is espeak-ng's Korean, played by baresip's `aufile` source from an 8 kHz WAV.
"""

import shutil
import subprocess
import wave
from pathlib import Path

import pytest

from app.bench.server import KO_INTENTS, free_port, korean_model_path
from app.outcomes.kpi.store import KpiStore
from app.speech.codecs import ulaw_to_pcm16, wav_to_ulaw
from app.speech.pyttsx3_tts import Pyttsx3Synthesizer
from tests.conftest import wait_until

pytestmark = pytest.mark.slow


@pytest.fixture
def edge_env(tmp_path):
    """The bot in Korean: a copy of the intents (nodes write their set back), Vosk, espeak."""
    shutil.copytree(KO_INTENTS.parent, tmp_path / "intents_ko")
    return {
        "INTENTS_DIR": str(tmp_path / "intents_ko" / "ko"),
        "STT_ENGINE": "vosk",
        "STT_MODEL_PATH": korean_model_path(),
        "TTS_VOICE": "ko",
    }


def pcm8k(text: str) -> bytes:
    """espeak-ng's Korean, as 8 kHz 16-bit PCM (the rate the call carries)."""
    return ulaw_to_pcm16(wav_to_ulaw(Pyttsx3Synthesizer("ko", rate=140).synthesize(text)))


def seconds(pcm: bytes) -> float:
    return len(pcm) / 16000


def caller_wav(path: Path, prompts: Path) -> None:
    """What the caller says, on the bot's timeline: the question once the greeting (which no
    one may talk over) and "ask" have played, and "no" after the answer and "anything else?".

    The timeline comes from the prompts the bot rendered at start-up, so a changed prompt text
    moves it with them.
    """

    def prompt(prompt_id: str) -> float:
        return max(f.stat().st_size for f in prompts.glob(f"{prompt_id}-*.ulaw")) / 8000

    question, no = pcm8k("여권"), pcm8k("아니요")
    quiet = lambda s: b"\x00\x00" * int(8000 * s)  # noqa: E731
    before_question = prompt("greeting") + prompt("ask") + 1.0
    # 1.5 s for the end of the turn and decoding, then 2 s into the 6 s the bot waits for a reply
    before_no = 1.5 + prompt("pas") + prompt("anything_else") + 2.0
    audio = quiet(before_question) + question + quiet(before_no) + no + quiet(20)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(audio)


def baresip_config(directory: Path, wav: Path) -> None:
    """A headless baresip: G.711 only, the WAV as microphone, a bridge as loudspeaker."""
    (directory / "config").write_text(
        "\n".join(
            [
                "module_path /usr/lib/baresip/modules",
                f"sip_listen 127.0.0.1:{free_port()}",
                f"audio_source aufile,{wav}",
                "audio_player aubridge,speaker",
                "audio_alert aubridge,speaker",
                "ausrc_srate 8000",
                "auplay_srate 8000",
                "ausrc_channels 1",
                "auplay_channels 1",
                "module g711.so",
                "module aufile.so",
                "module aubridge.so",
                "module_app account.so",
                "module_app menu.so",
                "",
            ]
        )
    )
    (directory / "accounts").write_text("<sip:+4512345678@127.0.0.1>;regint=0;audio_codecs=PCMA\n")


def test_a_baresip_caller_asks_by_voice_is_answered_and_the_call_is_resolved(edge, redis, tmp_path):
    port, _ = edge
    phone = tmp_path / "baresip"
    phone.mkdir()
    caller_wav(phone / "caller.wav", tmp_path / "var" / "prompts" / "ko")
    baresip_config(phone, phone / "caller.wav")
    with (phone / "out.txt").open("wb") as out:
        baresip = subprocess.Popen(
            ["baresip", "-f", str(phone), "-e", f"/dial sip:kommune@127.0.0.1:{port}", "-t", "90"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            kpi = KpiStore(redis)
            wait_until(kpi.records, 80, lambda: (phone / "out.txt").read_text()[-2000:])
        finally:
            baresip.kill()
            baresip.wait()
    (record,) = kpi.records()
    assert (record.outcome, record.intents, record.via) == ("resolved", ("pas",), "sip")
