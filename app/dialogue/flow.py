"""The call flow of DESIGN.md §4 as a pure state machine: (call, event) → (call, actions).

No I/O, no clock of its own, no channel: the phone, the terminal chat and the tests drive the same
`Flow.step` and perform the actions it returns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from .hours import OpeningHours
from .intents import SYSTEM_TOPIC, Intent, IntentSet
from .matcher import Decision, Match, Matcher
from .redact import redact
from .texts import OPEN_NOW, PROMPTS, menu_choices

MAX_NO_MATCH = 2
"""The second misunderstanding leads to the keypad menu; a third in the menu leads to a person."""
MAX_SILENCES = 2
"""The first silence is reprompted, the second ends the call."""
REPEAT_KEY = "*"
PERSON_KEY = "0"


class State(StrEnum):
    """Where the conversation stands; text, so it round-trips through Redis."""

    LISTENING = "listening"
    CONFIRMING = "confirming"
    MENU = "menu"
    ENDED = "ended"


class Outcome(StrEnum):
    """Exactly one per call (DESIGN.md §6)."""

    RESOLVED = "resolved"
    TRANSFERRED = "transferred"
    ABANDONED = "abandoned"
    ERROR = "error"


class TransferReason(StrEnum):
    """Why a call went, or would have gone, to a person."""

    REQUESTED = "requested"
    NO_MATCH = "no_match"
    INTENT = "intent"
    ERROR = "error"
    CLOSED = "closed"


# Events the channel feeds in.
@dataclass(frozen=True)
class Heard:
    """A final transcript of what the caller said."""

    text: str


@dataclass(frozen=True)
class Silence:
    """The caller said nothing after a prompt."""


@dataclass(frozen=True)
class Keypad:
    """A DTMF digit (or a digit typed in the chat)."""

    digit: str


@dataclass(frozen=True)
class Played:
    """A prompt finished playing to the caller (on the phone: Twilio echoed its mark)."""

    prompt_id: str


@dataclass(frozen=True)
class HungUp:
    """The caller left; ends the call wherever it stands."""


@dataclass(frozen=True)
class Failed:
    """Something broke inside the call; the caller hears an apology and gets a person."""

    reason: str = ""


Event = Heard | Silence | Keypad | Played | HungUp | Failed


# Actions the channel performs.
@dataclass(frozen=True)
class Say:
    """Speak a prompt; `barge_in` False means the caller cannot interrupt it."""

    prompt_id: str
    text: str
    barge_in: bool = True


@dataclass(frozen=True)
class Transfer:
    """Hand the call to a contact-centre queue."""

    queue: str
    reason: TransferReason
    intent: str | None = None


@dataclass(frozen=True)
class Hangup:
    """End the call after the prompts before it have played."""


Action = Say | Transfer | Hangup


@dataclass(frozen=True)
class Turn:
    """One caller utterance and what the bot made of it (kept for hand-off and review)."""

    text: str
    """Redacted: CPR numbers, phone numbers and e-mail addresses are masked before storing."""
    intent: str | None
    decision: str
    confidence: float


@dataclass(frozen=True)
class Call:
    """Everything the flow remembers about one call; plain data, serialisable as JSON."""

    call_id: str
    state: State = State.LISTENING
    no_match: int = 0
    silences: int = 0
    pending: str | None = None
    """Intent awaiting "ja" after "Mente du ...?"."""
    last_said: tuple[Say, ...] = ()
    """What `gentag` repeats: the last answer or question."""
    answered: tuple[str, ...] = ()
    unheard: str | None = None
    """The last answer, until it finished playing or the caller reacted to it."""
    turns: tuple[Turn, ...] = ()
    wanted_transfer: TransferReason | None = None
    """A transfer the caller needed while the contact centre was closed."""
    outcome: Outcome | None = None
    reason: TransferReason | None = None
    queue: str | None = None
    intents_version: str = ""
    """The intent set the call started on; it finishes on the same one."""
    keypad_only: bool = False
    """No speech recognition on this call (no model): the keypad menu, else a person."""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Call:
        """Inverse of `to_dict`."""
        data = dict(data)
        data["state"] = State(data["state"])
        data["last_said"] = tuple(Say(**s) for s in data.get("last_said", ()))
        data["answered"] = tuple(data.get("answered", ()))
        data["turns"] = tuple(Turn(**t) for t in data.get("turns", ()))
        for key, kind in (
            ("wanted_transfer", TransferReason),
            ("reason", TransferReason),
            ("outcome", Outcome),
        ):
            data[key] = kind(data[key]) if data.get(key) else None
        return cls(**data)


@dataclass(frozen=True)
class Step:
    """The flow's answer to one event."""

    call: Call
    actions: tuple[Action, ...] = field(default_factory=tuple)


class Flow:
    """The conversation rules for one intent set; stateless, so one instance serves every call.

    Args:
        intents: the set the call runs on.
        matcher: scores utterances against `intents`.
        hours: decides whether a transfer can reach a person now.
        clock: the current time (injected, so tests can phone on a holiday).
        municipality: named in the greeting.
    """

    def __init__(
        self,
        intents: IntentSet,
        matcher: Matcher,
        hours: OpeningHours,
        clock: Callable[[], datetime],
        municipality: str,
    ) -> None:
        self.intents = intents
        self.matcher = matcher
        self.hours = hours
        self.clock = clock
        self.municipality = municipality
        self._menu = [t for t in intents.menu if t in intents.topics]

    def start(self, call_id: str, keypad_only: bool = False) -> Step:
        """Greet: the automated-assistant notice cannot be interrupted, the question can.

        With `keypad_only` (no speech recognition) the caller gets the keypad menu at once.
        """
        call = Call(call_id, intents_version=self.intents.version, keypad_only=keypad_only)
        greeting = self._say("greeting", barge_in=False, municipality=self.municipality)
        if keypad_only and self._menu:
            menu = self._say("menu_only", choices=self._menu_choices())
            return Step(
                dataclasses.replace(call, state=State.MENU, last_said=(menu,)), (greeting, menu)
            )
        ask = self._say("ask")
        return Step(dataclasses.replace(call, last_said=(ask,)), (greeting, ask))

    def fixed_prompts(self) -> list[Say]:
        """Every prompt whose text does not depend on the time: what to render in advance."""
        system = [
            self._say(
                pid,
                municipality=self.municipality,
                choices=self._menu_choices(),
                description="",
                next_opening="",
            )
            for pid in PROMPTS
            if pid not in ("confirm", "closed")
        ]
        confirms = [
            Say(f"confirm.{i.id}", PROMPTS["confirm"].format(description=i.description))
            for i in self.intents.intents.values()
            if i.description
        ]
        answers = [
            Say(i.id, self._fill(i.answer))
            for i in self.intents.intents.values()
            if i.answer and "{open_now}" not in i.answer
        ]
        return [*system, *confirms, *answers]

    def step(self, call: Call, event: Event) -> Step:
        """Apply one event. Pure: the same call and event always give the same step."""
        if call.state is State.ENDED:
            return Step(call)
        match event:
            case Played(prompt_id=prompt_id):
                heard = call.unheard if call.unheard != prompt_id else None
                return Step(dataclasses.replace(call, unheard=heard))
            case HungUp():
                if call.unheard:  # hung up while the only proof of help was still playing
                    call = dataclasses.replace(call, answered=call.answered[:-1], unheard=None)
                return Step(self._end(call, self._final_outcome(call)))
            case Failed():
                return self._failed(call)
            case Keypad(digit=digit):
                return self._keypad(dataclasses.replace(call, unheard=None), digit)
            case Silence():
                return self._silence(call)
            case Heard(text=text):
                return self._heard(call, text)
        raise TypeError(f"not a flow event: {event!r}")

    # --- events -------------------------------------------------------------------------

    def _heard(self, call: Call, text: str) -> Step:
        match = self.matcher.match(text)
        turn = Turn(redact(text), match.intent, match.decision.value, round(match.confidence, 3))
        call = dataclasses.replace(call, turns=(*call.turns, turn), silences=0, unheard=None)
        if call.state is State.CONFIRMING:
            return self._confirming(call, match)
        if match.decision is Decision.ANSWER and match.intent:
            return self._dispatch(call, self.intents.intents[match.intent])
        intent = self.intents.intents.get(match.intent or "")
        if match.decision is Decision.CONFIRM and intent and intent.description:
            text = PROMPTS["confirm"].format(description=intent.description)
            prompt = Say(f"confirm.{intent.id}", text)
            return Step(
                dataclasses.replace(
                    call, state=State.CONFIRMING, pending=intent.id, last_said=(prompt,)
                ),
                (prompt,),
            )
        return self._no_match(call)

    def _confirming(self, call: Call, match: Match) -> Step:
        pending = self.intents.intents.get(call.pending or "")
        call = dataclasses.replace(call, state=State.LISTENING, pending=None)
        if match.intent == "ja" and pending:
            return self._dispatch(call, pending)
        if match.intent == "nej":
            return self._no_match(call, prompt="confirm_again")
        if match.decision is Decision.ANSWER and match.intent:
            return self._dispatch(call, self.intents.intents[match.intent])
        return self._no_match(call)

    def _keypad(self, call: Call, digit: str) -> Step:
        if digit == PERSON_KEY:
            return self._transfer(call, TransferReason.REQUESTED)
        if digit == REPEAT_KEY:
            return self._repeat(call)
        if call.state is not State.MENU:
            return Step(call)
        if not digit.isdigit() or not 1 <= int(digit) <= len(self._menu):
            prompt = self._say("menu_invalid", choices=self._menu_choices())
            return Step(call, (prompt,))
        topic = self._menu[int(digit) - 1]
        answerable = [
            i
            for i in self.intents.intents.values()
            if i.topic == topic and i.action == "answer" and i.answer
        ]
        call = dataclasses.replace(call, state=State.LISTENING)
        if len(answerable) == 1:
            return self._answer(call, answerable[0])
        queue = self.intents.topics[topic].queue
        return self._transfer(call, TransferReason.NO_MATCH, queue=queue)

    def _silence(self, call: Call) -> Step:
        if call.keypad_only:
            return self._transfer(call, TransferReason.ERROR)
        call = dataclasses.replace(call, silences=call.silences + 1)
        if call.silences < MAX_SILENCES:
            return Step(call, (self._say("silence"),))
        return self._goodbye(call)

    def _failed(self, call: Call) -> Step:
        apology = self._say("error", barge_in=False)
        if self.hours.is_open(self.clock()):
            step = self._transfer(call, TransferReason.ERROR)
            return Step(step.call, (apology, *step.actions))
        return Step(self._end(call, Outcome.ERROR), (apology, self._say("goodbye"), Hangup()))

    # --- decisions ----------------------------------------------------------------------

    def _dispatch(self, call: Call, intent: Intent) -> Step:
        if intent.id == "menneske":
            return self._transfer(call, TransferReason.REQUESTED)
        if intent.id in ("nej", "farvel"):
            return self._goodbye(call)
        if intent.id == "ja":
            ask = self._say("ask_again")
            return Step(dataclasses.replace(call, last_said=(ask,)), (ask,))
        if intent.id == "gentag":
            return self._repeat(call)
        if intent.action == "transfer":
            return self._transfer(call, TransferReason.INTENT, intent=intent)
        if intent.answer:
            return self._answer(call, intent)
        return self._no_match(call)

    def _answer(self, call: Call, intent: Intent) -> Step:
        answer = Say(intent.id, self._fill(intent.answer or ""))
        call = dataclasses.replace(
            call,
            answered=(*call.answered, intent.id),
            unheard=intent.id,
            no_match=0,
            last_said=(answer,),
        )
        if not intent.follow_up:
            return self._goodbye(call, before=(answer,))
        return Step(call, (answer, self._say("anything_else")))

    def _no_match(self, call: Call, prompt: str = "rephrase") -> Step:
        call = dataclasses.replace(call, no_match=call.no_match + 1)
        if call.no_match < MAX_NO_MATCH:
            say = self._say(prompt)
            return Step(dataclasses.replace(call, last_said=(say,)), (say,))
        if call.state is not State.MENU and self._menu:
            menu = self._say("menu", choices=self._menu_choices())
            return Step(dataclasses.replace(call, state=State.MENU, last_said=(menu,)), (menu,))
        return self._transfer(call, TransferReason.NO_MATCH)

    def _repeat(self, call: Call) -> Step:
        if not call.last_said:
            return Step(call, (self._say("no_repeat"),))
        return Step(call, call.last_said)

    def _transfer(
        self,
        call: Call,
        reason: TransferReason,
        intent: Intent | None = None,
        queue: str | None = None,
    ) -> Step:
        queue = queue or self.intents.queue_for(intent or self._last_intent(call))
        now = self.clock()
        if self.hours.is_open(now):
            call = dataclasses.replace(call, queue=queue)
            call = self._end(call, Outcome.TRANSFERRED, reason)
            return Step(
                call,
                (
                    self._say("transfer", barge_in=False),
                    Transfer(queue, reason, intent.id if intent else None),
                ),
            )
        closed = self._say("closed", next_opening=self.hours.say_next_opening(now))
        anything_else = self._say("anything_else")
        call = dataclasses.replace(
            call,
            state=State.LISTENING,
            wanted_transfer=reason,
            queue=queue,
            no_match=0,
            last_said=(closed, anything_else),
        )
        return Step(call, (closed, anything_else))

    def _goodbye(self, call: Call, before: tuple[Action, ...] = ()) -> Step:
        call = self._end(call, self._final_outcome(call))
        return Step(call, (*before, self._say("goodbye", barge_in=False), Hangup()))

    # --- helpers ------------------------------------------------------------------------

    def _final_outcome(self, call: Call) -> Outcome:
        if call.wanted_transfer:
            return Outcome.TRANSFERRED
        return Outcome.RESOLVED if call.answered else Outcome.ABANDONED

    def _end(self, call: Call, outcome: Outcome, reason: TransferReason | None = None) -> Call:
        if outcome is Outcome.TRANSFERRED and reason is None:
            reason = TransferReason.CLOSED
        return dataclasses.replace(call, state=State.ENDED, outcome=outcome, reason=reason)

    def _last_intent(self, call: Call) -> Intent | None:
        for turn in reversed(call.turns):
            intent = self.intents.intents.get(turn.intent or "")
            if intent and intent.topic != SYSTEM_TOPIC:
                return intent
        return None

    def _menu_choices(self) -> str:
        return menu_choices([self.intents.topics[t].label for t in self._menu])

    def _fill(self, text: str) -> str:
        now = self.clock()
        open_now = OPEN_NOW[self.hours.is_open(now)]
        return text.format_map(
            {
                "opening_hours": self.hours.say_week(),
                "open_now": open_now.format(next_opening=self.hours.say_next_opening(now)),
                "municipality": self.municipality,
            }
        )

    def _say(self, prompt_id: str, barge_in: bool = True, **values: str) -> Say:
        return Say(prompt_id, PROMPTS[prompt_id].format(**values), barge_in)
