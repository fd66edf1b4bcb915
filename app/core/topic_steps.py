"""The topic question: when the topic is clear but the need is not, ask which need, once.

  "hjemmeplejen"  ─→ "Handler det om hjælp i hjemmet, et hjælpemiddel eller genoptræning?"
  a need named, its place ("den første") or its key ─→ that answer
  another clear request ─→ that answer      "nej", "ingen af dem", unclear ─→ a person

A person comes after the one question, never "sig det med andre ord" and the menu: the caller
has already said what it is about. Part of the pure flow (a mixin of `Flow`), like
`cue_steps.py`.
"""

from __future__ import annotations

import dataclasses

from ..intents.catalogue import SYSTEM_TOPIC, Intent, SystemIntent
from . import cues
from .call import Call, Say, State, Step, TransferReason
from .texts import menu_choices
from .verdict import Decision, Match

NONE_OF_THEM = ("ingen af dem", "ingen af delene", "ikke nogen af dem", "noget andet")


class TopicSteps:
    """Asking within a topic, and taking the caller's choice."""

    def _ask_topic(self, call: Call, choices: tuple[str, ...], keyed: bool = False) -> Step:
        """Ask "Handler det om A, B eller C?", naming each need by its description.

        `keyed`: the caller chose the topic on the keypad, so the needs are offered as keys
        ("Tryk 1 for …"), which a caller without speech recognition can answer too.
        """
        described = [self.intents.intents[c].description for c in choices]
        if keyed:
            text = self.texts["choose_keys"].format(choices=menu_choices(described))
        else:
            joined = " eller ".join([", ".join(described[:-1]), described[-1]])
            text = self.texts["choose"].format(choices=joined)
        say = Say("choose", text)
        call = dataclasses.replace(
            call, state=State.CHOOSING, choices=choices, pending=None, last_said=(say,)
        )
        return Step(call, (say,))

    def _choosing(self, call: Call, text: str, match: Match) -> Step:
        """The reply to the topic question: a choice, another clear need, or a person."""
        offered = [self.intents.intents[c] for c in call.choices if c in self.intents.intents]
        call = dataclasses.replace(call, state=State.LISTENING, choices=())
        queue = self.intents.queue_for(offered[0] if offered else None)
        if any(phrase in cues.said(text) for phrase in NONE_OF_THEM):
            return self._transfer(call, TransferReason.NO_MATCH, queue=queue)
        picked = self._picked(text, offered)
        if picked is not None:
            return self._dispatch(call, picked)
        named = self.intents.intents.get(match.intent or "")
        clear = match.decision is Decision.ANSWER and named is not None
        if clear and (
            named.topic != SYSTEM_TOPIC or named.id in (SystemIntent.PERSON, SystemIntent.GOODBYE)
        ):
            return self._dispatch(call, named)
        return self._transfer(call, TransferReason.NO_MATCH, queue=queue)

    def _picked(self, text: str, offered: list[Intent]) -> Intent | None:
        """The offered need the reply names: by place, or as the surest of the offered."""
        place = cues.ordinal(text)  # 1, 2, 3 from the front; -1 ("det sidste") from the back
        index = None if place is None else place - 1 if place > 0 else place
        if index is not None and -len(offered) <= index < len(offered):
            return offered[index]
        if not offered:
            return None
        scores = dict(self.matcher.scores(text))
        ranked = sorted(offered, key=lambda i: scores.get(i.id, 0.0), reverse=True)
        best = scores.get(ranked[0].id, 0.0)
        runner_up = scores.get(ranked[1].id, 0.0) if len(ranked) > 1 else 0.0
        sure = self.matcher.thresholds
        return ranked[0] if best >= sure.confirm and best - runner_up >= sure.margin else None

    def _chosen_by_key(self, call: Call, digit: str) -> Step | None:
        """A key for one of the needs offered picks it; any other key is no choice."""
        if call.state is not State.CHOOSING or not digit.isdigit():
            return None
        if not 1 <= int(digit) <= len(call.choices):
            return None
        intent = self.intents.intents.get(call.choices[int(digit) - 1])
        if intent is None:
            return None
        return self._dispatch(dataclasses.replace(call, state=State.LISTENING, choices=()), intent)
