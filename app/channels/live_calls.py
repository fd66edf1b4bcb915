"""What every phone adapter does with a call: start its session, and decide what follows it.

The Twilio stream and the Asterisk media socket differ only in how audio, keys and the hang-up
arrive; the conversation, its saved state, callbacks and the outcome are the same, so a call
through either is counted, handed off and called back alike (`via` tells them apart).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from redis.exceptions import RedisError

from ..core.call import Call, Failed, Outcome, State, TransferReason
from ..outcomes.handoff import Handoff, HandoffStore
from ..outcomes.kpi.events import Channel
from ..speech.end_of_turn import EndOfTurn
from ..speech.stt import Recognizer
from ..speech.turns import TurnDetector, WebRtcVad
from .call_store import CallStore
from .session import AudioSink, CallSession

if TYPE_CHECKING:
    from concurrent.futures import Executor
    from datetime import datetime

    from redis import Redis

    from ..core.call import RequestCallback, SendLink
    from ..core.conversation import Conversation
    from ..core.flow import Flow
    from ..infra.live_figures import LiveFigures
    from ..intents.catalogue import IntentSet
    from ..speech.prompts import PromptLibrary
    from ..speech.stt import SpeechModel

log = logging.getLogger(__name__)


class PhoneServices(Protocol):
    """What a phone call needs of its process (`services.Services` is one; a test may be another).

    The channel names what it uses instead of importing the composition root.
    """

    redis: Redis
    live: LiveFigures
    executor: Executor
    prompts: PromptLibrary
    speech_model: SpeechModel | None
    turn_model: EndOfTurn | None

    def flow(self, intents: IntentSet | None = None, written: bool = False) -> Flow:
        """The rules on the current intent set."""

    def conversation(
        self,
        call_id: str,
        channel: Channel,
        caller: str | None = None,
        keypad_only: bool = False,
        via: str | None = None,
        can_text: bool = False,
    ) -> Conversation:
        """A new conversation, recorded when it ends."""

    def vocabulary(self, intents: IntentSet) -> list[str]:
        """The words a restricted recogniser listens for."""

    def can_text(self, number: str | None) -> bool:
        """Whether this number takes an SMS."""

    def record(self, call: Call, meta: dict[str, object], ended_at: datetime | None = None) -> None:
        """Write a finished call's KPI record (once)."""

    def request_callback(
        self, call_id: str, request: RequestCallback, queue: str, inline: bool = False
    ) -> None:
        """Queue a callback request (never lost)."""

    def send_link(self, call_id: str, link: SendLink) -> None:
        """Queue the SMS with an answer's link."""

    def hand_off(self, call: Call, listed: bool = True) -> Handoff:
        """Store the context an agent receives, and return it."""


def open_session(
    svc: PhoneServices, call_id: str, caller: str | None, sink: AudioSink, via: str
) -> CallSession:
    """A started session for a new call: greeting played, state saved as it changes.

    `caller` is the keyed hash of the caller's number (re-contact), never the number.
    """
    calls = CallStore(svc.redis)
    keypad_only = svc.speech_model is None
    can_text = svc.can_text(_number(svc, call_id))
    convo = svc.conversation(
        call_id, Channel.PHONE, caller=caller, keypad_only=keypad_only, via=via, can_text=can_text
    )
    recognizer = None
    if svc.speech_model is not None:
        recognizer = svc.speech_model.recognizer(svc.vocabulary(convo.flow.intents))
    session = CallSession(
        convo,
        recognizer,
        svc.prompts,
        sink,
        svc.executor,
        on_step=lambda call: _save(calls, call, convo.meta),
        make_turns=lambda: TurnDetector(WebRtcVad(), judge=_judge(svc, recognizer)),
        on_recognised=svc.live.recognised,
        on_callback=lambda request: svc.request_callback(
            call_id, request, convo.flow.queue_for(convo.call)
        ),
        on_send_link=lambda link: svc.send_link(call_id, link),
    )
    log.info("media started call_id=%s via=%s keypad_only=%s", call_id, via, keypad_only)
    session.start()
    return session


def _judge(svc: PhoneServices, recognizer: Recognizer | None) -> EndOfTurn | None:
    """The end-of-turn model, for engines whose words come only when the turn has ended."""
    return None if recognizer is None or recognizer.streaming else svc.turn_model


def _number(svc: PhoneServices, call_id: str) -> str | None:
    """The number the call comes from, as the webhook kept it; None when Redis is away."""
    try:
        return HandoffStore(svc.redis).caller(call_id)
    except RedisError:
        return None


def _save(calls: CallStore, call: Call, meta: dict[str, object]) -> None:
    """Keep the call's state for the webhooks; with Redis away the call goes on from memory."""
    try:
        calls.save(call, meta)
    except RedisError:
        log.warning("call state not saved, redis unavailable call_id=%s", call.call_id)


@dataclass(frozen=True)
class NextStep:
    """What the telephony does once the media stream has closed."""

    queue: str | None
    """Transfer to this contact-centre queue; None: hang up."""
    handoff: Handoff | None = None
    """The context an agent receives (None when there is none, e.g. no state was found)."""
    apologise: bool = False
    """The stream broke before the conversation ended: say the error prompt first."""


def next_step(svc: PhoneServices, call_id: str) -> NextStep:
    """Transfer or hang up, as the conversation decided; a person when in doubt.

    A stream that broke before the flow finished (a crashed process, a lost connection) is a
    failure: the flow's `Failed` step decides, and the caller hears an apology first.

    Raises:
        RedisError: the call's state cannot be read (callers transfer to the default queue).
    """
    store = CallStore(svc.redis)
    saved = store.load(call_id)
    if saved is None:
        log.warning("no call state after the stream, transferring call_id=%s", call_id)
        return NextStep(svc.flow().intents.default_queue)
    call, meta = saved
    broke = call.state is not State.ENDED
    if broke:
        log.warning("stream broke before the call ended call_id=%s", call_id)
        call = svc.flow().step(call, Failed("stream closed")).call
        store.save(call, meta)
        svc.record(call, meta)
    if call.outcome is Outcome.TRANSFERRED and call.reason is not TransferReason.CLOSED:
        handoff = svc.hand_off(call)
        return NextStep(handoff.queue, handoff, broke)
    return NextStep(None, None, broke)
