"""Caller-like turns through the whole flow: the tuning set's floor, so a change is seen.

`intents/tuning/stories_da.tsv` and `requests_da.tsv` are where rules and cut-offs are chosen
(the eval set stays unread): long stories, short requests, chat, second-language Danish and
English, and near misses that use a need's words for another question. These pin what was
reached there; a change that answers more wrongly, or understands fewer stories, fails here
before it reaches a caller.
"""

from collections import Counter

from app.core.evaluation import read_labelled
from app.core.first_turn import Heard1, first_turn
from tests.conftest import INTENTS_DIR

TUNING_SETS = [
    INTENTS_DIR.parent / "tuning" / name for name in ("stories_da.tsv", "requests_da.tsv")
]


def first_turns(flow):
    """(the need, or None when no intent answers it; what the first sentence led to) per line."""
    found = []
    for path in TUNING_SETS:
        for text, label in zip(*read_labelled(path), strict=True):
            need = label if label in flow.intents.intents else None
            found.append((need, first_turn(flow, text, need)))
    return found


def test_caller_like_turns_are_rarely_answered_wrongly_and_mostly_reached(flow_at):
    results = first_turns(flow_at())
    answerable = Counter(kind for need, kind in results if need)
    n = sum(answerable.values())
    assert n >= 400
    assert answerable[Heard1.WRONG] <= 0.03 * n
    reached = answerable[Heard1.RIGHT] + answerable[Heard1.CONFIRM_RIGHT]
    reached += answerable[Heard1.CHOICE_RIGHT]
    assert reached >= 0.80 * n
    assert answerable[Heard1.RIGHT] >= 0.50 * n


def test_near_misses_and_other_questions_are_not_answered(flow_at):
    outside = [kind for need, kind in first_turns(flow_at()) if need is None]
    assert len(outside) >= 50
    assert sum(kind is Heard1.WRONG for kind in outside) <= 0.03 * len(outside)
