"""The conversation as a pure state machine (docs/conversation.md): (call, event) → (call, actions).

No I/O, no clock of its own, no channel: the phone, the terminal chat and the tests drive the same
`Flow.step` and perform the actions it returns.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime

from ..intents.catalogue import SYSTEM_TOPIC, Intent, IntentSet, SystemIntent
from ..intents.local_facts import fill
from . import cues
from .call import (
    CALLBACK_STATES,
    LINK_OFFER,
    PERSON_OFFER,
    YES_NO_STATES,
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
    TransferReason,
    Turn,
)
from .callback import NUMBER, CallbackSteps, spoken_digits
from .cue_steps import CueSteps
from .danish_words import TRAILING_WORDS
from .endings import EndingSteps
from .hours import OpeningHours
from .keypad_steps import KeypadSteps
from .matcher import Matcher
from .offers import REPHRASE_OFFERS, OfferSteps
from .redact import redact, unmasked
from .texts import DYNAMIC_PROMPTS, OPEN_NOW, PROMPTS, WRITTEN, menu_choices
from .topic_steps import TopicSteps
from .verdict import Decision, Match

MAX_NO_MATCH = 2
"""The second misunderstanding leads to the keypad menu; a third in the menu leads to a person."""
MAX_SILENCES = 2
"""The first silence is reprompted, the second ends the call."""
MAX_HESITATIONS = 2
"""Fillers alone in a row that are waited out; the next is answered as a silence is."""
MAX_REPEATS = 3
"""Repeats in a row (gentag, *) before the caller is offered a person instead."""


class Flow(CallbackSteps, CueSteps, EndingSteps, KeypadSteps, OfferSteps, TopicSteps):
    """The conversation rules for one intent set; stateless, so one instance serves every call.

    Args:
        intents: the set the call runs on.
        matcher: scores utterances against `intents`.
        hours: decides whether a transfer can reach a person now.
        clock: the current time (injected, so tests can phone on a holiday).
        municipality: named in the greeting.
        texts: the wording of the prompts: spoken (`PROMPTS`, the default) or written
            (`WRITTEN`, for a chat). The rules are the same.
    """

    def __init__(
        self,
        intents: IntentSet,
        matcher: Matcher,
        hours: OpeningHours,
        clock: Callable[[], datetime],
        municipality: str,
        texts: Mapping[str, str] = PROMPTS,
    ) -> None:
        self.texts = texts
        self.written = texts is WRITTEN
        """Times and numbers as figures ("kl. 14.30"), for a chat."""
        self.intents = intents
        self.matcher = matcher
        self.hours = hours
        self.clock = clock
        self.municipality = municipality
        self._menu = [t for t in intents.menu if t in intents.topics]
        self._choices = menu_choices([intents.topics[t].label for t in self._menu])
        """The keypad choices sentence; fixed for the intent set, so made once."""
        self.menu_labels = [intents.topics[t].label for t in self._menu]
        """The menu's topics in key order (key 1 first): a chat shows them as buttons."""

    def start(self, call_id: str, keypad_only: bool = False, can_text: bool = False) -> Step:
        """Greet: the automated-assistant notice cannot be interrupted, the question can.

        The greeting says once how to reach a person (0); when the contact centre is closed,
        that 0 leads to a callback. With `keypad_only` (no speech recognition) the caller
        gets the keypad menu at once. `can_text`: the channel can text this caller a link.
        """
        call = Call(
            call_id,
            intents_version=self.intents.version,
            keypad_only=keypad_only,
            can_text=can_text,
        )
        greeting_id = "greeting" if self.hours.is_open(self.clock()) else "greeting_closed"
        greeting = self._say(greeting_id, barge_in=False)
        if keypad_only and self._menu:
            menu = self._say("menu_only")
            return Step(
                dataclasses.replace(call, state=State.MENU, last_said=(menu,)), (greeting, menu)
            )
        ask = self._say("ask")
        return Step(dataclasses.replace(call, last_said=(ask,)), (greeting, ask))

    def fixed_prompts(self) -> list[Say]:
        """Every prompt whose text does not depend on the call or the time: render in advance.

        Answers first: when an edited set arrives, its changed answers are what a caller may
        hear next, and a catalogue of a hundred answers takes a while to render.
        """
        system = [self._say(pid) for pid in PROMPTS if pid not in DYNAMIC_PROMPTS]
        confirms = [
            Say(f"confirm.{i.id}", self.texts["confirm"].format(description=i.description))
            for i in self.intents.intents.values()
            if i.description
        ]
        answers = [
            Say(i.id, self._fill(i.answer))
            for i in self.intents.intents.values()
            if i.answer and "{open_now}" not in i.answer
        ]
        return [*answers, *confirms, *system]

    @staticmethod
    def trails_off(partial: str) -> bool:
        """The words so far end on one a sentence does not end on ("… og", "øh"): more is coming."""
        words = partial.lower().split()
        return bool(words) and words[-1] in TRAILING_WORDS

    def sounds_complete(self, call: Call, partial: str) -> bool:
        """Is what the caller said so far a whole turn here? Decides how long a pause ends it.

        A yes or no where one is asked, a full phone number at the number step, else a request
        the matcher would answer, unless the words trail off ("… og", "øh").
        """
        if not partial.split() or self.trails_off(partial):
            return False
        if call.state is State.CALLBACK_NUMBER:
            return NUMBER.fullmatch(spoken_digits(partial)) is not None
        match = self.matcher.match(partial)
        asked_yes_no = call.state in YES_NO_STATES or (
            call.last_said and call.last_said[-1].prompt_id == "anything_else"
        )
        if match.intent in (SystemIntent.YES, SystemIntent.NO):
            return bool(asked_yes_no)
        if call.state in YES_NO_STATES:
            return match.intent == SystemIntent.GOODBYE
        return match.decision is Decision.ANSWER

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
                return Step(self._finish(call))
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
        if cues.is_filler_alone(text):  # "øh": still thinking; wait for the errand, no try used
            call = dataclasses.replace(call, hesitations=call.hesitations + 1)
            return self._silence(call) if call.hesitations > MAX_HESITATIONS else Step(call)
        call = dataclasses.replace(call, hesitations=0)
        redacted = redact(text)
        match = self.matcher.match(unmasked(redacted))  # a number said sinks no topic
        turn = Turn(redacted, match.intent, match.decision.value, round(match.confidence, 3))
        if call.state in CALLBACK_STATES:  # the number's sentence never names the topic
            turn = dataclasses.replace(turn, intent=None, decision="callback")
        repeats = call.repeats if match.intent == SystemIntent.REPEAT else 0
        call = dataclasses.replace(
            call, turns=(*call.turns, turn), silences=0, repeats=repeats, unheard=None
        )
        if cues.is_urgent(text):
            return self._urgent(call)
        if match.intent == SystemIntent.GOODBYE and len(call.turns) == 1 and not call.keyed:
            return self._not_helped_yet(call)  # "tak for hjælpen" before anything was asked
        if match.intent == SystemIntent.GOODBYE:  # a goodbye ends the call from any state
            return self._goodbye(call)
        if call.state in CALLBACK_STATES:
            return self._callback_heard(call, match, text)
        rephrase_asked = bool(call.last_said) and call.last_said[-1].prompt_id in REPHRASE_OFFERS
        if cues.is_goodbye_no(text) and (call.state is not State.OFFERING or rephrase_asked):
            return self._goodbye(call)  # "nej tak": done (to "stilles videre?" it declines)
        if cues.asks_about_the_bot(text):
            return self._about_me(call)
        if cues.is_case_question(text) and call.state is not State.CONFIRMING:
            return self._case(call, match)
        rest = cues.after_no_but(text)
        if rest is not None and self._asked_yes_no(call):  # "nej men …": no, and then this
            call = dataclasses.replace(call, state=State.LISTENING, pending=None, offer=None)
            return self._listen(call, rest, self.matcher.match(unmasked(redact(rest))))
        if cues.is_english(text):
            return self._english(call)
        if call.state is State.CONFIRMING:
            return self._confirming(call, match)
        if call.state is State.CHOOSING:
            return self._choosing(call, text, match)
        if call.state is State.OFFERING:
            return self._offering(call, match, text)
        if self._just_answered(call):
            if cues.is_rejection(text):
                return self._rejected(call)
            kind, rest = cues.follow_up(text)
            if kind:  # about the answer just given, unless the rest names another need
                other = self.matcher.match(unmasked(redact(rest))).intent or ""
                named = self.intents.intents.get(other)
                if named is None or named.topic == SYSTEM_TOPIC or named.id == call.answered[-1]:
                    return self._follow_up(call, kind)
        return self._listen(call, text, match)

    def _listen(self, call: Call, text: str, match: Match) -> Step:
        """A request heard where the caller may ask for anything."""
        asked = self.matcher.requests(unmasked(redact(text)))
        main = match.intent if match.decision is Decision.ANSWER else None
        if main in asked:  # what the whole turn asks comes first; the rest may be context
            asked = [main, *(a for a in asked if a != main)]
        if len(asked) > 1:  # two requests at once: the main one now, the other offered after it
            return self._dispatch(call, self.intents.intents[asked[0]], also=asked[1])
        if match.decision is Decision.ANSWER and match.intent:
            return self._dispatch(call, self.intents.intents[match.intent])
        choices = self.matcher.choices(match)
        if len(choices) > 1 and all(self.intents.intents[c].description for c in choices):
            return self._ask_topic(call, choices)  # the topic is clear, the need is not
        intent = self.intents.intents.get(match.intent or "")
        if match.decision is Decision.CONFIRM and intent and intent.description:
            text = self.texts["confirm"].format(description=intent.description)
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
        if match.intent == SystemIntent.YES and pending:
            return self._dispatch(call, pending)
        if match.intent == SystemIntent.NO:
            return self._no_match(call, prompt="confirm_again")
        if match.decision is Decision.ANSWER and match.intent:
            return self._dispatch(call, self.intents.intents[match.intent])
        return self._no_match(call)

    def _silence(self, call: Call) -> Step:
        if call.keypad_only:
            return self._transfer(call, TransferReason.ERROR)
        call = dataclasses.replace(call, silences=call.silences + 1)
        if call.silences < MAX_SILENCES:
            question = call.last_said[-1:] or (self._say("ask"),)
            return Step(call, (self._say("still_there"), *question))
        call = self._finish(call, silent=True)
        return Step(call, (self._say("no_input_goodbye", barge_in=False), Hangup()))

    def _failed(self, call: Call) -> Step:
        apology = self._say("error", barge_in=False)
        if self.hours.is_open(self.clock()):
            step = self._transfer(call, TransferReason.ERROR)
            return Step(step.call, (apology, *step.actions))
        return Step(self._end(call, Outcome.ERROR), (apology, self._say("goodbye"), Hangup()))

    def _not_helped_yet(self, call: Call) -> Step:
        """A thank-you or goodbye as the very first words: ask once; a second goodbye ends it.

        A citizen back from an earlier conversation, or unsure how to begin, is not done.
        """
        ask = self._say("not_helped_yet")
        return Step(dataclasses.replace(call, last_said=(ask,)), (ask,))

    # --- decisions ----------------------------------------------------------------------

    def _dispatch(self, call: Call, intent: Intent, also: str | None = None) -> Step:
        if intent.id == SystemIntent.PERSON:
            return self._transfer(call, TransferReason.REQUESTED)
        if intent.id == SystemIntent.GOODBYE:
            return self._goodbye(call)
        if intent.id == SystemIntent.NO:  # goodbye only to "Kan jeg hjælpe med andet?"
            if call.last_said and call.last_said[-1].prompt_id in ("anything_else", "ask_again"):
                return self._goodbye(call)
            return self._no_match(call)
        if intent.id == SystemIntent.YES:  # to "Kan jeg hjælpe med andet?"; else no request
            if call.last_said and call.last_said[-1].prompt_id == "anything_else":
                ask = self._say("ask_again")
                return Step(dataclasses.replace(call, last_said=(ask,)), (ask,))
            return self._no_match(call, prompt="ask")
        if intent.id == SystemIntent.REPEAT:
            return self._repeat(call)
        if intent.id in (SystemIntent.HELLO, SystemIntent.THANKS):
            return self._small_talk(call, intent.id)
        if intent.action == "transfer":
            return self._transfer(call, TransferReason.INTENT, intent=intent)
        if intent.answer:
            return self._answer(dataclasses.replace(call, also=also), intent)
        return self._no_match(call)

    def _answer(self, call: Call, intent: Intent) -> Step:
        answer = Say(intent.id, self._fill(intent.answer or ""))
        also = self.intents.intents.get(call.also or "")
        call = dataclasses.replace(
            call,
            answered=(*call.answered, intent.id),
            unheard=intent.id,
            no_match=0,
            also=None,
            last_said=(answer,),
        )
        if intent.offer_transfer:
            open_now = self.hours.is_open(self.clock())
            return self._offer(
                call, answer, PERSON_OFFER, "offer_person" if open_now else "offer_callback"
            )
        if also and also.description:
            question = self._say("also", description=also.description)
            return self._offer(call, answer, also.id, question=question)
        if call.can_text and intent.links and intent.follow_up:
            return self._offer(call, answer, LINK_OFFER, "offer_link")
        if not intent.follow_up:
            return self._goodbye(call, before=(answer,))
        question = self._say("anything_else")
        return Step(dataclasses.replace(call, last_said=(answer, question)), (answer, question))

    def _no_match(self, call: Call, prompt: str = "rephrase") -> Step:
        call = dataclasses.replace(call, no_match=call.no_match + 1)
        if call.no_match < MAX_NO_MATCH:
            say = self._say(prompt)
            return Step(dataclasses.replace(call, last_said=(say,)), (say,))
        if call.no_match == MAX_NO_MATCH and call.state is not State.MENU and self._menu:
            menu = self._say("menu")
            return Step(dataclasses.replace(call, state=State.MENU, last_said=(menu,)), (menu,))
        return self._transfer(call, TransferReason.NO_MATCH)

    def _repeat(self, call: Call) -> Step:
        """Say the last answer or question again; asked for again and again, offer a person."""
        call = dataclasses.replace(call, repeats=call.repeats + 1, keyed="")
        if call.repeats > MAX_REPEATS:
            return self._transfer(dataclasses.replace(call, repeats=0), TransferReason.NO_MATCH)
        if not call.last_said:
            return Step(call, (self._say("no_repeat"),))
        return Step(call, call.last_said)

    def _last_intent(self, call: Call) -> Intent | None:
        for turn in reversed(call.turns):
            intent = self.intents.intents.get(turn.intent or "")
            if intent and intent.topic != SYSTEM_TOPIC:
                return intent
        return None

    def queue_for(self, call: Call) -> str:
        """The queue a person takes this conversation from: its topic's, else the default."""
        return call.queue or self.intents.default_queue

    def written_answer(self, intent: Intent) -> str:
        """An intent's answer for a chat: its `web_answer` when it has one, filled in."""
        return self._fill(intent.web_answer or intent.answer or "")

    def _fill(self, text: str) -> str:
        now = self.clock()
        open_now = OPEN_NOW[self.hours.is_open(now)]
        values = {
            "opening_hours": self.hours.say_week(self.written),
            "open_now": open_now.format(
                next_opening=self.hours.say_next_opening(now, self.written)
            ),
            "municipality": self.municipality,
        }
        return fill(text, values, self.intents.facts)

    def _say(self, prompt_id: str, barge_in: bool = True, **values: str) -> Say:
        values = {"municipality": self.municipality, "choices": self._choices, **values}
        return Say(prompt_id, self.texts[prompt_id].format(**values), barge_in)
