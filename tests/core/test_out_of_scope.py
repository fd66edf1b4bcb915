"""Out-of-scope questions through the whole flow: at least 95 % are refused, none answered wrongly.

`intents/eval/out_of_scope_municipal_da.tsv` and `out_of_scope_da.tsv` are evaluation sets: no
example, synonym or threshold is learnt from them. A wrong answer is an intent's answer given to
a question the catalogue has none for, or another intent's answer to one it has; asking back, a
person or a referral is not. Lines labelled since the catalogue came to serve them are mostly
served. The bound is the issue's target (refused ≥ 95 %) over both files together (267 lines),
so one line more or less moves it by 0.4 points, not by a whole test.
"""

from app.core.call import Heard, Say, Transfer
from app.core.evaluation import read_labelled
from app.intents.catalogue import SYSTEM_TOPIC
from tests.conftest import INTENTS_DIR

EVAL_SET = INTENTS_DIR.parent / "eval" / "out_of_scope_municipal_da.tsv"
MORE_OUT_OF_SCOPE = INTENTS_DIR.parent / "eval" / "out_of_scope_da.tsv"
REFUSED_AT_LEAST = 0.95


def first_reply(flow, text):
    """The intents whose answer the first reply gives, and whose person it hands over to."""
    step = flow.step(flow.start("CA").call, Heard(text))
    content = {i.id for i in flow.intents.intents.values() if i.topic != SYSTEM_TOPIC}
    said = [a.prompt_id for a in step.actions if isinstance(a, Say) and a.prompt_id in content]
    return said, [a.intent for a in step.actions if isinstance(a, Transfer) and a.intent]


def answered(flow, text):
    return first_reply(flow, text)[0]


def served(flow, text):
    """Answered, or handed to the person of a need that is a person's (a complaint)."""
    said, handed = first_reply(flow, text)
    return said + handed


def test_at_least_95_in_a_hundred_out_of_scope_questions_are_refused(flow_at):
    out = []
    for path in (EVAL_SET, MORE_OUT_OF_SCOPE):
        texts, labels = read_labelled(path)
        out += [t for t, label in zip(texts, labels, strict=True) if label is None]
    assert len(out) >= 250
    flow = flow_at()
    wrong = [(t, said) for t in out if (said := answered(flow, t))]
    assert len(wrong) <= (1 - REFUSED_AT_LEAST) * len(out), wrong


def test_questions_the_catalogue_came_to_answer_are_served_and_never_answered_wrongly(flow_at):
    texts, labels = read_labelled(EVAL_SET)
    flow = flow_at()
    labelled = [(t, label) for t, label in zip(texts, labels, strict=True) if label]
    results = [(t, label, served(flow, t)) for t, label in labelled]
    assert not [r for r in results if r[2] and r[2] != [r[1]]]  # another need's answer
    right = [r for r in results if r[2] == [r[1]]]
    assert len(right) >= 0.85 * len(labelled), [r for r in results if r not in right]
