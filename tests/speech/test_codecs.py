import warnings

import numpy as np
import pytest

from app.speech.codecs import Resampler, pcm16_to_ulaw, ulaw_seconds, ulaw_to_pcm16, wav_to_ulaw

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    audioop = pytest.importorskip("audioop")  # the reference, where this Python still has it

EVERY_SAMPLE = np.arange(-32768, 32768, dtype="<i2").tobytes()


def test_ulaw_encoding_is_bit_exact_with_audioop():
    assert pcm16_to_ulaw(EVERY_SAMPLE) == audioop.lin2ulaw(EVERY_SAMPLE, 2)


def test_ulaw_decoding_is_bit_exact_with_audioop():
    every_code = bytes(range(256))
    assert ulaw_to_pcm16(every_code) == audioop.ulaw2lin(every_code, 2)


def test_ulaw_silence_is_ff():
    assert pcm16_to_ulaw(b"\x00\x00" * 4) == b"\xff" * 4


def tone(rate, hz=300, seconds=1.0):
    t = np.arange(int(rate * seconds)) / rate
    return (np.sin(2 * np.pi * hz * t) * 10_000).astype("<i2").tobytes()


@pytest.mark.parametrize(("source", "target"), [(22_050, 8_000), (8_000, 16_000), (16_000, 8_000)])
def test_resampling_in_chunks_equals_resampling_whole(source, target):
    signal = tone(source)
    whole = Resampler(source, target).process(signal)
    chunked = Resampler(source, target)
    pieces = b"".join(chunked.process(signal[i : i + 442]) for i in range(0, len(signal), 442))
    a, b = np.frombuffer(pieces, "<i2"), np.frombuffer(whole, "<i2")
    assert len(a) == len(b)
    assert np.abs(a.astype(int) - b).max() <= 1  # rounding only: no clicks at chunk edges
    assert abs(len(whole) // 2 - target) <= 2


def test_resampling_keeps_a_tone_and_removes_what_cannot_be_carried():
    down = np.frombuffer(Resampler(22_050, 8_000).process(tone(22_050, hz=300)), "<i2")
    assert np.abs(down[100:-100]).max() > 8_000  # 300 Hz passes
    alias = np.frombuffer(Resampler(22_050, 8_000).process(tone(22_050, hz=7_000)), "<i2")
    assert np.abs(alias[100:-100]).max() < 1_500  # 7 kHz cannot be carried at 8 kHz: filtered


def test_wav_to_ulaw_gives_8khz(tmp_path):
    import io
    import wave

    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes(np.repeat(np.frombuffer(tone(16_000), "<i2"), 2).tobytes())
    assert ulaw_seconds(wav_to_ulaw(buffer.getvalue())) == pytest.approx(1.0, abs=0.01)


def test_alaw_decoding_is_bit_exact_with_audioop():
    from app.speech.codecs import alaw_to_pcm16

    every_code = bytes(range(256))
    assert alaw_to_pcm16(every_code) == audioop.alaw2lin(every_code, 2)


def test_phone_audio_reaches_a_wide_band_model_without_mirror_images():
    """A 3 kHz tone at 8 kHz must not come out with an image at 5 kHz at 16 kHz."""
    from app.speech.codecs import PhoneToModel

    wide = PhoneToModel(16_000)
    pcm = tone(8000, hz=3000)
    samples = np.concatenate([wide.feed(pcm[:8000]), wide.feed(pcm[8000:]), wide.flush()])
    assert abs(len(samples) - 16_000) <= 32
    middle = samples[2000:-2000]
    spectrum = np.abs(np.fft.rfft(middle))
    hz = np.fft.rfftfreq(len(middle), 1 / 16000)
    assert (
        spectrum[(hz > 4800) & (hz < 5200)].max() < spectrum[(hz > 2900) & (hz < 3100)].max() / 1000
    )
    assert len(wide.flush()) == 0  # ready for the next utterance


def test_alaw_encoding_is_bit_exact_with_audioop():
    from app.speech.codecs import pcm16_to_alaw

    assert pcm16_to_alaw(EVERY_SAMPLE) == audioop.lin2alaw(EVERY_SAMPLE, 2)


def test_alaw_and_ulaw_convert_through_one_byte_map_each_way():
    from app.speech.codecs import alaw_to_ulaw, ulaw_to_alaw

    every_code = bytes(range(256))
    assert alaw_to_ulaw(every_code) == audioop.lin2ulaw(audioop.alaw2lin(every_code, 2), 2)
    assert ulaw_to_alaw(every_code) == audioop.lin2alaw(audioop.ulaw2lin(every_code, 2), 2)
