"""`voicebot bench turn-model`: what an end-of-turn model does on Danish phone turns.

Each request is spoken by espeak-ng's Danish voice, passed through a phone line (8 kHz μ-law),
and judged twice with 200 ms of silence after it: whole, and cut mid-phrase where a caller stops
to think. Half the cuts fall on a word no sentence ends on ("… til", "… og"), which the turn's
own words catch (`Flow.trails_off`: the call session holds such a turn for the rest of the long
pause, whatever the model said); half fall after a content word, which only the sound can tell.
espeak-ng speaks with flat prosody: it cannot show the falling pitch that ends a real Danish
sentence, so the rate on cut turns here is a floor, not a forecast.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

import numpy as np

from ..core.flow import Flow
from ..speech import end_of_turn
from ..speech.codecs import ulaw_to_pcm16, wav_to_ulaw
from ..speech.turns import CHECK_MS, END_OF_TURN_MS

REQUESTS = (
    ("Jeg skal flytte til Taastrup til marts, hvad gør jeg?", "Jeg skal flytte til"),
    (
        "Min far har brug for hjælp til at komme i bad om morgenen.",
        "Min far har brug for hjælp til",
    ),
    ("Kan jeg få en tid hos borgerservice i næste uge?", "Kan jeg få en tid hos"),
    ("Jeg har mistet mit kørekort på ferien.", "Jeg har mistet mit"),
    ("Hvordan søger jeg om byggetilladelse til en carport?", "Hvordan søger jeg om"),
    ("Jeg kan ikke komme ind på MitID-appen længere.", "Jeg kan ikke komme ind på"),
    ("Hvornår bliver mit affald hentet?", "Hvornår bliver mit"),
    ("Jeg er blevet ledig og skal melde mig på jobcentret.", "Jeg er blevet ledig og"),
    ("Hvad koster et nyt pas til et barn?", "Hvad koster et nyt pas"),
    ("Jeg vil gerne skifte læge.", "Jeg vil gerne skifte"),
    ("Min mor skal have en rollator.", "Min mor skal have en rollator og"),
    ("Hvor længe er der ventetid på en plejebolig?", "Hvor længe er der ventetid"),
    ("Vi har fået en regning fra kommunen, som vi ikke forstår.", "Vi har fået en regning"),
    ("Jeg skal forny mit sundhedskort.", "Jeg skal forny"),
    ("Kan jeg få boligstøtte, når jeg er studerende?", "Kan jeg få boligstøtte"),
    ("Hvornår har I åbent i morgen?", "Hvornår har I åbent"),
)
"""Requests as callers put them (not taken from the intents or the eval set), each with a cut."""


def run(setting: str) -> Iterator[str]:
    """Judge every request whole and cut; yields the figures."""
    from ..speech.pyttsx3_tts import Pyttsx3Synthesizer

    model = end_of_turn.load(setting)
    assert model is not None
    voice = Pyttsx3Synthesizer("da", rate=160)
    pause = b"\0\0" * (8 * CHECK_MS)
    yield f"model {model.name}; {len(REQUESTS)} requests, espeak-ng Danish through 8 kHz μ-law"
    finished_whole = finished_cut = held_cut = words_cut = 0
    times = []
    for whole, cut in REQUESTS:
        verdicts = []
        for text in (whole, cut):
            speech = _phone(voice, text) + pause
            started = time.perf_counter()
            verdicts.append(model.finished(speech, 8_000))
            times.append(time.perf_counter() - started)
        trails = Flow.trails_off(cut.replace(",", ""))
        finished_whole += verdicts[0]
        finished_cut += verdicts[1]
        words_cut += trails
        held_cut += trails or not verdicts[1]
        yield f"  {'ends' if verdicts[0] else 'holds':>5} {'ends' if verdicts[1] else 'holds':>5}"
        yield f"        {whole!r} / {cut!r}{' (words trail off)' if trails else ''}"
    n = len(REQUESTS)
    saved = (END_OF_TURN_MS - CHECK_MS) / 1000
    yield f"complete turns judged finished: {finished_whole}/{n} ({finished_whole / n:.0%})"
    yield f"cut turns judged unfinished by the model: {n - finished_cut}/{n}"
    yield f"cut turns held (model, or words that trail off): {held_cut}/{n} ({held_cut / n:.0%})"
    false = n - held_cut
    yield f"false end of turn (cut turns ended early): {false}/{n} ({false / n:.0%})"
    yield (
        f"judgement p50 {statistics.median(times) * 1000:.0f} ms; a finished turn ends after"
        f" {CHECK_MS} ms of silence + judgement instead of {END_OF_TURN_MS} ms"
        f" (~{saved * 1000 - statistics.median(times) * 1000:.0f} ms sooner);"
        f" mean saved per complete turn {saved * finished_whole / n * 1000:.0f} ms"
    )


def _phone(voice, text: str) -> bytes:
    """espeak-ng's speech through a phone line, its own leading and trailing silence cut."""
    samples = np.frombuffer(ulaw_to_pcm16(wav_to_ulaw(voice.synthesize(text))), "<i2")
    loud = np.flatnonzero(np.abs(samples) > 500)
    return samples[loud[0] : loud[-1] + 1].tobytes()
