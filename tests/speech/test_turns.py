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


class Judge:
    """An end-of-turn model with a fixed verdict that remembers what it heard."""

    def __init__(self, verdict):
        self.verdict, self.heard = verdict, []

    def finished(self, pcm16, rate):
        self.heard.append((pcm16, rate))
        return self.verdict


def silence_until_end(detector, **flags):
    quiet = [detector.push(QUIET, **flags) for _ in range(END_OF_TURN_MS // 20)]
    return quiet.index(Turn.ENDED) + 1


def test_a_model_that_hears_the_caller_finished_ends_the_turn_after_the_short_check():
    from app.speech.turns import CHECK_MS

    judge = Judge(True)
    d = TurnDetector(ByteVad(), judge=judge)
    feed(d, [QUIET] * 30 + [VOICED] * 20)
    assert silence_until_end(d) == CHECK_MS // 20
    assert d.ended_early and d.judged == 1
    ((pcm, rate),) = judge.heard  # the turn from its pre-roll on, silence included
    assert rate == 8000 and pcm == b"".join([QUIET] * 9 + [VOICED] * 20 + [QUIET] * 10)


def test_a_model_that_hears_more_coming_keeps_the_long_wait_and_is_asked_once():
    d = TurnDetector(ByteVad(), judge=Judge(False))
    feed(d, [VOICED] * 20)
    assert silence_until_end(d) == END_OF_TURN_MS // 20
    assert not d.ended_early and d.judged == 1


def test_words_that_trail_off_hold_the_turn_whatever_the_model_hears():
    judge = Judge(True)
    d = TurnDetector(ByteVad(), judge=judge)
    feed(d, [VOICED] * 20)
    assert silence_until_end(d, trails_off=True) == END_OF_TURN_MS // 20
    assert judge.heard == [] and not d.ended_early


def test_each_pause_is_judged_afresh_and_a_long_turn_is_heard_by_its_last_8_seconds():
    judge = Judge(False)
    d = TurnDetector(ByteVad(), judge=judge)
    feed(d, [VOICED] * 500 + [QUIET] * 12 + [VOICED] * 5 + [QUIET] * 12)
    assert d.in_turn and d.judged == 2
    assert len(judge.heard[-1][0]) == 8000 * 2 * 8
