"""One phone call's audio loop: caller audio → turns → the flow → prompt audio back.

It knows no vendor: the Twilio socket feeds it μ-law frames, digits, marks and the hang-up, and
gives it an `AudioSink` to play into. Time is counted in received frames (Twilio sends one every
20 ms, silence included), which keeps the session deterministic under test.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Protocol

from ..core.actions import run_actions
from ..core.call import (
    Action,
    Call,
    Event,
    Failed,
    Hangup,
    Heard,
    HungUp,
    Keypad,
    Played,
    RequestCallback,
    Say,
    SendLink,
    Silence,
    Transfer,
)
from ..core.conversation import Conversation
from ..speech.codecs import FRAME_BYTES_PCM, FRAME_MS, ulaw_to_pcm16
from ..speech.prompts import PromptLibrary
from ..speech.stt import LEAD_IN, MAX_UTTERANCE_SECONDS, Recognizer
from ..speech.turns import CHECK_MS, END_OF_TURN_MS, Turn, TurnDetector

log = logging.getLogger(__name__)

NO_INPUT_MS = 6_000
"""Silence after a prompt has finished playing that counts as "the caller said nothing"."""
RECOGNIZER_CHUNK_BYTES = FRAME_BYTES_PCM * 5
"""Feed the recogniser 100 ms at a time: a fifth of the calls into Vosk, same results."""
BARGE_IN_MS = 300
"""Speech needed, with at least one recognised word, to interrupt the bot: not a cough or "mm"."""
BARGE_IN_UNHEARD_MS = 700
"""Speech needed to interrupt the bot when the engine gives no words until the turn ends."""


class AudioSink(Protocol):
    """Where a session's outbound audio goes (the Twilio socket, or a test)."""

    def play(self, ulaw: bytes, mark: str) -> None:
        """Queue audio, then a mark that comes back to `CallSession.on_mark` once it has played."""
        ...

    def clear(self) -> None:
        """Drop all queued audio now (barge-in)."""
        ...

    def end(self) -> None:
        """Close the media stream: the call continues with what `after-stream` decides."""
        ...


@dataclass
class _Outgoing:
    say: Say | None
    """None marks the end of the call: close the stream once everything before has played."""
    audio: Future[bytes] | None = None


class CallSession:
    """Drives one conversation from a phone call's audio.

    Args:
        conversation: the call's flow and state; its opening prompts are played by `start`.
        recognizer: this call's recogniser, or None when there is no model (keypad only).
        prompts: finds prompt audio; renders what is missing on `executor`.
        sink: plays audio and ends the stream.
        executor: where missing prompt audio is synthesised, off the receive loop.
        on_step: called with the call after every event (to keep its state in Redis).
        on_callback: makes a callback request the flow asked for.
        on_send_link: texts the caller an answer's link the flow offered and they accepted.
        on_recognised: told how long each final transcript took and whether the turn ended on
            the short pause (for /metrics).
        make_turns: the turn detector (VAD) for this call.
    """

    def __init__(
        self,
        conversation: Conversation,
        recognizer: Recognizer | None,
        prompts: PromptLibrary,
        sink: AudioSink,
        executor: Executor,
        on_step: Callable[[Call], None],
        make_turns: Callable[[], TurnDetector],
        on_callback: Callable[[RequestCallback], None] = lambda request: None,
        on_recognised: Callable[[float, bool], None] = lambda seconds, early: None,
        on_send_link: Callable[[SendLink], None] = lambda link: None,
    ) -> None:
        self.conversation = conversation
        self.recognizer = recognizer
        self.prompts = prompts
        self.sink = sink
        self.executor = executor
        self.on_step = on_step
        self.on_callback = on_callback
        self.on_send_link = on_send_link
        self.on_recognised = on_recognised
        self.turns = make_turns()
        self._outbox: deque[_Outgoing] = deque()
        self._playing: dict[str, Say] = {}
        self._marks = 0
        self._ending = False
        self._ended_stream = False
        self._idle_ms = 0
        self._pcm = b""
        self._unheard = b""
        """Turn audio not yet given to the recogniser (it is fed 100 ms at a time)."""
        self._partial = ""
        self._sounds_complete = False
        """The partial transcript is already a whole turn: a short pause ends it."""
        self._trails_off = False
        """The partial transcript stops on "og", "øh", …: the caller is still talking."""
        self._held = ""
        """A turn that ended on the short wait but whose words trail off ("… flytte til"): it is
        heard when the long pause has passed, or joined to what the caller says next."""
        self._held_ms = 0
        self._tts_failed = False

    @property
    def call(self) -> Call:
        """The conversation's current state."""
        return self.conversation.call

    def start(self) -> None:
        """Play the greeting."""
        self.on_step(self.call)
        self._perform(self.conversation.opening)

    def on_audio(self, ulaw: bytes) -> None:
        """Caller audio, any length; processed in 20 ms frames."""
        self._pcm += ulaw_to_pcm16(ulaw)
        while len(self._pcm) >= FRAME_BYTES_PCM:
            frame, self._pcm = self._pcm[:FRAME_BYTES_PCM], self._pcm[FRAME_BYTES_PCM:]
            self._frame(frame)
        self.flush()

    def on_dtmf(self, digit: str) -> None:
        """A key press interrupts whatever is playing, the greeting too, and goes to the flow.

        Speech cannot cut the greeting's automated-assistant notice short, but a key is a
        deliberate choice: 0 during the greeting reaches a person at once, not ~6 s later.
        """
        if (self._playing or self._outbox) and not self.conversation.ended:
            self._barge_in()
        self._handle(Keypad(digit))

    def on_mark(self, name: str) -> None:
        """A prompt finished playing (Twilio echoed its mark)."""
        say = self._playing.pop(name, None)
        self._idle_ms = 0
        if say is not None:
            self._handle(Played(say.prompt_id))
        self.flush()

    def on_hangup(self) -> None:
        """The caller hung up, or the stream stopped."""
        self._handle(HungUp())

    def fail(self, reason: str) -> None:
        """Something broke in this call: apologise and hand over (the flow decides how)."""
        self._handle(Failed(reason))

    # --- audio ----------------------------------------------------------------------------

    def _frame(self, frame: bytes) -> None:
        if self._ending:
            return
        if self._playing and not all(s.barge_in for s in self._playing.values()):
            return  # the automated-assistant notice is not interrupted
        if self.recognizer is None:
            self._tick_idle()
            return
        change = self.turns.push(frame, self._sounds_complete, self._trails_off)
        if change is Turn.STARTED:
            self._unheard = LEAD_IN + self.turns.pre_roll()
            self._sounds_complete = self._trails_off = False
        elif self.turns.in_turn or change is Turn.ENDED:
            self._unheard += frame
        else:
            self._tick_held()
            self._tick_idle()
            return
        self._idle_ms = 0
        ended = change is Turn.ENDED or self.turns.turn_ms >= MAX_UTTERANCE_SECONDS * 1000
        if len(self._unheard) >= RECOGNIZER_CHUNK_BYTES or ended:
            partial = self.recognizer.accept(self._unheard)
            if partial != self._partial:  # judge a new partial once, not every frame
                self._sounds_complete = bool(partial) and self.conversation.sounds_complete(partial)
                self._trails_off = self.conversation.trails_off(partial)
            self._partial = partial
            self._unheard = b""
        if self._playing and self._interrupts():
            self._barge_in()
        if ended:
            self.turns.cut()
            started = time.perf_counter()
            text, self._partial = self.recognizer.finish(), ""
            self._sounds_complete = self._trails_off = False
            self.on_recognised(time.perf_counter() - started, self.turns.ended_early)
            text = f"{self._held} {text}".strip()
            self._held = ""
            if text and self.turns.ended_early and self.conversation.trails_off(text):
                self._held, self._held_ms = text, END_OF_TURN_MS - CHECK_MS
            elif text:  # noise that made no words is not a turn
                self._handle(Heard(text))

    def _tick_held(self) -> None:
        """A turn ended early on words that trail off waits out the long pause for the rest."""
        if not self._held:
            return
        self._held_ms -= FRAME_MS
        if self._held_ms <= 0:
            text, self._held = self._held, ""
            self._handle(Heard(text))

    def _interrupts(self) -> bool:
        """The caller has said enough to stop the bot talking (words, or long enough speech)."""
        if self.recognizer is not None and not self.recognizer.streaming:
            return self.turns.speech_ms >= BARGE_IN_UNHEARD_MS
        return self.turns.speech_ms >= BARGE_IN_MS and bool(self._partial)

    def _tick_idle(self) -> None:
        if self._playing or self._outbox:
            return
        self._idle_ms += FRAME_MS
        if self._idle_ms >= NO_INPUT_MS:
            self._idle_ms = 0
            self._handle(Silence())

    def _barge_in(self) -> None:
        log.info("barge-in call_id=%s", self.call.call_id)
        self.sink.clear()
        self._playing.clear()
        self._outbox = deque(o for o in self._outbox if o.say is None)

    # --- actions --------------------------------------------------------------------------

    def _handle(self, event: Event) -> None:
        actions = self.conversation.handle(event)
        self.on_step(self.call)
        self._perform(actions)

    def _perform(self, actions: tuple[Action, ...]) -> None:
        run_actions(actions, self)
        self.flush()

    # The phone's way with the flow's actions (`dialogue.actions.ChannelActions`).

    def say(self, action: Say) -> None:
        """Render (or take from the cache) and queue the prompt's audio, in order."""
        self._outbox.append(_Outgoing(action, self._audio_for(action)))

    def transfer(self, action: Transfer) -> None:
        """End the stream once what came before has played; after-stream hands the call over."""
        self._outbox.append(_Outgoing(None))

    def hang_up(self, action: Hangup) -> None:
        """End the stream once what came before has played."""
        self._outbox.append(_Outgoing(None))

    def request_callback(self, action: RequestCallback) -> None:
        """Queue the callback (the channel knows the number and the queue)."""
        self.on_callback(action)

    def send_link(self, action: SendLink) -> None:
        """Queue the SMS with the answer's link."""
        self.on_send_link(action)

    def _audio_for(self, say: Say) -> Future[bytes]:
        if say.private:
            return self.executor.submit(self.prompts.render, say.prompt_id, say.text, False)
        cached = self.prompts.cached(say.prompt_id, say.text)
        if cached is not None:
            done: Future[bytes] = Future()
            done.set_result(cached)
            return done
        return self.executor.submit(self.prompts.render, say.prompt_id, say.text)

    def flush(self) -> None:
        """Send what is ready, in order; end the stream once everything has played."""
        while self._outbox and (self._outbox[0].audio is None or self._outbox[0].audio.done()):
            item = self._outbox.popleft()
            if item.say is None:
                self._ending = True
                continue
            try:
                audio = item.audio.result()  # type: ignore[union-attr]
            except Exception:  # noqa: BLE001 - any TTS failure: the caller must not hear silence
                self._tts_broke(item.say)
                continue
            self._marks += 1
            mark = f"{self._marks}:{item.say.prompt_id}"
            self._playing[mark] = item.say
            self.sink.play(audio, mark)
        if self._ending and not self._playing and not self._ended_stream:
            self._ended_stream = True
            self.sink.end()

    def _tts_broke(self, say: Say) -> None:
        log.exception(
            "prompt audio failed call_id=%s prompt_id=%s", self.call.call_id, say.prompt_id
        )
        if not self._tts_failed and not self.conversation.ended:
            self._tts_failed = True
            self._outbox.clear()
            self._handle(Failed("tts"))
