"""When a caller starts and stops talking: voice activity per 20 ms frame, and turn boundaries.

Vosk's own endpointing waits about a second after speech; deciding the end of a turn here and
forcing the final result is what keeps replies quick. The wait adapts: when what was heard so far
is already a complete request (the caller of `push` says so), a short pause ends the turn; when
it is not ("jeg skal øh …", a trailing "og", a number half said), a longer one is waited for.

Engines without live words (ctc, transducer, whisper) can instead be given an end-of-turn model
(end_of_turn.py): after CHECK_MS of silence it hears the turn and says whether the caller is
done; the long wait is kept when it says no, or when the words so far trail off.
"""

from __future__ import annotations

from collections import deque
from enum import Enum
from typing import Protocol

from .codecs import FRAME_MS, TWILIO_SAMPLE_RATE
from .end_of_turn import EndOfTurn

END_OF_TURN_MS = 640
"""Trailing silence that ends a turn that does not yet sound complete (a breath mid-sentence)."""
EARLY_END_MS = 240
"""Trailing silence that ends a turn that already sounds complete (12 frames of 20 ms)."""
SPEECH_START_MS = 60
"""Voiced audio, within a short window, needed to start a turn (a click is not a turn)."""
PRE_ROLL_MS = 240
"""Audio kept from just before a turn starts, so the recogniser hears the first syllable."""
CHECK_MS = 200
"""Trailing silence after which an end-of-turn model is asked (Smart Turn's authors use 200)."""
TURN_AUDIO_MS = 8_000
"""The end of a turn an end-of-turn model hears (Smart Turn v3 hears 8 s)."""


class Vad(Protocol):
    """Voice activity detection on one 20 ms frame of 8 kHz 16-bit PCM."""

    def is_speech(self, frame: bytes) -> bool:
        """True when the frame holds speech."""
        ...


class WebRtcVad:
    """Google's WebRTC VAD; aggressiveness 0 (keeps most) to 3 (drops most non-speech)."""

    def __init__(self, aggressiveness: int = 2) -> None:
        import webrtcvad

        self._vad = webrtcvad.Vad(aggressiveness)

    def is_speech(self, frame: bytes) -> bool:
        """True when the frame holds speech."""
        return self._vad.is_speech(frame, TWILIO_SAMPLE_RATE)


class Turn(Enum):
    """What a frame changed."""

    STARTED = "started"
    ENDED = "ended"


class TurnDetector:
    """Feeds on 20 ms frames; reports turn starts and ends and how long the caller has spoken."""

    def __init__(
        self,
        vad: Vad,
        end_of_turn_ms: int = END_OF_TURN_MS,
        early_end_ms: int = EARLY_END_MS,
        judge: EndOfTurn | None = None,
    ) -> None:
        self._vad = vad
        self._judge = judge
        self._check_frames = CHECK_MS // FRAME_MS
        self._audio: deque[bytes] = deque(maxlen=TURN_AUDIO_MS // FRAME_MS)
        self._end_frames = end_of_turn_ms // FRAME_MS
        self._early_frames = early_end_ms // FRAME_MS
        self._start_frames = SPEECH_START_MS // FRAME_MS
        self._recent: deque[tuple[bytes, bool]] = deque(maxlen=PRE_ROLL_MS // FRAME_MS)
        self.in_turn = False
        self.speech_ms = 0
        """Voiced time in the current turn."""
        self.turn_ms = 0
        """Length of the current turn, pauses included."""
        self._silent_frames = 0
        self.ended_early = False
        """The last turn ended on a short wait: it sounded complete, or the model said so."""
        self.judged = 0
        """Times the end-of-turn model was asked."""

    def push(
        self, frame: bytes, sounds_complete: bool = False, trails_off: bool = False
    ) -> Turn | None:
        """Classify one frame; returns STARTED or ENDED when the turn changes.

        `sounds_complete`: what was recognised so far is a whole request, so a short pause is
        the end of the turn. `trails_off`: the words so far end on one a sentence does not end
        on ("og", "øh"), so the end-of-turn model is not asked and the long wait holds.
        """
        voiced = self._vad.is_speech(frame)
        self._recent.append((frame, voiced))
        if not self.in_turn:
            recent_voiced = sum(v for _, v in list(self._recent)[-self._start_frames * 2 :])
            if voiced and recent_voiced >= self._start_frames:
                self.in_turn, self.speech_ms, self.turn_ms, self._silent_frames = True, 0, 0, 0
                self._audio.clear()
                self._audio.extend(f for f, _ in self._recent)
                return Turn.STARTED
            return None
        self._audio.append(frame)
        self.turn_ms += FRAME_MS
        if voiced:
            self.speech_ms += FRAME_MS
            self._silent_frames = 0
            return None
        self._silent_frames += 1
        early = (sounds_complete and self._silent_frames >= self._early_frames) or (
            self._silent_frames == self._check_frames and not trails_off and self._heard_finished()
        )
        if early or self._silent_frames >= self._end_frames:
            self.in_turn, self.ended_early = False, early
            return Turn.ENDED
        return None

    def _heard_finished(self) -> bool:
        if self._judge is None:
            return False
        self.judged += 1
        return self._judge.finished(b"".join(self._audio), TWILIO_SAMPLE_RATE)

    def pre_roll(self) -> bytes:
        """The frames just before (and including) the one that started the turn."""
        return b"".join(frame for frame, _ in self._recent)

    def cut(self) -> None:
        """End the current turn now (it ran too long)."""
        self.in_turn = False
