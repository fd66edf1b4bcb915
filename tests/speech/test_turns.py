from app.speech.turns import END_OF_TURN_MS, Turn, TurnDetector

VOICED, QUIET = b"v" * 320, b"q" * 320


class ByteVad:
    def is_speech(self, frame):
        return frame[:1] == b"v"


def feed(detector, frames):
    return [change for f in frames if (change := detector.push(f))]


def test_a_turn_starts_after_a_little_speech_and_ends_after_trailing_silence():
    d = TurnDetector(ByteVad())
    assert feed(d, [QUIET] * 10 + [VOICED] * 2) == []
    assert feed(d, [VOICED]) == [Turn.STARTED]
    assert feed(d, [VOICED] * 20 + [QUIET] * (END_OF_TURN_MS // 20 - 1)) == []
    assert feed(d, [QUIET]) == [Turn.ENDED]
    assert d.speech_ms == 20 * 20


def test_a_pause_shorter_than_the_end_of_turn_keeps_the_turn():
    d = TurnDetector(ByteVad())
    long_pause = END_OF_TURN_MS // 20 + 5
    changes = feed(d, [VOICED] * 10 + [QUIET] * 10 + [VOICED] * 10 + [QUIET] * long_pause)
    assert changes == [Turn.STARTED, Turn.ENDED]


def test_a_click_is_not_a_turn():
    d = TurnDetector(ByteVad())
    assert feed(d, [QUIET, VOICED, QUIET, QUIET, VOICED, QUIET] * 5) == []


def test_pre_roll_holds_the_audio_before_the_start():
    d = TurnDetector(ByteVad())
    feed(d, [QUIET] * 20 + [VOICED] * 3)
    assert len(d.pre_roll()) == 12 * 320  # 240 ms


def test_a_turn_that_sounds_complete_ends_after_a_short_pause():
    from app.speech.turns import EARLY_END_MS

    d = TurnDetector(ByteVad())
    feed(d, [VOICED] * 20)
    quiet = [d.push(QUIET, sounds_complete=True) for _ in range(EARLY_END_MS // 20)]
    assert quiet[-1] is Turn.ENDED and quiet[:-1] == [None] * (len(quiet) - 1)
    assert d.ended_early


def test_a_turn_that_trails_off_waits_the_long_pause():
    d = TurnDetector(ByteVad())
    feed(d, [VOICED] * 20)
    quiet = [d.push(QUIET, sounds_complete=False) for _ in range(END_OF_TURN_MS // 20)]
    assert quiet.index(Turn.ENDED) == END_OF_TURN_MS // 20 - 1
    assert not d.ended_early
    assert END_OF_TURN_MS >= 600
