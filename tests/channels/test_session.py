"""The call session without a network: frames in, audio and marks out."""

from concurrent.futures import Executor, Future

import pytest

from app.channels.session import NO_INPUT_MS, CallSession
from app.core.call import Outcome, TransferReason
from app.core.conversation import Conversation
from app.speech.turns import CHECK_MS, END_OF_TURN_MS, TurnDetector

QUIET = b"\xff" * 160
LOUD = b"\x00" * 160  # full-scale μ-law


class LoudVad:
    def is_speech(self, frame):
        return max(frame) > 10_000 // 256


class Sink:
    def __init__(self):
        self.played, self.cleared, self.ended = [], 0, False

    def play(self, ulaw, mark):
        self.played.append(mark)

    def clear(self):
        self.cleared += 1

    def end(self):
        self.ended = True


class Library:
    def __init__(self, broken=()):
        self.broken = broken

    def cached(self, prompt_id, text):
        return None

    def render(self, prompt_id, text):
        if prompt_id in self.broken:
            raise RuntimeError("tts down")
        return b"\xff" * 800


class Exploding:
    streaming = True

    def accept(self, pcm16):
        raise RuntimeError("recogniser crashed")

    def finish(self):
        return ""


class Words:
    streaming = True

    def __init__(self, *texts):
        self.texts = list(texts)

    def accept(self, pcm16):
        return "ord"

    def finish(self):
        return self.texts.pop(0)


class InlineExecutor(Executor):
    """Renders at once on the caller's thread: the tests see each step without waiting."""

    def submit(self, fn, /, *args, **kwargs):
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - the session reads it from the future
            future.set_exception(exc)
        return future


@pytest.fixture
def session_for(flow_at):
    executor = InlineExecutor()
    ended = []

    def make(recognizer, library=None, judge=None):
        flow = flow_at()
        convo = Conversation(flow, "CA1", ended.append)
        sink = Sink()
        session = CallSession(
            convo,
            recognizer,
            library or Library(),
            sink,
            executor,
            on_step=lambda call: None,
            make_turns=lambda: TurnDetector(LoudVad(), judge=judge),
        )
        session.start()
        return session, sink

    yield make
    executor.shutdown()


def play_out(session, sink):
    """Echo every mark, as Twilio does once audio has played, until nothing new is played."""
    echoed = set()
    for _ in range(100):
        session.flush()
        new = [m for m in sink.played if m not in echoed]
        if not new:
            return
        for mark in new:
            echoed.add(mark)
            session.on_mark(mark)
    raise AssertionError("the bot never stopped talking")


def prompts(sink):
    return [m.split(":")[1] for m in sink.played]


def test_a_speech_turn_reaches_the_flow_and_its_answer_is_played(session_for):
    session, sink = session_for(Words("jeg skal forny mit kørekort"))
    play_out(session, sink)
    session.on_audio(LOUD * 20 + QUIET * 40)
    play_out(session, sink)
    assert prompts(sink)[-2:] == ["koerekort", "anything_else"]


def test_an_exception_in_the_recogniser_apologises_and_transfers(session_for):
    session, sink = session_for(Exploding())
    play_out(session, sink)
    with pytest.raises(RuntimeError):
        session.on_audio(LOUD * 5)
    session.fail("exception")  # what the socket loop does at the edge of the call
    play_out(session, sink)
    assert prompts(sink)[-2:] == ["error", "transfer"]
    assert sink.ended
    assert (session.call.outcome, session.call.reason) == (
        Outcome.TRANSFERRED,
        TransferReason.ERROR,
    )


def test_failing_speech_synthesis_never_leaves_the_caller_in_silence(session_for):
    session, sink = session_for(Words("jeg skal forny mit kørekort"), Library(broken={"koerekort"}))
    play_out(session, sink)
    session.on_audio(LOUD * 20 + QUIET * 40)
    play_out(session, sink)
    assert prompts(sink)[-2:] == ["error", "transfer"]
    assert "koerekort" not in prompts(sink)
    assert sink.ended
    assert session.call.reason is TransferReason.ERROR


def test_silence_counts_only_after_the_prompt_has_played(session_for):
    session, sink = session_for(Words())
    session.on_audio(QUIET * (NO_INPUT_MS // 20 + 10))  # prompts still "playing": no timer
    assert session.call.silences == 0
    play_out(session, sink)
    session.on_audio(QUIET * (NO_INPUT_MS // 20))
    assert session.call.silences == 1


class Partial:
    """A recogniser whose partial result is fixed, so the session can judge it mid-turn."""

    streaming = True

    def __init__(self, partial, final):
        self.partial, self.final = partial, final

    def accept(self, pcm16):
        return self.partial

    def finish(self):
        return self.final


def frames_until_heard(session, sink):
    """Speak 600 ms, then count quiet frames until the bot answers (the turn has ended)."""
    play_out(session, sink)
    before = len(sink.played)
    for _ in range(30):
        session.on_audio(LOUD)
    for quiet in range(1, 100):
        session.on_audio(QUIET)
        session.flush()
        if len(sink.played) > before or session.call.turns:
            return quiet
    return None


def test_a_complete_request_is_answered_after_a_short_pause(session_for):
    from app.speech.turns import EARLY_END_MS

    session, sink = session_for(
        Partial("jeg skal forny mit kørekort", "jeg skal forny mit kørekort")
    )
    assert frames_until_heard(session, sink) * 20 == EARLY_END_MS


def test_a_hesitation_is_not_cut_off(session_for):
    from app.speech.turns import END_OF_TURN_MS

    session, sink = session_for(Partial("jeg skal øh", "jeg skal øh forny mit kørekort"))
    assert frames_until_heard(session, sink) * 20 >= END_OF_TURN_MS - 20


class TurnBased:
    """An engine without partials (ctc, whisper): words only once the turn has ended."""

    streaming = False

    def __init__(self, final):
        self.final = final

    def accept(self, pcm16):
        return ""

    def finish(self):
        return self.final


@pytest.mark.parametrize("spoken_frames, interrupted", [(10, False), (40, True)])
def test_without_partials_the_bot_is_interrupted_by_speech_long_enough(
    session_for, spoken_frames, interrupted
):
    session, sink = session_for(TurnBased("jeg skal forny mit kørekort"))
    play_out(session, sink)
    session.on_audio(LOUD * 20 + QUIET * 40)
    session.flush()  # the answer is rendered and sent, and not yet played out (no mark back)
    assert "koerekort" in prompts(sink)
    session.on_audio(LOUD * spoken_frames)
    assert bool(sink.cleared) == interrupted


class Finished:
    """An end-of-turn model that hears every pause as the end."""

    def finished(self, pcm16, rate):
        return True


class TurnWords(Words):
    streaming = False  # words only once the turn has ended, as ctc and transducer give them

    def accept(self, pcm16):
        return ""


def heard(session):
    return [turn.text for turn in session.call.turns]


def test_an_early_end_on_words_that_trail_off_is_joined_to_what_the_caller_says_next(
    session_for,
):
    session, sink = session_for(TurnWords("jeg skal flytte til", "roskilde"), judge=Finished())
    play_out(session, sink)
    session.on_audio(LOUD * 20 + QUIET * (CHECK_MS // 20))  # the model: finished
    assert heard(session) == []  # "… til": the rest of the long pause is waited for
    session.on_audio(QUIET * 5 + LOUD * 20 + QUIET * (CHECK_MS // 20))
    assert heard(session) == ["jeg skal flytte til roskilde"]


def test_words_that_trail_off_are_heard_as_they_are_once_the_long_pause_has_passed(session_for):
    session, sink = session_for(TurnWords("jeg skal flytte til"), judge=Finished())
    play_out(session, sink)
    session.on_audio(LOUD * 20 + QUIET * (CHECK_MS // 20))
    session.on_audio(QUIET * ((END_OF_TURN_MS - CHECK_MS) // 20 - 1))
    assert heard(session) == []
    session.on_audio(QUIET)
    assert heard(session) == ["jeg skal flytte til"]


def test_a_turn_the_model_hears_as_finished_is_answered_after_the_short_pause(session_for):
    session, sink = session_for(TurnWords("jeg skal forny mit kørekort"), judge=Finished())
    play_out(session, sink)
    session.on_audio(LOUD * 20 + QUIET * (CHECK_MS // 20))
    assert heard(session) == ["jeg skal forny mit kørekort"]
