"""The call flow of DESIGN.md §4 as a pure state machine: (call, event) → (call, actions).

No I/O, no clock of its own, no channel: the phone, the terminal chat and the tests drive the same
`Flow.step` and perform the actions it returns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime

from .call import (
    CALLBACK_STATES,
    Action,
    Call,
    Event,
    Failed,
    Hangup,
    Heard,
    HungUp,
    Keypad,
    Outcome,
    Played,
    Say,
    Silence,
    State,
    Step,
    Transfer,
    TransferReason,
    Turn,
)
from .callback import CallbackSteps
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


class Flow(CallbackSteps):
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
            self._say(pid, municipality=self.municipality, choices=self._menu_choices())
            for pid in PROMPTS
            if pid not in ("confirm", "closed", "callback_confirm")
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
            case Keypad(digit=digit) if call.state in CALLBACK_STATES:
                return self._callback_key(call, digit)
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
        if call.state in CALLBACK_STATES:
            return self._callback_heard(call, match)
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
        return self._offer_callback(call, reason, queue)

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
        # A keyed-in number has done its work (or was abandoned): it must not outlive the call.
        return dataclasses.replace(
            call, state=State.ENDED, outcome=outcome, reason=reason, keyed="", callback_to=None
        )

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
